import type pg from "pg";
import { EVENT_COLUMNS, SPAN_COLUMNS } from "@/lib/ingest/writer";
import type { EventRow, SpanRow } from "@/lib/sources/model";
import { activityPerson, personOf } from "./evaluate";
import type { ComplianceActivityRow, DetectionEngine } from "./evaluator-contract";
import type { DetectionRecord } from "./types";

// Stored records read back as the rules see them (the same EventRow / SpanRow the ingest writer
// stored, so a rule sees the same record at ingest, in a correlation job and in a backfill).

type Db = Pick<pg.ClientBase, "query">;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** SELECT list giving each writer column under its row property; nanosecond int8s as text (→ bigint). */
function selectList(columns: { name: string; type: string }[], bigints: Set<string>): string {
  return columns
    .map((c) => {
      const expr = c.type === "uuid" ? `${c.name}::text` : bigints.has(c.name) ? `${c.name}::text` : c.name;
      return `${expr} AS "${camel(c.name)}"`;
    })
    .join(", ");
}

const EVENT_BIGINTS = new Set(["time_ns", "observed_time_ns"]);
const SPAN_BIGINTS = new Set(["start_ns", "end_ns"]);
export const EVENT_SELECT = selectList(EVENT_COLUMNS, EVENT_BIGINTS);
export const SPAN_SELECT = selectList(SPAN_COLUMNS, SPAN_BIGINTS);
export const ACTIVITY_SELECT = `id, created_at AS "createdAt", type, organization_id AS "organizationId", organization_uuid AS "organizationUuid",
  actor_type AS "actorType", actor_email AS "actorEmail", actor_user_id AS "actorUserId", actor_account_uuid AS "actorAccountUuid",
  actor_ip AS "actorIp", actor_user_agent AS "actorUserAgent", raw`;

const big = (v: unknown): bigint | null => (typeof v === "string" ? BigInt(v) : null);

export function eventRowOf(r: Record<string, unknown>): EventRow {
  return { ...(r as unknown as EventRow), timeNs: big(r.timeNs), observedTimeNs: big(r.observedTimeNs) };
}

export function spanRowOf(r: Record<string, unknown>): SpanRow {
  return { ...(r as unknown as SpanRow), startNs: big(r.startNs) ?? BigInt(0), endNs: big(r.endNs) };
}

/** A record and when it arrived (the correlation watermark's clock). */
export interface TimedRecord {
  record: DetectionRecord;
  receivedAt: Date;
}

/** The order loadRecords returns records in: by time, then id. */
export function byRecordTime(a: TimedRecord, b: TimedRecord): number {
  return a.record.time.getTime() - b.record.time.getTime() || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0);
}

export interface RecordRange {
  /** Records' own time (events.time, spans.start_time, activities.created_at), [from, to). */
  from?: Date;
  to?: Date;
  /** Arrival time, [receivedFrom, receivedTo). */
  receivedFrom?: Date;
  receivedTo?: Date;
}

function where(timeColumn: string, range: RecordRange, params: unknown[]): string {
  const parts = ["tenant_id = $1"];
  const add = (sql: string, v: Date | undefined) => {
    if (!v) return;
    params.push(v.toISOString());
    parts.push(sql.replace("?", `$${params.length}::timestamptz`));
  };
  add(`${timeColumn} >= ?`, range.from);
  add(`${timeColumn} < ?`, range.to);
  add(`received_at >= ?`, range.receivedFrom);
  add(`received_at < ?`, range.receivedTo);
  return parts.join(" AND ");
}

/** What loadRecords keeps; without it, every record of the range. */
export interface LoadOptions {
  /**
   * Keeps only the records it accepts, and reads the rows through a server-side cursor a page at
   * a time, so memory follows what is kept, not the size of the range (a correlation run's
   * context spans up to a day of a tenant's telemetry). The cursor needs `db` to be inside a
   * transaction.
   */
  keep?: (record: DetectionRecord) => boolean;
}

/** Rows read per FETCH when loadRecords filters through a cursor. */
export const CURSOR_PAGE_ROWS = 1000;

let cursorSeq = 0;

/** Runs `each` over the rows of a query: all at once, or a page at a time through a cursor. */
async function forEachRow<R>(db: Db, sql: string, params: unknown[], paged: boolean, each: (row: R) => void): Promise<void> {
  if (!paged) {
    for (const row of (await db.query(sql, params)).rows as R[]) each(row);
    return;
  }
  const cursor = `blindspot_records_${(cursorSeq = (cursorSeq + 1) % 1_000_000)}`;
  await db.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params);
  try {
    for (;;) {
      const page = (await db.query(`FETCH ${CURSOR_PAGE_ROWS} FROM ${cursor}`)).rows as R[];
      for (const row of page) each(row);
      if (page.length < CURSOR_PAGE_ROWS) break;
    }
  } finally {
    await db.query(`CLOSE ${cursor}`);
  }
}

/**
 * Every event, span and Compliance activity of a tenant in a range (or those `opts.keep`
 * accepts), as DetectionRecords ordered by time, and how many records were read (kept or not). Records the engine
 * cannot read are counted and skipped.
 */
export async function loadRecords(
  db: Db,
  engine: DetectionEngine,
  tenantId: string,
  range: RecordRange,
  opts: LoadOptions = {},
): Promise<{ records: TimedRecord[]; unreadable: number; read: number }> {
  const out: TimedRecord[] = [];
  let unreadable = 0;
  let read = 0;
  const keep = opts.keep;
  const paged = keep !== undefined;
  const push = (make: () => DetectionRecord | null, receivedAt: Date) => {
    try {
      const record = make();
      if (!record) return;
      read += 1;
      if (!keep || keep(record)) out.push({ record, receivedAt });
    } catch {
      unreadable += 1;
    }
  };
  let params: unknown[] = [tenantId];
  await forEachRow<Record<string, unknown>>(db, `SELECT ${EVENT_SELECT}, received_at AS "__receivedAt" FROM events WHERE ${where("time", range, params)}`, params, paged, ({ __receivedAt, ...r }) => {
    const row = eventRowOf(r);
    push(() => engine.eventRecord(row, personOf(row)), __receivedAt as Date);
  });
  params = [tenantId];
  await forEachRow<Record<string, unknown>>(db, `SELECT ${SPAN_SELECT}, received_at AS "__receivedAt" FROM spans WHERE ${where("start_time", range, params)}`, params, paged, ({ __receivedAt, ...r }) => {
    const row = spanRowOf(r);
    push(() => engine.spanRecord(row, personOf(row)), __receivedAt as Date);
  });
  params = [tenantId];
  await forEachRow<ComplianceActivityRow & { __receivedAt: Date }>(
    db, `SELECT ${ACTIVITY_SELECT}, received_at AS "__receivedAt" FROM compliance_activities WHERE ${where("created_at", range, params)}`, params, paged,
    ({ __receivedAt, ...r }) => push(() => engine.complianceRecord(r, activityPerson(r)), __receivedAt),
  );
  out.sort(byRecordTime);
  return { records: out, unreadable, read };
}
