import { getPool } from "@/lib/db/pool";
import { SqlBuilder } from "@/lib/db/sql";
import { labelOfPerson, personOf, type PersonRef } from "@/lib/domain/person";
import { DAY_MS, splitWindow } from "@/lib/domain/time";
import { COVERAGE_SURFACES, EVENT, SPAN, type CoverageSurfaceId } from "@/lib/domain/vocabulary";
import { fromTaggedId } from "@/lib/identity/tagged-id";

// Which layers are reporting on which surfaces, computed from data (rollups, the Compliance
// tables, identity observations), not typed in. An absent alert only means something when
// coverage is known, so silence is shown as prominently as activity.

export const LAYERS = [
  { id: "compliance_activity", label: "Compliance activity feed" },
  { id: "compliance_content", label: "Compliance content" },
  { id: "otel_claude_code", label: "OTel · Claude Code" },
  { id: "otel_cowork", label: "OTel · Cowork" },
  { id: "office_traces", label: "Office agent traces" },
  { id: "claude_code_metrics", label: "Claude Code metrics" },
] as const;

type LayerId = (typeof LAYERS)[number]["id"];
type SurfaceId = CoverageSurfaceId;

/** What each layer can report at all (the published coverage matrix): y = yes, p = partially. */
const CAPABILITY: Record<LayerId, Partial<Record<SurfaceId, "y" | "p">>> = {
  compliance_activity: { chat: "y", api: "p", claude_code: "p", office: "p" },
  compliance_content: { chat: "y", api: "p", claude_code: "y", cowork_files: "p", cowork_tasks: "p", office: "p" },
  otel_claude_code: { claude_code: "y" },
  otel_cowork: { cowork_files: "y", cowork_browser: "p", cowork_mcp: "y", cowork_tasks: "p" },
  office_traces: { office: "y" },
  claude_code_metrics: { claude_code: "y" },
};

/**
 * reporting: fresh data on a surface the layer covers whole; partial: fresh, but the layer covers
 * the surface only in part (or sent data where it is not expected to); stale: it reported, but
 * nothing for longer than expected; silent: the layer can report here and nothing arrived.
 */
export type CellStatus = "reporting" | "partial" | "stale" | "silent" | "not_applicable";

export interface CoverageCell {
  layer: LayerId;
  surface: SurfaceId;
  status: CellStatus;
  capability: "full" | "partial" | "none";
  records: number;
  lastSeen: string | null;
  /** What was counted: event names, activity types, Compliance product surfaces, tools. */
  breakdown: { what: string; records: number; lastSeen: string | null }[];
  /** What to configure, for a silent or stale cell. */
  hint: string | null;
}

/** What makes each layer report (the setup page has the exact values with a token filled in). */
export const LAYER_HINTS: Record<LayerId, string> = {
  compliance_activity:
    "Settings → Compliance: add a Compliance API key (Enterprise, Compliance access) and enable polling; the activity feed then arrives every poll.",
  compliance_content:
    "Settings → Compliance: enable the connector with content access; chats, Claude Code and Cowork sessions and Office transcripts are fetched from the Compliance API.",
  otel_claude_code:
    "Claude Code: set CLAUDE_CODE_ENABLE_TELEMETRY=1, OTEL_LOGS_EXPORTER=otlp, OTEL_EXPORTER_OTLP_ENDPOINT=<this server>/api/otlp and OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer <ingest token> in managed-settings.json (Settings → Client setup).",
  otel_cowork:
    "Cowork: Claude admin → Admin settings → Cowork → Monitoring: this server's /api/otlp and an ingest token; add this server's host under Capabilities → Network egress, or the Cowork VM drops the telemetry silently.",
  office_traces:
    "Office agents: Claude admin → Organization settings → Office agents: collector URL <this server>/api/otlp, header Authorization=Bearer <ingest token> (direct-provider deployments: otlp_endpoint / otlp_headers in the manifest).",
  claude_code_metrics:
    "Claude Code metrics: add OTEL_METRICS_EXPORTER=otlp to the Claude Code telemetry settings (managed-settings.json env).",
};

