import type { Attributes, JsonValue } from "@/lib/otlp/values";
import {
  bool,
  hasCutValue,
  int,
  int32,
  isPlaceholder,
  num,
  parseJsonString,
  pick,
  redactedKeysOf,
  str,
  truncatedKeysOf,
} from "./common";

// Claude Code events (OTLP logs) and beta spans (https://code.claude.com/docs/en/monitoring-usage).
// The same engine runs inside Cowork and the Desktop Code tab, so cowork.ts builds on this.
// Values arrive loosely typed ("37", "true", JSON in strings) and keys drifted across versions
// (decision|decision_type, source|decision_source, tool|tool_name): read them all here, once.

/** Attributes that are numbers, whatever type they arrive as. */
const NUMERIC_KEYS = [
  "prompt_length", "response_length", "duration_ms", "cost_usd", "cost_usd_micros", "input_tokens",
  "output_tokens", "cache_read_tokens", "cache_creation_tokens", "status_code", "attempt",
  "total_attempts", "total_retry_duration_ms", "tool_input_size_bytes", "tool_result_size_bytes",
  "num_hooks", "num_success", "num_blocking", "num_non_blocking_error", "num_cancelled",
  "total_duration_ms", "pre_tokens", "post_tokens", "total_tokens", "total_tool_uses",
  "skill_path_count", "command_path_count", "agent_path_count", "body_length", "period_days",
  "transcripts_deleted", "session_files_deleted", "artifacts_deleted", "files_retained_fresh",
  "files_past_cutoff", "error_count", "event.sequence", "interaction.sequence",
  "interaction.duration_ms", "user_prompt_length", "ttft_ms", "result_tokens",
];

/** Attributes that are booleans, whatever type they arrive as. */
const BOOLEAN_KEYS = [
  "success", "is_plugin", "has_category", "has_explanation", "server_fallback_hop", "managed_only",
  "safe_mode", "is_built_in", "is_async", "model_swapped", "has_hooks", "has_mcp", "host_owned_mcp",
  "marketplace.is_official", "body_truncated", "used_default", "enabled_via_override",
  "response.has_tool_call",
];

/** Attributes that carry JSON inside a string. */
const JSON_STRING_KEYS: Record<string, string> = {
  tool_parameters: "toolParameters",
  tool_input: "toolInput",
  hook_definitions: "hookDefinitions",
  body: "apiBody",
  "workspace.host_paths": "workspaceHostPaths",
};

/** Typed columns of the events table, as read from one Claude-engine event. */
export interface EngineEventFields {
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
  fields: Record<string, JsonValue>;
}

const COERCION = new Map<string, "number" | "boolean">([
  ...NUMERIC_KEYS.map((k) => [k, "number"] as const),
  ...BOOLEAN_KEYS.map((k) => [k, "boolean"] as const),
]);
const JSON_STRING_ENTRIES = Object.entries(JSON_STRING_KEYS);

/** Coerced catalog attributes plus parsed JSON-in-string attributes. */
function typedFields(attrs: Attributes): { fields: Record<string, JsonValue>; unparsed: string[] } {
  const fields: Record<string, JsonValue> = {};
  const unparsed: string[] = [];
  // A record has a dozen or two attributes and the catalog sixty keys: walk the record's.
  for (const key in attrs) {
    const kind = COERCION.get(key);
    if (kind === undefined) continue;
    const v = kind === "number" ? num(attrs[key]) : bool(attrs[key]);
    if (v !== null) fields[key] = v;
  }
  for (const [key, name] of JSON_STRING_ENTRIES) {
    const parsed = parseJsonString(attrs[key]);
    if (!parsed) continue;
    fields[name] = parsed.value;
    // JSON that does not parse was most likely cut short by the sender.
    if (!parsed.parsed && !parsed.tooDeep && typeof attrs[key] === "string" && attrs[key] !== "<REDACTED>") unparsed.push(key);
  }
  return { fields, unparsed };
}

function objectField(fields: Record<string, JsonValue>, name: string): Record<string, JsonValue> | undefined {
  const v = fields[name];
  return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
}

