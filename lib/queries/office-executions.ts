import { SPAN } from "@/lib/domain/vocabulary";
import { getPool } from "@/lib/db/pool";

// The Office tool executions behind an approvals-dashboard number (approvals/office page):
// agent.tool_execution spans, with user and app taken from the trace's agent.query root when
// the span itself does not carry them.

export interface OfficeToolExecution {
  trace_id: string;
  span_id: string;
  start_time: Date;
  tool_name: string | null;
  decision: string | null;
  read_write: string | null;
  success: boolean | null;
  user_email: string | null;
  surface: string | null;
}

export async function officeToolExecutions(
  tenantId: string,
  filter: { decision?: string | null; readWrite?: string | null; from?: Date | null; to?: Date | null; user?: string | null },
): Promise<OfficeToolExecution[]> {
  const { rows } = await getPool().query<OfficeToolExecution>(
    `SELECT s.trace_id, s.span_id, s.start_time, s.tool_name, s.decision, s.read_write, s.success,
            COALESCE(s.user_email, q.user_email) AS user_email, COALESCE(s.surface, q.surface) AS surface
     FROM spans s
     LEFT JOIN LATERAL (SELECT user_email, surface FROM spans r WHERE r.tenant_id = s.tenant_id AND r.trace_id = s.trace_id AND r.name = $7 LIMIT 1) q ON true
     WHERE s.tenant_id = $1 AND s.name = $6 AND ($2::text IS NULL OR s.decision = $2) AND ($3::text IS NULL OR s.read_write = $3)
       AND ($4::timestamptz IS NULL OR s.start_time >= $4) AND ($5::timestamptz IS NULL OR s.start_time < $5)
       AND ($8::text IS NULL OR lower(COALESCE(s.user_email, q.user_email, s.account_uuid)) = lower($8))
     ORDER BY s.start_time DESC LIMIT 500`,
    [tenantId, filter.decision || null, filter.readWrite || null, filter.from ?? null, filter.to ?? null, SPAN.officeToolExecution, SPAN.officeQuery, filter.user || null],
  );
  return rows;
}