export interface PersonGap {
  person: string;
  gaps: string[];
  lastSeen: Record<string, string | null>;
}

export interface Coverage {
  from: string;
  to: string;
  /** Seen within this long before `to` counts as reporting; older is partial. */
  freshHours: number;
  cells: CoverageCell[];
  people: PersonGap[];
  quietTokens: { id: string; name: string; environment: string; lastUsedAt: string | null }[];
  contentGates: { source: string; records: number; promptsCaptured: number; promptsRedacted: number; toolDetailsShare: number; truncatedShare: number; identifiedShare: number; rawBodies: number }[];
  versions: { source: string; version: string; records: number; lastSeen: string }[];
}

const FRESH_HOURS = 24;

/** The records a tool call leaves: tool-details shares are judged on these only. */
const TOOL_RECORDS: string[] = [EVENT.toolResult, EVENT.toolDecision, SPAN.officeToolExecution];

const CHAT_TYPES = /^(claude_chat|claude_project|claude_file|claude_artifact|claude_gen_file)/;

export function statusOf(records: number, lastSeen: Date | null, capability: CoverageCell["capability"], to: Date): CellStatus {
  if (capability === "none") return records > 0 ? "partial" : "not_applicable";
  if (records === 0 || !lastSeen) return "silent";
  if (to.getTime() - lastSeen.getTime() > FRESH_HOURS * 3_600_000) return "stale";
  return capability === "partial" ? "partial" : "reporting";
}

interface Tally {
  records: number;
  last: Date | null;
  what: Map<string, { records: number; last: Date | null }>;
}

