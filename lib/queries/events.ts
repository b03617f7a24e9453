import { CONTENT_POLICY, derivedColumnValue, isMetadataBody, isMetadataField, keepMetadata } from "@/lib/auth/content";
import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";
import type { JsonValue } from "@/lib/otlp/values";
import { whereEvents, type EventFilter } from "./event-filter";

// Event read model: one shape for an event wherever it is shown (prompt timeline, session,
// search), with content removed for readers who may not see it.

export const EVENT_SELECT = `
  e.id, e.environment_id, e.source, e.service_name, e.service_version, e.scope_name, e.scope_version,
  e.event_name, e.time, e.time_ns::text AS time_ns, e.observed_time_ns::text AS observed_time_ns,
  e.received_at, e.session_id, e.prompt_id, e.sequence, e.trace_id, e.span_id, e.severity_number,
  e.severity_text, e.user_id, e.user_email, e.account_uuid, e.account_id, e.organization_id,
  e.enduser_id, e.terminal_type, e.tool_name, e.tool_use_id, e.tool_source, e.mcp_server, e.mcp_tool,
  e.decision, e.decision_source, e.success, e.duration_ms, e.error, e.error_type, e.status_code,
  e.model, e.request_id, e.cost_usd, e.input_tokens, e.output_tokens, e.cache_read_tokens,
  e.cache_creation_tokens, e.redacted_keys, e.truncated_keys, e.fields, e.attributes, e.body,
  r.attributes AS resource_attributes`;

export const EVENT_FROM = `events e LEFT JOIN resources r ON r.tenant_id = e.tenant_id AND r.id = e.resource_id`;

export interface EventDbRow {
  id: string;
  environment_id: string;
  source: string;
  service_name: string | null;
  service_version: string | null;
  scope_name: string | null;
  scope_version: string | null;
  event_name: string;
  time: Date;
  time_ns: string | null;
  observed_time_ns: string | null;
  received_at: Date;
  session_id: string | null;
  prompt_id: string | null;
  sequence: number | null;
  trace_id: string | null;
  span_id: string | null;
  severity_number: number | null;
  severity_text: string | null;
  user_id: string | null;
  user_email: string | null;
  account_uuid: string | null;
  account_id: string | null;
  organization_id: string | null;
  enduser_id: string | null;
  terminal_type: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  tool_source: string | null;
  mcp_server: string | null;
  mcp_tool: string | null;
  decision: string | null;
  decision_source: string | null;
  success: boolean | null;
  duration_ms: number | null;
  error: string | null;
  error_type: string | null;
  status_code: number | null;
  model: string | null;
  request_id: string | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_creation_tokens: number | null;
  redacted_keys: string[] | null;
  truncated_keys: string[] | null;
  fields: Record<string, JsonValue>;
  attributes: Record<string, JsonValue>;
  body: JsonValue;
  resource_attributes: Record<string, JsonValue> | null;
}

export interface ApiEvent {
  id: string;
  name: string;
  source: string;
  sequence: number | null;
  timestamp: string;
  timeUnixNano: string | null;
  observedTimeUnixNano: string | null;
  receivedAt: string;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  spanId: string | null;
  environmentId: string;
  service: { name: string | null; version: string | null };
  scope: { name: string | null; version: string | null };
  severity: { number: number | null; text: string | null };
  user: {
    id: string | null;
    email: string | null;
    accountUuid: string | null;
    accountId: string | null;
    organizationId: string | null;
    enduserId: string | null;
  };
  terminalType: string | null;
  toolName: string | null;
  toolUseId: string | null;
  toolSource: string | null;
  mcpServer: string | null;
  mcpTool: string | null;
  decision: string | null;
  decisionSource: string | null;
  success: boolean | null;
  durationMs: number | null;
  error: string | null;
  errorType: string | null;
  statusCode: number | null;
  model: string | null;
  requestId: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  redactedKeys: string[];
  truncatedKeys: string[];
  /** Content keys removed because the reader may not see content. */
  hiddenKeys: string[];
  fields: Record<string, JsonValue>;
  attributes: Record<string, JsonValue>;
  body: JsonValue;
  resource: Record<string, JsonValue>;
}

