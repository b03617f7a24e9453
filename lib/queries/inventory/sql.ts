import { getPool, withTransaction } from "@/lib/db/pool";
import { personColumns, personKeySql, personKindSql } from "@/lib/domain/person";
import { HOUR_MS, splitWindow, type TimeWindow } from "@/lib/domain/time";

// What the inventory's list and detail queries share: the placeholders senders put in place of
// withheld names, the person of a row in SQL, the resolution of Office traces, the time window,
// and the way aggregates run.

// ---- placeholders -------------------------------------------------------------------------

// Values senders put in place of names they withhold: Claude Code without OTEL_LOG_TOOL_DETAILS ("mcp_tool", "custom", "third-party"), Office agents' "mcp_tool". The ingest side
// also lists such keys in redacted_keys; both are checked, so data ingested before a placeholder
// was known is still filtered.
export const TOOL_PLACEHOLDERS = ["mcp_tool", "<REDACTED>"];
export const MCP_PLACEHOLDERS = ["mcp_tool", "third-party", "custom", "mcp", "<REDACTED>"];
export const PLUGIN_PLACEHOLDERS = ["third-party", "custom", "<REDACTED>"];
export const SKILL_PLACEHOLDERS = ["custom_skill", "custom", "<REDACTED>"];

// ---- SQL fragments (constants only; every value travels as a parameter) ---------------------

// The person of an event (or identity observation) row `e`, and of a resolved Office trace `r`
// (spans carry only user.email and user.account_uuid): lib/domain/person.ts, in SQL.
const EVENT_PERSON = personColumns("e");
export const PERSON_KIND_SQL = personKindSql(EVENT_PERSON);
export const PERSON_SQL = personKeySql(EVENT_PERSON);
const OFFICE_PERSON = personColumns("r", { enduser: false, accountId: false, device: false });
export const OFFICE_PERSON_KIND_SQL = personKindSql(OFFICE_PERSON);
export const OFFICE_PERSON_SQL = personKeySql(OFFICE_PERSON);

/**
 * How an Office trace is resolved to its agent, everywhere: its surface, owner, organization and
 * session are the trace's own from office_traces (per trace, the least non-null value over ALL its
 * spans, kept at ingest), so a trace belongs to one agent as a whole even when the span naming
 * the owner (agent.query) is outside the window or arrived in another batch; a trace without a
 * surface (file.upload) takes its session's (a session is one Office application: the least
 * surface of the session's traces).
 *
 * officeTracesSql: the traces of the spans matching `where` (`t`, one row per trace), resolved as
 * `r`, for one agent's page (a person's traces: a look-up each by key).
 */
export function officeTracesSql(where: string): string {
  return `t AS (
    ${traceSpansSql(where)}
  ),
  r AS (
    SELECT t.trace_id, t.first_seen, t.last_seen, t.spans, t.version_min, t.version_max,
           ${officeSurfaceSql("o.surface", "ses.surface")} AS surface, o.user_email, o.account_uuid, o.organization_id, o.session_id
    FROM t
    JOIN office_traces o ON o.tenant_id = $1 AND o.trace_id = t.trace_id
    ${sessionSurfaceJoin("o.surface", "o.session_id")}
  )`;
}

/**
 * The Office spans of a tenant's window for the agent list, as `r`: one row per resolution
 * (surface, owner, session) and office.version range, with its spans, first and last time. The
 * window's whole hours come from office_trace_hours, whose rows carry their trace's resolution
 * (kept in step at ingest), so they group by agent as they are; only the partial hours at its edges
 * read raw spans and look their traces up. A trace without a surface takes its session's from the
 * session's other traces in the window, and only when none there has one from all of them (a
 * session is one Office application, so both give the same): every session with a file.upload
 * would otherwise be a look-up (6,700 of them in a 7-day window at 10 M events).
 */
