import { getPool } from "@/lib/db/pool";
import { EVENT } from "@/lib/domain/vocabulary";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "./events";
import { IS_SUBAGENT_REPORT_SQL } from "@/lib/presentation/subagent-report";
import { recordExtent, recordsExtent, withinExtent, type Extent } from "./extents";
import { decisionRecord, TOOL_COUNTS, type PromptSummary } from "./prompts";

// A session (session.id): its prompts with their summaries (computed in SQL, so a session of
// tens of thousands of events costs one grouped scan, not a transfer of every row), the events
// that describe it, and, for Office agents, the traces that carry the same session.id.

export interface SessionPrompt {
  promptId: string;
  start: string;
  /** The prompt text, when the reader may see content and it was captured. */
  text: string | null;
  /** A background subagent's report (a <task-notification> user_prompt), not typed by the person. */
  subagentReport: boolean;
  summary: PromptSummary;
}

export interface SessionTrace {
  traceId: string;
  /** The source of the trace's root span: "office" for an Office agent turn, "claude_code" for a Claude Code beta trace. */
  source: string;
  rootName: string;
  start: string;
  /** Every span of the trace (only some of them carry session.id). */
  spanCount: number;
  /** Who and where, as the trace's spans name them (first span that does). */
  userEmail: string | null;
  accountUuid: string | null;
  organizationId: string | null;
  /** The Office application (spans.surface), for Office traces. */
  app: string | null;
  serviceName: string | null;
  platform: string | null;
  version: string | null;
}

export interface SessionOverview {
  sessionId: string;
  eventCount: number;
  prompts: SessionPrompt[];
  traces: SessionTrace[];
  /** The session's first event: identity, client, terminal, resource. */
  first: ApiEvent | null;
  /** Events outside any prompt (startup: hooks, plugins, MCP connections), first 200. */
  outsidePrompts: ApiEvent[];
  /** Permission-mode changes in time order, at most `limits.modeChanges` of them. */
  modeChanges: ApiEvent[];
  /** The session has more prompts, traces or mode changes than are listed (the first ones by time are). */
  truncated: { prompts: boolean; traces: boolean; modeChanges: boolean };
  /** Folders the user connected (file paths: content, so empty for non-readers). */
  workspacePaths: string[];
  /** How many folders were withheld because the reader may not see content. */
  hiddenWorkspacePaths: number;
}

const OUTSIDE_PROMPTS_LIMIT = 200;

/** Caps of the lists a session overview returns (the event count and each prompt's summary count everything). */
export const SESSION_LIMITS = { prompts: 5000, traces: 1000, modeChanges: 500 };
export type SessionLimits = typeof SESSION_LIMITS;

interface PromptAggRow {
  prompt_id: string;
  start: Date;
  end: Date;
  events: number;
  tool_results: number;
  failed_tools: number;
  api_requests: number;
  api_errors: number;
  cost: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  rejected: number;
  prompt: string | null;
  subagent_report: boolean | null;
}

/**
 * The traces that carry the session: an Office turn names session.id on its agent.query span
 * only, so the traces are found by any span and then read whole (span count, who, where).
 */
