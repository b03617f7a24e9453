import { recordAudit } from "@/lib/audit";
import { config } from "@/lib/config";
import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, type TableDef } from "@/lib/domain/fields";
import { dropPartitionsBefore, partitionSummary, type TablePartitions } from "@/lib/db/partitions";
import { getPool, withTransaction } from "@/lib/db/pool";
import { lastFinishedJob } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/scheduler";
import { COMPLIANCE_CONTENT, Params, complianceStrip, contentStrip, type ContentStrip } from "./content-sql";

// Retention per tenant (issue #16.5): content (what the field registry and the attribute catalog
// call content, and Compliance transcripts) is removed content_days after the record's time, and
// whole records are deleted metadata_days after it. A nightly job per tenant (RETENTION_JOB_KIND,
// scheduled by lib/jobs/scheduler.ts) does both in small batches, each its own transaction, on
// the embedded engine and on a server alike.
//
// Content removal is idempotent (a batch takes only rows that still hold content) and starts
// where the previous night stopped, less a two-day margin for late arrivals; a shorter setting
// starts over from the oldest rows (content is cleared by batched UPDATEs: a partition holds
// every tenant's rows, and the metadata of those rows stays).
//
// Metadata: the record tables are partitioned by day (lib/db/partitions.ts). A pass first drops
// the whole partitions that are older than EVERY tenant's metadata retention (the instance-wide
// cutoff: none while any tenant keeps its records forever), which removes the bulk of old rows
// without a DELETE; then the tenant's own cutoff, when shorter, and what the DEFAULT partition
// and the rollups hold go by DELETE in small batches, oldest first (deleteOlderThan), never one
// bulk DELETE over a table.
// Alerts, their evidence and the audit log are kept: they are the record of what was decided.

export const RETENTION_JOB_KIND = "privacy.retention";
export const RETENTION_INTERVAL_MS = 24 * 3600_000;
const BATCH = 2000;
const LATE_ARRIVAL_MARGIN_MS = 2 * 24 * 3600_000;
export const MAX_RETENTION_DAYS = 36_500;

export interface Retention {
  contentDays: number | null;
  metadataDays: number | null;
  /** tenant: its own setting; environment: BLINDSPOT_*_RETENTION_DAYS. */
  from: "tenant" | "environment";
  updatedBy: string | null;
  updatedAt: Date | null;
}

export async function getRetention(tenantId: string): Promise<Retention> {
  const { rows } = await getPool().query<{ content_days: number | null; metadata_days: number | null; updated_by: string; updated_at: Date }>(
    `SELECT content_days, metadata_days, updated_by, updated_at FROM retention_settings WHERE tenant_id = $1`, [tenantId]);
  if (rows[0]) return { contentDays: rows[0].content_days, metadataDays: rows[0].metadata_days, from: "tenant", updatedBy: rows[0].updated_by, updatedAt: rows[0].updated_at };
  const cfg = config();
  return { contentDays: cfg.BLINDSPOT_CONTENT_RETENTION_DAYS ?? null, metadataDays: cfg.BLINDSPOT_METADATA_RETENTION_DAYS ?? null, from: "environment", updatedBy: null, updatedAt: null };
}

export class RetentionInputError extends Error {}

/** Validates and stores a tenant's retention (audited in the same transaction). */
export async function setRetention(tenantId: string, input: { contentDays: number | null; metadataDays: number | null }, actor: string): Promise<void> {
  for (const [name, v] of [["content", input.contentDays], ["metadata", input.metadataDays]] as const) {
    if (v !== null && (!Number.isInteger(v) || v < 1 || v > MAX_RETENTION_DAYS)) {
      throw new RetentionInputError(`${name} retention must be a whole number of days between 1 and ${MAX_RETENTION_DAYS}, or empty to keep forever`);
    }
  }
  if (input.contentDays !== null && input.metadataDays !== null && input.contentDays > input.metadataDays) {
    throw new RetentionInputError("content cannot be kept longer than the records it belongs to: content days must not exceed metadata days");
  }
  await withTransaction(async (tx) => {
    await tx.query(
      `INSERT INTO retention_settings (tenant_id, content_days, metadata_days, updated_by, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (tenant_id) DO UPDATE SET content_days = excluded.content_days, metadata_days = excluded.metadata_days,
         updated_by = excluded.updated_by, updated_at = now()`,
      [tenantId, input.contentDays, input.metadataDays, actor],
    );
    await recordAudit({
      tenantId, actor, action: "retention.update", target: "retention",
      details: { contentDays: input.contentDays ?? "forever", metadataDays: input.metadataDays ?? "forever" },
    }, tx);
  });
}

