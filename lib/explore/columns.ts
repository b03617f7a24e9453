import { METADATA_ATTRIBUTE_KEYS, METADATA_FIELD_KEYS } from "@/lib/auth/content";
import type { SqlBuilder } from "@/lib/db/sql";
import type { ApiEvent } from "@/lib/queries/events";

// The Explorer's columns, in one place: which columns sort (and how), what a table row holds and
// how it is read, which columns feed the filter menus, and the CSV export's columns.

// ---- sorting ------------------------------------------------------------------------------

export type SortType = "timestamptz" | "text" | "float8";

/** Sortable columns (each backed by an index on (tenant_id, column, time, id); see the migration). */
export const EXPLORE_SORTS = {
  time: { column: "e.time", type: "timestamptz", nullable: false, defaultDir: "desc" },
  source: { column: "e.source", type: "text", nullable: false, defaultDir: "asc" },
  event_name: { column: "e.event_name", type: "text", nullable: false, defaultDir: "asc" },
  user_email: { column: "e.user_email", type: "text", nullable: true, defaultDir: "asc" },
  tool_name: { column: "e.tool_name", type: "text", nullable: true, defaultDir: "asc" },
  mcp_server: { column: "e.mcp_server", type: "text", nullable: true, defaultDir: "asc" },
  decision_source: { column: "e.decision_source", type: "text", nullable: true, defaultDir: "asc" },
  duration_ms: { column: "e.duration_ms", type: "float8", nullable: true, defaultDir: "desc" },
  cost_usd: { column: "e.cost_usd", type: "float8", nullable: true, defaultDir: "desc" },
} as const satisfies Record<string, { column: string; type: SortType; nullable: boolean; defaultDir: SortDir }>;

export type ExploreSort = keyof typeof EXPLORE_SORTS;
export type SortDir = "asc" | "desc";

export function isExploreSort(v: string): v is ExploreSort {
  return Object.prototype.hasOwnProperty.call(EXPLORE_SORTS, v);
}

// ---- table rows ---------------------------------------------------------------------------

/** One table row: typed columns and, for readers allowed to see it, a short content preview. */
export interface ExploreRow {
  id: string;
  /** ISO time (UTC). */
  time: string;
  source: string;
  eventName: string;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  sequence: number | null;
  userEmail: string | null;
  userId: string | null;
  accountUuid: string | null;
  accountId: string | null;
  organizationId: string | null;
  enduserId: string | null;
  terminalType: string | null;
  toolName: string | null;
  toolUseId: string | null;
  mcpServer: string | null;
  mcpTool: string | null;
  decision: string | null;
  decisionSource: string | null;
  success: boolean | null;
  durationMs: number | null;
  statusCode: number | null;
  errorType: string | null;
  model: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  serviceVersion: string | null;
  /** Prompt text, command, file path, tool input, response or error text; null when hidden or absent. */
  content: string | null;
  /** The event carries content this reader may not see. */
  contentHidden: boolean;
}

export interface ExploreDbRow {
  id: string;
  time: Date;
  source: string;
  event_name: string;
  session_id: string | null;
  prompt_id: string | null;
  trace_id: string | null;
  sequence: number | null;
  user_email: string | null;
  user_id: string | null;
  account_uuid: string | null;
  account_id: string | null;
  organization_id: string | null;
  enduser_id: string | null;
  terminal_type: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  mcp_server: string | null;
  mcp_tool: string | null;
  decision: string | null;
  decision_source: string | null;
  success: boolean | null;
  duration_ms: number | null;
  status_code: number | null;
  error_type: string | null;
  model: string | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  service_version: string | null;
  content: string | null;
  has_content: boolean;
}

export const CONTENT_PREVIEW_CHARS = 300;

const ROW_COLUMNS = `
  e.id, e.time, e.source, e.event_name, e.session_id, e.prompt_id, e.trace_id, e.sequence,
  e.user_email, e.user_id, e.account_uuid, e.account_id, e.organization_id, e.enduser_id,
  e.terminal_type, e.tool_name, e.tool_use_id, e.mcp_server, e.mcp_tool, e.decision,
  e.decision_source, e.success, e.duration_ms, e.status_code, e.error_type, e.model, e.cost_usd,
  e.input_tokens, e.output_tokens, e.service_version`;

/** The preview: the most telling piece of content the event has (never selected for managers). */
function contentPreviewSql(p: SqlBuilder): string {
  return `left(COALESCE(
    e.attributes->>'prompt',
    e.fields->'toolParameters'->>'full_command',
    e.fields->'toolInput'->>'command',
    e.fields->'toolInput'->>'file_path',
    e.fields->'toolParameters'->>'file_path',
    e.attributes->>'tool_input',
    e.attributes->>'tool_parameters',
    e.attributes->>'response',
    e.error
  ), ${p.param(CONTENT_PREVIEW_CHARS)}::int)`;
}