export function claudeEngineEventFields(eventName: string, attrs: Attributes): EngineEventFields {
  const { fields, unparsed } = typedFields(attrs);
  const params = objectField(fields, "toolParameters") ?? {};

  const isDecision = eventName === "tool_decision";
  const isResult = eventName === "tool_result";
  // tool_result used decision/source before 2026-02 and decision_type/decision_source after.
  const decision = isDecision
    ? str(pick(attrs, "decision"))
    : isResult
      ? str(pick(attrs, "decision_type", "decision"))
      : null;
  const decisionSource = isDecision
    ? str(pick(attrs, "source", "decision_source"))
    : isResult
      ? str(pick(attrs, "decision_source", "source"))
      : null;

  const rawToolName = str(pick(attrs, "tool_name", "tool"));
  const mcpServer =
    str(params.mcp_server_name) ??
    str(pick(attrs, "mcp_server_name", "mcp_server.name")) ??
    (eventName === "mcp_server_connection" ? str(attrs.server_name) : null);
  const mcpTool = str(params.mcp_tool_name) ?? str(pick(attrs, "mcp_tool_name", "mcp_tool.name"));

  const costMicros = num(attrs.cost_usd_micros);
  const costUsd = num(attrs.cost_usd) ?? (costMicros !== null ? costMicros / 1_000_000 : null);

  const truncated = new Set([...truncatedKeysOf(attrs), ...unparsed]);
  if (fields.toolInput !== undefined && hasCutValue(fields.toolInput)) truncated.add("tool_input");
  if (bool(attrs.body_truncated) === true) truncated.add("body");

  return {
    toolName: rawToolName,
    toolUseId: str(pick(attrs, "tool_use_id", "gen_ai.tool.call.id")),
    toolSource: str(attrs.tool_source),
    mcpServer: isPlaceholder("mcp_server.name", mcpServer ?? undefined) ? null : mcpServer,
    mcpTool: isPlaceholder("mcp_tool.name", mcpTool ?? undefined) ? null : mcpTool,
    decision,
    decisionSource,
    success: bool(attrs.success),
    durationMs: num(pick(attrs, "duration_ms", "total_duration_ms", "interaction.duration_ms")),
    error: str(attrs.error),
    errorType: str(pick(attrs, "error_type", "error_code", "error_name", "error_category")),
    // Older builds (and Cowork) send status_code as a string, or "undefined" for non-HTTP errors.
    statusCode: int32(attrs.status_code),
    model: str(pick(attrs, "model", "gen_ai.request.model")),
    requestId: str(pick(attrs, "request_id", "gen_ai.response.id")),
    costUsd,
    inputTokens: int(attrs.input_tokens),
    outputTokens: int(attrs.output_tokens),
    cacheReadTokens: int(attrs.cache_read_tokens),
    cacheCreationTokens: int(attrs.cache_creation_tokens),
    redactedKeys: redactedKeysOf(attrs),
    truncatedKeys: [...truncated],
    fields,
  };
}

/** A body that names a Claude event (`claude_code.user_prompt`), as Claude's loggers write it. */
const CLAUDE_EVENT_BODY = /^(?:claude_code|claude-desktop)\.[A-Za-z0-9_.]{1,128}$/;

/**
 * Event type: attribute event.name → LogRecord eventName → a body naming a Claude event, minus its
 * prefix. Any other body is a log message (content, and unbounded): such records are named "log".
 */
export function claudeEventName(attrs: Attributes, eventName: string | undefined, body: JsonValue): string {
  const fromAttr = str(attrs["event.name"]);
  const fromBody = typeof body === "string" && CLAUDE_EVENT_BODY.test(body) ? body : null;
  const raw = fromAttr ?? (eventName && eventName !== "" ? eventName : null) ?? fromBody ?? (typeof body === "string" && body !== "" ? "log" : null);
  if (!raw) return "unknown";
  return raw.replace(/^claude_code\./, "").replace(/^claude-desktop\./, "");
}

/** Span columns for Claude Code beta traces (claude_code.interaction, .llm_request, .tool, …). */
export function claudeCodeSpanFields(name: string, attrs: Attributes) {
  const base = claudeEngineEventFields(name.replace(/^claude_code\./, ""), attrs);
  const blocked = name === "claude_code.tool.blocked_on_user";
  return {
    toolName: base.toolName,
    toolUseId: base.toolUseId,
    decision: blocked ? str(attrs.decision) : null,
    decisionSource: blocked ? str(attrs.source) : null,
    success: base.success,
    model: base.model,
    inputTokens: base.inputTokens,
    outputTokens: base.outputTokens,
    errorType: base.errorType ?? base.error,
    redactedKeys: base.redactedKeys,
    truncatedKeys: base.truncatedKeys,
    fields: base.fields,
  };
}