async function sessionTraces(tenantId: string, sessionId: string, limit: number, extent: Extent | null): Promise<SessionTrace[]> {
  const first = (col: string) => `(array_agg(${col} ORDER BY s.start_time, s.span_id) FILTER (WHERE ${col} IS NOT NULL))[1]`;
  // The traces first (most sessions have none: Claude Code), then their spans within the traces' extents.
  const idParams: unknown[] = [tenantId, sessionId];
  const { rows: ids } = await getPool().query<{ trace_id: string }>(
    `SELECT DISTINCT trace_id FROM spans WHERE tenant_id = $1 AND session_id = $2${withinExtent("start_time", extent, idParams)}`,
    idParams,
  );
  if (ids.length === 0) return [];
  const traceIds = ids.map((r) => r.trace_id);
  const params: unknown[] = [tenantId, traceIds, limit];
  const bound = withinExtent("s.start_time", await recordsExtent(tenantId, "trace", traceIds), params);
  const { rows } = await getPool().query<{
    trace_id: string; source: string; root_name: string; start: Date; span_count: number; user_email: string | null; account_uuid: string | null;
    organization_id: string | null; app: string | null; service_name: string | null; platform: string | null; version: string | null;
  }>(
    `SELECT s.trace_id, (array_agg(s.name ORDER BY (s.parent_span_id IS NULL) DESC, s.start_time))[1] AS root_name,
            (array_agg(s.source ORDER BY (s.parent_span_id IS NULL) DESC, s.start_time))[1] AS source,
            min(s.start_time) AS start, count(*)::int AS span_count,
            ${first("s.user_email")} AS user_email, ${first("s.account_uuid")} AS account_uuid, ${first("s.organization_id")} AS organization_id,
            ${first("s.surface")} AS app, ${first("s.service_name")} AS service_name,
            ${first("s.attributes->>'office.platform'")} AS platform, ${first("s.attributes->>'office.version'")} AS version
     FROM spans s WHERE s.tenant_id = $1 AND s.trace_id = ANY($2::text[])${bound}
     GROUP BY s.trace_id ORDER BY min(s.start_time), s.trace_id LIMIT $3`,
    params,
  );
  return rows.map((t) => ({
    traceId: t.trace_id, source: t.source, rootName: t.root_name, start: t.start.toISOString(), spanCount: t.span_count,
    userEmail: t.user_email, accountUuid: t.account_uuid, organizationId: t.organization_id, app: t.app,
    serviceName: t.service_name, platform: t.platform, version: t.version,
  }));
}

