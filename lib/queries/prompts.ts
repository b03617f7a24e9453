import { getPool } from "@/lib/db/pool";
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
  summary: PromptSummary;
  events: ApiEvent[];
}

export async function promptTimeline(tenantId: string, promptId: string, canReadContent: boolean): Promise<PromptTimeline | null> {
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
     WHERE e.tenant_id = $1 AND e.prompt_id = $2
     ORDER BY e.sequence ASC NULLS LAST, e.time ASC, e.id ASC`,
    [tenantId, promptId],
  );
  if (rows.length === 0) return null;
  const events = rows.map((r) => toApiEvent(r, canReadContent));
  return { promptId, sessionId: rows[0].session_id, source: rows[0].source, summary: summarize(rows), events };
}

export function summarize(rows: EventDbRow[]): PromptSummary {
  const times = rows.map((r) => r.time.getTime());
  const start = Math.min(...times);
  const end = Math.max(...times);
  const decisionsBySource: Record<string, number> = {};
  let rejectedDecisions = 0;
  for (const r of rows) {
    if (r.event_name === "tool_decision") {
      const key = r.decision_source ?? "unknown";
      decisionsBySource[key] = (decisionsBySource[key] ?? 0) + 1;
      if (r.decision === "reject") rejectedDecisions += 1;
    }
  }
  const results = rows.filter((r) => r.event_name === "tool_result");
  const requests = rows.filter((r) => r.event_name === "api_request");
  return {
    eventCount: rows.length,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    durationMs: end - start,
    toolCalls: results.length,
    failedToolCalls: results.filter((r) => r.success === false).length,
    apiRequests: requests.length,
    apiErrors: rows.filter((r) => r.event_name === "api_error").length,
    costUsd: requests.reduce((s, r) => s + (r.cost_usd ?? 0), 0),
    inputTokens: requests.reduce((s, r) => s + (r.input_tokens ?? 0), 0),
    outputTokens: requests.reduce((s, r) => s + (r.output_tokens ?? 0), 0),
    decisionsBySource,
    rejectedDecisions,
  };
}

export interface PromptNeighbors {
  previous: string | null;
  next: string | null;
  position: number;
  total: number;
}

/** The prompts before and after this one in its session, by first event time. */
export async function promptNeighbors(tenantId: string, sessionId: string, promptId: string): Promise<PromptNeighbors> {
  const { rows } = await getPool().query<{ prompt_id: string }>(
    `SELECT prompt_id FROM events
     WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL
     GROUP BY prompt_id ORDER BY min(time), prompt_id`,
    [tenantId, sessionId],
  );
  const ids = rows.map((r) => r.prompt_id);
  const i = ids.indexOf(promptId);
  return { previous: i > 0 ? ids[i - 1] : null, next: i >= 0 && i < ids.length - 1 ? ids[i + 1] : null, position: i + 1, total: ids.length };
}
