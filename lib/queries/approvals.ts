import { getPool } from "@/lib/db/pool";
import { personColumns, personKeySql } from "@/lib/domain/person";
import { DAY_MS, HOUR_MS } from "@/lib/domain/time";
import { AUTOMATIC_DECISION_SOURCES, EVENT, type DecisionSource } from "@/lib/domain/vocabulary";
import { SqlBuilder } from "@/lib/db/sql";
import type { JsonValue } from "@/lib/otlp/values";
import { toolTarget } from "@/lib/presentation/tool-target";

// Approval habits. Counts come from decision_rollups (kept at ingest), so the dashboard costs
// the same on tens of millions of events; the escalation list reads raw decisions in a
// bounded window, because it compares individual actions.

export interface ApprovalFilters {
  from: Date;
  to: Date;
  user?: string;
  team?: string;
  tool?: string;
  mcpServer?: string;
  surface?: string;
}

/** Tools that change things: an automatic approval of these deserves a look. */
export const WRITE_TOOLS = new Set(["Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "write_file", "edit_file", "PowerShell"]);

export type ApprovalBucket = "hour" | "day" | "week";

/** The numbers of the dashboard's tiles (Code and Cowork decisions unless named Office). */
export interface ApprovalTotals {
  decisions: number;
  rejected: number;
  alwaysAllow: number;
  autoApprovedWrites: number;
  officeExecutions: number;
  officeAutoAccept: number;
}

/** A person's or a team's decisions. */
export interface ApprovalGroup {
  key: string;
  total: number;
  userPermanent: number;
  userTemporary: number;
  config: number;
  hook: number;
  rejected: number;
  autoApprovedWrites: number;
  officeAutoAccept: number;
}

export interface ApprovalSummary {
  from: string;
  to: string;
  bucket: ApprovalBucket;
  total: number;
  /** This window's tiles, and the same numbers for the window of equal length just before it. */
  totals: ApprovalTotals;
  previous: ApprovalTotals & { from: string; to: string };
  bySource: Record<string, number>;
  byOutcome: Record<string, Record<string, number>>;
  overTime: ({ bucket: string } & Record<string, number | string>)[];
  office: { decision: string; read: number; write: number; other: number }[];
  /** Per person, the ApprovalGroup counts under the historical field name `user`. */
  perUser: { user: string; total: number; userPermanent: number; userTemporary: number; config: number; hook: number; rejected: number; autoApprovedWrites: number; officeAutoAccept: number }[];
  perTool: { tool: string; mcpServer: string; total: number; config: number; hook: number; userPermanent: number; rejected: number }[];
  autoApprovedWrites: { surface: string; tool: string; source: string; count: number }[];
  facets: { users: string[]; teams: string[]; tools: string[]; mcpServers: string[]; surfaces: string[] };
}

interface AggRow {
  g: number; // which grouping set the row belongs to (GROUPING() bits)
  t: Date | null;
  surface: string | null;
  tool_name: string | null;
  mcp_server: string | null;
  decision: string | null;
  decision_source: string | null;
  read_write: string | null;
  n: number;
  user_permanent: number;
  user_temporary: number;
  config: number;
  hook: number;
  rejected: number;
  auto_writes: number;
  office_auto: number;
}

/**
 * All the dashboard's numbers in one pass over the rollup rows of the window (GROUPING SETS),
 * aggregated by Postgres: the cost follows the number of rollup rows, never the raw events.
 */

/** The columns of a rollup row the dashboard reads; `user_key` only at the person level. */
const ROLLUP_COLUMNS = "bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write, count";

/**
 * The rollup rows of a window under the dashboard's filters, as a parenthesised FROM item (its
 * parameters added to the returned builder). A window longer than two days reads its whole UTC
 * days from a daily level and only the hours at its edges from the hourly one: every hour is in
 * exactly one of the two ranges, so the counts are the same as from hours alone, from ~24× fewer
 * rows. Hour buckets start at the hour holding `from`, as ingest counts them.
 *
 * Levels: "person" rows carry user_key and every dimension (decision_rollups_daily). "totals":
 * the caller needs no person (tiles, chart, tool and team tables), so whole days come from
 * decision_totals_daily and hours from decision_totals_hourly, without the person (a few rows per
 * day or hour instead of one per person) — unless the window is filtered to a person. "people"
 * (no tool or MCP server filter): rows of user_key, surface, team and the per-person counts
 * (PEOPLE_COUNTS) as columns: whole weeks from
 * decision_people_weekly, the days around them from decision_people_daily and the hours at the
 * edges from decision_people_hourly (every count is a sum: the pieces add up exactly).
 */
function rollupRows(
  tenantId: string, f: ApprovalFilters, level: "person" | "totals" | "people" = "person", only?: { column: "user_key" | "team"; keys: readonly string[] },
): { sql: SqlBuilder; from: string } {
  const sql = new SqlBuilder();
  sql.where(`tenant_id = ${sql.param(tenantId)}`);
  if (only) sql.where(`${only.column} = ANY(${sql.param([...only.keys])}::text[])`);
  // A person key as listed (tagged account ids keep their case), or an email typed in any case.
  if (f.user) {
    const u = sql.param(f.user);
    sql.where(`user_key IN (${u}, lower(${u}))`);
  }
  sql.whereEquals("team", f.team);
  sql.whereEquals("tool_name", f.tool);
  sql.whereEquals("mcp_server", f.mcpServer);
  sql.whereEquals("surface", f.surface);
  const filters = sql.whereSql();
  if (level === "people" && (f.tool || f.mcpServer)) throw new Error("the people level has no tool or MCP server");
  const personless = level === "totals" && !f.user;
  const people = level === "people";
  const columns = people ? `user_key, surface, team, ${PEOPLE_COUNTS.join(", ")}` : personless ? ROLLUP_COLUMNS : `user_key, ${ROLLUP_COLUMNS}`;
  const [hourly, daily] =
    people ? ["decision_people_hourly", "decision_people_daily"]
    : personless ? ["decision_totals_hourly", "decision_totals_daily"]
    : ["decision_rollups", "decision_rollups_daily"];
  const hourFrom = new Date(Math.floor(f.from.getTime() / HOUR_MS) * HOUR_MS);
  const dayFrom = new Date(Math.ceil(hourFrom.getTime() / DAY_MS) * DAY_MS);
  const dayTo = new Date(Math.floor(f.to.getTime() / DAY_MS) * DAY_MS);
  const [from, to] = [sql.param(hourFrom), sql.param(f.to)];
  if (approvalBucket(f.from, f.to) === "hour" || dayTo <= dayFrom) {
    return { sql, from: `(SELECT ${columns} FROM ${hourly} WHERE ${filters} AND bucket >= ${from} AND bucket < ${to})` };
  }
  const [df, dt] = [sql.param(dayFrom), sql.param(dayTo)];
  const edges = `SELECT ${columns} FROM ${hourly} WHERE ${filters} AND ((bucket >= ${from} AND bucket < ${df}) OR (bucket >= ${dt} AND bucket < ${to}))`;
  // Per person, the whole weeks inside the days come from the weekly level, the days around them from the daily one.
  const [weekFrom, weekTo] = [mondayOnOrAfter(dayFrom), mondayOnOrBefore(dayTo)];
  if (people && weekFrom < weekTo) {
    const [wf, wt] = [sql.param(weekFrom), sql.param(weekTo)];
    return {
      sql,
      from: `(${edges}
              UNION ALL
              SELECT ${columns} FROM ${daily} WHERE ${filters} AND ((bucket >= ${df} AND bucket < ${wf}) OR (bucket >= ${wt} AND bucket < ${dt}))
              UNION ALL
              SELECT ${columns} FROM decision_people_weekly WHERE ${filters} AND bucket >= ${wf} AND bucket < ${wt})`,
    };
  }
  return { sql, from: `(${edges} UNION ALL SELECT ${columns} FROM ${daily} WHERE ${filters} AND bucket >= ${df} AND bucket < ${dt})` };
}

/** The first Monday (UTC; a week's start as date_trunc('week') and the weekly level count it) at or after a midnight. */
function mondayOnOrAfter(midnight: Date): Date {
  const n = Math.round(midnight.getTime() / DAY_MS);
  return new Date((n + ((7 - daysSinceMonday(n)) % 7)) * DAY_MS);
}

/** The last Monday (UTC) at or before a midnight: the week the weekly level files that day under. */
export function mondayOnOrBefore(midnight: Date): Date {
  const n = Math.round(midnight.getTime() / DAY_MS);
  return new Date((n - daysSinceMonday(n)) * DAY_MS);
}

/** Days since the Monday of day `n` (days since 1970-01-01, a Thursday; before it too). */
const daysSinceMonday = (n: number) => (((n + 3) % 7) + 7) % 7;

/** The columns of the per-person levels (lib/ingest/rollups.ts keeps them with the same rules as countColumns). */
const PEOPLE_COUNTS = ["count", "user_permanent", "user_temporary", "config", "hook", "rejected", "auto_writes", "office_auto"];

/** SQL of the counts every tile and group shows, over rollup rows (parameters added to `sql`). */
function countColumns(sql: SqlBuilder): string {
  const writeTools = sql.param([...WRITE_TOOLS]);
  const automatic = `decision = \x27accept\x27 AND decision_source = ANY(${sql.param(AUTOMATIC_DECISION_SOURCES)}::text[])`;
  return `sum(count)::float8 AS n,
          (sum(count) FILTER (WHERE surface <> 'office'))::float8 AS decisions,
          (sum(count) FILTER (WHERE surface <> 'office' AND decision = 'reject'))::float8 AS code_rejected,
          (sum(count) FILTER (WHERE surface = 'office'))::float8 AS office,
          (sum(count) FILTER (WHERE decision_source = 'user_permanent'))::float8 AS user_permanent,
          (sum(count) FILTER (WHERE decision_source = 'user_temporary'))::float8 AS user_temporary,
          (sum(count) FILTER (WHERE decision_source = 'config'))::float8 AS config,
          (sum(count) FILTER (WHERE decision_source = 'hook'))::float8 AS hook,
          (sum(count) FILTER (WHERE decision = 'reject'))::float8 AS rejected,
          (sum(count) FILTER (WHERE surface <> 'office' AND ${automatic} AND tool_name = ANY(${writeTools})))::float8 AS auto_writes,
          (sum(count) FILTER (WHERE surface = 'office' AND decision = 'auto_accept'))::float8 AS office_auto`;
}

interface CountRow {
  n: number | null;
  decisions: number | null;
  code_rejected: number | null;
  office: number | null;
  user_permanent: number | null;
  user_temporary: number | null;
  config: number | null;
  hook: number | null;
  rejected: number | null;
  auto_writes: number | null;
  office_auto: number | null;
}

const num = (v: number | null | undefined) => Number(v ?? 0);

/** The tiles' numbers of a window. */
export async function approvalTotals(tenantId: string, f: ApprovalFilters): Promise<ApprovalTotals> {
  const { sql, from } = rollupRows(tenantId, f, "totals");
  const cols = countColumns(sql);
  const { rows } = await getPool().query<CountRow>(`SELECT ${cols} FROM ${from} r`, sql.values);
  const r = rows[0];
  return {
    decisions: num(r?.decisions), rejected: num(r?.code_rejected), alwaysAllow: num(r?.user_permanent),
    autoApprovedWrites: num(r?.auto_writes), officeExecutions: num(r?.office), officeAutoAccept: num(r?.office_auto),
  };
}

/**
 * Decisions per person (their person key) or per team ("" for none), most "always allow" first,
 * at most `limit`; with `keys`, only those people or teams (the previous period of the ones a
 * page lists: a few index lookups instead of grouping everyone).
 */
export async function approvalGroups(
  tenantId: string, f: ApprovalFilters, by: "person" | "team", limit = 100, keys?: readonly string[],
): Promise<ApprovalGroup[]> {
  if (keys?.length === 0) return [];
  return (await everyGroup(tenantId, f, by, keys)).slice(0, limit);
}

/** Every group of the window under the filters, in the order of approvalGroups. */
async function everyGroup(tenantId: string, f: ApprovalFilters, by: "person" | "team", keys?: readonly string[]): Promise<ApprovalGroup[]> {
  // People from the per-person level (a row per person-day) unless a tool or MCP server filter needs every dimension.
  const people = by === "person" && !f.tool && !f.mcpServer;
  const column = by === "team" ? "team" : "user_key";
  const { sql, from } = rollupRows(tenantId, f, by === "team" ? "totals" : people ? "people" : "person", keys && { column, keys });
  const cols = people ? `sum(count)::float8 AS n, ${PEOPLE_COUNTS.slice(1).map((c) => `sum(${c})::float8 AS ${c}`).join(", ")}` : countColumns(sql);
  const { rows } = await getPool().query<CountRow & { key: string }>(`SELECT ${column} AS key, ${cols} FROM ${from} r GROUP BY 1`, sql.values);
  return rows
    .map((r) => ({
      key: r.key, total: num(r.n), userPermanent: num(r.user_permanent), userTemporary: num(r.user_temporary), config: num(r.config),
      hook: num(r.hook), rejected: num(r.rejected), autoApprovedWrites: num(r.auto_writes), officeAutoAccept: num(r.office_auto),
    }))
    .sort((a, b) => b.userPermanent - a.userPermanent || b.autoApprovedWrites - a.autoApprovedWrites || b.total - a.total || a.key.localeCompare(b.key));
}

/** The bucket of the time axis: hours up to two days, days up to 120, weeks beyond. */
export function approvalBucket(from: Date, to: Date): ApprovalBucket {
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  return days <= 2 ? "hour" : days <= 120 ? "day" : "week";
}

/** The start of the bucket holding `t` (UTC; weeks start on Monday, as Postgres's date_trunc). */
function bucketStart(t: Date, bucket: ApprovalBucket): Date {
  const d = new Date(t);
  if (bucket === "hour") d.setUTCMinutes(0, 0, 0);
  else {
    d.setUTCHours(0, 0, 0, 0);
    if (bucket === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  }
  return d;
}

/** How a bucket is written on the axis and in the chart's data. */
export function bucketKey(d: Date, bucket: ApprovalBucket): string {
  return bucket === "hour" ? d.toISOString().slice(0, 13) + ":00Z" : d.toISOString().slice(0, 10);
}

/** Every bucket of the window, in order: the axis is continuous, an empty bucket is a zero. */
export function bucketKeys(from: Date, to: Date, bucket: ApprovalBucket, max = Infinity): string[] {
  const keys: string[] = [];
  for (let d = bucketStart(from, bucket); d < to && keys.length < max; ) {
    keys.push(bucketKey(d, bucket));
    if (bucket === "hour") d = new Date(d.getTime() + 3_600_000);
    else {
      d = new Date(d);
      d.setUTCDate(d.getUTCDate() + (bucket === "week" ? 7 : 1));
    }
  }
  return keys;
}

/** MAX_AXIS buckets at most: a longer window (decades, "all time") is drawn from its first to its last bucket with data. */
const MAX_AXIS = 2000;

function axis(f: { from: Date; to: Date }, bucket: ApprovalBucket, withData: string[]): string[] {
  const keys = bucketKeys(f.from, f.to, bucket, MAX_AXIS + 1);
  if (keys.length <= MAX_AXIS) return keys;
  const sorted = [...withData].sort();
  const at = (k: string) => new Date(bucket === "hour" ? k : `${k}T00:00:00Z`);
  return bucketKeys(at(sorted[0]), new Date(at(sorted[sorted.length - 1]).getTime() + 1), bucket, MAX_AXIS);
}

/** The people of the user filter's choices, at most. */
const MAX_FACET_PEOPLE = 5000;

export async function approvalSummary(tenantId: string, f: ApprovalFilters): Promise<ApprovalSummary> {
  const { sql, from } = rollupRows(tenantId, f, "totals");
  // The filters' choices, unfiltered: people from the person level, the rest without it. Without
  // a filter, the people grouped for perUser are exactly the choices: one pass over the person
  // level serves both.
  const unfiltered = !f.user && !f.team && !f.tool && !f.mcpServer && !f.surface;
  const facetPeople = rollupRows(tenantId, { from: f.from, to: f.to }, "people");
  const facetRows = rollupRows(tenantId, { from: f.from, to: f.to }, "totals");
  const bucket = approvalBucket(f.from, f.to);
  const pool = getPool();
  const span = f.to.getTime() - f.from.getTime();
  // Not before 1900: an "all time" window from year 1 would ask Postgres for years BC.
  const previousWindow = { ...f, from: new Date(Math.max(f.from.getTime() - span, Date.UTC(1900, 0, 1))), to: f.from };
  const [{ rows }, facetUsers, facets, totals, previous, people] = await Promise.all([
    pool.query<AggRow>(
      `SELECT GROUPING(t, surface, tool_name, mcp_server, decision, decision_source, read_write)::int AS g,
              t, surface, tool_name, mcp_server, decision, decision_source, read_write,
              ${countColumns(sql)}
       FROM (SELECT *, date_trunc('${bucket}', bucket) AS t FROM ${from} w) r
       GROUP BY GROUPING SETS (
         (),                                      -- total
         (t, decision_source, surface),           -- over time (non-office filtered below)
         (surface, decision),                     -- outcome by surface
         (surface, decision, read_write),         -- office read/write split
         (surface, tool_name, mcp_server),        -- per tool
         (surface, tool_name, decision, decision_source, read_write) -- automatic approvals of writes
       )`,
      sql.values,
    ),
    unfiltered ? null : pool.query<{ user_key: string }>(`SELECT DISTINCT user_key FROM ${facetPeople.from} r LIMIT ${MAX_FACET_PEOPLE}`, facetPeople.sql.values),
    pool.query<{ team: string; tool_name: string; mcp_server: string; surface: string }>(
      `SELECT DISTINCT team, tool_name, mcp_server, surface FROM ${facetRows.from} r LIMIT 5000`,
      facetRows.sql.values,
    ),
    approvalTotals(tenantId, f),
    approvalTotals(tenantId, previousWindow),
    everyGroup(tenantId, f, "person"),
  ]);

  // GROUPING() sets a bit per column left out, in the order t, surface, tool_name, mcp_server,
  // decision, decision_source, read_write (t is the highest bit).
  const bit = { t: 64, surface: 32, tool: 16, mcp: 8, decision: 4, source: 2, rw: 1 };
  const all = 127;
  const has = (r: AggRow, ...cols: number[]) => cols.every((c) => (r.g & c) === 0) && (all ^ cols.reduce((a, c) => a | c, 0)) === r.g;
  const n = (v: number | null) => Number(v ?? 0);

  const bySource: Record<string, number> = {};
  const byOutcome: Record<string, Record<string, number>> = {};
  const overTime = new Map<string, Record<string, number>>();
  const office = new Map<string, { decision: string; read: number; write: number; other: number }>();
  const perTool: ApprovalSummary["perTool"] = [];
  const autoApprovedWrites: ApprovalSummary["autoApprovedWrites"] = [];
  let total = 0;
  const key = (d: Date) => bucketKey(d, bucket);

  for (const r of rows) {
    if (r.g === all) total = n(r.n);
    else if (has(r, bit.t, bit.source, bit.surface)) {
      if (r.surface === "office") continue;
      const src = r.decision_source ?? "";
      bySource[src] = (bySource[src] ?? 0) + n(r.n);
      const b = overTime.get(key(r.t!)) ?? {};
      b[src] = (b[src] ?? 0) + n(r.n);
      overTime.set(key(r.t!), b);
    } else if (has(r, bit.surface, bit.decision)) {
      if (r.surface !== "office") (byOutcome[r.surface!] ??= {})[r.decision!] = n(r.n);
    } else if (has(r, bit.surface, bit.decision, bit.rw)) {
      if (r.surface !== "office") continue;
      const o = office.get(r.decision!) ?? { decision: r.decision!, read: 0, write: 0, other: 0 };
      if (r.read_write === "read") o.read += n(r.n);
      else if (r.read_write === "write") o.write += n(r.n);
      else o.other += n(r.n);
      office.set(r.decision!, o);
    } else if (has(r, bit.surface, bit.tool, bit.mcp)) {
      if (r.surface === "office") continue;
      const existing = perTool.find((t) => t.tool === r.tool_name && t.mcpServer === r.mcp_server);
      const row = existing ?? { tool: r.tool_name!, mcpServer: r.mcp_server!, total: 0, config: 0, hook: 0, userPermanent: 0, rejected: 0 };
      row.total += n(r.n);
      row.config += n(r.config);
      row.hook += n(r.hook);
      row.userPermanent += n(r.user_permanent);
      row.rejected += n(r.rejected);
      if (!existing) perTool.push(row);
    } else if (has(r, bit.surface, bit.tool, bit.decision, bit.source, bit.rw)) {
      const officeWrite = r.surface === "office" && r.decision === "auto_accept" && r.read_write === "write";
      const codeWrite = r.surface !== "office" && r.decision === "accept" && AUTOMATIC_DECISION_SOURCES.includes(r.decision_source as DecisionSource) && WRITE_TOOLS.has(r.tool_name!);
      if (officeWrite || codeWrite) {
        autoApprovedWrites.push({ surface: r.surface!, tool: r.tool_name!, source: officeWrite ? "auto_accept" : r.decision_source!, count: n(r.n) });
      }
    }
  }

  const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))].sort();
  return {
    from: f.from.toISOString(),
    to: f.to.toISOString(),
    bucket,
    total,
    totals,
    previous: { ...previous, from: previousWindow.from.toISOString(), to: previousWindow.to.toISOString() },
    bySource,
    byOutcome,
    // Every bucket of the window, each source present in it with a number (zero when none).
    overTime: overTime.size === 0 ? [] : axis(f, bucket, [...overTime.keys()]).map((k) => {
      const counts = overTime.get(k) ?? {};
      return { bucket: k, ...Object.fromEntries(Object.keys(bySource).map((src) => [src, counts[src] ?? 0])) };
    }),
    office: [...office.values()].sort((a, b) => a.decision.localeCompare(b.decision)),
    perUser: people.slice(0, 100).map(({ key: user, ...counts }) => ({ user, ...counts })),
    perTool: perTool.sort((a, b) => b.config - a.config || b.total - a.total).slice(0, 100),
    autoApprovedWrites: autoApprovedWrites.sort((a, b) => b.count - a.count),
    facets: {
      users: facetUsers ? uniq(facetUsers.rows.map((r) => r.user_key)) : uniq(people.map((p) => p.key)).slice(0, MAX_FACET_PEOPLE),
      teams: uniq(facets.rows.map((r) => r.team)),
      tools: uniq(facets.rows.map((r) => r.tool_name)),
      mcpServers: uniq(facets.rows.map((r) => r.mcp_server)),
      surfaces: uniq(facets.rows.map((r) => r.surface)),
    },
  };
}