export async function coverage(tenantId: string, from: Date, to: Date): Promise<Coverage> {
  const pool = getPool();
  const tally = new Map<string, Tally>();
  const later = (a: Date | null, b: Date | null) => (a && (!b || a > b) ? a : b);
  const add = (layer: LayerId, surface: SurfaceId, records: number, last: Date | null, what: string) => {
    const k = `${layer}/${surface}`;
    const t = tally.get(k) ?? { records: 0, last: null, what: new Map() };
    t.records += records;
    t.last = later(last, t.last);
    const w = t.what.get(what) ?? { records: 0, last: null };
    w.records += records;
    w.last = later(last, w.last);
    t.what.set(what, w);
    tally.set(k, t);
  };
  const fromDay = from.toISOString().slice(0, 10);

  const [activities, chats, sessions, sources, coworkTools] = await Promise.all([
    pool.query<{ type: string; actor_type: string | null; n: number; last: Date }>(activitiesByTypeSql(tenantId, from, to)),
    pool.query<{ n: number; last: Date | null }>(
      `SELECT count(*)::int AS n, max(coalesce(updated_at, created_at)) AS last FROM compliance_chats WHERE tenant_id = $1 AND coalesce(updated_at, created_at) >= $2`,
      [tenantId, from],
    ),
    pool.query<{ product_surface: string | null; n: number; last: Date | null }>(
      `SELECT product_surface, count(*)::int AS n, max(coalesce(updated_at, created_at)) AS last FROM compliance_sessions
       WHERE tenant_id = $1 AND coalesce(updated_at, created_at) >= $2 GROUP BY product_surface`,
      [tenantId, from],
    ),
    pool.query<{ source: string; kind: string; name: string; service_version: string; records: number; with_identity: number; prompt_captured: number; prompt_redacted: number; tool_details: number; truncated: number; last_seen: Date }>(
      `SELECT source, kind, name, service_version, sum(records)::int AS records, sum(with_identity)::int AS with_identity,
              sum(prompt_captured)::int AS prompt_captured, sum(prompt_redacted)::int AS prompt_redacted,
              sum(tool_details)::int AS tool_details, sum(truncated)::int AS truncated, max(last_seen) AS last_seen
       FROM source_rollups WHERE tenant_id = $1 AND day >= $2::date GROUP BY source, kind, name, service_version`,
      [tenantId, fromDay],
    ),
    pool.query<{ tool_name: string; mcp_server: string; n: number; last: Date }>(
      `SELECT tool_name, mcp_server, sum(count)::int AS n, max(bucket) + interval '1 hour' AS last FROM decision_rollups
       WHERE tenant_id = $1 AND surface = 'cowork' AND bucket >= date_trunc('hour', $2::timestamptz) GROUP BY tool_name, mcp_server`,
      [tenantId, from],
    ),
  ]);

  for (const a of activities.rows) {
    const t = a.type;
    const what = `activity ${t}`;
    if (CHAT_TYPES.test(t)) add("compliance_activity", "chat", a.n, a.last, what);
    if (a.actor_type === "api_actor" || t.startsWith("api_key")) add("compliance_activity", "api", a.n, a.last, what);
    if (t.includes("claude_code")) add("compliance_activity", "claude_code", a.n, a.last, what);
    if (t.includes("cowork")) for (const s of ["cowork_files", "cowork_browser", "cowork_mcp", "cowork_tasks"] as const) add("compliance_activity", s, a.n, a.last, what);
    if (t.includes("office")) add("compliance_activity", "office", a.n, a.last, what);
  }
  add("compliance_content", "chat", chats.rows[0]?.n ?? 0, chats.rows[0]?.last ?? null, "chats");
  for (const s of sessions.rows) {
    const ps = s.product_surface ?? "";
    const what = `sessions of ${ps || "no product surface"}`;
    if (ps === "claude_code") add("compliance_content", "claude_code", s.n, s.last, what);
    else if (ps === "cowork" || ps === "cowork_remote") {
      add("compliance_content", "cowork_files", s.n, s.last, what);
      add("compliance_content", "cowork_tasks", s.n, s.last, what);
    } else if (ps.startsWith("office_agents")) add("compliance_content", "office", s.n, s.last, what);
  }
  for (const r of sources.rows) {
    const what = `${r.kind} ${r.name}`;
    if (r.kind === "event" && r.source === "claude_code") add("otel_claude_code", "claude_code", r.records, r.last_seen, what);
    if (r.kind === "event" && r.source === "cowork") add("otel_cowork", "cowork_tasks", r.records, r.last_seen, what);
    if (r.kind === "span" && r.source === "office") add("office_traces", "office", r.records, r.last_seen, what);
    if (r.kind === "metric" && r.source === "claude_code") add("claude_code_metrics", "claude_code", r.records, r.last_seen, what);
  }
  for (const t of coworkTools.rows) {
    const name = t.tool_name.toLowerCase();
    const what = `tool decisions: ${t.tool_name}${t.mcp_server ? ` (${t.mcp_server})` : ""}`;
    if (t.mcp_server || name === "mcp_tool" || name.startsWith("mcp__")) add("otel_cowork", "cowork_mcp", t.n, t.last, what);
    else if (/browser|chrome|navigate|screenshot|web_?fetch|click/.test(name)) add("otel_cowork", "cowork_browser", t.n, t.last, what);
    else if (/read|write|edit|file|glob|grep|ls/.test(name)) add("otel_cowork", "cowork_files", t.n, t.last, what);
  }

  const cells: CoverageCell[] = [];
  for (const layer of LAYERS) {
    for (const surface of COVERAGE_SURFACES) {
      const cap = CAPABILITY[layer.id][surface.id];
      const capability = cap === "y" ? "full" : cap === "p" ? "partial" : "none";
      const t = tally.get(`${layer.id}/${surface.id}`) ?? { records: 0, last: null, what: new Map() };
      const status = statusOf(t.records, t.last, capability, to);
      cells.push({
        layer: layer.id, surface: surface.id, status, capability, records: t.records, lastSeen: t.last?.toISOString() ?? null,
        breakdown: [...t.what].filter(([, w]) => w.records > 0).map(([what, w]) => ({ what, records: w.records, lastSeen: w.last?.toISOString() ?? null }))
          .sort((a, b) => b.records - a.records || a.what.localeCompare(b.what)),
        hint: status === "silent" || status === "stale" ? LAYER_HINTS[layer.id] : null,
      });
    }
  }

  const [people, quietTokens] = await Promise.all([personGaps(tenantId, from, to), quiet(tenantId, to)]);

  const gates = new Map<string, Coverage["contentGates"][number]>();
  const versions = new Map<string, Coverage["versions"][number]>();
  for (const r of sources.rows) {
    const g = gates.get(r.source) ?? { source: r.source, records: 0, promptsCaptured: 0, promptsRedacted: 0, toolDetailsShare: 0, truncatedShare: 0, identifiedShare: 0, rawBodies: 0 };
    g.records += r.records;
    g.promptsCaptured += r.prompt_captured;
    g.promptsRedacted += r.prompt_redacted;
    g.toolDetailsShare += r.tool_details; // totals for now, shares below
    g.truncatedShare += r.truncated;
    g.identifiedShare += r.with_identity;
    if (r.name === EVENT.apiRequestBody || r.name === EVENT.apiResponseBody) g.rawBodies += r.records;
    gates.set(r.source, g);
    if (r.service_version) {
      const k = `${r.source}/${r.service_version}`;
      const v = versions.get(k) ?? { source: r.source, version: r.service_version, records: 0, lastSeen: r.last_seen.toISOString() };
      v.records += r.records;
      if (r.last_seen.toISOString() > v.lastSeen) v.lastSeen = r.last_seen.toISOString();
      versions.set(k, v);
    }
  }
  // Tool details are judged on tool events only, the rest on all records.
  const toolEvents = new Map<string, number>();
  for (const r of sources.rows) {
    if (TOOL_RECORDS.includes(r.name)) toolEvents.set(r.source, (toolEvents.get(r.source) ?? 0) + r.records);
  }
  const share = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 1000 : 0);
  const contentGates = [...gates.values()].map((g) => ({
    ...g,
    toolDetailsShare: share(g.toolDetailsShare, toolEvents.get(g.source) ?? 0),
    truncatedShare: share(g.truncatedShare, g.records),
    identifiedShare: share(g.identifiedShare, g.records),
  }));

  return {
    from: from.toISOString(),
    to: to.toISOString(),
    freshHours: FRESH_HOURS,
    cells,
    people,
    quietTokens,
    contentGates: contentGates.sort((a, b) => a.source.localeCompare(b.source)),
    versions: [...versions.values()].sort((a, b) => a.source.localeCompare(b.source) || b.lastSeen.localeCompare(a.lastSeen)),
  };
}