export function rowSelect(canReadContent: boolean) {
  return (p: SqlBuilder): string => {
    if (canReadContent) return `${ROW_COLUMNS}, ${contentPreviewSql(p)} AS content, false AS has_content`;
    // Managers: the content itself is not even read; only whether there was some, i.e. any key
    // the content policy does not know to be metadata (default deny, as toApiEvent).
    const keys = p.param([...METADATA_ATTRIBUTE_KEYS]);
    const fieldKeys = p.param([...METADATA_FIELD_KEYS]);
    return `${ROW_COLUMNS}, NULL::text AS content,
      (e.error IS NOT NULL
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.attributes) k WHERE NOT (k = ANY(${keys}::text[])))
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.fields) k WHERE NOT (k = ANY(${fieldKeys}::text[])))) AS has_content`;
  };
}

export function toExploreRow(r: ExploreDbRow, canReadContent: boolean): ExploreRow {
  return {
    id: r.id,
    time: r.time.toISOString(),
    source: r.source,
    eventName: r.event_name,
    sessionId: r.session_id,
    promptId: r.prompt_id,
    traceId: r.trace_id,
    sequence: r.sequence,
    userEmail: r.user_email,
    userId: r.user_id,
    accountUuid: r.account_uuid,
    accountId: r.account_id,
    organizationId: r.organization_id,
    enduserId: r.enduser_id,
    terminalType: r.terminal_type,
    toolName: r.tool_name,
    toolUseId: r.tool_use_id,
    mcpServer: r.mcp_server,
    mcpTool: r.mcp_tool,
    decision: r.decision,
    decisionSource: r.decision_source,
    success: r.success,
    durationMs: r.duration_ms,
    statusCode: r.status_code,
    errorType: r.error_type,
    model: r.model,
    costUsd: r.cost_usd,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    serviceVersion: r.service_version,
    content: canReadContent ? r.content : null,
    contentHidden: !canReadContent && r.has_content,
  };
}

// ---- filter menus -------------------------------------------------------------------------

export const FACET_COLUMNS = {
  sources: "source",
  eventNames: "event_name",
  tools: "tool_name",
  mcpServers: "mcp_server",
  decisionSources: "decision_source",
} as const;

export type ExploreFacets = Record<keyof typeof FACET_COLUMNS, string[]>;

// ---- CSV export ---------------------------------------------------------------------------

export type CsvValue = string | number | boolean | null | undefined;

export const CSV_COLUMNS: Array<[string, (e: ApiEvent) => CsvValue]> = [
  ["id", (e) => e.id],
  ["time", (e) => e.timestamp],
  ["time_unix_nano", (e) => e.timeUnixNano],
  ["source", (e) => e.source],
  ["event_name", (e) => e.name],
  ["session_id", (e) => e.sessionId],
  ["prompt_id", (e) => e.promptId],
  ["sequence", (e) => e.sequence],
  ["trace_id", (e) => e.traceId],
  ["span_id", (e) => e.spanId],
  ["user_email", (e) => e.user.email],
  ["user_id", (e) => e.user.id],
  ["account_uuid", (e) => e.user.accountUuid],
  ["account_id", (e) => e.user.accountId],
  ["organization_id", (e) => e.user.organizationId],
  ["enduser_id", (e) => e.user.enduserId],
  ["terminal_type", (e) => e.terminalType],
  ["service_name", (e) => e.service.name],
  ["service_version", (e) => e.service.version],
  ["tool_name", (e) => e.toolName],
  ["tool_use_id", (e) => e.toolUseId],
  ["mcp_server", (e) => e.mcpServer],
  ["mcp_tool", (e) => e.mcpTool],
  ["decision", (e) => e.decision],
  ["decision_source", (e) => e.decisionSource],
  ["success", (e) => e.success],
  ["duration_ms", (e) => e.durationMs],
  ["status_code", (e) => e.statusCode],
  ["error_type", (e) => e.errorType],
  ["error", (e) => e.error],
  ["model", (e) => e.model],
  ["cost_usd", (e) => e.costUsd],
  ["input_tokens", (e) => e.inputTokens],
  ["output_tokens", (e) => e.outputTokens],
  ["cache_read_tokens", (e) => e.cacheReadTokens],
  ["cache_creation_tokens", (e) => e.cacheCreationTokens],
  ["hidden_keys", (e) => e.hiddenKeys.join(" ")],
  ["attributes", (e) => JSON.stringify(e.attributes)],
];