/** What the approvals page shows of a window: the summary and its per-person or per-team table. */
export interface ApprovalPage {
  summary: ApprovalSummary;
  /** The table's rows (at most 100), most "always allow" first. */
  groups: ApprovalGroup[];
  /** The same people or teams in the period of equal length just before (absent: none there). */
  before: Map<string, ApprovalGroup>;
}

/**
 * The approvals page's numbers (bench:read times this very function). The per-person table is
 * the summary's perUser (grouped once); the previous period is read for the listed rows only.
 */
export async function approvalPage(tenantId: string, f: ApprovalFilters, groupBy: "person" | "team"): Promise<ApprovalPage> {
  const [summary, teams] = await Promise.all([approvalSummary(tenantId, f), groupBy === "team" ? approvalGroups(tenantId, f, "team") : null]);
  const groups = teams ?? summary.perUser.map(({ user: key, ...counts }) => ({ key, ...counts }));
  const previousWindow = { ...f, from: new Date(f.from.getTime() - (f.to.getTime() - f.from.getTime())), to: f.from };
  const previous = await approvalGroups(tenantId, previousWindow, groupBy, groups.length, groups.map((g) => g.key));
  return { summary, groups, before: new Map(previous.map((g) => [g.key, g])) };
}

// ---- escalations -----------------------------------------------------------------------------