export function officeAgentRowsSql(window: InventoryWindow, params: unknown[]): string {
  const raw = (w: InventoryWindow) => `SELECT o.surface, o.user_email, o.account_uuid, o.session_id, t.first_seen, t.last_seen, t.spans, t.version_min, t.version_max
    FROM (${traceSpansSql(["s.tenant_id = $1", "s.source = 'office'", ...timeConditions("s.start_time", w, params)].join(" AND "))}) t
    JOIN office_traces o ON o.tenant_id = $1 AND o.trace_id = t.trace_id`;
  const { whole, edges } = splitWindow(window, HOUR_MS);
  const parts = whole ? [`SELECT h.surface, h.user_email, h.account_uuid, h.session_id, h.first_seen, h.last_seen, h.spans, h.version_min, h.version_max
    FROM office_trace_hours h WHERE ${["h.tenant_id = $1", ...timeConditions("h.hour", whole, params)].join(" AND ")}`] : [];
  parts.push(...edges.map(raw));
  return `g AS (
    SELECT u.surface, u.user_email, u.account_uuid, u.session_id, u.version_min, u.version_max,
           min(u.first_seen) AS first_seen, max(u.last_seen) AS last_seen, sum(u.spans) AS spans
    FROM (${parts.join("\n    UNION ALL\n    ")}) u
    GROUP BY 1, 2, 3, 4, 5, 6
  ),
  r AS (
    SELECT ${officeSurfaceSql("COALESCE(g.surface, gs.surface)", "ses.surface")} AS surface, g.user_email, g.account_uuid, g.session_id,
           g.version_min, g.version_max, g.first_seen, g.last_seen, g.spans
    FROM g
    LEFT JOIN (SELECT g.session_id, min(g.surface) AS surface FROM g WHERE g.session_id IS NOT NULL GROUP BY 1) gs ON gs.session_id = g.session_id
    ${sessionSurfaceJoin("COALESCE(g.surface, gs.surface)", "g.session_id")}
  )`;
}

/** Per trace, the spans (`s`) matching `where`: their first and last start, number and office.version range. */
function traceSpansSql(where: string): string {
  return `SELECT s.trace_id, min(s.start_time) AS first_seen, max(s.start_time) AS last_seen, count(*) AS spans,
           min(s.attributes->>'office.version') AS version_min, max(s.attributes->>'office.version') AS version_max
    FROM spans s WHERE ${where}
    GROUP BY s.trace_id`;
}

/** The Office application of a resolved trace; 'office' when it has none (or an unknown one). */
function officeSurfaceSql(own: string, session: string): string {
  return `CASE WHEN COALESCE(${own}, ${session}) IN ('excel', 'word', 'powerpoint', 'outlook') THEN COALESCE(${own}, ${session}) ELSE 'office' END`;
}

/** `ses.surface`: the session's surface from all its traces, looked up only for a row whose `surface` is null. */
function sessionSurfaceJoin(surface: string, session: string): string {
  return `LEFT JOIN LATERAL (
      SELECT min(q.surface) AS surface FROM office_traces q
      WHERE ${surface} IS NULL AND ${session} IS NOT NULL AND q.tenant_id = $1 AND q.session_id = ${session}
    ) ses ON true`;
}

/**
 * Runs one aggregate statement with enough memory to hash (the planner cannot estimate how few
 * groups there are and would otherwise sort millions of rows) and without JIT (whose compile
 * time exceeds the query's run time here). Read-only, so it never holds locks that matter.
 */
export async function aggregate<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
  return withTransaction(async (client) => {
    await client.query("SET TRANSACTION READ ONLY");
    await client.query("SET LOCAL work_mem = '64MB'");
    await client.query("SET LOCAL jit = off");
    return (await client.query<R>(sql, params)).rows;
  });
}

export type InventoryWindow = TimeWindow;

export function timeConditions(column: string, window: InventoryWindow, params: unknown[]): string[] {
  const out: string[] = [];
  if (window.from) {
    params.push(window.from);
    out.push(`${column} >= $${params.length}`);
  }
  if (window.to) {
    params.push(window.to);
    out.push(`${column} < $${params.length}`);
  }
  return out;
}

/**
 * The spellings senders used for an email person key (`$n`: the lower-cased key), read from the
 * small identity table that records every identity ever ingested. `user_email = ANY(…)` lets a
 * lookup use the user_email indexes of events and spans, which lower(user_email) cannot.
 */
export function emailSpellingsSql(keyParam: number): string {
  return `ARRAY(SELECT DISTINCT o.user_email FROM identity_observations o WHERE o.tenant_id = $1 AND lower(o.user_email) = $${keyParam})`;
}

/**
 * Whether every event of an email person key carries it in user.email (none names the person by
 * an email-shaped enduser.id alone), from the identity table: only then may an agent's lookup
 * narrow to the user_email index without missing rows.
 */
export async function emailKeyOnlyInUserEmail(tenantId: string, key: string): Promise<boolean> {
  const { rows } = await getPool().query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM identity_observations WHERE tenant_id = $1 AND user_email IS NULL AND lower(enduser_id) = $2) AS found`,
    [tenantId, key],
  );
  return !rows[0]?.found;
}
