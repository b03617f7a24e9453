import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import pg from "pg";
import { closePool } from "@/lib/db/pool";
import { migrate } from "@/lib/db/migrate";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { ensureEnvironment, ensureTenant } from "@/lib/tenants";
import { isAborted, message } from "./bench-support";
import { cpuSnapshot, cpuSpent, type CpuSpent } from "./bench-ingest-cpu";

// The in-process comparisons of bench:ingest (--rules compare, --masking compare): the receiver's
// own pipeline (ingestPayload) driven by concurrent senders into a fresh database, timed with the
// CPU it cost. Each comparison switches one thing between two such runs.

export type IngestScope = Awaited<ReturnType<typeof freshScope>>;

/** Points the app's pool at a fresh database, migrates it, and makes the bench tenant. */
export async function freshScope(url: string) {
  process.env.DATABASE_URL = url;
  await closePool();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await migrate(client);
  await client.end();
  const tenantId = await ensureTenant("bench", "bench");
  const environmentId = await ensureEnvironment(tenantId, "bench");
  return { tenantId, environmentId, ingestTokenId: null };
}

export interface TimedIngest {
  seconds: number;
  recordsPerSecond: number;
  cpu: CpuSpent;
  failures: string[];
}

/** Sends the warm-up payloads, then times the rest; every batch must store all of its records. */
export async function timedIngest(
  label: string, scope: IngestScope, payloads: Buffer[],
  opts: { warmup: number; senders: number; batchSize: number; serverPid: number | null },
): Promise<TimedIngest> {
  const failures: string[] = [];
  const send = async (list: Buffer[]) => {
    let next = 0;
    await Promise.all(Array.from({ length: opts.senders }, async () => {
      for (let i = next++; i < list.length && !isAborted(); i = next++) {
        try {
          const out = await ingestPayload("logs", "protobuf", gunzipSync(list[i]), scope);
          if (out.rejected || out.inserted !== opts.batchSize) failures.push(`${label} batch ${i}: stored ${out.inserted}, rejected ${out.rejected}`);
        } catch (err) {
          failures.push(`${label} batch ${i}: ${message(err)}`);
        }
      }
    }));
  };
  await send(payloads.slice(0, opts.warmup));
  const before = cpuSnapshot(null, opts.serverPid);
  const started = performance.now();
  await send(payloads.slice(opts.warmup));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSpent(before, cpuSnapshot(null, opts.serverPid), seconds);
  const records = (payloads.length - opts.warmup) * opts.batchSize;
  return { seconds, recordsPerSecond: records / seconds, cpu, failures };
}