export interface Escalation {
  user: string;
  tool: string;
  similarity: "identical" | "near-identical" | "similar" | "same tool";
  rejected: { eventId: string; promptId: string | null; sessionId: string | null; time: string; source: string; target: string | null };
  accepted: { eventId: string; promptId: string | null; sessionId: string | null; time: string; source: string; target: string | null };
  gapSeconds: number;
}

/** The rejections an escalation starts from (the predicate of events_rejections_time_idx). */
export const REJECTING = ["user_reject", "config"];
/** A code constant as an SQL literal (quotes doubled). */
const sqlText = (v: string) => `'${v.replace(/'/g, "''")}'`;
const sqlTextList = (vs: readonly string[]) => vs.map(sqlText).join(", ");
const PERSON_R = personKeySql(personColumns("r"));
const PERSON_A = personKeySql(personColumns("a"));
export const MAX_ESCALATION_WINDOW_DAYS = 31;

/** SQL for an event's team as the decision rollups record it (lib/ingest/rollups.ts): team.id, else department, else "". */
export function teamSql(alias: string): string {
  const attr = (k: string) => `CASE WHEN jsonb_typeof(${alias}.attributes->'${k}') = 'string' THEN NULLIF(${alias}.attributes->>'${k}', '') END`;
  return `COALESCE(${attr("team.id")}, ${attr("department")}, '')`;
}

