import { getPool } from "@/lib/db/pool";
import { DAY_MS, HOUR_MS, splitWindow } from "@/lib/domain/time";
import { AGENT_SURFACES } from "@/lib/domain/vocabulary";
import { agentKey, agentName, EVENT_SURFACES, isOfficeSurface, isSurfaceId, personDisplayName, surfaceLabel, type AgentRef, type PersonKind, type SurfaceId } from "./agent-ref";
import { aggregate, OFFICE_PERSON_KIND_SQL, OFFICE_PERSON_SQL, officeAgentRowsSql, PERSON_KIND_SQL, PERSON_SQL, timeConditions, type InventoryWindow } from "./sql";

// The agent inventory, as a SOC expects it from an agent-security product: one agent per person
// and surface ("Claude Code/jon.snow", "Excel/sansa.stark"), and the entities each agent was seen
// with (working directories, tools, MCP servers and server:tool pairs, models, plugins, skills).
//
// Everything is aggregated in SQL with GROUP BY inside the console's time window, so the cost is
// one pass over the window (events(tenant_id, time DESC), spans(tenant_id, start_time DESC)) for
// the list, and one index range over one person's rows for an agent's page
// (events(tenant_id, user_email|user_id, time), spans(tenant_id, user_email, start_time)).
// The list aggregates in two levels: first by raw identity columns and session (hashable, and
// few groups: a session has one person, device and version), then by agent; DISTINCT counts only
// ever see the small first-level result. Both levels are kept ahead at ingest: per agent and UTC
// day (agent_days, see eventAgents for how distinct sessions stay exact) for the window's whole
// days, per session and hour (agent_session_rollups) for the whole hours of its partial days, so
// only the partial hours at its very edges read raw events.
//
// Definitions
// - Surface: events.source for Claude Code / Cowork / Claude Desktop; for Office agents the
//   Office application (spans.surface). An Office trace is one user turn and belongs to one
//   agent as a whole: its surface, owner and session are read from the spans of the trace that
//   carry them (agent.query; child spans whose agent.query arrived in another batch carry none),
//   even when those spans fall outside the window; file.upload (a trace of its own) takes its
//   surface from the session.
// - Person: the ONE person key of lib/domain/person.ts (user.email, else enduser.id, else the
//   account, else user.id, the anonymous per-install device id), as on every other page. Rows
//   without any identity form an "unattributed" agent per surface: a coverage gap worth seeing,
//   not hiding.
// - Entities never include redaction placeholders (mcp_tool, custom, third-party, custom_skill,
//   <REDACTED>): they are counted as "withheld" instead of being shown as names.
export interface AgentSummary extends AgentRef {
  key: string;
  name: string;
  displayName: string;
  firstSeen: Date;
  lastSeen: Date;
  /** Claude Code / Cowork / Desktop: service.version; Office: office.version. */
  versions: string[];
  sessions: number;
  /** Events (Claude Code, Cowork, Desktop) or spans (Office). */
  events: number;
  /** Distinct devices (user.id) behind this agent; 0 for Office. */
  devices: number;
  /** Earliest time this identity was ever observed for the product (all time, not the window). */
  knownSince: Date | null;
}

export interface AgentFilter {
  surface?: SurfaceId;
  /** Case-insensitive text matched against the agent name, owner and surface. */
  q?: string;
}

export interface AgentDbRow {
  surface: string;
  person_kind: PersonKind;
  person: string;
  first_seen: Date;
  last_seen: Date;
  events: number;
  sessions: number;
  versions: string[] | null;
  devices: number;
}

// The Office half groups agents with DISTINCT aggregates, so by a sort: in byte order, the same
// groups as the database's collation gives (equality is byte equality in every deterministic
// collation), compared with memcmp and abbreviated keys instead of strcoll (13,000 rows at 10 M events).
const C = `COLLATE "C"`;