/**
 * For non-readers only what the content policy knows to be metadata stays (attributes, resource,
 * parsed fields, and columns that copy content); every removed key is listed in hiddenKeys:
 * attribute keys as they are, `fields.<key>`, `resource.<key>`, and the columns `error`, `errorType`, `body`.
 */
export function toApiEvent(row: EventDbRow, canReadContent: boolean): ApiEvent {
  let attributes = row.attributes ?? {};
  let fields = row.fields ?? {};
  let resource = row.resource_attributes ?? {};
  let { error, error_type: errorType, body } = row;
  const hiddenKeys: string[] = [];
  if (!canReadContent) {
    const a = keepMetadata(attributes);
    const f = keepMetadata(fields, isMetadataField, "fields.");
    const r = keepMetadata(resource, undefined, "resource.");
    hiddenKeys.push(...a.hiddenKeys, ...f.hiddenKeys, ...r.hiddenKeys);
    const shownErrorType = derivedColumnValue(CONTENT_POLICY.eventColumns.errorType, errorType, attributes);
    if (error !== null) hiddenKeys.push("error");
    if (errorType !== shownErrorType) hiddenKeys.push("errorType");
    if (!isMetadataBody(body, row.event_name)) {
      hiddenKeys.push("body");
      body = null;
    }
    attributes = a.value;
    fields = f.value;
    resource = r.value;
    error = null;
    errorType = shownErrorType;
  }
  return {
    id: row.id,
    name: row.event_name,
    source: row.source,
    sequence: row.sequence,
    timestamp: row.time.toISOString(),
    timeUnixNano: row.time_ns,
    observedTimeUnixNano: row.observed_time_ns,
    receivedAt: row.received_at.toISOString(),
    sessionId: row.session_id,
    promptId: row.prompt_id,
    traceId: row.trace_id,
    spanId: row.span_id,
    environmentId: row.environment_id,
    service: { name: row.service_name, version: row.service_version },
    scope: { name: row.scope_name, version: row.scope_version },
    severity: { number: row.severity_number, text: row.severity_text },
    user: {
      id: row.user_id,
      email: row.user_email,
      accountUuid: row.account_uuid,
      accountId: row.account_id,
      organizationId: row.organization_id,
      enduserId: row.enduser_id,
    },
    terminalType: row.terminal_type,
    toolName: row.tool_name,
    toolUseId: row.tool_use_id,
    toolSource: row.tool_source,
    mcpServer: row.mcp_server,
    mcpTool: row.mcp_tool,
    decision: row.decision,
    decisionSource: row.decision_source,
    success: row.success,
    durationMs: row.duration_ms,
    error,
    errorType,
    statusCode: row.status_code,
    model: row.model,
    requestId: row.request_id,
    costUsd: row.cost_usd,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheCreationTokens: row.cache_creation_tokens,
    redactedKeys: row.redacted_keys ?? [],
    truncatedKeys: row.truncated_keys ?? [],
    hiddenKeys: [...new Set(hiddenKeys)],
    fields,
    attributes,
    body,
    resource,
  };
}

// ---- search ----------------------------------------------------------------------------

export interface EventSearch extends EventFilter {
  cursor?: string;
  limit?: number;
}

/** Position after the last event of a page, newest first: (time, id). */
const searchCursor = cursorCodec("events", { t: cursorField.time, id: cursorField.uuid });

export const MAX_PAGE = 1000;

/** Newest first, keyset-paginated on (time, id) so pages stay fast at any depth. */
export async function searchEvents(
  tenantId: string,
  q: EventSearch,
  canReadContent: boolean,
): Promise<{ events: ApiEvent[]; nextCursor: string | null }> {
  const sql = whereEvents(new SqlBuilder(), tenantId, q);
  if (q.cursor) {
    const c = searchCursor.decode(q.cursor);
    sql.where(`(e.time, e.id) < (${sql.param(c.t)}::timestamptz, ${sql.param(c.id)}::uuid)`);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), MAX_PAGE);
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE ${sql.whereSql()}
     ORDER BY e.time DESC, e.id DESC LIMIT ${sql.param(limit + 1)}`,
    sql.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => toApiEvent(r, canReadContent)),
    nextCursor: rows.length > limit && last ? searchCursor.encode({ t: last.time.toISOString(), id: last.id }) : null,
  };
}
