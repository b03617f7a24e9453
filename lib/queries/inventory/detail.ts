import { getPool } from "@/lib/db/pool";
import { EVENT, SPAN } from "@/lib/domain/vocabulary";
import { isOfficeSurface, type AgentRef } from "./agent-ref";
import { knownSince, toSummary, type AgentSummary } from "./agents";
import {
  aggregate,
  emailKeyOnlyInUserEmail,
  emailSpellingsSql,
  MCP_PLACEHOLDERS,
  OFFICE_PERSON_KIND_SQL,
  OFFICE_PERSON_SQL,
  officeTracesSql,
  PERSON_KIND_SQL,
  PERSON_SQL,
  PLUGIN_PLACEHOLDERS,
  SKILL_PLACEHOLDERS,
  timeConditions,
  TOOL_PLACEHOLDERS,
  type InventoryWindow,
} from "./sql";

// One agent of the inventory: the entities it was seen with (working directories, tools, MCP
// servers and server:tool pairs, models, plugins, skills), its sessions and what identifies it,
// within the window, in one aggregate statement over one person's rows.

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
function eventAgentCte(ref: AgentRef, window: InventoryWindow, params: unknown[], emailIndex: boolean): string {
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
  if (ref.kind === "email" && emailIndex) where.push(`e.user_email = ANY(${emailSpellingsSql(p)})`);
  if (ref.kind === "device") where.push(`e.user_id = $${p}`);
  return `a AS MATERIALIZED (
    SELECT e.time, e.event_name, e.session_id, e.resource_id, e.service_version, e.terminal_type,
           e.user_email, e.user_id, e.account_uuid, e.account_id, e.enduser_id, e.organization_id,
           e.tool_name, e.mcp_server, e.mcp_tool, e.model, e.decision, e.success, e.redacted_keys,
           e.attributes->>'status' AS conn_status, e.attributes->>'transport_type' AS transport,
           CASE WHEN jsonb_typeof(e.fields->'workspaceHostPaths') = 'array' THEN e.fields->'workspaceHostPaths' END AS paths,
           CASE WHEN e.event_name IN ('${EVENT.pluginLoaded}', '${EVENT.pluginInstalled}') THEN e.attributes->>'plugin.name' END AS plugin,
           e.attributes->>'plugin.version' AS plugin_version,
           CASE WHEN e.event_name = '${EVENT.skillActivated}' THEN e.attributes->>'skill.name' END AS skill,
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
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolDecision}' AND a.decision = 'reject')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}' AND a.success = false)::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE a.event_name IN ('${EVENT.toolResult}', '${EVENT.toolDecision}') AND ${validTool} GROUP BY a.tool_name`)}
  UNION ALL ${branch(`SELECT 'mcp_server', a.mcp_server, NULL,
      string_agg(DISTINCT a.transport, ', ') FILTER (WHERE a.event_name = '${EVENT.mcpServerConnection}'),
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolDecision}' AND a.decision = 'reject')::int,
      (count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}' AND a.success = false)
        + count(*) FILTER (WHERE a.event_name = '${EVENT.mcpServerConnection}' AND a.conn_status = 'failed'))::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE ${validServer} GROUP BY a.mcp_server`)}
  UNION ALL ${branch(`SELECT 'mcp_tool', a.mcp_server, a.mcp_tool, NULL,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolDecision}' AND a.decision = 'reject')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.toolResult}' AND a.success = false)::int,
      min(a.time) AS first_seen, max(a.time) AS last_seen, NULL
    FROM a WHERE ${validServer} AND ${validMcpTool} GROUP BY a.mcp_server, a.mcp_tool`)}
  UNION ALL ${branch(`SELECT 'model', a.model, NULL, NULL,
      count(*) FILTER (WHERE a.event_name = '${EVENT.apiRequest}')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.apiRefusal}')::int,
      count(*) FILTER (WHERE a.event_name = '${EVENT.apiError}')::int,
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
    FROM a WHERE a.event_name = '${EVENT.toolResult}' AND a.mcp_server IS NULL
      AND (a.tool_name = ANY($${placeholders.tool}::text[]) OR 'tool_name' = ANY(a.redacted_keys))
  UNION ALL SELECT 'withheld_plugin', NULL, NULL, NULL, count(DISTINCT a.session_id)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.event_name IN ('${EVENT.pluginLoaded}', '${EVENT.pluginInstalled}')
      AND (a.plugin = ANY($${placeholders.plugin}::text[]) OR 'plugin.name' = ANY(a.redacted_keys))
  UNION ALL SELECT 'withheld_skill', NULL, NULL, NULL, count(*)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.event_name = '${EVENT.skillActivated}'
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
    const own = ref.kind === "email"
      ? `c.user_email = ANY(${emailSpellingsSql(p)})`
      : `c.user_email IS NULL AND lower(c.account_uuid) = $${p}`;
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
    FROM a WHERE a.name = '${SPAN.officeToolExecution}' AND a.tool_name IS NOT NULL
      AND NOT (a.tool_name = ANY($${toolPlaceholders}::text[])) GROUP BY a.tool_name`)}
  UNION ALL ${branch(`SELECT 'model', a.model, NULL, NULL,
      count(*) FILTER (WHERE a.name = '${SPAN.officeStream}')::int, 0,
      count(*) FILTER (WHERE a.name = '${SPAN.officeStream}' AND a.success = false)::int,
      min(a.start_time) AS first_seen, max(a.start_time) AS last_seen, ${latest}
    FROM a WHERE a.model IS NOT NULL GROUP BY a.model`)}
  UNION ALL SELECT 'withheld_mcp', NULL, NULL, NULL, count(*)::int, 0, 0, NULL, NULL, NULL
    FROM a WHERE a.name = '${SPAN.officeToolExecution}' AND a.tool_name = ANY($${toolPlaceholders}::text[])
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
    const emailIndex = ref.kind === "email" && (await emailKeyOnlyInUserEmail(tenantId, ref.person));
    sql = eventFacetsSql(eventAgentCte(ref, window, params, emailIndex), { tool: 2, mcp: 3, plugin: 4, skill: 5 }, ENTITY_LIMIT);
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