/**
 * The Compliance activities of [from, to) as rows (a UNION ALL; parameters added to `sql`, whose
 * $1 is the tenant): the whole UTC days of the window from a daily level (compliance_activity_daily,
 * compliance_actor_daily: kept as activities are stored) and the partial days at its edges from
 * the raw rows. Each activity is in exactly one of the ranges, so the figures are those of the
 * raw rows, from a row per day instead of every activity. `daily` and `raw` name the same columns.
 */
function activityRows(
  sql: SqlBuilder, from: Date, to: Date,
  daily: { columns: string; table: string; where: string },
  raw: { columns: string; where: string },
): string {
  const rawRange = (a: Date, b: Date) =>
    `SELECT ${raw.columns} FROM compliance_activities WHERE tenant_id = $1 AND ${raw.where} AND created_at >= ${sql.param(a)} AND created_at < ${sql.param(b)}`;
  const { whole, edges } = splitWindow({ from, to }, DAY_MS);
  const day = (d: Date) => `${sql.param(d.toISOString().slice(0, 10))}::date`;
  const parts = whole ? [`SELECT ${daily.columns} FROM ${daily.table} WHERE tenant_id = $1 AND ${daily.where} AND day >= ${day(whole.from!)} AND day < ${day(whole.to!)}`] : [];
  return [...parts, ...edges.map((e) => rawRange(e.from!, e.to!))].join("\n UNION ALL\n ");
}

