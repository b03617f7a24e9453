import type { NormalizedBatch } from "@/lib/sources/model";
import type { WriteContext, WriteResult } from "./writer";

// Group commit: the batches of requests that arrive while a write is in flight are written together
// in ONE transaction (one COPY per table, one round of shared rows, one COMMIT), and each request is
// answered only after that COMMIT. Postgres's cost per transaction (partition routing, index opens,
// the shared rows' upserts, the commit's WAL flush) is paid once per group instead of once per
// request. There is no waiting for company: a request that finds a writer free is written at once;
// coalescing comes only from the requests queued behind the `writers` transactions in flight.
//
// A group holds batches of one scope (tenant, environment, ingest token), whose fixed columns and
// identity keys the writer takes from the scope, up to `maxRecords` records (a batch larger than
// that goes alone). If the shared transaction fails (other than the unique violation of a re-sent
// batch, which the write handles itself), every batch of the group is written again on its own:
// a batch that fails deterministically fails only its own request, and a database outage fails
// each request with the database's own error (503 + Retry-After upstream).

/** Writes a scope's batches in one transaction; resolves after COMMIT with each batch's counts. */
export type GroupWrite = (scope: WriteContext, batches: NormalizedBatch[]) => Promise<WriteResult[]>;

export interface GroupCommitSettings {
  maxRecords: number;
  writers: number;
}

interface Pending {
  scope: WriteContext;
  scopeKey: string;
  batch: NormalizedBatch;
  records: number;
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}

const recordsOf = (b: NormalizedBatch) => b.events.length + b.spans.length + b.points.length;
const keyOf = (s: WriteContext) => `${s.tenantId}\u001f${s.environmentId}\u001f${s.ingestTokenId ?? ""}`;

export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private writing = 0;
  /** Committed transactions, the batches they carried, batches written again alone (for tests and the benchmark). */
  readonly stats = { transactions: 0, batches: 0, retriedAlone: 0 };

  /** `settings` is read at each decision, so a changed configuration applies to the next group. */
  constructor(private readonly write: GroupWrite, private readonly settings: () => GroupCommitSettings) {}

  /** Batches waiting for a writer. */
  get queued(): number {
    return this.queue.length;
  }

  /** Transactions in flight. */
  get writers(): number {
    return this.writing;
  }

  /** Stores a batch; resolves after the COMMIT of the transaction that holds it. */
  submit(scope: WriteContext, batch: NormalizedBatch): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ scope, scopeKey: keyOf(scope), batch, records: recordsOf(batch), resolve, reject });
      this.startWriters();
    });
  }

  private startWriters(): void {
    while (this.writing < Math.max(1, this.settings().writers) && this.queue.length > 0) {
      const group = this.takeGroup();
      this.writing += 1;
      void this.runGroup(group).finally(() => {
        this.writing -= 1;
        this.startWriters();
      });
    }
  }

  /** The oldest batch and every queued batch of its scope that fits under the record cap, in arrival order. */
  private takeGroup(): Pending[] {
    const first = this.queue.shift()!;
    const group = [first];
    let records = first.records;
    const max = this.settings().maxRecords;
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i];
      if (p.scopeKey === first.scopeKey && records + p.records <= max) {
        group.push(p);
        records += p.records;
        this.queue.splice(i, 1);
      } else i += 1;
    }
    return group;
  }

  private async runGroup(group: Pending[]): Promise<void> {
    if (group.length === 1) return this.writeAlone(group[0]);
    let results: WriteResult[];
    try {
      results = await this.write(group[0].scope, group.map((p) => p.batch));
    } catch {
      // Whatever failed the shared transaction, each batch's own transaction decides its answer.
      // (Concurrently: as many transactions as these requests had before group commit.)
      this.stats.retriedAlone += group.length;
      await Promise.all(group.map((p) => this.writeAlone(p)));
      return;
    }
    this.stats.transactions += 1;
    this.stats.batches += group.length;
    group.forEach((p, i) => p.resolve(results[i]));
  }

  private async writeAlone(p: Pending): Promise<void> {
    try {
      const [result] = await this.write(p.scope, [p.batch]);
      this.stats.transactions += 1;
      this.stats.batches += 1;
      p.resolve(result);
    } catch (err) {
      p.reject(err);
    }
  }
}
