import { getPool } from "@/lib/db/pool";
import { EVENT } from "@/lib/domain/vocabulary";
import { IS_SUBAGENT_REPORT_SQL, type SubagentOrigin } from "@/lib/presentation/subagent-report";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "./events";
import { recordExtent, withinExtent, type Extent } from "./extents";

// Everything one prompt.id caused, in event.sequence order (then time), with the totals an
// analyst reads first.

export interface PromptSummary {
  eventCount: number;
  start: string;
  end: string;
  durationMs: number;
  toolCalls: number;
  failedToolCalls: number;
  apiRequests: number;
  apiErrors: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  decisionsBySource: Record<string, number>;
  rejectedDecisions: number;
}

export interface PromptTimeline {
  promptId: string;
  sessionId: string | null;
  source: string;
  /** Computed in SQL over every event of the prompt, also when `events` is cut at `eventLimit`. */
  summary: PromptSummary;
  events: ApiEvent[];
  /** True when the prompt has more than `eventLimit` events and only the first ones are in `events`. */
  truncated: boolean;
  eventLimit: number;
}

// How a prompt's tool calls are counted, shared by the prompt page and the session's prompt list.
// Claude Code reports a decision as tool_decision and only runs an accepted call (tool_result);
// Cowork reports the decision on the tool_result itself (decision_type / decision_source), also for
// a call the person rejected: such a result did not run, so it is a rejection, not a failure.
const RAN = `event_name = '${EVENT.toolResult}' AND decision IS DISTINCT FROM 'reject'`;

/**
 * A decision record: a tool_decision, or a tool_result carrying the decision that no tool_decision
 * of its call reported. `sessionBound` limits the other events looked at (`d`, of the same
 * session) to the session's extent (withinExtent("d.time", …)): the same result, fewer partitions.
 */
export const decisionRecord = (sessionBound = "") => `(event_name = '${EVENT.toolDecision}' OR (event_name = '${EVENT.toolResult}' AND decision IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM events d WHERE d.tenant_id = events.tenant_id AND d.session_id IS NOT DISTINCT FROM events.session_id
    AND d.tool_use_id = events.tool_use_id AND d.event_name = '${EVENT.toolDecision}'${sessionBound})))`;

/** Per-prompt tool counts as SQL select items over `events` (tool_results, failed_tools, rejected). */
export const TOOL_COUNTS = `count(*) FILTER (WHERE ${RAN})::int AS tool_results,
              count(*) FILTER (WHERE ${RAN} AND success = false)::int AS failed_tools,
              count(DISTINCT COALESCE(tool_use_id, id::text)) FILTER (WHERE event_name IN ('${EVENT.toolDecision}', '${EVENT.toolResult}') AND decision = 'reject')::int AS rejected`;

/** Events a prompt timeline returns at most (page and read API); /api/v1/events?promptId= pages through all. */
export const PROMPT_EVENT_LIMIT = 5000;

