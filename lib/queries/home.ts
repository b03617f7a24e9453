import { getConnector } from "@/lib/compliance/connector-config";
import { connectorStatus } from "@/lib/compliance/sync/status";
import { getPool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import type { JsonValue } from "@/lib/otlp/values";
import { COVERAGE_SURFACES, EVENT, SOURCE_LABELS } from "@/lib/domain/vocabulary";
import { personLabel } from "@/lib/presentation/format";
import { personHref } from "@/lib/presentation/links";
import { toolTarget } from "@/lib/presentation/tool-target";
import { escalations, withoutTargets, type Escalation } from "@/lib/queries/approvals";
import { coverage, LAYERS } from "@/lib/queries/coverage";
import { newestRecord } from "@/lib/queries/newest";

// The console's home: what needs attention now, how much arrived in the last 24 hours per
// surface, and how far the first-run setup got. Built from the existing read models
// (escalations, coverage, the connector status); only the newest rejections and the 24-hour
// volume are read here, each from an index-backed, bounded query.

export interface Rejection {
  eventId: string;
  time: string;
  source: string;
  tool: string;
  mcpServer: string | null;
  decisionSource: string | null;
  promptId: string | null;
  sessionId: string | null;
  person: { label: string; query: string | null };
  /** The person page, when the record names a person (an email or an account), else null. */
  personPage: string | null;
  /** The command, path or URL the call wanted; null unless the reader may see content. */
  target: string | null;
}

/** tool_decision events with decision "reject", newest first; the count from the hourly decision rollups. */
export async function recentRejections(
  tenantId: string,
  f: { from: Date | undefined; to: Date | undefined; limit: number; withContent: boolean },
): Promise<{ total: number; rows: Rejection[] }> {
  const pool = getPool();
  const from = f.from ?? new Date(0);
  const to = f.to ?? new Date(8.64e15);
  const [list, count] = await Promise.all([
    pool.query<{
      id: string; time: Date; source: string; tool_name: string | null; mcp_server: string | null; mcp_tool: string | null; decision_source: string | null;
      prompt_id: string | null; session_id: string | null; user_email: string | null; enduser_id: string | null; account_uuid: string | null; account_id: string | null; user_id: string | null;
      fields: Record<string, JsonValue> | null;
    }>(
      // Content (the parameters the target comes from) is not even read for readers without it.
      `SELECT id, time, source, tool_name, mcp_server, mcp_tool, decision_source, prompt_id, session_id,
              user_email, enduser_id, account_uuid, account_id, user_id, ${f.withContent ? "fields" : "NULL::jsonb AS fields"}
       FROM events
       WHERE tenant_id = $1 AND event_name = $5 AND decision = 'reject' AND time >= $2 AND time < $3
       ORDER BY time DESC, id DESC LIMIT $4`,
      [tenantId, from, to, f.limit, EVENT.toolDecision],
    ),
    pool.query<{ n: number | null }>(
      `SELECT sum(count)::float8 AS n FROM decision_rollups
       WHERE tenant_id = $1 AND decision = 'reject' AND bucket >= date_trunc('hour', $2::timestamptz) AND bucket < $3`,
      [tenantId, from, to],
    ),
  ]);
  return {
    total: Math.max(Number(count.rows[0]?.n ?? 0), list.rows.length),
    rows: list.rows.map((r) => ({
      eventId: r.id,
      time: r.time.toISOString(),
      source: r.source,
      tool: r.tool_name ?? "(unknown)",
      mcpServer: r.mcp_server,
      decisionSource: r.decision_source,
      promptId: r.prompt_id,
      sessionId: r.session_id,
      person: personLabel({ email: r.user_email, enduserId: r.enduser_id, accountUuid: r.account_uuid, accountId: r.account_id, id: r.user_id }),
      personPage: personHref({ userEmail: r.user_email, enduserId: r.enduser_id, accountUuid: r.account_uuid, accountId: r.account_id, userId: r.user_id }),
      target: r.fields ? (toolTarget(r.fields, { server: r.mcp_server, tool: r.mcp_tool })?.value ?? null) : null,
    })),
  };
}

// ---- volume of the last 24 hours ----------------------------------------------------------------

export interface SurfaceVolume {
  id: string;
  label: string;
  /** Records in the 24 hours before `now`. */
  records: number;
  /** 24 hourly counts, oldest first; the last one ends at `now`. */
  hourly: number[];
  /** The newest record ever seen from this surface (null: never). */
  lastSeen: string | null;
}

/** The surfaces always listed (a zero is news); others appear when they sent something. */
const MAIN_SURFACES = ["claude_code", "cowork", "office", "compliance"] as const;
const VOLUME_LABELS: Record<string, string> = { ...SOURCE_LABELS, compliance: "Compliance API" };

export async function volumeLast24h(tenantId: string, now = new Date()): Promise<SurfaceVolume[]> {
  const since = new Date(now.getTime() - 86_400_000);
  const pool = getPool();
  const hour = (col: string) => `least(23, floor(extract(epoch FROM (${col} - $2::timestamptz)) / 3600))::int`;
  const [counts, lastSeen, lastCompliance] = await Promise.all([
    pool.query<{ surface: string; h: number; n: number }>(
      `SELECT source AS surface, ${hour("time")} AS h, count(*)::int AS n FROM events
         WHERE tenant_id = $1 AND time >= $2 AND time <= $3 GROUP BY 1, 2
       UNION ALL
       SELECT source, ${hour("start_time")}, count(*)::int FROM spans
         WHERE tenant_id = $1 AND start_time >= $2 AND start_time <= $3 GROUP BY 1, 2
       UNION ALL
       SELECT 'compliance', ${hour("created_at")}, count(*)::int FROM compliance_activities
         WHERE tenant_id = $1 AND created_at >= $2 AND created_at <= $3 GROUP BY 1, 2`,
      [tenantId, since, now],
    ),
    // Newest per source from the daily rollups kept at ingest (events, spans and metrics).
    pool.query<{ source: string; last: Date }>(`SELECT source, max(last_seen) AS last FROM source_rollups WHERE tenant_id = $1 GROUP BY source`, [tenantId]),
    newestRecord(tenantId, { kinds: ["compliance"] }),
  ]);
  const bySurface = new Map<string, SurfaceVolume>();
  const entry = (id: string) => {
    let v = bySurface.get(id);
    if (!v) {
      v = { id, label: VOLUME_LABELS[id] ?? id, records: 0, hourly: Array.from({ length: 24 }, () => 0), lastSeen: null };
      bySurface.set(id, v);
    }
    return v;
  };
  for (const id of MAIN_SURFACES) entry(id);
  for (const r of counts.rows) {
    const v = entry(r.surface);
    v.records += r.n;
    v.hourly[Math.max(0, Math.min(23, r.h))] += r.n;
  }
  for (const r of lastSeen.rows) {
    const v = entry(r.source);
    if (!v.lastSeen || r.last.toISOString() > v.lastSeen) v.lastSeen = r.last.toISOString();
  }
  if (lastCompliance.newest) entry("compliance").lastSeen = lastCompliance.newest.toISOString();
  const order = (id: string) => {
    const i = (MAIN_SURFACES as readonly string[]).indexOf(id);
    return i === -1 ? MAIN_SURFACES.length : i;
  };
  return [...bySurface.values()].sort((a, b) => order(a.id) - order(b.id) || a.id.localeCompare(b.id));
}

// ---- first-run setup --------------------------------------------------------------------------

export interface SetupProgress {
  /** Active ingest tokens of the tenant. */
  ingestTokens: number;
  /** When the newest record arrived; null until the first one did. */
  firstDataAt: string | null;
  complianceConfigured: boolean;
  /** Active users of the tenant. */
  users: number;
}

export async function setupProgress(tenantId: string, now = new Date()): Promise<SetupProgress> {
  const [ingestTokens, newest, complianceConfigured, users] = await Promise.all([
    prisma().ingestToken.count({ where: { tenantId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
    newestRecord(tenantId),
    getConnector(tenantId).then((c) => c !== null),
    prisma().user.count({ where: { tenantId, deactivatedAt: null } }),
  ]);
  return { ingestTokens, firstDataAt: newest.newest?.toISOString() ?? null, complianceConfigured, users };
}

// ---- the whole page -------------------------------------------------------------------------

export interface SilentSurface {
  layer: string;
  surface: string;
  records: number;
  lastSeen: string;
}

export interface HomeOverview {
  rejections: { total: number; rows: Rejection[] };
  escalations: { total: number; rows: Escalation[] };
  /** People silent in a surface they use (coverage). */
  silentPeople: { person: string; gaps: string[] }[];
  /** Layer × surface pairs that reported in the window but nothing for a day (coverage). */
  silentSurfaces: SilentSurface[];
  quietTokens: { id: string; name: string; environment: string; lastUsedAt: string | null }[];
  connector: { configured: boolean; state: string; failing: { stream: string; label: string; lastErrorAt: string | null }[] };
  volume: SurfaceVolume[];
  setup: SetupProgress;
}

const SURFACE_LABEL = new Map<string, string>(COVERAGE_SURFACES.map((s) => [s.id, s.label]));
const LAYER_LABEL = new Map<string, string>(LAYERS.map((l) => [l.id, l.label]));

/**
 * Everything the home page shows, for one tenant and window. `withContent` decides whether the
 * commands behind rejections and escalations are included (analysts and admins).
 */
export async function homeOverview(
  tenantId: string,
  w: { from: Date | undefined; to: Date | undefined },
  opts: { withContent: boolean; now?: Date; listLimit?: number },
): Promise<HomeOverview> {
  const now = opts.now ?? new Date();
  const to = w.to ?? now;
  // Coverage and escalations need a start; "all time" reads the last 90 days, as their pages do.
  const from = w.from ?? new Date(to.getTime() - 90 * 86_400_000);
  const limit = opts.listLimit ?? 8;
  const [rejections, esc, cov, connector, volume, setup] = await Promise.all([
    recentRejections(tenantId, { from: w.from, to: w.to, limit, withContent: opts.withContent }),
    escalations(tenantId, { from, to, windowMinutes: 10 }),
    coverage(tenantId, from, to),
    connectorStatus(tenantId, now),
    volumeLast24h(tenantId, now),
    setupProgress(tenantId, now),
  ]);
  const freshMs = cov.freshHours * 3_600_000;
  const silentSurfaces = cov.cells
    .filter((c) => c.capability !== "none" && c.records > 0 && c.lastSeen && to.getTime() - Date.parse(c.lastSeen) > freshMs)
    .map((c) => ({ layer: LAYER_LABEL.get(c.layer) ?? c.layer, surface: SURFACE_LABEL.get(c.surface) ?? c.surface, records: c.records, lastSeen: c.lastSeen! }))
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  return {
    rejections,
    escalations: { total: esc.length, rows: (opts.withContent ? esc : withoutTargets(esc)).slice(0, limit) },
    silentPeople: cov.people.map((p) => ({ person: p.person, gaps: p.gaps })),
    silentSurfaces,
    quietTokens: cov.quietTokens,
    connector: {
      configured: connector.configured,
      state: connector.state,
      failing: connector.streams.filter((s) => s.lastError).map((s) => ({ stream: s.stream, label: s.label, lastErrorAt: s.lastErrorAt })),
    },
    volume,
    setup,
  };
}
