import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";
import { whereQuery } from "@/lib/query/compile";

// The Explorer's second dataset: spans (Office agent turns and tool calls, Claude Code's beta
// traces), with the same query language over lib/domain/fields/spans.ts (lib/query/fields.ts,
// dataset "spans"). Newest first, keyset-paged on (start_time, trace_id, span_id).

export interface SpanFilter {
  /** Query in the query language over the spans' fields. */
  q?: string;
  canReadContent?: boolean;
  /** Inclusive lower bound on start_time. */
  from?: Date;
  /** Exclusive upper bound on start_time. */
  to?: Date;
}

export interface SpanQuery extends SpanFilter {
  cursor?: string;
  limit: number;
}

/** Adds the conditions for the tenant's spans (alias `s`) that match `f`. Throws QueryError for a bad `q`. */
export function whereSpans(sql: SqlBuilder, tenantId: string, f: SpanFilter): SqlBuilder {
  sql.where(`s.tenant_id = ${sql.param(tenantId)}`);
  if (f.from) sql.where(`s.start_time >= ${sql.param(f.from)}`);
  if (f.to) sql.where(`s.start_time < ${sql.param(f.to)}`);
  whereQuery(sql, "spans", f.q, f.canReadContent ?? false);
  return sql;
}

export interface ExploreSpanRow {
  traceId: string;
  spanId: string;
  startTime: string;
  name: string;
  source: string;
  surface: string | null;
  userEmail: string | null;
  sessionId: string | null;
  toolName: string | null;
  decision: string | null;
  success: boolean | null;
  statusCode: number;
  durationMs: number | null;
  model: string | null;
  errorType: string | null;
  /** Content: null for readers who may not see it. */
  statusMessage: string | null;
}

interface SpanDbRow {
  trace_id: string;
  span_id: string;
  start_time: Date;
  cursor_time: string;
  name: string;
  source: string;
  surface: string | null;
  user_email: string | null;
  session_id: string | null;
  tool_name: string | null;
  decision: string | null;
  success: boolean | null;
  status_code: number;
  duration_ms: number | null;
  model: string | null;
  error_type: string | null;
  status_message: string | null;
}

const spanCursor = cursorCodec("explore-spans", { t: cursorField.time, trace: cursorField.text, span: cursorField.text });

export const MAX_SPAN_PAGE = 500;

/** One page of spans, newest first. Throws InvalidCursorError for a cursor it did not make, QueryError for a bad `q`. */
export async function exploreSpans(tenantId: string, q: SpanQuery, canReadContent: boolean): Promise<{ rows: ExploreSpanRow[]; nextCursor: string | null }> {
  const p = whereSpans(new SqlBuilder(), tenantId, { ...q, canReadContent });
  if (q.cursor) {
    const c = spanCursor.decode(q.cursor);
    p.where(`(s.start_time, s.trace_id, s.span_id) < (${p.param(c.t)}::timestamptz, ${p.param(c.trace)}, ${p.param(c.span)})`);
  }
  const limit = Math.min(Math.max(Math.trunc(q.limit), 1), MAX_SPAN_PAGE);
  // error_type may be copied from content (Claude Code spans): non-readers see it only when a metadata attribute holds it.
  const errorType = canReadContent
    ? "s.error_type"
    : `CASE WHEN s.error_type IN (s.attributes->>'tool.error_type', s.attributes->>'error.name', s.attributes->>'error_type', s.attributes->>'error_code', s.attributes->>'error_name', s.attributes->>'error_category') THEN s.error_type END`;
  const { rows } = await getPool().query<SpanDbRow>(
    `SELECT s.trace_id, s.span_id, s.start_time, to_char(s.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time,
            s.name, s.source, s.surface, s.user_email, s.session_id, s.tool_name, s.decision, s.success, s.status_code,
            s.duration_ms, s.model, ${errorType} AS error_type, ${canReadContent ? "s.status_message" : "NULL::text"} AS status_message
     FROM spans s WHERE ${p.whereSql()}
     ORDER BY s.start_time DESC, s.trace_id DESC, s.span_id DESC LIMIT ${p.param(limit + 1)}`,
    p.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => ({
      traceId: r.trace_id, spanId: r.span_id, startTime: r.start_time.toISOString(), name: r.name, source: r.source, surface: r.surface,
      userEmail: r.user_email, sessionId: r.session_id, toolName: r.tool_name, decision: r.decision, success: r.success, statusCode: r.status_code,
      durationMs: r.duration_ms, model: r.model, errorType: r.error_type, statusMessage: r.status_message,
    })),
    nextCursor: rows.length > limit && last ? spanCursor.encode({ t: last.cursor_time, trace: last.trace_id, span: last.span_id }) : null,
  };
}