export async function promptTimeline(tenantId: string, promptId: string, canReadContent: boolean, eventLimit = PROMPT_EVENT_LIMIT): Promise<PromptTimeline | null> {
  const extent = await recordExtent(tenantId, "prompt", promptId);
  const params: unknown[] = [tenantId, promptId, eventLimit + 1];
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
     WHERE e.tenant_id = $1 AND e.prompt_id = $2${withinExtent("e.time", extent, params)}
     ORDER BY e.sequence ASC NULLS LAST, e.time ASC, e.id ASC LIMIT $3`,
    params,
  );
  if (rows.length === 0) return null;
  const truncated = rows.length > eventLimit;
  const shown = truncated ? rows.slice(0, eventLimit) : rows;
  const summary = await promptSummary(tenantId, promptId, { prompt: extent, sessionId: rows[0].session_id });
  const events = shown.map((r) => toApiEvent(r, canReadContent));
  return { promptId, sessionId: rows[0].session_id, source: rows[0].source, summary, events, truncated, eventLimit };
}

/**
 * A prompt's totals, aggregated by the database (bounded memory whatever the prompt's size).
 * `known`: the prompt's extent (recordExtent) and its session, when known, bound the reads (the
 * decisions look at the session's other events, within the session's extent).
 */
export async function promptSummary(tenantId: string, promptId: string, known: { prompt: Extent | null; sessionId: string | null } = { prompt: null, sessionId: null }): Promise<PromptSummary> {
  const pool = getPool();
  const totalsParams: unknown[] = [tenantId, promptId];
  const decisionRows = async () => {
    const session = known.sessionId ? await recordExtent(tenantId, "session", known.sessionId) : null;
    const params: unknown[] = [tenantId, promptId];
    const where = `${withinExtent("time", known.prompt, params)} AND ${decisionRecord(withinExtent("d.time", session, params))}`;
    return pool.query<{ source: string; n: number }>(
      `SELECT COALESCE(decision_source, 'unknown') AS source, count(*)::int AS n FROM events
       WHERE tenant_id = $1 AND prompt_id = $2${where} GROUP BY 1 ORDER BY 1`,
      params,
    );
  };
  const [totals, decisions] = await Promise.all([
    pool.query<{
      events: number; start: Date; end: Date; tool_results: number; failed_tools: number; api_requests: number;
      api_errors: number; cost: number; input_tokens: number; output_tokens: number; rejected: number;
    }>(
      `SELECT count(*)::int AS events, min(time) AS start, max(time) AS end,
              ${TOOL_COUNTS},
              count(*) FILTER (WHERE event_name = '${EVENT.apiRequest}')::int AS api_requests,
              count(*) FILTER (WHERE event_name = '${EVENT.apiError}')::int AS api_errors,
              COALESCE(sum(cost_usd) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS cost,
              COALESCE(sum(input_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS input_tokens,
              COALESCE(sum(output_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS output_tokens
       FROM events WHERE tenant_id = $1 AND prompt_id = $2${withinExtent("time", known.prompt, totalsParams)}`,
      totalsParams,
    ),
    decisionRows(),
  ]);
  const t = totals.rows[0];
  return {
    eventCount: t.events,
    start: t.start.toISOString(),
    end: t.end.toISOString(),
    durationMs: t.end.getTime() - t.start.getTime(),
    toolCalls: t.tool_results,
    failedToolCalls: t.failed_tools,
    apiRequests: t.api_requests,
    apiErrors: t.api_errors,
    costUsd: t.cost,
    inputTokens: t.input_tokens,
    outputTokens: t.output_tokens,
    decisionsBySource: Object.fromEntries(decisions.rows.map((d) => [d.source, d.n])),
    rejectedDecisions: t.rejected,
  };
}

export interface PromptNeighbors {
  previous: string | null;
  next: string | null;
  position: number;
  total: number;
}

/** The prompts before and after this one in its session, by first event time (one row out, however many prompts). */
export async function promptNeighbors(tenantId: string, sessionId: string, promptId: string): Promise<PromptNeighbors> {
  const { rows } = await getPool().query<{ previous: string | null; next: string | null; position: number | null; total: number }>(
    `WITH p AS (
       SELECT prompt_id, min(time) AS first FROM events
       WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL GROUP BY prompt_id
     ), o AS (
       SELECT prompt_id, lag(prompt_id) OVER w AS previous, lead(prompt_id) OVER w AS next, row_number() OVER w AS position
       FROM p WINDOW w AS (ORDER BY first, prompt_id)
     )
     SELECT o.previous, o.next, o.position::int AS position, c.total::int AS total
     FROM (SELECT count(*) AS total FROM p) c LEFT JOIN o ON o.prompt_id = $3`,
    [tenantId, sessionId, promptId],
  );
  const r = rows[0];
  return { previous: r?.previous ?? null, next: r?.next ?? null, position: r?.position ?? 0, total: r?.total ?? 0 };
}

/** A prompt that is a background subagent's report: its user_prompt, and the prompt that started the subagent. */
export interface SubagentReportOf {
  reportEventId: string;
  origin: SubagentOrigin | null;
}

const SUBAGENT_TOOLS = ["Task", "Agent"];

/**
 * When this prompt's user_prompt is a <task-notification> (decided in SQL, so also for readers who
 * may not see the text): the prompt that started the subagent. First the prompt whose events carry
 * the task id as their agent_id (the subagent's own calls); else the latest earlier prompt of the
 * session that called the Task/Agent tool, with that call.
 */
export async function subagentReportOf(tenantId: string, sessionId: string | null, promptId: string): Promise<SubagentReportOf | null> {
  const pool = getPool();
  const { rows } = await pool.query<{ id: string; time: Date; task_id: string | null }>(
    `SELECT id, time, substring(attributes->>'prompt' from '<task-id>\\s*([^<\\s]+)\\s*</task-id>') AS task_id FROM events
     WHERE tenant_id = $1 AND prompt_id = $2 AND event_name = '${EVENT.userPrompt}' AND ${IS_SUBAGENT_REPORT_SQL}
     ORDER BY sequence NULLS LAST, time LIMIT 1`,
    [tenantId, promptId],
  );
  const report = rows[0];
  if (!report) return null;
  if (!sessionId) return { reportEventId: report.id, origin: null };
  if (report.task_id) {
    const byAgent = await pool.query<{ prompt_id: string }>(
      `SELECT prompt_id FROM events WHERE tenant_id = $1 AND session_id = $2 AND agent_id = $3 AND prompt_id IS NOT NULL AND prompt_id <> $4
       ORDER BY time LIMIT 1`,
      [tenantId, sessionId, report.task_id, promptId],
    );
    if (byAgent.rows[0]) return { reportEventId: report.id, origin: { promptId: byAgent.rows[0].prompt_id, eventId: null, label: `prompt ${byAgent.rows[0].prompt_id.slice(0, 8)}…` } };
  }
  // The latest such call, linked at its first event (its decision), as a toolu_ search links it.
  const byTool = await pool.query<{ prompt_id: string; id: string; tool_name: string }>(
    `SELECT c.prompt_id, c.tool_name,
            (SELECT f.id FROM events f WHERE f.tenant_id = $1 AND f.prompt_id = c.prompt_id AND f.tool_use_id = c.tool_use_id
             ORDER BY f.sequence NULLS LAST, f.time, f.id LIMIT 1) AS id
     FROM (SELECT prompt_id, tool_name, tool_use_id FROM events
           WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL AND prompt_id <> $3 AND time <= $4
             AND event_name IN ('${EVENT.toolDecision}', '${EVENT.toolResult}') AND tool_name = ANY($5)
           ORDER BY time DESC, sequence DESC NULLS LAST LIMIT 1) c`,
    [tenantId, sessionId, promptId, report.time, SUBAGENT_TOOLS],
  );
  const t = byTool.rows[0];
  return { reportEventId: report.id, origin: t ? { promptId: t.prompt_id, eventId: t.id, label: `the ${t.tool_name} call in prompt ${t.prompt_id.slice(0, 8)}…` } : null };
}
