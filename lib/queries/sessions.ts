import { getPool } from "@/lib/db/pool";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "./events";
import { summarize, type PromptSummary } from "./prompts";

// A session (session.id): its prompts in order with their summaries, every event, and, for
// Office agents, the traces that carry the same session.id.

const MAX_SESSION_EVENTS = 20_000;

export interface SessionDetail {
  sessionId: string;
  eventCount: number;
  truncated: boolean;
  prompts: { promptId: string; start: string; summary: PromptSummary }[];
  traces: { traceId: string; rootName: string; start: string; spanCount: number }[];
  events: ApiEvent[];
}

export async function sessionDetail(tenantId: string, sessionId: string, canReadContent: boolean): Promise<SessionDetail | null> {
  const pool = getPool();
  const [{ rows }, traces] = await Promise.all([
    pool.query<EventDbRow>(
      `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
       WHERE e.tenant_id = $1 AND e.session_id = $2
       ORDER BY e.time ASC, e.sequence ASC NULLS LAST, e.id ASC LIMIT $3`,
      [tenantId, sessionId, MAX_SESSION_EVENTS + 1],
    ),
    pool.query<{ trace_id: string; root_name: string; start: Date; span_count: number }>(
      `SELECT trace_id, (array_agg(name ORDER BY (parent_span_id IS NULL) DESC, start_time))[1] AS root_name,
              min(start_time) AS start, count(*)::int AS span_count
       FROM spans WHERE tenant_id = $1 AND session_id = $2
       GROUP BY trace_id ORDER BY min(start_time)`,
      [tenantId, sessionId],
    ),
  ]);
  if (rows.length === 0 && traces.rows.length === 0) return null;
  const page = rows.slice(0, MAX_SESSION_EVENTS);
  const byPrompt = new Map<string, EventDbRow[]>();
  for (const r of page) {
    if (!r.prompt_id) continue;
    const list = byPrompt.get(r.prompt_id) ?? [];
    list.push(r);
    byPrompt.set(r.prompt_id, list);
  }
  const prompts = [...byPrompt.entries()]
    .map(([promptId, list]) => ({ promptId, summary: summarize(list) }))
    .map((p) => ({ ...p, start: p.summary.start }))
    .sort((a, b) => a.start.localeCompare(b.start));
  return {
    sessionId,
    eventCount: page.length,
    truncated: rows.length > MAX_SESSION_EVENTS,
    prompts,
    traces: traces.rows.map((t) => ({ traceId: t.trace_id, rootName: t.root_name, start: t.start.toISOString(), spanCount: t.span_count })),
    events: page.map((r) => toApiEvent(r, canReadContent)),
  };
}
