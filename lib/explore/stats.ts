import { getPool } from "@/lib/db/pool";
import { SqlBuilder } from "@/lib/db/sql";
import { whereEvents, type EventFilter } from "@/lib/queries/event-filter";
import { whereSpans, type SpanFilter } from "./spans";

// The Explorer's histogram and total: how many events (or spans) match the query, and when. Both
// take the same filter as the table (lib/queries/event-filter.ts or lib/explore/spans.ts, with
// `q`), so the three always agree. Both throw QueryError for a bad `q` (the caller shows it).

/** Events (default) or, with `dataset: "spans"`, spans. */
export type StatsFilter = (EventFilter & { dataset?: "events" }) | (SpanFilter & { dataset: "spans" });

/** The table, its time column and the filtered statement's conditions for a filter. */
function statsSource(tenantId: string, query: StatsFilter): { from: string; time: string; table: string; timeColumn: string; p: SqlBuilder } {
  if (query.dataset === "spans") return { from: "spans s", time: "s.start_time", table: "spans", timeColumn: "start_time", p: whereSpans(new SqlBuilder(), tenantId, query) };
  return { from: "events e", time: "e.time", table: "events", timeColumn: "time", p: whereEvents(new SqlBuilder(), tenantId, query) };
}

export interface HistogramBucket {
  /** Bucket start, UTC ISO. */
  start: string;
  count: number;
}

export interface Histogram {
  buckets: HistogramBucket[];
  /** Bucket width in milliseconds. */
  bucketMs: number;
  /** The range the buckets cover: [from, to). */
  from: string;
  to: string;
}

const MINUTE = 60e3;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a histogram may use, smallest first (calendar-friendly steps). */
export const BUCKET_STEPS_MS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 30 * DAY] as const;
/** At most this many bars. */
export const MAX_BUCKETS = 120;

/** The smallest step that covers [from, to) in at most MAX_BUCKETS buckets (the largest step beyond). */
export function bucketSizeFor(from: Date, to: Date): number {
  const span = Math.max(to.getTime() - from.getTime(), 1);
  return BUCKET_STEPS_MS.find((s) => span / s <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS / DAY) * DAY;
}

/**
 * Matching events per time bucket over the filter's range (no lower bound: from the tenant's
 * first event; no upper bound: now). Buckets are aligned to the step in UTC and empty ones are
 * present with count 0, so the chart's axis is continuous.
 */
export async function exploreHistogram(tenantId: string, query: StatsFilter, now: Date = new Date()): Promise<Histogram> {
  const pool = getPool();
  const to = query.to ?? now;
  let from = query.from;
  if (!from) {
    // The tenant's first event (the (tenant_id, time) index answers it with one row).
    const src = statsSource(tenantId, { ...query, q: undefined });
    const { rows } = await pool.query<{ first: Date | null }>(`SELECT min(${src.timeColumn}) AS first FROM ${src.table} WHERE tenant_id = $1`, [tenantId]);
    from = rows[0]?.first ?? new Date(to.getTime() - DAY);
  }
  if (from.getTime() >= to.getTime()) return { buckets: [], bucketMs: bucketSizeFor(from, to), from: from.toISOString(), to: to.toISOString() };
  const step = bucketSizeFor(from, to);
  const start = Math.floor(from.getTime() / step) * step;

  const { p, from: fromSql, time } = statsSource(tenantId, query);
  const stepParam = p.param(step / 1000);
  const startParam = p.param(start / 1000);
  const sql =
    `SELECT floor((extract(epoch FROM ${time}) - ${startParam}::float8) / ${stepParam}::float8)::int AS b, count(*)::int AS n` +
    ` FROM ${fromSql} WHERE ${p.whereSql()} GROUP BY 1`;
  const { rows } = await pool.query<{ b: number; n: number }>(sql, p.values);
  const counts = new Map(rows.map((r) => [Number(r.b), Number(r.n)]));
  const buckets: HistogramBucket[] = [];
  for (let i = 0, t = start; t < to.getTime(); i++, t += step) buckets.push({ start: new Date(t).toISOString(), count: counts.get(i) ?? 0 });
  return { buckets, bucketMs: step, from: from.toISOString(), to: to.toISOString() };
}

/** Counted exactly up to here; beyond, the planner's estimate is shown (labelled estimated). */
export const EXACT_COUNT_LIMIT = 10_000;

export interface ExploreCount {
  count: number;
  /** false: `count` is the planner's estimate (more than EXACT_COUNT_LIMIT match). */
  exact: boolean;
}

/** How many events match: exact up to EXACT_COUNT_LIMIT (a LIMITed count), else the planner's estimate. */
export async function exploreCount(tenantId: string, query: StatsFilter): Promise<ExploreCount> {
  const pool = getPool();
  const { p, from } = statsSource(tenantId, query);
  const where = p.whereSql();
  const limit = p.param(EXACT_COUNT_LIMIT + 1);
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} WHERE ${where} LIMIT ${limit}) AS m`, p.values);
  const n = Number(rows[0]?.n ?? 0);
  if (n <= EXACT_COUNT_LIMIT) return { count: n, exact: true };
  // The same statement without the LIMIT, explained: its row estimate (never below what was counted).
  const q = statsSource(tenantId, query).p;
  const plan = await pool.query<{ "QUERY PLAN": Array<{ Plan: { "Plan Rows": number } }> }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} WHERE ${q.whereSql()}`,
    q.values,
  );
  const estimate = Math.round(Number(plan.rows[0]?.["QUERY PLAN"]?.[0]?.Plan?.["Plan Rows"] ?? 0));
  return { count: Math.max(estimate, n), exact: false };
}