// ---- the tables -------------------------------------------------------------------------------

interface RecordTable {
  table: string;
  /** The record's own time. */
  time: string;
  key: string[];
  /** Content columns (null: the table holds no content of its own). */
  strip: ((p: Params) => ContentStrip) | null;
}

const registryTable = (t: TableDef, time: string, key: string[]): RecordTable => ({ table: t.table, time, key, strip: (p) => contentStrip(t, p) });

const COMPLIANCE_KEYS: Record<string, string[]> = {
  compliance_activities: ["id", "created_at"], compliance_chats: ["id"], compliance_chat_messages: ["id"], compliance_sessions: ["id"],
  compliance_session_messages: ["id"], compliance_tool_blocks: ["tool_use_id", "kind", "message_id"],
};

export const RECORD_TABLES: RecordTable[] = [
  // Keys as the primary keys, with the partition column.
  registryTable(EVENT_TABLE, "time", ["id", "time"]),
  registryTable(SPAN_TABLE, "start_time", ["trace_id", "span_id", "start_time"]),
  registryTable(METRIC_POINT_TABLE, "time", ["id", "time"]),
  ...COMPLIANCE_CONTENT.map((c) => ({
    table: c.table, time: c.time, key: COMPLIANCE_KEYS[c.table],
    strip: c.eraseOnly ? null : () => complianceStrip(c),
  })),
];

/** Derived tables deleted with the records they count. */
const ROLLUP_TABLES = [
  { table: "decision_rollups", time: "bucket", key: ["bucket", "surface", "user_key", "team", "tool_name", "mcp_server", "decision", "decision_source", "read_write"] },
  // A day's row goes once its start is past the cut-off (with up to a day of counts whose records stay).
  { table: "decision_rollups_daily", time: "bucket", key: ["bucket", "surface", "user_key", "team", "tool_name", "mcp_server", "decision", "decision_source", "read_write"] },
  { table: "decision_totals_daily", time: "bucket", key: ["bucket", "surface", "team", "tool_name", "mcp_server", "decision", "decision_source", "read_write"] },
  { table: "decision_totals_hourly", time: "bucket", key: ["bucket", "surface", "team", "tool_name", "mcp_server", "decision", "decision_source", "read_write"] },
  { table: "decision_people_daily", time: "bucket", key: ["bucket", "surface", "user_key", "team"] },
  { table: "decision_people_hourly", time: "bucket", key: ["bucket", "surface", "user_key", "team"] },
  // A week's row goes once its Monday is past the cut-off (with up to a week of counts whose records stay).
  { table: "decision_people_weekly", time: "bucket", key: ["bucket", "surface", "user_key", "team"] },
  { table: "agent_session_rollups", time: "bucket", key: ["bucket", "source", "user_email", "enduser_id", "account_id", "account_uuid", "user_id", "session_id", "service_version"] },
  { table: "agent_days", time: "day", key: ["day", "source", "person_kind", "person"] },
  // A trace's resolution goes once its newest span is past the cut-off (as record_extents).
  { table: "office_traces", time: "last_seen", key: ["trace_id"] },
  { table: "office_trace_hours", time: "hour", key: ["hour", "trace_id"] },
  { table: "agent_session_days", time: "day", key: ["source", "person_kind", "person", "session_id", "day"] },
  { table: "source_rollups", time: "day", key: ["day", "source", "kind", "service_version", "name"] },
  { table: "compliance_activity_daily", time: "day", key: ["day", "type", "actor_type"] },
  { table: "compliance_actor_daily", time: "day", key: ["day", "actor_type", "actor_email", "actor_user_id", "actor_account_uuid"] },
  // An actor goes once its latest activity is past the cut-off (its latest Cowork activity alone: see runRetention).
  { table: "compliance_actor_latest", time: "last_seen", key: ["actor_type", "actor_email", "actor_user_id", "actor_account_uuid"] },
  { table: "identity_observations", time: "last_seen", key: ["id"] },
  // A session's, prompt's or trace's time span goes once its newest record is past the cut-off.
  { table: "record_extents", time: "last_seen", key: ["kind", "key"] },
];

const cols = (key: string[], alias = "") => key.map((k) => `${alias}"${k}"`).join(", ");