/** An action as compared for "near-identical": quotes dropped, spaces collapsed, lower case. */
export function normalizeAction(s: string): string {
  return s.replace(/["'`]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
}

function tokens(s: string): Set<string> {
  return new Set(normalizeAction(s).split(/[\s/=:,;|&]+/).filter(Boolean));
}

/** How alike two actions are, from their command or path. */
export function similarity(a: string | null, b: string | null): Escalation["similarity"] | null {
  if (a === null || b === null) return a === b ? "same tool" : null;
  if (a === b) return "identical";
  if (normalizeAction(a) === normalizeAction(b)) return "near-identical";
  const x = tokens(a);
  const y = tokens(b);
  const inter = [...x].filter((t) => y.has(t)).length;
  const jaccard = inter / Math.max(x.size + y.size - inter, 1);
  return jaccard >= 0.6 ? "similar" : null;
}

/**
 * A rejection (by the user, or by policy) followed within `windowMinutes` by an automatic
 * approval (policy or hook) of the same or a near-identical action by the same person.
 */
export async function escalations(
  tenantId: string,
  f: Omit<ApprovalFilters, "from" | "to"> & { from: Date; to: Date; windowMinutes: number; limit?: number },
): Promise<Escalation[]> {
  const from = new Date(Math.max(f.from.getTime(), f.to.getTime() - MAX_ESCALATION_WINDOW_DAYS * 86_400_000));
  // The dashboard's filters apply to the rejection (the approval that follows has the same
  // person and tool by construction), with the rollups' meaning of each.
  const values: unknown[] = [tenantId, from, f.to, f.windowMinutes];
  const param = (v: unknown) => `$${values.push(v)}`;
  const filters: string[] = [];
  if (f.user) {
    const u = param(f.user);
    filters.push(`${PERSON_R} IN (${u}, lower(${u}))`);
  }
  if (f.team) filters.push(`${teamSql("r")} = ${param(f.team)}`);
  if (f.tool) filters.push(`r.tool_name = ${param(f.tool)}`);
  if (f.mcpServer) filters.push(`r.mcp_server = ${param(f.mcpServer)}`);
  if (f.surface) filters.push(`r.source = ${param(f.surface)}`);
  // The newest rejections first (events_rejections_time_idx), each with the person's automatic
  // approvals of the tool in the minutes after, oldest first (events_automatic_approvals_idx):
  // the walk stops at the row limit. Event name, decisions and sources are written out, not
  // bound, so the planner can prove the partial indexes' predicates.
  const { rows } = await getPool().query<{
    r_id: string; r_prompt: string | null; r_session: string | null; r_time: Date; r_source: string; r_fields: Record<string, JsonValue>; r_mcp: string | null; r_mcp_tool: string | null;
    a_id: string; a_prompt: string | null; a_session: string | null; a_time: Date; a_source: string; a_fields: Record<string, JsonValue>; a_mcp: string | null; a_mcp_tool: string | null;
    tool: string; person: string;
  }>(
    `SELECT r.id AS r_id, r.prompt_id AS r_prompt, r.session_id AS r_session, r.time AS r_time, r.decision_source AS r_source, r.fields AS r_fields,
            r.mcp_server AS r_mcp, r.mcp_tool AS r_mcp_tool,
            a.id AS a_id, a.prompt_id AS a_prompt, a.session_id AS a_session, a.time AS a_time, a.decision_source AS a_source, a.fields AS a_fields,
            a.mcp_server AS a_mcp, a.mcp_tool AS a_mcp_tool,
            r.tool_name AS tool, ${PERSON_R} AS person
     FROM events r
     CROSS JOIN LATERAL (
       SELECT a.* FROM events a
       WHERE a.tenant_id = r.tenant_id AND a.event_name = ${sqlText(EVENT.toolDecision)} AND a.decision = 'accept'
         AND a.decision_source IN (${sqlTextList(AUTOMATIC_DECISION_SOURCES)})
         AND ${PERSON_A} = ${PERSON_R} AND a.tool_name = r.tool_name
         AND a.time > r.time AND a.time <= r.time + make_interval(mins => $4)
       OFFSET 0 -- kept a subquery run per rejection: flattened, the planner merge-joins every decision of the window
     ) a
     WHERE r.tenant_id = $1 AND r.event_name = ${sqlText(EVENT.toolDecision)} AND r.decision = 'reject' AND r.decision_source IN (${sqlTextList(REJECTING)})
       AND r.time >= $2 AND r.time < $3${filters.map((x) => ` AND ${x}`).join("")}
     ORDER BY r.time DESC, r.id, a.time, a.id LIMIT 2000`,
    values,
  );
  const out: Escalation[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const rt = toolTarget(row.r_fields ?? {}, { server: row.r_mcp, tool: row.r_mcp_tool })?.value ?? null;
    const at = toolTarget(row.a_fields ?? {}, { server: row.a_mcp, tool: row.a_mcp_tool })?.value ?? null;
    const sim = similarity(rt, at);
    if (!sim || seen.has(row.r_id)) continue;
    seen.add(row.r_id); // the first automatic approval after a rejection is the one that matters
    out.push({
      user: row.person,
      tool: row.tool,
      similarity: sim,
      rejected: { eventId: row.r_id, promptId: row.r_prompt, sessionId: row.r_session, time: row.r_time.toISOString(), source: row.r_source, target: rt },
      accepted: { eventId: row.a_id, promptId: row.a_prompt, sessionId: row.a_session, time: row.a_time.toISOString(), source: row.a_source, target: at },
      gapSeconds: Math.round((row.a_time.getTime() - row.r_time.getTime()) / 1000),
    });
    if (out.length >= (f.limit ?? 200)) break;
  }
  return out;
}

/** Escalations without the commands and paths, for readers who may not see content. */
export function withoutTargets(list: Escalation[]): Escalation[] {
  return list.map((e) => ({ ...e, rejected: { ...e.rejected, target: null }, accepted: { ...e.accepted, target: null } }));
}
