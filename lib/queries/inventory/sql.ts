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
 * them, and the surface from the session as a last resort (file.upload). Those lookups are bounded
 * by the trace's or session's time span (record_extents, kept at ingest), so each reads the one or
 * two daily partitions that hold it instead of probing every partition; without an extent row
 * (none is ever missing for stored spans) the lookup is unbounded, never wrong.
 */
export function officeTracesSql(where: string): string {
  return `t AS (
    SELECT s.trace_id, min(s.surface) AS surface, min(s.user_email) AS user_email, min(s.account_uuid) AS account_uuid,
           min(s.organization_id) AS organization_id, min(s.session_id) AS session_id,
           min(s.start_time) AS first_seen, max(s.start_time) AS last_seen, count(*) AS spans,
           min(s.attributes->>'office.version') AS version_min, max(s.attributes->>'office.version') AS version_max
    FROM spans s WHERE ${where}
    GROUP BY s.trace_id
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
      SELECT e.first_seen, e.last_seen FROM record_extents e
      WHERE (t.surface IS NULL OR t.session_id IS NULL OR (t.user_email IS NULL AND t.account_uuid IS NULL))
        AND e.tenant_id = $1 AND e.kind = 'trace' AND e.key = t.trace_id
      LIMIT 1 -- one row by its key; the LIMIT keeps it a per-trace index lookup (not a hash join over every extent)
    ) te ON true
    LEFT JOIN LATERAL (
      SELECT min(q.surface) AS surface, min(q.user_email) AS user_email, min(q.account_uuid) AS account_uuid,
             min(q.organization_id) AS organization_id, min(q.session_id) AS session_id
      FROM spans q
      WHERE (t.surface IS NULL OR t.session_id IS NULL OR (t.user_email IS NULL AND t.account_uuid IS NULL))
        AND q.tenant_id = $1 AND q.trace_id = t.trace_id
        AND q.start_time >= COALESCE(te.first_seen, '-infinity') AND q.start_time <= COALESCE(te.last_seen, 'infinity')
    ) x ON true
    LEFT JOIN LATERAL (
      SELECT e.first_seen, e.last_seen FROM record_extents e
      WHERE COALESCE(t.surface, x.surface) IS NULL AND COALESCE(t.session_id, x.session_id) IS NOT NULL
        AND e.tenant_id = $1 AND e.kind = 'session' AND e.key = COALESCE(t.session_id, x.session_id)
      LIMIT 1
    ) se ON true
    LEFT JOIN LATERAL (
      SELECT q.surface FROM spans q
      WHERE COALESCE(t.surface, x.surface) IS NULL AND COALESCE(t.session_id, x.session_id) IS NOT NULL
        AND q.tenant_id = $1 AND q.session_id = COALESCE(t.session_id, x.session_id) AND q.surface IS NOT NULL
        AND q.start_time >= COALESCE(se.first_seen, '-infinity') AND q.start_time <= COALESCE(se.last_seen, 'infinity')
      LIMIT 1
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
