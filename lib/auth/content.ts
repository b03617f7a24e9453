import type { JsonValue } from "@/lib/otlp/values";

// Content: what people typed and what tools read and wrote. Analysts and admins may read it;
// for managers it is removed on the server before anything leaves (the keys stay listed, so
// the UI can say "hidden" instead of pretending the value was never sent).

/** Attribute keys that carry content, across Claude Code, Cowork, Office and Claude Code spans. */
export const CONTENT_ATTRIBUTE_KEYS = new Set([
  "prompt", "response", "tool_parameters", "tool_input", "error", "body", "hook_definitions",
  "user_prompt", "user_system_prompt", "new_context", "system_prompt_preview", "response.model_output",
  "full_command", "bash_command", "file_path", "user.message", "tool.input", "tool.output",
  "document.url", "mcp.servers", "file.upload.filename", "exception.message", "exception.stacktrace",
]);

/** Keys of the parsed `fields` object that carry content. */
export const CONTENT_FIELD_KEYS = new Set(["toolParameters", "toolInput", "toolOutput", "apiBody", "hookDefinitions"]);

export interface Redacted<T> {
  value: T;
  hiddenKeys: string[];
}

export function withoutContent(
  obj: Record<string, JsonValue>,
  keys: ReadonlySet<string> = CONTENT_ATTRIBUTE_KEYS,
): Redacted<Record<string, JsonValue>> {
  const value: Record<string, JsonValue> = {};
  const hiddenKeys: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (keys.has(k)) hiddenKeys.push(k);
    else value[k] = v;
  }
  return { value, hiddenKeys };
}
