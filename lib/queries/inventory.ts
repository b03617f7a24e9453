import { getPool, withTransaction } from "@/lib/db/pool";
import { exploreHref, type ExploreLink } from "@/lib/explore/url";

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
// ever see the small first-level result. Measured on 2M events + 500k spans (30 days, 2 cores):
// about 1 s each, against 4–7 s for the one-level GROUP BY.
//
// Definitions
// - Surface: events.source for Claude Code / Cowork / Claude Desktop; for Office agents the
//   Office application (spans.surface). An Office trace is one user turn and belongs to one
//   agent as a whole: its surface, owner and session are read from the spans of the trace that
//   carry them (agent.query; child spans whose agent.query arrived in another batch carry none),
//   even when those spans fall outside the window; file.upload (a trace of its own) takes its
//   surface from the session.
// - Person: user.email, else enduser.id, else the account (tagged account id, else account
//   UUID), else user.id (the anonymous per-install device id). Rows without any identity form an
//   "unattributed" agent per surface: a coverage gap worth seeing, not hiding.
// - Entities never include redaction placeholders (mcp_tool, custom, third-party, custom_skill,
//   <REDACTED>): they are counted as "withheld" instead of being shown as names.

// ---- surfaces and people ------------------------------------------------------------------

export const SURFACES = [
  { id: "claude_code", label: "Claude Code", kind: "events" },
  { id: "cowork", label: "Cowork", kind: "events" },
  { id: "claude_desktop", label: "Claude Desktop", kind: "events" },
  { id: "excel", label: "Excel", kind: "office" },
  { id: "word", label: "Word", kind: "office" },
  { id: "powerpoint", label: "PowerPoint", kind: "office" },
  { id: "outlook", label: "Outlook", kind: "office" },
  { id: "office", label: "Office", kind: "office" },
] as const;

export type SurfaceId = (typeof SURFACES)[number]["id"];
export type PersonKind = "email" | "enduser" | "account" | "device" | "none";

const PERSON_KINDS: readonly PersonKind[] = ["email", "enduser", "account", "device", "none"];
const EVENT_SURFACES = SURFACES.filter((s) => s.kind === "events").map((s) => s.id);

export function isSurfaceId(v: string): v is SurfaceId {
  return SURFACES.some((s) => s.id === v);
}

export function surfaceLabel(id: SurfaceId): string {
  return SURFACES.find((s) => s.id === id)?.label ?? id;
}

export function isOfficeSurface(id: SurfaceId): boolean {
  return SURFACES.find((s) => s.id === id)?.kind === "office";
}

/** Which agent: a surface and a person (kind + the identifying value). */
export interface AgentRef {
  surface: SurfaceId;
  kind: PersonKind;
  /** user_email, enduser_id, account id, user_id; "" when unattributed. */
  person: string;
}

/** A URL-safe key: surface and kind readable, the (hostile) person value base64url-encoded. */
export function agentKey(ref: AgentRef): string {
  if (ref.kind === "none") return `${ref.surface}.none`;
  return `${ref.surface}.${ref.kind}.${Buffer.from(ref.person, "utf8").toString("base64url")}`;
}