/** Per activity type and actor type, the activities of [from, to) and the latest of them. */
function activitiesByTypeSql(tenantId: string, from: Date, to: Date): { text: string; values: unknown[] } {
  const sql = new SqlBuilder();
  sql.param(tenantId);
  const rows = activityRows(
    sql, from, to,
    { columns: "type, NULLIF(actor_type, '') AS actor_type, records AS n, last_seen AS last", table: "compliance_activity_daily", where: "true" },
    { columns: "type, actor_type, 1 AS n, created_at AS last", where: "true" },
  );
  return { text: `SELECT type, actor_type, sum(n)::int AS n, max(last) AS last FROM (${rows}) a GROUP BY type, actor_type`, values: sql.values };
}

/**
 * Per user actor (email, account id) active in [from, to), its latest activity there and whether
 * any was Cowork activity. An actor whose latest activity ever is before `to` is one row of
 * compliance_actor_latest (its latest activity is its last in the window, and its latest Cowork
 * activity tells whether the window holds one); only actors active at or after `to` (none, for a
 * window ending now) are counted from the daily level and the edges' raw rows.
 */
function activityActorsSql(tenantId: string, from: Date, to: Date): { text: string; values: unknown[] } {
  const sql = new SqlBuilder();
  sql.param(tenantId);
  const [f, t] = [sql.param(from), sql.param(to)];
  const later = `SELECT actor_email, actor_user_id, actor_account_uuid FROM compliance_actor_latest
                 WHERE tenant_id = $1 AND actor_type = 'user_actor' AND last_seen >= ${t}`;
  const rows = activityRows(
    sql, from, to,
    {
      columns: "NULLIF(actor_email, '') AS email, NULLIF(actor_user_id, '') AS user_id, last_seen AS last, cowork_records > 0 AS cowork",
      table: "compliance_actor_daily", where: `actor_type = 'user_actor' AND (actor_email, actor_user_id, actor_account_uuid) IN (${later})`,
    },
    {
      columns: "actor_email AS email, actor_user_id AS user_id, created_at AS last, type LIKE '%cowork%' AS cowork",
      where: `actor_type = 'user_actor' AND (COALESCE(actor_email, ''), COALESCE(actor_user_id, ''), COALESCE(actor_account_uuid, '')) IN (${later})`,
    },
  );
  return {
    text: `SELECT email, user_id, max(last) AS last, bool_or(cowork) AS cowork FROM (
             SELECT NULLIF(actor_email, '') AS email, NULLIF(actor_user_id, '') AS user_id, last_seen AS last, COALESCE(cowork_last_seen >= ${f}, false) AS cowork
             FROM compliance_actor_latest WHERE tenant_id = $1 AND actor_type = 'user_actor' AND last_seen >= ${f} AND last_seen < ${t}
             UNION ALL
             ${rows}) a GROUP BY 1, 2`,
    values: sql.values,
  };
}

