import { getPool } from "@/lib/db/pool";
import { EVENT } from "@/lib/domain/vocabulary";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "./events";

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

/** Events a prompt timeline returns at most (page and read API); /api/v1/events?promptId= pages through all. */
export const PROMPT_EVENT_LIMIT = 5000;

export async function promptTimeline(tenantId: string, promptId: string, canReadContent: boolean, eventLimit = PROMPT_EVENT_LIMIT): Promise<PromptTimeline | null> {
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
     WHERE e.tenant_id = $1 AND e.prompt_id = $2
     ORDER BY e.sequence ASC NULLS LAST, e.time ASC, e.id ASC LIMIT $3`,
    [tenantId, promptId, eventLimit + 1],
  );
  if (rows.length === 0) return null;
  const truncated = rows.length > eventLimit;
  const shown = truncated ? rows.slice(0, eventLimit) : rows;
  const summary = await promptSummary(tenantId, promptId);
  const events = shown.map((r) => toApiEvent(r, canReadContent));
  return { promptId, sessionId: rows[0].session_id, source: rows[0].source, summary, events, truncated, eventLimit };
}

/** A prompt's totals, aggregated by the database (bounded memory whatever the prompt's size). */
export async function promptSummary(tenantId: string, promptId: string): Promise<PromptSummary> {
  const pool = getPool();
  const [totals, decisions] = await Promise.all([
    pool.query<{
      events: number; start: Date; end: Date; tool_results: number; failed_tools: number; api_requests: number;
      api_errors: number; cost: number; input_tokens: number; output_tokens: number; rejected: number;
    }>(
      `SELECT count(*)::int AS events, min(time) AS start, max(time) AS end,
              count(*) FILTER (WHERE event_name = '${EVENT.toolResult}')::int AS tool_results,
              count(*) FILTER (WHERE event_name = '${EVENT.toolResult}' AND success = false)::int AS failed_tools,
              count(*) FILTER (WHERE event_name = '${EVENT.apiRequest}')::int AS api_requests,
              count(*) FILTER (WHERE event_name = '${EVENT.apiError}')::int AS api_errors,
              COALESCE(sum(cost_usd) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS cost,
              COALESCE(sum(input_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS input_tokens,
              COALESCE(sum(output_tokens) FILTER (WHERE event_name = '${EVENT.apiRequest}'), 0)::float8 AS output_tokens,
              count(*) FILTER (WHERE event_name = '${EVENT.toolDecision}' AND decision = 'reject')::int AS rejected
       FROM events WHERE tenant_id = $1 AND prompt_id = $2`,
      [tenantId, promptId],
    ),
    pool.query<{ source: string; n: number }>(
      `SELECT COALESCE(decision_source, 'unknown') AS source, count(*)::int AS n FROM events
       WHERE tenant_id = $1 AND prompt_id = $2 AND event_name = '${EVENT.toolDecision}' GROUP BY 1 ORDER BY 1`,
      [tenantId, promptId],
    ),
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