/** Removes the content of rows older than `before` (and not older than `from`), batch by batch. */
async function stripContentBefore(tenantId: string, t: RecordTable, from: Date | null, before: Date, signal?: AbortSignal): Promise<number> {
  if (!t.strip) return 0;
  let total = 0;
  for (;;) {
    if (signal?.aborted) throw new Error("retention stopped");
    const p = new Params([tenantId, before, from]);
    const s = t.strip(p);
    const res = await getPool().query(
      `WITH batch AS (SELECT ${cols(t.key)} FROM ${t.table} WHERE tenant_id = $1 AND "${t.time}" < $2 AND ($3::timestamptz IS NULL OR "${t.time}" >= $3)
                        AND ${s.hasContent} ORDER BY "${t.time}" LIMIT ${p.add(BATCH)})
       UPDATE ${t.table} SET ${s.set.join(", ")} WHERE tenant_id = $1 AND (${cols(t.key)}) IN (SELECT ${cols(t.key)} FROM batch)`,
      p.values,
    );
    total += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < BATCH) return total;
  }
}

/** Deletes rows older than `before`, oldest first, batch by batch (what whole-partition drops left). */
async function deleteOlderThan(tenantId: string, t: { table: string; time: string; key: string[] }, before: Date, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    if (signal?.aborted) throw new Error("retention stopped");
    const res = await getPool().query(
      `DELETE FROM ${t.table} WHERE tenant_id = $1 AND (${cols(t.key)}) IN
         (SELECT ${cols(t.key)} FROM ${t.table} WHERE tenant_id = $1 AND "${t.time}" < $2 ORDER BY "${t.time}" LIMIT $3)`,
      [tenantId, before, BATCH],
    );
    total += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < BATCH) return total;
  }
}

export interface RetentionReport {
  contentDays: number | null;
  metadataDays: number | null;
  /** Content removed from rows older than this (the next run starts near it). */
  contentCutoff: string | null;
  stripped: Record<string, number>;
  deleted: Record<string, number>;
  /** Partitions dropped (older than every tenant's metadata retention), by table; rows of every tenant. */
  droppedPartitions?: Record<string, string[]>;
}

/**
 * The time before which every tenant's metadata retention has expired: now less the longest
 * metadata_days of all tenants (their own setting or the environment's default); null while any
 * tenant keeps its records forever.
 */
export async function instanceMetadataCutoff(now: Date): Promise<Date | null> {
  const envDays = config().BLINDSPOT_METADATA_RETENTION_DAYS ?? null;
  const { rows } = await getPool().query<{ forever: boolean; longest: number | null }>(
    `SELECT bool_or(d IS NULL) AS forever, max(d)::int AS longest FROM (
       SELECT CASE WHEN r.tenant_id IS NULL THEN $1::int ELSE r.metadata_days END AS d
         FROM tenants t LEFT JOIN retention_settings r ON r.tenant_id = t.id) AS x`,
    [envDays],
  );
  const { forever, longest } = rows[0] ?? {};
  if (forever !== false || longest === null || longest === undefined) return null;
  return new Date(now.getTime() - longest * 86_400_000);
}

/**
 * One retention pass for a tenant. `previous`: the last pass's report (where content removal
 * stopped); without it, or when content_days got shorter, every old row is examined.
 */
export async function runRetention(tenantId: string, opts: { now?: Date; previous?: Partial<RetentionReport> | null; signal?: AbortSignal } = {}): Promise<RetentionReport> {
  const now = opts.now ?? new Date();
  const r = await getRetention(tenantId);
  const report: RetentionReport = { contentDays: r.contentDays, metadataDays: r.metadataDays, contentCutoff: null, stripped: {}, deleted: {} };
  // Deleting first: no content is removed from rows about to go.
  if (r.metadataDays !== null) {
    const instanceCutoff = await instanceMetadataCutoff(now);
    if (instanceCutoff) {
      const dropped = await dropPartitionsBefore(instanceCutoff);
      if (Object.keys(dropped).length) report.droppedPartitions = dropped;
    }
    const cutoff = new Date(now.getTime() - r.metadataDays * 86_400_000);
    for (const t of [...RECORD_TABLES, ...ROLLUP_TABLES]) {
      const n = await deleteOlderThan(tenantId, t, cutoff, opts.signal);
      if (n) report.deleted[t.table] = n;
    }
    // An actor kept for newer activity whose latest Cowork activity went: none is left (the coverage page reads this).
    await getPool().query(`UPDATE compliance_actor_latest SET cowork_last_seen = NULL WHERE tenant_id = $1 AND cowork_last_seen < $2`, [tenantId, cutoff]);
  }
  if (r.contentDays !== null) {
    const cutoff = new Date(now.getTime() - r.contentDays * 86_400_000);
    const prev = opts.previous;
    const resume = prev?.contentCutoff && prev.contentDays !== undefined && prev.contentDays !== null && prev.contentDays <= r.contentDays;
    const from = resume ? new Date(Date.parse(prev.contentCutoff!) - LATE_ARRIVAL_MARGIN_MS) : null;
    for (const t of RECORD_TABLES) {
      const n = await stripContentBefore(tenantId, t, from, cutoff, opts.signal);
      if (n) report.stripped[t.table] = n;
    }
    report.contentCutoff = cutoff.toISOString();
  }
  return report;
}

