import { SPAN } from "@/lib/domain/vocabulary";
import type { Attributes, JsonValue } from "@/lib/otlp/values";
import { bool, int, looksTruncated, parseJsonString, pick, redactedKeysOf, str, truncatedKeysOf } from "./common";

// Claude for Microsoft 365 ("Office agents") traces (https://support.claude.com/en/articles/14447276-configure-a-custom-opentelemetry-collector-for-office-agents): agent.query (one per user
// turn) → agent.stream (one per model call) → agent.tool_execution (the action record), plus
// agent.compaction and file.upload. Content arrives unredacted and capped (default 4000 chars,
// "…[truncated]"); tool.output_chars and user.message_chars give the full lengths.

/** agent.surface codes → the Office application. */
export const OFFICE_SURFACES: Record<string, string> = {
  sheet: "excel",
  doc: "word",
  slide: "powerpoint",
  mail: "outlook",
};

export function officeSpanFields(name: string, attrs: Attributes) {
  const fields: Record<string, JsonValue> = {};
  const truncated = new Set(truncatedKeysOf(attrs));
  for (const [key, field] of [["tool.input", "toolInput"], ["tool.output", "toolOutput"]] as const) {
    const parsed = parseJsonString(attrs[key]);
    if (parsed) fields[field] = parsed.value;
  }
  const outputChars = int(attrs["tool.output_chars"]);
  const output = attrs["tool.output"];
  if (outputChars !== null && typeof output === "string" && (outputChars > output.length || looksTruncated(output))) {
    truncated.add("tool.output");
  }
  const messageChars = int(attrs["user.message_chars"]);
  const message = attrs["user.message"];
  if (messageChars !== null && typeof message === "string" && messageChars > message.length) truncated.add("user.message");

  const surfaceCode = str(attrs["agent.surface"]);
  return {
    sessionId: str(attrs["session.id"]),
    userEmail: str(attrs["user.email"]),
    accountUuid: str(attrs["user.account_uuid"]),
    organizationId: str(attrs["organization.id"]),
    // hasOwn: the code is sender-controlled ("constructor" must not read Object's).
    surface: surfaceCode ? (Object.hasOwn(OFFICE_SURFACES, surfaceCode) ? OFFICE_SURFACES[surfaceCode] : surfaceCode) : null,
    toolName: name === SPAN.officeToolExecution ? str(attrs.tool_name) : null,
    toolUseId: str(attrs["tool.id"]),
    decision: str(attrs["tool.accept_decision"]),
    decisionSource: null,
    readWrite: str(attrs["tool.read_write"]),
    success: bool(pick(attrs, "tool.success", "compaction.success", "file.upload.success")),
    model: str(pick(attrs, "model", "agent.selected_model")),
    inputTokens: int(attrs.input_tokens),
    outputTokens: int(attrs.output_tokens),
    errorType: str(pick(attrs, "tool.error_type", "error.name")),
    redactedKeys: redactedKeysOf(attrs),
    truncatedKeys: [...truncated],
    fields,
  };
}
