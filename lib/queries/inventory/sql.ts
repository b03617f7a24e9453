import { getPool, withTransaction } from "@/lib/db/pool";
import { personColumns, personKeySql, personKindSql } from "@/lib/domain/person";

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
 * Office traces in the window (`t`, one row per trace), resolved (`r`): surface, owner and
 * session from the trace's own spans, from its spans outside the window when none in it carry
 * them, and the surface from the session as a last resort (file.upload). Those look-ups read
 * office_traces (per trace, the least non-null surface, owner and session over all its spans, kept
 * at ingest) by key, instead of probing every daily partition of spans per trace. A session's
 * surface is the least one of its traces' (a session is one Office application).
 */
export function officeTracesSql(where: string): string {
  return resolvedOfficeTracesSql(`SELECT s.trace_id, min(s.surface) AS surface, min(s.user_email) AS user_email, min(s.account_uuid) AS account_uuid,
           min(s.organization_id) AS organization_id, min(s.session_id) AS session_id,
           min(s.start_time) AS first_seen, max(s.start_time) AS last_seen, count(*) AS spans,
           min(s.attributes->>'office.version') AS version_min, max(s.attributes->>'office.version') AS version_max
    FROM spans s WHERE ${where}
    GROUP BY s.trace_id`);
}

const HOUR_MS = 3_600_000;

/**
 * As officeTracesSql for all of a tenant's Office spans in a window, with `t` read from
 * office_trace_hours (a row per trace and UTC hour, kept at ingest) for the window's whole hours
 * and from raw spans for the partial hours at its edges: the same rows, a fraction of the reads.
 */
export function officeTracesInWindowSql(window: InventoryWindow, params: unknown[]): string {
  const hourFrom = window.from ? new Date(Math.ceil(window.from.getTime() / HOUR_MS) * HOUR_MS) : undefined;
  const hourTo = window.to ? new Date(Math.floor(window.to.getTime() / HOUR_MS) * HOUR_MS) : undefined;
  const raw = (w: InventoryWindow) => `SELECT s.trace_id, s.surface, s.user_email, s.account_uuid, s.organization_id, s.session_id, s.start_time AS first_seen,
           s.start_time AS last_seen, 1 AS spans, s.attributes->>'office.version' AS version_min, s.attributes->>'office.version' AS version_max
    FROM spans s WHERE ${["s.tenant_id = $1", "s.source = 'office'", ...timeConditions("s.start_time", w, params)].join(" AND ")}`;
  const parts: string[] = [];
  if (hourFrom && hourTo && hourTo <= hourFrom) parts.push(raw(window));
  else {
    parts.push(`SELECT h.trace_id, h.surface, h.user_email, h.account_uuid, h.organization_id, h.session_id, h.first_seen, h.last_seen, h.spans, h.version_min, h.version_max
    FROM office_trace_hours h WHERE ${["h.tenant_id = $1", ...timeConditions("h.hour", { from: hourFrom, to: hourTo }, params)].join(" AND ")}`);
    if (window.from && hourFrom! > window.from) parts.push(raw({ from: window.from, to: hourFrom }));
    if (window.to && hourTo! < window.to) parts.push(raw({ from: hourTo, to: window.to }));
  }
  return resolvedOfficeTracesSql(`SELECT u.trace_id, min(u.surface) AS surface, min(u.user_email) AS user_email, min(u.account_uuid) AS account_uuid,
           min(u.organization_id) AS organization_id, min(u.session_id) AS session_id,
           min(u.first_seen) AS first_seen, max(u.last_seen) AS last_seen, sum(u.spans) AS spans,
           min(u.version_min) AS version_min, max(u.version_max) AS version_max
    FROM (${parts.join("\n    UNION ALL\n    ")}) u
    GROUP BY u.trace_id`);
}

/** `t` (one row per trace: trace_id, the least surface, owner, organization, session, times, spans, versions) resolved as `r`. */
function resolvedOfficeTracesSql(firstLevel: string): string {
  return `t AS (
    ${firstLevel}
  ),
  r AS (
    SELECT t.trace_id, t.first_seen, t.last_seen, t.spans, t.version_min, t.version_max,
           CASE WHEN COALESCE(t.surface, x.surface, ses.surface) IN ('excel', 'word', 'powerpoint', 'outlook')
                THEN COALESCE(t.surface, x.surface, ses.surface) ELSE 'office' END AS surface,
           COALESCE(t.user_email, x.user_email) AS user_email,
           COALESCE(t.account_uuid, x.account_uuid) AS account_uuid,
           COALESCE(t.organization_id, x.organization_id) AS organization_id,
           COALESCE(t.session_id, x.session_id) AS session_id
    FROM t
    LEFT JOIN LATERAL (
      SELECT o.surface, o.user_email, o.account_uuid, o.organization_id, o.session_id FROM office_traces o
      WHERE (t.surface IS NULL OR t.session_id IS NULL OR (t.user_email IS NULL AND t.account_uuid IS NULL))
        AND o.tenant_id = $1 AND o.trace_id = t.trace_id
      LIMIT 1 -- one row by its key; the LIMIT keeps it a per-trace index lookup (not a hash join over every trace)
    ) x ON true
    LEFT JOIN LATERAL (
      SELECT min(o.surface) AS surface FROM office_traces o
      WHERE COALESCE(t.surface, x.surface) IS NULL AND COALESCE(t.session_id, x.session_id) IS NOT NULL
        AND o.tenant_id = $1 AND o.session_id = COALESCE(t.session_id, x.session_id)
    ) ses ON true
  )`;
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

export interface InventoryWindow {
  from?: Date;
  to?: Date;
}

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
