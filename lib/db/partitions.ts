import type pg from "pg";
import { config } from "@/lib/config";
import { getPool, withTransaction } from "@/lib/db/pool";
import { DAY_MS } from "@/lib/domain/time";
import type { JobHandler } from "@/lib/jobs/scheduler";

// Time partitions (issue #15.1). Migration 20261205160000_time_partitions made the large record
// tables RANGE-partitioned on the record's own time, with a DEFAULT partition for any time no
// other partition covers (a record is never refused) and, on an installation that had data, a
// <table>_legacy partition holding everything up to the day after its newest record.
//
// This module keeps one partition per UTC day from today to BLINDSPOT_PARTITION_DAYS_AHEAD days
// ahead (the instance job PARTITION_JOB_KIND, every few hours; plain SQL, pg_partman is not
// needed), and drops whole partitions older than a cutoff for metadata retention
// (lib/privacy/retention.ts). The same schema and code run on the embedded engine and on a server.
// Every change takes one advisory lock, so two app instances (or a job and a test) can run it at
// once: the second finds the work done. Each partition is created or dropped in its own short
// transaction with a lock_timeout: DDL on a partitioned table waits for (and then blocks) ingest
// on it, so it gives up after a few seconds and the next run tries again.

export const PARTITION_JOB_KIND = "db.partitions";
export const PARTITION_INTERVAL_MS = 6 * 3600_000;
/** A gap after the newest daily partition (the app was stopped) is filled when shorter than this. */
const MAX_BACKFILL_DAYS = 62;
const LOCK_TIMEOUT_MS = 5000;

export interface PartitionedTable {
  table: string;
  /** The record's own time: the partition key. */
  time: string;
}

export const PARTITIONED_TABLES: PartitionedTable[] = [
  { table: "events", time: "time" },
  { table: "spans", time: "start_time" },
  { table: "metric_points", time: "time" },
  { table: "compliance_activities", time: "created_at" },
];

export interface Partition {
  name: string;
  /** Lower bound (inclusive); null: MINVALUE (the legacy partition) or the DEFAULT partition. */
  from: Date | null;
  /** Upper bound (exclusive); null only for the DEFAULT partition. */
  to: Date | null;
  isDefault: boolean;
}

type Db = Pick<pg.ClientBase, "query">;

/** The partitions of a table, oldest first, the DEFAULT partition last. */
export async function listPartitions(table: string, db: Db = getPool()): Promise<Partition[]> {
  const { rows } = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1 AND p.relnamespace = current_schema()::regnamespace`,
    [table],
  );
  // Bounds print in the session's time zone with its offset ('2026-12-05 00:00:00+00'): Postgres
  // reads them back exactly, so they are converted there rather than parsed here.
  const literals = rows.flatMap((r) => [...r.bound.matchAll(/'([^']+)'/g)].map((m) => m[1]));
  const instants = new Map<string, Date>();
  if (literals.length) {
    const conv = await db.query<{ literal: string; at: Date }>(`SELECT l AS literal, l::timestamptz AS at FROM unnest($1::text[]) AS l`, [literals]);
    for (const r of conv.rows) instants.set(r.literal, r.at);
  }
  const parts = rows.map((r): Partition => {
    if (r.bound === "DEFAULT") return { name: r.name, from: null, to: null, isDefault: true };
    const m = /FROM \((MINVALUE|'[^']+')\) TO \((MAXVALUE|'[^']+')\)/.exec(r.bound);
    if (!m) throw new Error(`unexpected partition bound of ${r.name}`);
    const at = (v: string) => (v.startsWith("'") ? instants.get(v.slice(1, -1))! : null);
    return { name: r.name, from: at(m[1]), to: at(m[2]), isDefault: false };
  });
  const key = (p: Partition) => (p.isDefault ? Infinity : (p.from?.getTime() ?? -Infinity));
  return parts.sort((a, b) => key(a) - key(b));
}

const utcDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
const dayName = (table: string, day: Date) => `${table}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
const overlaps = (p: Partition, from: Date, to: Date) => !p.isDefault && (p.from === null || p.from < to) && (p.to === null || p.to > from);

/** One short transaction holding the partition lock (instance-wide), with a lock_timeout for the DDL. */
function underPartitionLock<T>(fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('blindspot:partitions', 0))`);
    await tx.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    return fn(tx);
  });
}

/**
 * Creates the daily partition of `table` for [day, day + 1) unless a partition covers any of it.
 * Rows of that day already in the DEFAULT partition (it had no partition when they came) move
 * into it, in the same transaction. Returns whether it created one.
 */
async function createDayPartition(t: PartitionedTable, day: Date): Promise<boolean> {
  const to = new Date(day.getTime() + DAY_MS);
  return underPartitionLock(async (tx) => {
    const parts = await listPartitions(t.table, tx);
    if (parts.some((p) => overlaps(p, day, to))) return false;
    const name = dayName(t.table, day);
    const def = parts.find((p) => p.isDefault);
    const strays = def
      ? (await tx.query(`SELECT 1 FROM "${def.name}" WHERE "${t.time}" >= $1 AND "${t.time}" < $2 LIMIT 1`, [day, to])).rows.length > 0
      : false;
    if (!strays) {
      await tx.query(`CREATE TABLE "${name}" PARTITION OF "${t.table}" FOR VALUES FROM ('${day.toISOString()}') TO ('${to.toISOString()}')`);
      return true;
    }
    // Attaching checks that no DEFAULT row belongs to the new range: move them first.
    await tx.query(`CREATE TABLE "${name}" (LIKE "${t.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`);
    await tx.query(
      `WITH moved AS (DELETE FROM "${def!.name}" WHERE "${t.time}" >= $1 AND "${t.time}" < $2 RETURNING *) INSERT INTO "${name}" SELECT * FROM moved`,
      [day, to],
    );
    await tx.query(`ALTER TABLE "${t.table}" ATTACH PARTITION "${name}" FOR VALUES FROM ('${day.toISOString()}') TO ('${to.toISOString()}')`);
    return true;
  });
}

