import { bareEventName, EVENT } from "@/lib/domain/vocabulary";
import type { Attributes, JsonValue } from "@/lib/otlp/values";
import { BOOLEAN_ATTRIBUTES, JSON_STRING_ATTRIBUTES, NUMERIC_ATTRIBUTES } from "@/lib/domain/attributes";
import type { EventRow } from "./model";
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

/**
 * Columns every log record fills from its envelope (resource, scope, record), and the masking
 * columns (empty until lib/secrets/mask.ts runs); the rest are read from attributes.
 */
export const ENVELOPE_COLUMNS = [
  "id", "resourceId", "source", "serviceName", "serviceVersion", "scopeName", "scopeVersion", "eventName", "time", "timeNs",
  "observedTimeNs", "sessionId", "promptId", "sequence", "traceId", "spanId", "severityNumber", "severityText", "userId",
  "userEmail", "accountUuid", "accountId", "organizationId", "enduserId", "terminalType", "attributes", "body",
  "redaction", "secretFingerprints",
] as const satisfies readonly (keyof EventRow)[];

/** Typed columns of the events table that the Claude engine reads from an event's attributes: every column a new registry entry adds. */
export type EngineEventFields = Omit<EventRow, (typeof ENVELOPE_COLUMNS)[number]>;

// Which attributes are typed or carry JSON is the attribute catalog's to say.
const COERCION = new Map<string, "number" | "boolean">([
  ...NUMERIC_ATTRIBUTES.map((k) => [k, "number"] as const),
  ...BOOLEAN_ATTRIBUTES.map((k) => [k, "boolean"] as const),
]);
const JSON_STRING_ENTRIES = Object.entries(JSON_STRING_ATTRIBUTES);

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

  const isDecision = eventName === EVENT.toolDecision;
  const isResult = eventName === EVENT.toolResult;
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
    (eventName === EVENT.mcpServerConnection ? str(attrs.server_name) : null);
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
    permissionMode: str(attrs.permission_mode),
    agentId: str(attrs.agent_id),
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
  return bareEventName(raw);
}

/** Span columns for Claude Code beta traces (claude_code.interaction, .llm_request, .tool, …). */
export function claudeCodeSpanFields(name: string, attrs: Attributes) {
  const base = claudeEngineEventFields(bareEventName(name), attrs);
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
