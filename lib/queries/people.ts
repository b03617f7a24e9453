import { getPool } from "@/lib/db/pool";
import { EVENT, SPAN } from "@/lib/domain/vocabulary";
import { IS_SUBAGENT_REPORT_SQL } from "@/lib/presentation/subagent-report";
import type { Person } from "@/lib/identity/resolve";

// One person's footprint: their OTel sessions (Claude Code, Cowork, Office) and their
// Compliance transcripts, side by side, so silence in one source stands out.

export interface PersonSession {
  source: string;
  sessionId: string;
  start: string;
  end: string;
  events: number;
  /** Prompts the person typed (a background subagent's report has a prompt id of its own: not counted). */
  prompts: number;
  subagentReports: number;
}

export interface PersonTranscript {
  id: string;
  kind: string;
  productSurface: string | null;
  createdAt: string;
  updatedAt: string | null;
  messages: number;
}

export async function personSessions(tenantId: string, person: Person, from: Date | undefined): Promise<{ otel: PersonSession[]; transcripts: PersonTranscript[] }> {
  const pool = getPool();
  const emails = person.emails;
  const [events, spans, transcripts] = await Promise.all([
    pool.query<{ source: string; session_id: string; start: Date; end: Date; events: number; prompts: number; reports: number }>(
      `SELECT source, session_id, min(time) AS start, max(time) AS end, count(*)::int AS events, count(DISTINCT prompt_id)::int AS prompts,
              count(DISTINCT prompt_id) FILTER (WHERE event_name = '${EVENT.userPrompt}' AND ${IS_SUBAGENT_REPORT_SQL})::int AS reports
       FROM events
       WHERE tenant_id = $1 AND session_id IS NOT NULL AND ($5::timestamptz IS NULL OR time >= $5)
         AND (lower(user_email) = ANY($2) OR lower(enduser_id) = ANY($2) OR account_uuid = ANY($3) OR account_id = ANY($4))
       GROUP BY source, session_id ORDER BY max(time) DESC LIMIT 200`,
      [tenantId, emails, person.accountUuids, person.accountIds, from ?? null],
    ),
    pool.query<{ session_id: string; start: Date; end: Date; events: number; prompts: number }>(
      `SELECT session_id, min(start_time) AS start, max(coalesce(end_time, start_time)) AS end, count(*)::int AS events,
              count(*) FILTER (WHERE name = '${SPAN.officeQuery}')::int AS prompts
       FROM spans
       WHERE tenant_id = $1 AND session_id IS NOT NULL AND ($4::timestamptz IS NULL OR start_time >= $4)
         AND (lower(user_email) = ANY($2) OR account_uuid = ANY($3))
       GROUP BY session_id ORDER BY max(start_time) DESC LIMIT 200`,
      [tenantId, emails, person.accountUuids, from ?? null],
    ),
    pool.query<{ id: string; kind: string; product_surface: string | null; created_at: Date; updated_at: Date | null; messages: number }>(
      `SELECT s.id, s.kind, s.product_surface, s.created_at, s.updated_at,
              (SELECT count(*)::int FROM compliance_session_messages m WHERE m.tenant_id = s.tenant_id AND m.session_id = s.id) AS messages
       FROM compliance_sessions s
       WHERE s.tenant_id = $1 AND (s.user_email = ANY($2) OR s.user_id = ANY($3)) AND ($4::timestamptz IS NULL OR s.created_at >= $4)
       ORDER BY s.created_at DESC LIMIT 200`,
      [tenantId, emails, person.accountIds, from ?? null],
    ),
  ]);
  return {
    otel: [
      ...events.rows.map((r) => ({ source: r.source, sessionId: r.session_id, start: r.start.toISOString(), end: r.end.toISOString(), events: r.events, prompts: r.prompts - r.reports, subagentReports: r.reports })),
      ...spans.rows.map((r) => ({ source: "office", sessionId: r.session_id, start: r.start.toISOString(), end: r.end.toISOString(), events: r.events, prompts: r.prompts, subagentReports: 0 })),
    ].sort((a, b) => b.end.localeCompare(a.end)),
    transcripts: transcripts.rows.map((r) => ({ id: r.id, kind: r.kind, productSurface: r.product_surface, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at?.toISOString() ?? null, messages: r.messages })),
  };
}