export interface PartitionReport {
  /** Partitions created, by table. */
  created: Record<string, string[]>;
}

/**
 * Makes sure each partitioned table has a daily partition from today (or from the end of its
 * newest daily partition, when that is at most MAX_BACKFILL_DAYS ago; or from `from`) to
 * `daysAhead` days after today, and one for each recent day (MAX_BACKFILL_DAYS) whose rows reached
 * the DEFAULT partition meanwhile (late records, a Compliance backfill), moving them in. Idempotent.
 * A bulk load of history (a seeder) passes `from`: its rows then land in daily partitions.
 */
export async function ensurePartitions(opts: { now?: Date; daysAhead?: number; from?: Date } = {}): Promise<PartitionReport> {
  const today = utcDay(opts.now ?? new Date());
  const daysAhead = opts.daysAhead ?? config().BLINDSPOT_PARTITION_DAYS_AHEAD;
  const last = new Date(today.getTime() + daysAhead * DAY_MS);
  const backfillFrom = new Date(today.getTime() - MAX_BACKFILL_DAYS * DAY_MS);
  const report: PartitionReport = { created: {} };
  for (const t of PARTITIONED_TABLES) {
    const parts = await listPartitions(t.table);
    const newestEnd = parts.filter((p) => !p.isDefault && p.to).map((p) => p.to!.getTime()).reduce((a, b) => Math.max(a, b), -Infinity);
    let start = newestEnd < today.getTime() && newestEnd >= backfillFrom.getTime() ? new Date(newestEnd) : today;
    if (opts.from && utcDay(opts.from) < start) start = utcDay(opts.from);
    const days = new Set<number>();
    for (let d = start.getTime(); d <= last.getTime(); d += DAY_MS) days.add(d);
    const def = parts.find((p) => p.isDefault);
    if (def) {
      const { rows } = await getPool().query<{ day: string }>(
        `SELECT DISTINCT (floor(extract(epoch FROM "${t.time}") / 86400) * 86400000)::bigint AS day FROM "${def.name}" WHERE "${t.time}" >= $1 AND "${t.time}" < $2`,
        [backfillFrom, last],
      );
      for (const r of rows) days.add(Number(r.day));
    }
    for (const d of [...days].sort((a, b) => a - b)) {
      const day = new Date(d);
      if (await createDayPartition(t, day)) (report.created[t.table] ??= []).push(dayName(t.table, day));
    }
  }
  return report;
}

/**
 * Detaches and drops every partition of the record tables that ends at or before `cutoff` (all
 * its rows are older). The DEFAULT partition is never dropped: its old rows go by the batched
 * DELETE of retention. Returns the partitions dropped, by table.
 */
export async function dropPartitionsBefore(cutoff: Date): Promise<Record<string, string[]>> {
  const dropped: Record<string, string[]> = {};
  for (const t of PARTITIONED_TABLES) {
    for (const p of await listPartitions(t.table)) {
      if (p.isDefault || !p.to || p.to > cutoff) continue;
      const done = await underPartitionLock(async (tx) => {
        // Another instance may have dropped it meanwhile.
        if (!(await listPartitions(t.table, tx)).some((q) => q.name === p.name)) return false;
        await tx.query(`ALTER TABLE "${t.table}" DETACH PARTITION "${p.name}"`);
        await tx.query(`DROP TABLE "${p.name}"`);
        return true;
      });
      if (done) (dropped[t.table] ??= []).push(p.name);
    }
  }
  return dropped;
}

export interface TablePartitions {
  count: number;
  /** Earliest lower bound (null: MINVALUE, the legacy partition) and latest upper bound of the daily partitions. */
  from: Date | null;
  to: Date | null;
  /** Whether a DEFAULT partition takes the times no range covers (far past, far future). */
  hasDefault: boolean;
}

/** Partition count and range of each partitioned table (for Settings → Data retention). */
export async function partitionSummary(): Promise<Record<string, TablePartitions>> {
  const out: Record<string, TablePartitions> = {};
  for (const t of PARTITIONED_TABLES) {
    const parts = await listPartitions(t.table);
    const ranged = parts.filter((p) => !p.isDefault);
    out[t.table] = {
      count: parts.length,
      from: ranged.length ? ranged[0].from : null,
      to: ranged.length ? ranged[ranged.length - 1].to : null,
      hasDefault: parts.some((p) => p.isDefault),
    };
  }
  return out;
}

export const partitionJobHandler: JobHandler = async () => ({ ...(await ensurePartitions()) });