/**
 * The first level of the event agents (rows per source, identity columns, session and client
 * version: a row per hour from agent_session_rollups for the whole UTC hours of the window, one
 * per key from the raw events for the partial hours at its edges; each event is in exactly one of
 * the two ranges): a 7-day list reads a row per session-hour instead of every event, with the same
 * result once grouped by agent.
 */
function eventAgentRowsSql(surfacesParam: string, window: InventoryWindow, params: unknown[]): string {
  const rawGroup = (w: InventoryWindow) => `SELECT e.source, e.user_email, e.enduser_id, e.account_id, e.account_uuid, e.user_id, e.session_id, e.service_version,
              min(e.time) AS first_seen, max(e.time) AS last_seen, count(*) AS events
       FROM events e WHERE ${["e.tenant_id = $1", `e.source = ANY(${surfacesParam})`, ...timeConditions("e.time", w, params)].join(" AND ")}
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;
  const { whole, edges } = splitWindow(window, HOUR_MS);
  const parts = whole ? [
    `SELECT r.source, NULLIF(r.user_email, '') AS user_email, NULLIF(r.enduser_id, '') AS enduser_id, NULLIF(r.account_id, '') AS account_id,
            NULLIF(r.account_uuid, '') AS account_uuid, NULLIF(r.user_id, '') AS user_id, NULLIF(r.session_id, '') AS session_id,
            NULLIF(r.service_version, '') AS service_version, r.first_seen, r.last_seen, r.events
     FROM agent_session_rollups r WHERE ${["r.tenant_id = $1", `r.source = ANY(${surfacesParam})`, ...timeConditions("r.bucket", whole, params)].join(" AND ")}`,
  ] : [];
  return [...parts, ...edges.map(rawGroup)].join("\n     UNION ALL\n     ");
}

/**
 * The event agents of a window. Its whole UTC days come from agent_days (a row per agent and day),
 * the partial days at its edges (the whole window when it holds no whole day) from the
 * session-hour level and raw events (eventAgentRowsSql).
 * Distinct sessions stay exact: a day row counts its sessions seen on that day only as a number
 * (`sessions` less the `spanning` ones) and names the sessions that also have events on another
 * day; those names and the edges' sessions (which are on other days) are counted distinct.
 * Versions and devices are small per-day sets, unioned. The agents' totals and their distinct
 * sets are each grouped by hashing and then joined: DISTINCT aggregates would sort every row of
 * the window by agent first (59,000 rows at 10 M events).
 */
async function eventAgents(tenantId: string, surfaces: string[], window: InventoryWindow): Promise<AgentDbRow[]> {
  const params: unknown[] = [tenantId, surfaces];
  const { whole, edges } = splitWindow(window, DAY_MS);
  // An edge day whose agents were all seen only inside the window (the current day of a window
  // ending now, unless a sender's clock runs ahead) is read from agent_days like a whole day, and
  // its finer rows are skipped (a one-time filter: the scans do not run).
  const checks: string[] = [];
  const dayRows = (condition: string) => `SELECT d.* FROM agent_days d WHERE d.tenant_id = $1 AND d.source = ANY($2::text[]) AND ${condition}`;
  const days = [dayRows(whole ? timeConditions("d.day", whole, params).join(" AND ") || "true" : "false")];
  const edgeRows = edges.map((w) => {
    if (!whole) return eventAgentRowsSql("$2::text[]", w, params); // no whole day: the window is one edge
    const leading = w.to!.getTime() === whole.from?.getTime();
    params.push(new Date(leading ? whole.from!.getTime() - DAY_MS : whole.to!.getTime()), leading ? w.from : w.to);
    const [day, end] = [`$${params.length - 1}::timestamptz`, `$${params.length}::timestamptz`];
    const name = `edge${checks.length}`;
    checks.push(`(SELECT COALESCE(${leading ? `min(a.first_seen) >= ${end}` : `max(a.last_seen) < ${end}`}, true)
         FROM agent_days a WHERE a.tenant_id = $1 AND a.source = ANY($2::text[]) AND a.day = ${day}) AS ${name}`);
    days.push(dayRows(`d.day = ${day} AND (SELECT ${name} FROM inside)`));
    return `SELECT * FROM (${eventAgentRowsSql("$2::text[]", w, params)}) x WHERE NOT (SELECT ${name} FROM inside)`;
  });
  return aggregate<AgentDbRow>(
    `WITH inside AS (
       SELECT ${checks.length ? checks.join(",\n              ") : "true AS none"}
     ),
     d AS (
       ${days.join("\n       UNION ALL\n       ")}
     ),
     e AS (
       SELECT e.source, ${PERSON_KIND_SQL} AS person_kind, ${PERSON_SQL} AS person, e.first_seen, e.last_seen, e.events, e.session_id, e.service_version, e.user_id
       FROM (
         ${edgeRows.length ? edgeRows.join("\n         UNION ALL\n         ") : "SELECT NULL::text AS source, NULL::text AS user_email, NULL::text AS enduser_id, NULL::text AS account_id, NULL::text AS account_uuid, NULL::text AS user_id, NULL::text AS session_id, NULL::text AS service_version, NULL::timestamptz AS first_seen, NULL::timestamptz AS last_seen, 0::bigint AS events WHERE false"}
       ) e
     ),
     totals AS (
       SELECT x.source, x.person_kind, x.person, min(x.first_seen) AS first_seen, max(x.last_seen) AS last_seen, sum(x.events) AS events, sum(x.single_day) AS single_day
       FROM (
         SELECT d.source, d.person_kind, d.person, d.first_seen, d.last_seen, d.events, d.sessions - cardinality(d.spanning) AS single_day FROM d
         UNION ALL
         SELECT e.source, e.person_kind, e.person, e.first_seen, e.last_seen, e.events, 0 FROM e
       ) x GROUP BY 1, 2, 3
     ),
     -- The days' version and device sets, mostly the same from day to day: unnested once.
     y AS (SELECT DISTINCT d.source, d.person_kind, d.person, d.versions, d.devices FROM d),
     -- Each agent's distinct sessions (named by its days or seen at its edges), versions and
     -- devices, a row each.
     v AS (
       SELECT DISTINCT x.source, x.person_kind, x.person, x.kind, x.value FROM (
         SELECT d.source, d.person_kind, d.person, 's' AS kind, unnest(d.spanning) AS value FROM d WHERE cardinality(d.spanning) > 0
         UNION ALL SELECT y.source, y.person_kind, y.person, 'v', unnest(y.versions) FROM y
         UNION ALL SELECT y.source, y.person_kind, y.person, 'd', unnest(y.devices) FROM y
         UNION ALL SELECT e.source, e.person_kind, e.person, 's', e.session_id FROM e
         UNION ALL SELECT e.source, e.person_kind, e.person, 'v', e.service_version FROM e
         UNION ALL SELECT e.source, e.person_kind, e.person, 'd', e.user_id FROM e
       ) x WHERE x.value IS NOT NULL
     ),
     sets AS (
       SELECT v.source, v.person_kind, v.person, count(*) FILTER (WHERE v.kind = 's') AS sessions,
              array_agg(v.value) FILTER (WHERE v.kind = 'v') AS versions, count(*) FILTER (WHERE v.kind = 'd') AS devices
       FROM v GROUP BY 1, 2, 3
     )
     SELECT t.source AS surface, t.person_kind, t.person, t.first_seen, t.last_seen, t.events::int AS events,
            (t.single_day + COALESCE(s.sessions, 0))::int AS sessions, COALESCE(s.versions, ARRAY[]::text[]) AS versions, COALESCE(s.devices, 0)::int AS devices
     FROM totals t LEFT JOIN sets s ON s.source = t.source AND s.person_kind = t.person_kind AND s.person = t.person`,
    params,
  );
}

async function officeAgents(tenantId: string, surfaces: string[], window: InventoryWindow): Promise<AgentDbRow[]> {
  const params: unknown[] = [tenantId, surfaces];
  return aggregate<AgentDbRow>(
    `WITH ${officeAgentRowsSql(window, params)}
     SELECT r.surface ${C} AS surface, ${OFFICE_PERSON_KIND_SQL} ${C} AS person_kind, ${OFFICE_PERSON_SQL} ${C} AS person,
            min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen, sum(r.spans)::int AS events,
            count(DISTINCT r.session_id ${C})::int AS sessions,
            array_remove(array_agg(DISTINCT r.version_min ${C}) || array_agg(DISTINCT r.version_max ${C}), NULL) AS versions,
            0 AS devices
     FROM r WHERE r.surface = ANY($2::text[])
     GROUP BY 1, 2, 3`,
    params,
  );
}

/** All-time first observation per product and person, from the (small) identity table. */
export async function knownSince(tenantId: string): Promise<Map<string, Date>> {
  const { rows } = await getPool().query<{ source: string; person_kind: string; person: string; first_seen: Date }>(
    `SELECT e.source, ${PERSON_KIND_SQL} AS person_kind, ${PERSON_SQL} AS person, min(e.first_seen) AS first_seen
     FROM identity_observations e WHERE e.tenant_id = $1 GROUP BY 1, 2, 3`,
    [tenantId],
  );
  return new Map(rows.map((r) => [`${r.source}\u0000${r.person_kind}\u0000${r.person}`, r.first_seen]));
}

/** Newest first, then most recent minor version first (versions compared numerically). */
export function sortVersions(versions: string[]): string[] {
  const parts = (v: string) => v.split(/[.\-+]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return [...new Set(versions)].sort((a, b) => {
    const pa = parts(a);
    const pb = parts(b);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const x = pa[i];
      const y = pb[i];
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      if (x === y) continue;
      if (typeof x === "number" && typeof y === "number") return y - x;
      return String(y).localeCompare(String(x));
    }
    return 0;
  });
}

export function toSummary(r: AgentDbRow, known: Map<string, Date>): AgentSummary | null {
  if (!isSurfaceId(r.surface)) return null;
  const ref: AgentRef = { surface: r.surface, kind: r.person_kind, person: r.person };
  const source = isOfficeSurface(ref.surface) ? "office" : ref.surface;
  return {
    ...ref,
    key: agentKey(ref),
    name: agentName(ref),
    displayName: personDisplayName(ref.kind, ref.person),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    versions: sortVersions(r.versions ?? []),
    sessions: r.sessions,
    events: r.events,
    devices: r.devices,
    knownSince: known.get(`${source}\u0000${ref.kind}\u0000${ref.person}`) ?? null,
  };
}

export function matchesText(agent: AgentSummary, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return [agent.name, agent.person, surfaceLabel(agent.surface), ...agent.versions].some((v) => v.toLowerCase().includes(needle));
}

/** Agents active in the window, most recently active first. */
export async function listAgents(tenantId: string, window: InventoryWindow, filter: AgentFilter = {}): Promise<AgentSummary[]> {
  const wanted = filter.surface ? [filter.surface] : AGENT_SURFACES.map((s) => s.id);
  const eventSurfaces = wanted.filter((s) => EVENT_SURFACES.includes(s));
  const officeSurfaces = wanted.filter((s) => !EVENT_SURFACES.includes(s));
  // Side by side on a server's connections (the embedded engine runs them one after the other).
  const [eventRows, officeRows, known] = await Promise.all([
    eventSurfaces.length ? eventAgents(tenantId, eventSurfaces, window) : [],
    officeSurfaces.length ? officeAgents(tenantId, officeSurfaces, window) : [],
    knownSince(tenantId),
  ]);
  return [...eventRows, ...officeRows]
    .map((r) => toSummary(r, known))
    .filter((a): a is AgentSummary => a !== null && matchesText(a, filter.q ?? ""))
    .sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime() || a.name.localeCompare(b.name));
}