export const retentionJobHandler: JobHandler = async ({ job, signal }) => {
  if (!job.tenantId) throw new Error(`${RETENTION_JOB_KIND} job without a tenant`);
  const last = await lastFinishedJob(job.tenantId, RETENTION_JOB_KIND);
  const previous = last?.status === "done" ? (last.progress as Partial<RetentionReport>) : null;
  return { ...(await runRetention(job.tenantId, { previous, signal })) };
};

/** Tenants whose retention removes anything (their own setting, or the environment's default). */
export async function tenantsWithRetention(): Promise<string[]> {
  const cfg = config();
  const envDefault = cfg.BLINDSPOT_CONTENT_RETENTION_DAYS !== undefined || cfg.BLINDSPOT_METADATA_RETENTION_DAYS !== undefined;
  const { rows } = await getPool().query<{ id: string }>(
    `SELECT t.id FROM tenants t LEFT JOIN retention_settings r ON r.tenant_id = t.id
      WHERE (r.tenant_id IS NULL AND $1::boolean) OR r.content_days IS NOT NULL OR r.metadata_days IS NOT NULL ORDER BY t.id`,
    [envDefault],
  );
  return rows.map((x) => x.id);
}

// ---- what is stored ---------------------------------------------------------------------------

export interface TableSize {
  table: string;
  /** Table, indexes and TOAST, summed over its partitions. */
  bytes: number;
  /** Rows of the whole database (the planner's estimate on large tables). */
  rows: number;
  estimated: boolean;
  /** Partitioned tables: how many partitions and the time they span (lib/db/partitions.ts). */
  partitions?: TablePartitions;
}

/**
 * Size on disk and rows of each stored-record table. A partitioned table holds no data itself
 * (pg_total_relation_size of it is 0): its figures are the sums over its partitions
 * (pg_partition_tree); a plain table's are its own.
 */
export async function tableSizes(): Promise<TableSize[]> {
  const names = [...RECORD_TABLES, ...ROLLUP_TABLES].map((t) => t.table).concat(["resources", "alerts", "alert_evidence", "audit_log"]);
  const { rows } = await getPool().query<{ table: string; bytes: string; reltuples: number }>(
    // pg_partition_tree lists nothing for a plain table (PostgreSQL 15, PGlite): it counts itself.
    `SELECT c.relname AS table,
            COALESCE(sum(pg_total_relation_size(pt.relid)), pg_total_relation_size(c.oid))::bigint AS bytes,
            COALESCE(sum(GREATEST(l.reltuples, 0)) FILTER (WHERE pt.isleaf), GREATEST(c.reltuples, 0))::float8 AS reltuples
       FROM pg_class c LEFT JOIN LATERAL pg_partition_tree(c.oid) pt ON true LEFT JOIN pg_class l ON l.oid = pt.relid
      WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[])
      GROUP BY c.relname, c.oid, c.reltuples`,
    [names],
  );
  const partitions = await partitionSummary();
  const out: TableSize[] = [];
  for (const r of rows) {
    const parts = partitions[r.table] ? { partitions: partitions[r.table] } : {};
    // Small or never analysed (no estimate): count exactly; large: the planner's estimate, cheap on any size.
    if (r.reltuples < 100_000) {
      const n = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM "${r.table}"`);
      out.push({ table: r.table, bytes: Number(r.bytes), rows: n.rows[0].n, estimated: false, ...parts });
    } else out.push({ table: r.table, bytes: Number(r.bytes), rows: Math.round(r.reltuples), estimated: true, ...parts });
  }
  return out.sort((a, b) => b.bytes - a.bytes || a.table.localeCompare(b.table));
}