/** People seen somewhere but silent in a surface they use. */
async function personGaps(tenantId: string, from: Date, to: Date): Promise<PersonGap[]> {
  const pool = getPool();
  const [otel, comp, actors] = await Promise.all([
    pool.query<{ user_email: string | null; enduser_id: string | null; account_uuid: string | null; account_id: string | null; source: string; last: Date }>(
      `SELECT user_email, enduser_id, account_uuid, account_id, source, max(last_seen) AS last
       FROM identity_observations WHERE tenant_id = $1 AND last_seen >= $2 AND last_seen < $3
         AND (user_email IS NOT NULL OR account_uuid IS NOT NULL OR account_id IS NOT NULL OR enduser_id LIKE '%@%')
       GROUP BY 1, 2, 3, 4, 5`,
      [tenantId, from, to],
    ),
    pool.query<{ email: string | null; user_id: string | null; product_surface: string | null; last: Date }>(
      `SELECT user_email AS email, user_id, product_surface, max(coalesce(updated_at, created_at)) AS last FROM compliance_sessions
       WHERE tenant_id = $1 AND coalesce(updated_at, created_at) >= $2 GROUP BY 1, 2, 3`,
      [tenantId, from],
    ),
    pool.query<{ email: string | null; user_id: string | null; last: Date; cowork: boolean }>(activityActorsSql(tenantId, from, to)),
  ]);

  // One row per person key (lib/domain/person.ts), as on every other page. A Compliance record
  // names its person by email and tagged account id (user_01…, the UUID OTel sends in another
  // form): it joins the row of the telemetry that carried the same account, when there is one.
  const people = new Map<string, { ref: PersonRef; seen: Record<string, Date> }>();
  const rowOfAccount = new Map<string, PersonRef>();
  const note = (ref: PersonRef, what: string, when: Date) => {
    if (ref.kind === "none") return;
    const p = people.get(ref.key) ?? { ref, seen: {} };
    if (!p.seen[what] || when > p.seen[what]) p.seen[what] = when;
    people.set(ref.key, p);
  };
  const uuidOf = (taggedId: string | null) => (taggedId ? (fromTaggedId(taggedId)?.uuid ?? null) : null);
  for (const r of otel.rows) {
    const ref = personOf({ userEmail: r.user_email, enduserId: r.enduser_id, accountUuid: r.account_uuid, accountId: r.account_id });
    const uuid = r.account_uuid?.toLowerCase() ?? uuidOf(r.account_id);
    if (uuid && (!rowOfAccount.has(uuid) || ref.kind === "email")) rowOfAccount.set(uuid, ref);
    note(ref, `otel:${r.source}`, r.last);
  }
  const resolve = (email: string | null, userId: string | null): PersonRef => {
    const uuid = uuidOf(userId);
    return (uuid && rowOfAccount.get(uuid)) || personOf({ userEmail: email, accountUuid: uuid, accountId: userId });
  };
  for (const r of comp.rows) note(resolve(r.email, r.user_id), `compliance:${r.product_surface ?? "session"}`, r.last);
  for (const r of actors.rows) {
    note(resolve(r.email, r.user_id), "compliance:activity", r.last);
    if (r.cowork) note(resolve(r.email, r.user_id), "compliance:cowork_activity", r.last);
  }

  const out: PersonGap[] = [];
  for (const [, p] of people) {
    const s = p.seen;
    const gaps: string[] = [];
    const anyOtel = Object.keys(s).some((k) => k.startsWith("otel:"));
    if ((s["compliance:cowork"] || s["compliance:cowork_remote"] || s["compliance:cowork_activity"]) && !s["otel:cowork"]) {
      gaps.push("Cowork activity in the Compliance API but no Cowork OpenTelemetry (is the collector on the Cowork egress allowlist?)");
    }
    if (s["compliance:claude_code"] && !s["otel:claude_code"]) gaps.push("Claude Code transcripts in the Compliance API but no Claude Code OpenTelemetry");
    if (Object.keys(s).some((k) => k.startsWith("compliance:office_agents")) && !s["otel:office"]) gaps.push("Office agent transcripts but no Office agent traces");
    if (s["compliance:activity"] && !anyOtel && gaps.length === 0) gaps.push("Uses Claude (Compliance activity) but sends no execution telemetry");
    if (gaps.length) {
      out.push({ person: labelOfPerson(p.ref), gaps, lastSeen: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.toISOString()])) });
    }
  }
  return out.sort((a, b) => a.person.localeCompare(b.person));
}

/** Active ingest tokens that sent nothing for a day (or never). */
async function quiet(tenantId: string, to: Date) {
  const { rows } = await getPool().query<{ id: string; name: string; environment: string; last_used_at: Date | null }>(
    `SELECT t.id, t.name, e.name AS environment, t.last_used_at FROM ingest_tokens t JOIN environments e ON e.id = t.environment_id
     WHERE t.tenant_id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
       AND (t.last_used_at IS NULL OR t.last_used_at < $2::timestamptz - interval '24 hours')
     ORDER BY t.last_used_at NULLS FIRST`,
    [tenantId, to],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, environment: r.environment, lastUsedAt: r.last_used_at?.toISOString() ?? null }));
}