export async function sessionOverview(
  tenantId: string,
  sessionId: string,
  canReadContent: boolean,
  limits: SessionLimits = SESSION_LIMITS,
): Promise<SessionOverview | null> {
  const pool = getPool();
  // Every read is bounded to the session's extent (the same rows, from the partitions that hold them).
  const extent = await recordExtent(tenantId, "session", sessionId);
  /** The query's parameters after tenant and session, and the bound on `column` appended to them. */
  const args = (column: string, ...more: unknown[]) => {
    const params: unknown[] = [tenantId, sessionId, ...more];
    return { within: withinExtent(column, extent, params), params };
  };
  const [p, f, o, m, w, c] = [args("time", limits.prompts + 1), args("e.time"), args("e.time"), args("e.time", limits.modeChanges + 1), args("time"), args("time")];
  const decisionParams: unknown[] = [tenantId, sessionId];
  const decisionWhere = `${withinExtent("time", extent, decisionParams)} AND ${decisionRecord(withinExtent("d.time", extent, decisionParams))}`;
  const [prompts, decisions, first, outside, modes, paths, count, traces] = await Promise.all([
    pool.query<PromptAggRow>(
      `SELECT prompt_id, min(time) AS start, max(time) AS end, count(*)::int AS events,
              ${TOOL_COUNTS},
              count(*) FILTER (WHERE event_name = '${EVENT.apiRequest}')::int AS api_requests,
              count(*) FILTER (WHERE event_name = '${EVENT.apiError}')::int AS api_errors,
              sum(cost_usd) FILTER (WHERE event_name = '${EVENT.apiRequest}') AS cost,
              sum(input_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}') AS input_tokens,
              sum(output_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}') AS output_tokens,
              bool_or(event_name = '${EVENT.userPrompt}' AND ${IS_SUBAGENT_REPORT_SQL}) AS subagent_report,
              ${canReadContent ? `(array_agg(attributes->>'prompt' ORDER BY sequence) FILTER (WHERE event_name = '${EVENT.userPrompt}'))[1]` : "NULL"} AS prompt
       FROM events WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL${p.within}
       GROUP BY prompt_id ORDER BY min(time), prompt_id LIMIT $3`,
      p.params,
    ),
    pool.query<{ prompt_id: string; source: string; n: number }>(
      `SELECT prompt_id, COALESCE(decision_source, 'unknown') AS source, count(*)::int AS n FROM events
       WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL${decisionWhere}
       GROUP BY 1, 2`,
      decisionParams,
    ),
    pool.query<EventDbRow>(`SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE e.tenant_id = $1 AND e.session_id = $2${f.within} ORDER BY e.time, e.id LIMIT 1`, f.params),
    pool.query<EventDbRow>(
      `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE e.tenant_id = $1 AND e.session_id = $2 AND e.prompt_id IS NULL${o.within}
       ORDER BY e.time, e.sequence NULLS LAST, e.id LIMIT ${OUTSIDE_PROMPTS_LIMIT}`,
      o.params,
    ),
    pool.query<EventDbRow>(
      `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE e.tenant_id = $1 AND e.session_id = $2 AND e.event_name = '${EVENT.permissionModeChanged}'${m.within}
       ORDER BY e.time, e.id LIMIT $3`,
      m.params,
    ),
    pool.query<{ path: string }>(
      `SELECT DISTINCT jsonb_array_elements_text(fields->'workspaceHostPaths') AS path FROM events
       WHERE tenant_id = $1 AND session_id = $2 AND jsonb_typeof(fields->'workspaceHostPaths') = 'array'${w.within} ORDER BY 1 LIMIT 100`,
      w.params,
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND session_id = $2${c.within}`, c.params),
    sessionTraces(tenantId, sessionId, limits.traces + 1, extent),
  ]);
  if (count.rows[0].n === 0 && traces.length === 0) return null;

  const bySource = new Map<string, Record<string, number>>();
  for (const d of decisions.rows) {
    const m = bySource.get(d.prompt_id) ?? {};
    m[d.source] = d.n;
    bySource.set(d.prompt_id, m);
  }
  return {
    sessionId,
    eventCount: count.rows[0].n,
    prompts: prompts.rows.slice(0, limits.prompts).map((p) => ({
      promptId: p.prompt_id,
      start: p.start.toISOString(),
      text: p.prompt,
      subagentReport: p.subagent_report === true,
      summary: {
        eventCount: p.events,
        start: p.start.toISOString(),
        end: p.end.toISOString(),
        durationMs: p.end.getTime() - p.start.getTime(),
        toolCalls: p.tool_results,
        failedToolCalls: p.failed_tools,
        apiRequests: p.api_requests,
        apiErrors: p.api_errors,
        costUsd: p.cost ?? 0,
        inputTokens: p.input_tokens ?? 0,
        outputTokens: p.output_tokens ?? 0,
        decisionsBySource: bySource.get(p.prompt_id) ?? {},
        rejectedDecisions: p.rejected,
      },
    })),
    traces: traces.slice(0, limits.traces),
    first: first.rows[0] ? toApiEvent(first.rows[0], canReadContent) : null,
    outsidePrompts: outside.rows.map((r) => toApiEvent(r, canReadContent)),
    modeChanges: modes.rows.slice(0, limits.modeChanges).map((r) => toApiEvent(r, canReadContent)),
    truncated: {
      prompts: prompts.rows.length > limits.prompts,
      traces: traces.length > limits.traces,
      modeChanges: modes.rows.length > limits.modeChanges,
    },
    workspacePaths: canReadContent ? paths.rows.map((r) => r.path) : [],
    hiddenWorkspacePaths: canReadContent ? 0 : paths.rows.length,
  };
}

// ---- the read API's session: the overview plus every event, paged ---------------------------

export const SESSION_PAGE = 1000;

export interface SessionEventsPage {
  events: ApiEvent[];
  nextCursor: string | null;
}

/** Position after the last event of a page, in session order: (time, sequence or -1, id). */
const sessionCursor = cursorCodec("session-events", { t: cursorField.time, s: cursorField.int, id: cursorField.uuid });

/** Events of a session in order (time, sequence, id), a page at a time. */
export async function sessionEvents(tenantId: string, sessionId: string, canReadContent: boolean, cursor: string | undefined, limit = SESSION_PAGE): Promise<SessionEventsPage> {
  const sql = new SqlBuilder();
  sql.where(`e.tenant_id = ${sql.param(tenantId)}`).where(`e.session_id = ${sql.param(sessionId)}`);
  if (cursor) {
    const c = sessionCursor.decode(cursor);
    sql.where(`(e.time, COALESCE(e.sequence, -1), e.id) > (${sql.param(c.t)}::timestamptz, ${sql.param(c.s)}::bigint, ${sql.param(c.id)}::uuid)`);
  }
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE ${sql.whereSql()}
     ORDER BY e.time, COALESCE(e.sequence, -1), e.id LIMIT ${sql.param(limit + 1)}`,
    sql.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => toApiEvent(r, canReadContent)),
    nextCursor: rows.length > limit && last ? sessionCursor.encode({ t: last.time.toISOString(), s: last.sequence ?? -1, id: last.id }) : null,
  };
}