export function parseAgentKey(key: string): AgentRef | null {
  const parts = key.split(".");
  const [surface, kind, encoded] = parts;
  if (!surface || !isSurfaceId(surface) || !kind || !(PERSON_KINDS as readonly string[]).includes(kind)) return null;
  if (kind === "none") return parts.length === 2 ? { surface, kind, person: "" } : null;
  if (parts.length !== 3 || !encoded || !/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const person = Buffer.from(encoded, "base64url").toString("utf8");
  // Reject keys that do not round-trip (invalid base64url, invalid UTF-8).
  if (person === "" || Buffer.from(person, "utf8").toString("base64url") !== encoded) return null;
  return { surface, kind: kind as PersonKind, person };
}

/** Short name of the person: the local part of an email, a shortened id otherwise. */
export function personDisplayName(kind: PersonKind, person: string): string {
  switch (kind) {
    case "email":
    case "enduser": {
      const at = person.indexOf("@");
      return at > 0 ? person.slice(0, at) : person;
    }
    case "account":
      return `account ${shorten(person, 14)}`;
    case "device":
      return `device ${shorten(person, 8)}`;
    case "none":
      return "(unattributed)";
  }
}

/** Which attribute identified the person, for the owner column. */
export const PERSON_KIND_LABELS: Record<PersonKind, string> = {
  email: "user.email",
  enduser: "enduser.id",
  account: "account",
  device: "user.id (device)",
  none: "no identity sent",
};

function shorten(v: string, n: number): string {
  return v.length > n + 1 ? `${v.slice(0, n)}…` : v;
}

export function agentName(ref: AgentRef): string {
  return `${surfaceLabel(ref.surface)}/${personDisplayName(ref.kind, ref.person)}`;
}

// ---- placeholders -------------------------------------------------------------------------

// Values senders put in place of names they withhold (TELEMETRY.md §1.8, §3.1). The ingest side
// also lists such keys in redacted_keys; both are checked, so data ingested before a placeholder
// was known is still filtered.
const TOOL_PLACEHOLDERS = ["mcp_tool", "<REDACTED>"];
const MCP_PLACEHOLDERS = ["mcp_tool", "third-party", "custom", "mcp", "<REDACTED>"];
const PLUGIN_PLACEHOLDERS = ["third-party", "custom", "<REDACTED>"];
const SKILL_PLACEHOLDERS = ["custom_skill", "custom", "<REDACTED>"];

// ---- SQL fragments (constants only; every value travels as a parameter) ---------------------

const PERSON_KIND_SQL = `CASE
  WHEN e.user_email IS NOT NULL THEN 'email'
  WHEN e.enduser_id IS NOT NULL THEN 'enduser'
  WHEN e.account_id IS NOT NULL OR e.account_uuid IS NOT NULL THEN 'account'
  WHEN e.user_id IS NOT NULL THEN 'device'
  ELSE 'none' END`;
const PERSON_SQL = `COALESCE(e.user_email, e.enduser_id, e.account_id, e.account_uuid, e.user_id, '')`;

/**
 * Office traces in the window (`t`, one row per trace), resolved (`r`): surface, owner and
 * session from the trace's own spans, from its spans outside the window when none in it carry
 * them, and the surface from the session as a last resort (file.upload).
 */
function officeTracesSql(where: string): string {
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
      SELECT min(q.surface) AS surface, min(q.user_email) AS user_email, min(q.account_uuid) AS account_uuid,
             min(q.organization_id) AS organization_id, min(q.session_id) AS session_id
      FROM spans q
      WHERE (t.surface IS NULL OR t.session_id IS NULL OR (t.user_email IS NULL AND t.account_uuid IS NULL))
        AND q.tenant_id = $1 AND q.trace_id = t.trace_id
    ) x ON true
    LEFT JOIN LATERAL (
      SELECT q.surface FROM spans q
      WHERE COALESCE(t.surface, x.surface) IS NULL AND COALESCE(t.session_id, x.session_id) IS NOT NULL
        AND q.tenant_id = $1 AND q.session_id = COALESCE(t.session_id, x.session_id) AND q.surface IS NOT NULL
      LIMIT 1
    ) ses ON true
  )`;
}

const OFFICE_PERSON_KIND_SQL = `CASE WHEN r.user_email IS NOT NULL THEN 'email'
  WHEN r.account_uuid IS NOT NULL THEN 'account' ELSE 'none' END`;
const OFFICE_PERSON_SQL = `COALESCE(r.user_email, r.account_uuid, '')`;

/**
 * Runs one aggregate statement with enough memory to hash (the planner cannot estimate how few
 * groups there are and would otherwise sort millions of rows) and without JIT (whose compile
 * time exceeds the query's run time here). Read-only, so it never holds locks that matter.
 */
async function aggregate<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
  return withTransaction(async (client) => {
    await client.query("SET TRANSACTION READ ONLY");
    await client.query("SET LOCAL work_mem = '64MB'");
    await client.query("SET LOCAL jit = off");
    return (await client.query<R>(sql, params)).rows;
  });
}

// ---- the agent list -----------------------------------------------------------------------

export interface InventoryWindow {
  from?: Date;
  to?: Date;
}

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

interface AgentDbRow {
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

function timeConditions(column: string, window: InventoryWindow, params: unknown[]): string[] {
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

async function eventAgents(tenantId: string, surfaces: string[], window: InventoryWindow): Promise<AgentDbRow[]> {
  const params: unknown[] = [tenantId, surfaces];
  const where = ["e.tenant_id = $1", "e.source = ANY($2::text[])", ...timeConditions("e.time", window, params)];
  return aggregate<AgentDbRow>(
    `WITH e AS (
       SELECT e.source, e.user_email, e.enduser_id, e.account_id, e.account_uuid, e.user_id, e.session_id, e.service_version,
              min(e.time) AS first_seen, max(e.time) AS last_seen, count(*) AS events
       FROM events e WHERE ${where.join(" AND ")}
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
     )
     SELECT e.source AS surface, ${PERSON_KIND_SQL} AS person_kind, ${PERSON_SQL} AS person,
            min(e.first_seen) AS first_seen, max(e.last_seen) AS last_seen, sum(e.events)::int AS events,
            count(DISTINCT e.session_id)::int AS sessions,
            array_remove(array_agg(DISTINCT e.service_version), NULL) AS versions,
            count(DISTINCT e.user_id)::int AS devices
     FROM e GROUP BY 1, 2, 3`,
    params,
  );
}

async function officeAgents(tenantId: string, surfaces: string[], window: InventoryWindow): Promise<AgentDbRow[]> {
  const params: unknown[] = [tenantId, surfaces];
  const where = ["s.tenant_id = $1", "s.source = 'office'", ...timeConditions("s.start_time", window, params)];
  return aggregate<AgentDbRow>(
    `WITH ${officeTracesSql(where.join(" AND "))}
     SELECT r.surface, ${OFFICE_PERSON_KIND_SQL} AS person_kind, ${OFFICE_PERSON_SQL} AS person,
            min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen, sum(r.spans)::int AS events,
            count(DISTINCT r.session_id)::int AS sessions,
            array_remove(array_agg(DISTINCT r.version_min) || array_agg(DISTINCT r.version_max), NULL) AS versions,
            0 AS devices
     FROM r WHERE r.surface = ANY($2::text[])
     GROUP BY 1, 2, 3`,
    params,
  );
}

/** All-time first observation per product and person, from the (small) identity table. */
async function knownSince(tenantId: string): Promise<Map<string, Date>> {
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

function toSummary(r: AgentDbRow, known: Map<string, Date>): AgentSummary | null {
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
  const wanted = filter.surface ? [filter.surface] : SURFACES.map((s) => s.id);
  const eventSurfaces = wanted.filter((s) => (EVENT_SURFACES as readonly string[]).includes(s));
  const officeSurfaces = wanted.filter((s) => !(EVENT_SURFACES as readonly string[]).includes(s));
  // One pool connection at a time on the embedded engine anyway; sequential keeps it simple.
  const eventRows = eventSurfaces.length ? await eventAgents(tenantId, eventSurfaces, window) : [];
  const officeRows = officeSurfaces.length ? await officeAgents(tenantId, officeSurfaces, window) : [];
  const known = await knownSince(tenantId);
  return [...eventRows, ...officeRows]
    .map((r) => toSummary(r, known))
    .filter((a): a is AgentSummary => a !== null && matchesText(a, filter.q ?? ""))
    .sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime() || a.name.localeCompare(b.name));
}

// ---- one agent: entities and facts ----------------------------------------------------------

export type EntityKind = "directory" | "tool" | "mcp_server" | "mcp_tool" | "model" | "plugin" | "skill";

export interface InventoryEntity {
  kind: EntityKind;
  /** The entity's name (for mcp_tool: the server; `tool` holds the tool). */
  name: string;
  tool: string | null;
  /** Secondary information: plugin versions, skill sources, Office read/write modes, MCP transports. */
  detail: string | null;
  /** Uses: tool executions, MCP calls, model requests, skill activations, plugin loads, events in a directory. */
  uses: number;
  /** Permission decisions that rejected it (tools, MCP), or model refusals. */
  rejected: number;
  /** Failed executions (tools, MCP), API errors (models), failed connections (MCP servers). */
  failed: number;
  firstSeen: Date;
  lastSeen: Date;
  /** Latest session it was used in (Office entities link there). */
  latestSessionId: string | null;
}

export interface AgentSession {
  sessionId: string;
  firstSeen: Date;
  lastSeen: Date;
  events: number;
}

export interface IdentityFacet {
  /** email, device, account_uuid, account_id, enduser, organization, terminal, version, platform, os. */
  kind: string;
  value: string;
  count: number;
  lastSeen: Date;
}

export interface AgentDetail {
  agent: AgentSummary;
  entities: Record<EntityKind, InventoryEntity[]>;
  /** Calls whose names the client withheld (tool_name = mcp_tool, plugin third-party, …). */
  withheld: { mcpCalls: number; plugins: number; skills: number };
  /** Working directories not listed because the reader may not see content (they are file paths). */
  hiddenDirectories: number;
  sessions: AgentSession[];
  identity: IdentityFacet[];
  /** At most this many rows per entity group are returned (the most recently seen). */
  limit: number;
}

const ENTITY_LIMIT = 200;
const SESSION_LIMIT = 25;
const FACET_LIMIT = 20;

interface FacetDbRow {
  kind: string;
  name: string | null;
  tool: string | null;
  detail: string | null;
  uses: number;
  rejected: number;
  failed: number;
  first_seen: Date | null;
  last_seen: Date | null;
  latest_session: string | null;
}

function emptyEntities(): Record<EntityKind, InventoryEntity[]> {
  return { directory: [], tool: [], mcp_server: [], mcp_tool: [], model: [], plugin: [], skill: [] };
}

/** One agent's rows as a materialized CTE named `a`, using the person's index where there is one. */
function eventAgentCte(ref: AgentRef, window: InventoryWindow, params: unknown[]): string {
  params.push(ref.surface, ref.kind, ref.person);
  const [s, k, p] = [params.length - 2, params.length - 1, params.length];
  const where = [
    "e.tenant_id = $1",
    `e.source = $${s}`,
    `${PERSON_KIND_SQL} = $${k}`,
    `${PERSON_SQL} = $${p}`,
    ...timeConditions("e.time", window, params),
  ];
  // Redundant with the two lines above, but lets the planner use events(tenant_id, user_email|user_id, time).
  if (ref.kind === "email") where.push(`e.user_email = $${p}`);
  if (ref.kind === "device") where.push(`e.user_id = $${p}`);
  return `a AS MATERIALIZED (
    SELECT e.time, e.event_name, e.session_id, e.resource_id, e.service_version, e.terminal_type,
           e.user_email, e.user_id, e.account_uuid, e.account_id, e.enduser_id, e.organization_id,
           e.tool_name, e.mcp_server, e.mcp_tool, e.model, e.decision, e.success, e.redacted_keys,
           e.attributes->>'status' AS conn_status, e.attributes->>'transport_type' AS transport,
           CASE WHEN jsonb_typeof(e.fields->'workspaceHostPaths') = 'array' THEN e.fields->'workspaceHostPaths' END AS paths,
           CASE WHEN e.event_name IN ('plugin_loaded', 'plugin_installed') THEN e.attributes->>'plugin.name' END AS plugin,
           e.attributes->>'plugin.version' AS plugin_version,
           CASE WHEN e.event_name = 'skill_activated' THEN e.attributes->>'skill.name' END AS skill,
           e.attributes->>'skill.source' AS skill_source
    FROM events e WHERE ${where.join(" AND ")})`;
}

function eventFacetsSql(cte: string, placeholders: { tool: number; mcp: number; plugin: number; skill: number }, limit: number): string {
  const validTool = `a.tool_name IS NOT NULL AND NOT (a.tool_name = ANY($${placeholders.tool}::text[])) AND NOT ('tool_name' = ANY(a.redacted_keys))`;
  const validServer = `a.mcp_server IS NOT NULL AND NOT (a.mcp_server = ANY($${placeholders.mcp}::text[]))`;
  const validMcpTool = `a.mcp_tool IS NOT NULL AND NOT (a.mcp_tool = ANY($${placeholders.mcp}::text[]))`;
  const branch = (sql: string) => `(${sql} ORDER BY last_seen DESC LIMIT ${limit})`;
  return `WITH ${cte}
  ${branch(`SELECT 'directory' AS kind, p.path AS name, NULL::text AS tool, NULL::text AS detail, count(*)::int AS uses,
      0 AS rejected, 0 AS failed, min(a.time) AS first_seen, max(a.time) AS last_seen, NULL::text AS latest_session
    FROM a CROSS JOIN LATERAL jsonb_array_elements_text(a.paths) AS p(path)
    WHERE a.paths IS NOT NULL AND p.path <> '' GROUP BY p.path`)}
  UNION ALL ${branch(`SELECT 'tool', a.tool_name, NULL, NULL,
      count(*) FILTER (WHERE a.event_name = 'tool_result')::int,
      count(*) FILTER (WHERE a.event_name = 'tool_decision' AND a.decision = 'reject')::int,
      count(*) FILTER (WHERE a.event_name = 'tool_result' AND a.success = false)::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE a.event_name IN ('tool_result', 'tool_decision') AND ${validTool} GROUP BY a.tool_name`)}
  UNION ALL ${branch(`SELECT 'mcp_server', a.mcp_server, NULL,
      string_agg(DISTINCT a.transport, ', ') FILTER (WHERE a.event_name = 'mcp_server_connection'),
      count(*) FILTER (WHERE a.event_name = 'tool_result')::int,
      count(*) FILTER (WHERE a.event_name = 'tool_decision' AND a.decision = 'reject')::int,
      (count(*) FILTER (WHERE a.event_name = 'tool_result' AND a.success = false)
        + count(*) FILTER (WHERE a.event_name = 'mcp_server_connection' AND a.conn_status = 'failed'))::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE ${validServer} GROUP BY a.mcp_server`)}
  UNION ALL ${branch(`SELECT 'mcp_tool', a.mcp_server, a.mcp_tool, NULL,
      count(*) FILTER (WHERE a.event_name = 'tool_result')::int,
      count(*) FILTER (WHERE a.event_name = 'tool_decision' AND a.decision = 'reject')::int,
      count(*) FILTER (WHERE a.event_name = 'tool_result' AND a.success = false)::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE ${validServer} AND ${validMcpTool} GROUP BY a.mcp_server, a.mcp_tool`)}
  UNION ALL ${branch(`SELECT 'model', a.model, NULL, NULL,
      count(*) FILTER (WHERE a.event_name = 'api_request')::int,
      count(*) FILTER (WHERE a.event_name = 'api_refusal')::int,
      count(*) FILTER (WHERE a.event_name = 'api_error')::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE a.model IS NOT NULL GROUP BY a.model`)}
  UNION ALL ${branch(`SELECT 'plugin', a.plugin, NULL, string_agg(DISTINCT a.plugin_version, ', '),
      count(*)::int, 0, 0, min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE a.plugin IS NOT NULL AND a.plugin <> '' AND NOT (a.plugin = ANY($${placeholders.plugin}::text[]))
      AND NOT ('plugin.name' = ANY(a.redacted_keys)) GROUP BY a.plugin`)}
  UNION ALL ${branch(`SELECT 'skill', a.skill, NULL, string_agg(DISTINCT a.skill_source, ', '),
      count(*)::int, 0, 0, min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE a.skill IS NOT NULL AND a.skill <> '' AND NOT (a.skill = ANY($${placeholders.skill}::text[]))
      AND NOT ('skill.name' = ANY(a.redacted_keys)) GROUP BY a.skill`)}
  UNION ALL SELECT 'withheld_mcp', NULL, NULL, NULL, count(*)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.event_name = 'tool_result' AND a.mcp_server IS NULL
      AND (a.tool_name = ANY($${placeholders.tool}::text[]) OR 'tool_name' = ANY(a.redacted_keys))
  UNION ALL SELECT 'withheld_plugin', NULL, NULL, NULL, count(DISTINCT a.session_id)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.event_name IN ('plugin_loaded', 'plugin_installed')
      AND (a.plugin = ANY($${placeholders.plugin}::text[]) OR 'plugin.name' = ANY(a.redacted_keys))
  UNION ALL SELECT 'withheld_skill', NULL, NULL, NULL, count(*)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.event_name = 'skill_activated'
      AND (a.skill = ANY($${placeholders.skill}::text[]) OR 'skill.name' = ANY(a.redacted_keys))
  ${commonBranches("a.time", "a.user_id", [
    ["email", "a.user_email"],
    ["enduser", "a.enduser_id"],
    ["account_id", "a.account_id"],
    ["account_uuid", "a.account_uuid"],
    ["device", "a.user_id"],
    ["organization", "a.organization_id"],
    ["terminal", "a.terminal_type"],
    ["version", "a.service_version"],
    ["resource", "a.resource_id::text"],
  ])}`;
}

/**
 * Rows every detail query shares: the agent's summary (uses = events, rejected = sessions,
 * failed = devices), its latest sessions, and what identifies it (one branch per attribute).
 */
function commonBranches(time: string, deviceColumn: string, facets: [string, string][]): string {
  const identity = facets.map(
    ([kind, column]) => `UNION ALL (SELECT 'id:${kind}', ${column}, NULL, NULL, count(*)::int, 0, 0, min(${time}), max(${time}) AS last_seen, NULL
    FROM a WHERE ${column} IS NOT NULL GROUP BY ${column} ORDER BY last_seen DESC LIMIT ${FACET_LIMIT})`,
  );
  return `UNION ALL SELECT 'summary', NULL, NULL, NULL, count(*)::int, count(DISTINCT a.session_id)::int,
      count(DISTINCT ${deviceColumn})::int, min(${time}), max(${time}), NULL FROM a
  UNION ALL (SELECT 'session', a.session_id, NULL, NULL, count(*)::int, 0, 0, min(${time}), max(${time}) AS last_seen, NULL
    FROM a WHERE a.session_id IS NOT NULL GROUP BY a.session_id ORDER BY last_seen DESC LIMIT ${SESSION_LIMIT})
  ${identity.join("\n  ")}`;
}

/** One Office agent's spans as `a`: candidate traces by the person's own spans, then resolved like the list. */
function officeAgentCte(ref: AgentRef, window: InventoryWindow, params: unknown[]): string {
  const inWindow = timeConditions("s.start_time", window, params);
  const where = ["s.tenant_id = $1", "s.source = 'office'", ...inWindow];
  if (ref.kind !== "none") {
    params.push(ref.person);
    const p = params.length;
    const own = ref.kind === "email" ? `c.user_email = $${p}` : `c.user_email IS NULL AND c.account_uuid = $${p}`;
    // The span carrying the owner may start before the window while the rest of its trace is in
    // it: a day of slack covers any real turn.
    const slack = timeConditions("c.start_time", {
      from: window.from && new Date(window.from.getTime() - 86_400_000),
      to: window.to && new Date(window.to.getTime() + 86_400_000),
    }, params);
    where.push(`s.trace_id IN (SELECT c.trace_id FROM spans c WHERE c.tenant_id = $1 AND c.source = 'office' AND ${[own, ...slack].join(" AND ")})`);
  }
  params.push(ref.surface, ref.kind, ref.person);
  const [s, k, p] = [params.length - 2, params.length - 1, params.length];
  return `${officeTracesSql(where.join(" AND "))},
  a AS MATERIALIZED (
    SELECT s.name, s.start_time, s.tool_name, s.read_write, s.success, s.model,
           s.attributes->>'office.version' AS office_version, s.attributes->>'office.platform' AS office_platform,
           r.session_id, r.user_email, r.account_uuid, r.organization_id
    FROM r JOIN spans s ON s.tenant_id = $1 AND s.trace_id = r.trace_id
    WHERE r.surface = $${s} AND ${OFFICE_PERSON_KIND_SQL} = $${k} AND ${OFFICE_PERSON_SQL} = $${p}
      AND ${["s.source = 'office'", ...inWindow].join(" AND ")})`;
}

function officeFacetsSql(cte: string, toolPlaceholders: number, limit: number): string {
  const branch = (sql: string) => `(${sql} ORDER BY last_seen DESC LIMIT ${limit})`;
  const latest = `(array_agg(a.session_id ORDER BY a.start_time DESC) FILTER (WHERE a.session_id IS NOT NULL))[1]`;
  return `WITH ${cte}
  ${branch(`SELECT 'tool' AS kind, a.tool_name AS name, NULL::text AS tool,
      string_agg(DISTINCT a.read_write, ', ') AS detail, count(*)::int AS uses, 0 AS rejected,
      count(*) FILTER (WHERE a.success = false)::int AS failed,
      min(a.start_time) AS first_seen, max(a.start_time) AS last_seen, ${latest} AS latest_session
    FROM a WHERE a.name = 'agent.tool_execution' AND a.tool_name IS NOT NULL
      AND NOT (a.tool_name = ANY($${toolPlaceholders}::text[])) GROUP BY a.tool_name`)}
  UNION ALL ${branch(`SELECT 'model', a.model, NULL, NULL,
      count(*) FILTER (WHERE a.name = 'agent.stream')::int, 0,
      count(*) FILTER (WHERE a.name = 'agent.stream' AND a.success = false)::int,
      min(a.start_time) AS first_seen, max(a.start_time) AS last_seen, ${latest}
    FROM a WHERE a.model IS NOT NULL GROUP BY a.model`)}
  UNION ALL SELECT 'withheld_mcp', NULL, NULL, NULL, count(*)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.name = 'agent.tool_execution' AND a.tool_name = ANY($${toolPlaceholders}::text[])
  ${commonBranches("a.start_time", "NULL::text", [
    ["email", "a.user_email"],
    ["account_uuid", "a.account_uuid"],
    ["organization", "a.organization_id"],
    ["platform", "a.office_platform"],
    ["version", "a.office_version"],
  ])}`;
}

/**
 * The agent's summary, entities, sessions and identity within the window; null when it has no
 * activity there. Working directories are paths (content): non-readers get only their number.
 */
export async function agentDetail(tenantId: string, ref: AgentRef, window: InventoryWindow, canReadContent: boolean): Promise<AgentDetail | null> {
  const params: unknown[] = [tenantId];
  let sql: string;
  if (isOfficeSurface(ref.surface)) {
    params.push(TOOL_PLACEHOLDERS);
    const toolPlaceholders = params.length;
    sql = officeFacetsSql(officeAgentCte(ref, window, params), toolPlaceholders, ENTITY_LIMIT);
  } else {
    params.push(TOOL_PLACEHOLDERS, MCP_PLACEHOLDERS, PLUGIN_PLACEHOLDERS, SKILL_PLACEHOLDERS);
    sql = eventFacetsSql(eventAgentCte(ref, window, params), { tool: 2, mcp: 3, plugin: 4, skill: 5 }, ENTITY_LIMIT);
  }
  const rows = await aggregate<FacetDbRow>(sql, params);
  const summary = rows.find((r) => r.kind === "summary");
  if (!summary || summary.uses === 0 || !summary.first_seen || !summary.last_seen) return null;

  const entities = emptyEntities();
  const withheld = { mcpCalls: 0, plugins: 0, skills: 0 };
  const sessions: AgentSession[] = [];
  const identity: IdentityFacet[] = [];
  const resourceIds: string[] = [];
  for (const r of rows) {
    if (r.kind === "withheld_mcp") withheld.mcpCalls = r.uses;
    else if (r.kind === "withheld_plugin") withheld.plugins = r.uses;
    else if (r.kind === "withheld_skill") withheld.skills = r.uses;
    else if (r.kind === "session" && r.name && r.first_seen && r.last_seen) {
      sessions.push({ sessionId: r.name, firstSeen: r.first_seen, lastSeen: r.last_seen, events: r.uses });
    } else if (r.kind === "id:resource" && r.name) resourceIds.push(r.name);
    else if (r.kind.startsWith("id:") && r.name && r.last_seen) {
      identity.push({ kind: r.kind.slice(3), value: r.name, count: r.uses, lastSeen: r.last_seen });
    } else if (r.kind in entities && r.name && r.first_seen && r.last_seen) {
      entities[r.kind as EntityKind].push({
        kind: r.kind as EntityKind,
        name: r.name,
        tool: r.tool,
        detail: r.detail,
        uses: r.uses,
        rejected: r.rejected,
        failed: r.failed,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        latestSessionId: r.latest_session,
      });
    }
  }
  identity.push(...(await operatingSystems(tenantId, resourceIds)));
  for (const list of Object.values(entities)) {
    list.sort((x, y) => y.uses - x.uses || y.lastSeen.getTime() - x.lastSeen.getTime() || x.name.localeCompare(y.name));
  }
  sessions.sort((x, y) => y.lastSeen.getTime() - x.lastSeen.getTime());

  const agent = toSummary(
    {
      surface: ref.surface,
      person_kind: ref.kind,
      person: ref.person,
      first_seen: summary.first_seen,
      last_seen: summary.last_seen,
      events: summary.uses,
      sessions: summary.rejected,
      devices: summary.failed,
      versions: identity.filter((f) => f.kind === "version").map((f) => f.value),
    },
    await knownSince(tenantId),
  );
  if (!agent) return null;
  const hiddenDirectories = canReadContent ? 0 : entities.directory.length;
  if (!canReadContent) entities.directory = [];
  return { agent, entities, withheld, hiddenDirectories, sessions, identity, limit: ENTITY_LIMIT };
}

/** os.type / os.version / host.arch of the resources (OTLP resource attributes) the agent sent from. */
async function operatingSystems(tenantId: string, resourceIds: string[]): Promise<IdentityFacet[]> {
  if (resourceIds.length === 0) return [];
  const { rows } = await getPool().query<{ os: string | null; first_seen: Date }>(
    `SELECT concat_ws(' ', r.attributes->>'os.type', r.attributes->>'os.version', r.attributes->>'host.arch') AS os, r.first_seen
     FROM resources r WHERE r.tenant_id = $1 AND r.id = ANY($2::uuid[])`,
    [tenantId, resourceIds],
  );
  const byOs = new Map<string, IdentityFacet>();
  for (const r of rows) {
    if (!r.os) continue;
    const f = byOs.get(r.os) ?? { kind: "os", value: r.os, count: 0, lastSeen: r.first_seen };
    f.count += 1;
    byOs.set(r.os, f);
  }
  return [...byOs.values()];
}

// ---- links ----------------------------------------------------------------------------------

/** Where an entity was used: the Explorer filtered to the agent (and entity) for event sources. */
/** `range`: a preset id, or a window's URL parameters (lib/time-range rangeParams). */
export function agentExploreHref(ref: AgentRef, view: ExploreLink, range: string | [string, string][]): string {
  const window: ExploreLink = typeof range === "string" ? { range } : Object.fromEntries(range);
  return exploreHref({ source: ref.surface, user: ref.kind !== "none" ? ref.person : undefined, ...view, ...window });
}

/** The link for one entity: Explorer filters for events; the latest session for Office spans. */
export function entityHref(ref: AgentRef, entity: InventoryEntity, range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface)) {
    return entity.latestSessionId ? `/sessions/${encodeURIComponent(entity.latestSessionId)}` : null;
  }
  switch (entity.kind) {
    case "tool":
      return agentExploreHref(ref, { tool: entity.name }, range);
    case "mcp_server":
    case "mcp_tool":
      return agentExploreHref(ref, { mcpServer: entity.name }, range);
    case "model":
      return agentExploreHref(ref, { name: "api_request" }, range);
    case "plugin":
      return agentExploreHref(ref, { name: "plugin_loaded" }, range);
    case "skill":
      return agentExploreHref(ref, { name: "skill_activated" }, range);
    case "directory":
      return agentExploreHref(ref, {}, range);
  }
}

/**
 * Where a tool's rejected or failed count comes from, when the Explorer can filter exactly that
 * (tool_decision rejects, tool_result failures of the tool). Other counts have no exact filter.
 */
export function countHref(ref: AgentRef, entity: InventoryEntity, which: "rejected" | "failed", range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface) || entity.kind !== "tool" || entity[which] === 0) return null;
  return which === "rejected"
    ? agentExploreHref(ref, { name: "tool_decision", tool: entity.name, decision: "reject" }, range)
    : agentExploreHref(ref, { name: "tool_result", tool: entity.name, success: false }, range);
}
