import type { JsonValue } from "@/lib/otlp/values";

// Content: what people typed, what tools read and wrote, and anything derived from it (commands,
// paths, URLs, error text). Analysts and admins may read it; for everyone else (managers) it is
// removed on the server before anything leaves, and the removed keys are listed (`hiddenKeys`),
// so the UI can say "hidden" instead of pretending the value was never sent.
//
// Default deny: this module lists what is KNOWN to be metadata. Every attribute key, parsed field
// or column not listed as metadata is content for a non-reader, so a key a new client release
// adds (Claude Code 2.1.332 added `prompt_text`, a second copy of the prompt) stays hidden until
// someone classifies it here. Keys known to be content are listed too, so a reviewer sees every
// key of the captured fixtures decided on purpose (content-policy.test.ts checks that).
//
// The typed columns' rules live with the columns, in the field registry (lib/domain/fields: a
// column is metadata, content, or derived from attributes). This table has two sections:
//   attributes  attribute keys of Claude Code / Cowork / Desktop events, resources, Office and
//               Claude Code spans, span events and links, and metric data points (one key space:
//               the same key means the same thing wherever it appears)
//   fields      keys of the parsed `fields` object that are not attribute keys (coerced attributes
//               keep their attribute's key and rule)

export type FieldKind = "metadata" | "content";

export interface FieldRule {
  kind: FieldKind;
  note: string;
}

const metadata = (note: string): FieldRule => ({ kind: "metadata", note });
const content = (note: string): FieldRule => ({ kind: "content", note });

export const CONTENT_POLICY = {
  attributes: {
    // ---- envelope and identity (every event, span and metric point; TELEMETRY.md §1.4, §1.5) ----
    "event.name": metadata("event type"),
    "event.sequence": metadata("per-session counter"),
    "event.timestamp": metadata("ISO time"),
    "session.id": metadata("session id"),
    "prompt.id": metadata("prompt id"),
    "message.uuid": metadata("transcript message id (2.1.214+)"),
    "user.id": metadata("installation id"),
    "user.email": metadata("signed-in email: who, not what"),
    "user.account_uuid": metadata("account UUID"),
    "user.account_id": metadata("tagged account id"),
    "user.groups": metadata("IdP groups (gateway sessions)"),
    "identity.source": metadata("gateway-oidc"),
    "organization.id": metadata("organization UUID"),
    "enduser.id": metadata("person, from OTEL_RESOURCE_ATTRIBUTES"),
    "terminal.type": metadata("terminal"),
    "app.version": metadata("client version"),
    "app.entrypoint": metadata("cli, sdk-ts, claude-vscode, …"),
    "anthropic.provider": metadata("firstParty, bedrock, … (2.1.332)"),
    "anthropic.custom_base_url": metadata("boolean: a custom API base URL is set, not the URL (2.1.332)"),
    "workspace.host_paths": content("folders the user connected: file paths"),
    "workflow.run_id": metadata("wf_… id"),
    "workflow.name": metadata("workflow name (custom unless tool details)"),
    agent_id: metadata("subagent id"),
    parent_agent_id: metadata("subagent id"),
    // Organization-chosen OTEL_RESOURCE_ATTRIBUTES seen in deployments (any other custom key is default-denied).
    department: metadata("custom resource attribute: org unit"),
    "team.id": metadata("custom resource attribute: team"),
    cost_center: metadata("custom resource attribute"),
    "deployment.environment": metadata("custom resource attribute"),

    // ---- resource (TELEMETRY.md §1.3, §2.2, §3.2) ----
    "service.name": metadata("client"),
    "service.version": metadata("client version"),
    "os.type": metadata("operating system"),
    "os.version": metadata("operating system version"),
    "host.arch": metadata("CPU architecture"),
    "host.name": metadata("device name (OTEL_RESOURCE_INCLUDE_HOST)"),
    "wsl.version": metadata("WSL version"),
    "process.owner": metadata("OS login name: who, not what"),
    "claude.deployment_mode": metadata("Claude Desktop deployment mode"),
    "git.sha": metadata("Office add-in build"),
    "telemetry.sdk.language": metadata("OpenTelemetry SDK"),
    "telemetry.sdk.name": metadata("OpenTelemetry SDK"),
    "telemetry.sdk.version": metadata("OpenTelemetry SDK"),

    // ---- user_prompt, assistant_response ----
    prompt: content("prompt text"),
    prompt_text: content("prompt text again (2.1.332), same gate as prompt"),
    prompt_length: metadata("length only"),
    command_name: metadata("slash command name (custom unless tool details)"),
    command_source: metadata("builtin, custom, mcp"),
    response: content("assistant answer text (also a feedback survey's answer)"),
    response_length: metadata("length only"),

    // ---- tools: tool_decision, tool_result (§1.6, §1.7) ----
    tool_name: metadata("tool name; managers review approval habits by tool"),
    tool: metadata("tool name (before 2026-02)"),
    tool_use_id: metadata("toolu_… id"),
    tool_source: metadata("builtin, mcp, sdk_host_builtin_mcp"),
    decision: metadata("accept, reject"),
    source: metadata("decision source: config, hook, user_*"),
    decision_type: metadata("accept, reject (tool_result)"),
    decision_source: metadata("decision source (tool_result)"),
    permission_mode: metadata("mode the decision was taken in (2.1.332)"),
    success: metadata("boolean"),
    duration_ms: metadata("milliseconds"),
    error_type: metadata("error category, e.g. ShellError"),
    error: content("full error text: quotes paths, commands, server replies"),
    tool_parameters: content("JSON: commands, paths, MCP arguments"),
    tool_input: content("JSON: the tool's arguments"),
    tool_input_size_bytes: metadata("size only"),
    tool_result_size_bytes: metadata("size only"),
    mcp_server_scope: metadata("MCP server scope"),
    mcp_server_name: metadata("MCP server name (Cowork, older builds)"),
    mcp_tool_name: metadata("MCP tool name (Cowork, older builds)"),
    "vcs.ref.head.name": content("git branch name: describes the work (2.1.332)"),
    "vcs.ref.head.revision": metadata("commit hash (2.1.332)"),
    "vcs.ref.head.type": metadata("branch, tag (2.1.332)"),

    // ---- API requests and errors ----
    model: metadata("model"),
    request_id: metadata("req_… id"),
    client_request_id: metadata("request UUID"),
    query_source: metadata("subsystem: repl_main_thread, compact, subagent name"),
    speed: metadata("fast, normal"),
    effort: metadata("low … max"),
    cost_usd: metadata("estimate"),
    cost_usd_micros: metadata("estimate"),
    input_tokens: metadata("count"),
    output_tokens: metadata("count"),
    cache_read_tokens: metadata("count"),
    cache_creation_tokens: metadata("count"),
    cache_creation_5m_tokens: metadata("count (2.1.332)"),
    cache_creation_1h_tokens: metadata("count (2.1.332)"),
    ttft_ms: metadata("time to first token (2.1.332)"),
    "agent.name": metadata("attribution: agent name"),
    "skill.name": metadata("attribution: skill name"),
    "plugin.name": metadata("plugin name"),
    "marketplace.name": metadata("plugin marketplace name"),
    "mcp_server.name": metadata("attribution: MCP server name"),
    "mcp_tool.name": metadata("attribution: MCP tool name"),
    status_code: metadata("HTTP status"),
    attempt: metadata("attempt number"),
    total_attempts: metadata("count"),
    total_retry_duration_ms: metadata("milliseconds"),
    server_fallback_hop: metadata("boolean"),
    has_category: metadata("boolean"),
    has_explanation: metadata("boolean"),
    category: content("what a refused request was about (cyber, bio, …)"),
    body: content("raw Messages API request or response (api_*_body)"),
    body_ref: content("file path of a raw body"),
    body_length: metadata("size only"),
    body_truncated: metadata("boolean"),

    // ---- permissions, auth, MCP, plugins, skills, hooks, compaction, subagents, … (§1.6) ----
    from_mode: metadata("permission mode"),
    to_mode: metadata("permission mode"),
    trigger: metadata("shift_tab, auto, manual, …"),
    action: metadata("login, logout"),
    auth_method: metadata("oauth, …"),
    error_category: metadata("auth error category (no message)"),
    status: metadata("MCP connection status"),
    transport_type: metadata("stdio, sse, http"),
    server_scope: metadata("MCP server scope"),
    server_name: metadata("MCP server name"),
    error_code: metadata("errno, e.g. ENOENT"),
    error_name: metadata("error class, e.g. TypeError"),
    is_plugin: metadata("boolean"),
    plugin_id_hash: metadata("hash"),
    plugin_id: metadata("<name>@<marketplace>"),
    "plugin.version": metadata("version"),
    "plugin.scope": metadata("official, org, user-local, default-bundle"),
    "marketplace.is_official": metadata("boolean"),
    "install.trigger": metadata("cli, ui"),
    enabled_via: metadata("default-enable, org-policy, …"),
    has_hooks: metadata("boolean"),
    has_mcp: metadata("boolean"),
    host_owned_mcp: metadata("boolean"),
    skill_path_count: metadata("count"),
    command_path_count: metadata("count"),
    agent_path_count: metadata("count"),
    safe_mode: metadata("boolean"),
    "skill.source": metadata("bundled, projectSettings, …"),
    "skill.kind": metadata("workflow or absent"),
    invocation_trigger: metadata("user-slash, claude-proactive, nested-skill"),
    mention_type: metadata("file, directory, agent, …"),
    hook_event: metadata("PreToolUse, …"),
    hook_type: metadata("command, prompt, http, …"),
    hook_source: metadata("settings source"),
    hook_name: metadata("event:matcher label, e.g. PreToolUse:Bash"),
    hook_matcher: content("a hook's match pattern: may name commands or paths"),
    hook_definitions: content("hook commands and prompts"),
    num_hooks: metadata("count"),
    managed_only: metadata("boolean"),
    num_success: metadata("count"),
    num_blocking: metadata("count"),
    num_non_blocking_error: metadata("count"),
    num_cancelled: metadata("count"),
    total_duration_ms: metadata("milliseconds"),
    stdout_chars: metadata("size only (2.1.332)"),
    additional_context_chars: metadata("size only (2.1.332)"),
    system_message_chars: metadata("size only (2.1.332)"),
    initial_user_message_chars: metadata("size only (2.1.332)"),
    num_outputs_persisted: metadata("count (2.1.332)"),
    pre_tokens: metadata("count"),
    post_tokens: metadata("count"),
    precompute_reuse: metadata("hit, miss_*"),
    agent_type: metadata("subagent type"),
    "agent.source": metadata("built-in, plugin, settings source"),
    is_built_in: metadata("boolean"),
    is_async: metadata("boolean"),
    total_tokens: metadata("count"),
    total_tool_uses: metadata("count"),
    final_model: metadata("model (2.1.332)"),
    model_swapped: metadata("boolean (2.1.332)"),
    event_type: metadata("feedback survey event"),
    appearance_id: metadata("id"),
    survey_type: metadata("session"),
    enabled_via_override: metadata("boolean"),
    result: metadata("retention sweep: complete, skipped"),
    period_days: metadata("count"),
    used_default: metadata("boolean"),
    skip_reason: metadata("enum"),
    transcripts_deleted: metadata("count"),
    session_files_deleted: metadata("count"),
    artifacts_deleted: metadata("count"),
    files_retained_fresh: metadata("count"),
    files_past_cutoff: metadata("count"),
    error_count: metadata("count"),
    "managed_settings.trigger": metadata("startup, … (2.1.332)"),
    "managed_settings.sources": metadata("names of settings sources (2.1.332)"),
    "managed_settings.source_behavior": metadata("first-wins (2.1.332)"),
    "managed_settings.helper.state": metadata("enum (2.1.332)"),
    "managed_settings.helper.applied": metadata("enum (2.1.332)"),
    "managed_settings.settings": content("the managed policy itself: rules name commands, paths, hosts"),

    // ---- Claude Code spans (§1.10) ----
    "span.type": metadata("span kind label"),
    user_prompt: content("prompt text (interaction span)"),
    user_prompt_length: metadata("length only"),
    "interaction.sequence": metadata("counter"),
    "interaction.duration_ms": metadata("milliseconds"),
    "gen_ai.system": metadata("anthropic"),
    "gen_ai.request.model": metadata("model"),
    "gen_ai.response.id": metadata("id"),
    "gen_ai.response.finish_reasons": metadata("stop reasons"),
    "gen_ai.tool.call.id": metadata("toolu_… id"),
    "llm_request.context": metadata("interaction, tool, standalone"),
    "response.has_tool_call": metadata("boolean"),
    stop_reason: metadata("end_turn, tool_use, …"),
    result_tokens: metadata("count"),
    file_path: content("path a tool read or wrote"),
    full_command: content("the whole shell command"),
    bash_command: content("a shell command"),
    bash_argv0: content("the command's program: derived from the command"),
    skill_name: metadata("skill name"),
    subagent_type: metadata("subagent type"),
    new_context: content("detailed beta tracing: context text"),
    system_prompt_preview: content("detailed beta tracing: system prompt"),
    user_system_prompt: content("detailed beta tracing: system prompt"),
    "response.model_output": content("detailed beta tracing: model output"),

    // ---- Office agents (§3.4) ----
    "agent.surface": metadata("sheet, doc, slide, mail"),
    "agent.vendor": metadata("m"),
    "agent.selected_model": metadata("model"),
    "agent.query_phase": metadata("where a query failed"),
    "agent.message_count": metadata("count"),
    "user.message": content("what the user asked"),
    "user.message_chars": metadata("length only"),
    "document.url": content("the document's URL: names folders and files"),
    "office.platform": metadata("PC, Mac, …"),
    "office.version": metadata("Office version"),
    "org.rate_limit_tier": metadata("plan tier"),
    "org.type": metadata("organization type"),
    "user.bucket": metadata("sampling bucket"),
    "mcp.configured_count": metadata("count"),
    "mcp.connected_count": metadata("count"),
    "mcp.failed_count": metadata("count"),
    "mcp.fetch_status": metadata("enum"),
    "mcp.fetch_duration_ms": metadata("milliseconds"),
    "mcp.fetch_http_status": metadata("HTTP status"),
    "mcp.servers": content("server names with their error messages"),
    "file.upload.count": metadata("count"),
    "file.upload.total_bytes": metadata("size"),
    "file.upload.image_count": metadata("count"),
    "file.upload.document_count": metadata("count"),
    "file.upload.other_count": metadata("count"),
    "file.upload.size_bytes": metadata("size"),
    "file.upload.mime_type": metadata("MIME type"),
    "file.upload.file_id": metadata("Files API id"),
    "file.upload.success": metadata("boolean"),
    "file.upload.filename": content("a file's name"),
    "error.name": metadata("error class"),
    max_tokens: metadata("count"),
    "tool.id": metadata("tool call id"),
    "tool.caller": metadata("direct, server_tool"),
    "tool.owner": metadata("first_party, third_party"),
    "tool.read_write": metadata("read, write"),
    "tool.accept_decision": metadata("manual, auto_accept, deferred"),
    "tool.input": content("the tool's input"),
    "tool.output": content("the tool's output"),
    "tool.output_chars": metadata("length only"),
    "tool.success": metadata("boolean"),
    "tool.error_type": metadata("error class"),
    "sheet.cells_read": metadata("count"),
    "sheet.cells_written": metadata("count"),
    "sheet.cells_copied": metadata("count"),
    "compaction.pre_tokens": metadata("count"),
    "compaction.post_tokens": metadata("count"),
    "compaction.tokens_saved": metadata("count"),
    "compaction.success": metadata("boolean"),
    "compaction.trigger": metadata("reactive"),
    // span events
    "exception.type": metadata("error class"),
    "exception.message": content("error text"),
    "exception.stacktrace": content("stack trace: paths, code"),
    file_id: metadata("Files API id"),
    mime_type: metadata("MIME type"),
    content_category: metadata("document, image, …"),
    "token_usage.type": metadata("input, output, …"),
    "token_usage.model": metadata("model"),
    "token_usage.token_count": metadata("count"),

    // ---- metric data points (§1.9) ----
    type: metadata("token type, active-time type, lines added/removed"),
    language: metadata("programming language of an edit"),
    start_type: metadata("fresh, resume, …"),
  },

  fields: {
    toolParameters: content("parsed tool_parameters"),
    toolInput: content("parsed tool_input / tool.input"),
    toolOutput: content("parsed tool.output"),
    hookDefinitions: content("parsed hook_definitions"),
    apiBody: content("parsed raw API body"),
    workspaceHostPaths: content("parsed workspace.host_paths"),
    accountIdTagged: metadata("whether user.account_id is a tagged id"),
  },

} as const satisfies {
  attributes: Record<string, FieldRule>;
  fields: Record<string, FieldRule>;
};

// Maps, not the objects: keys are sender-controlled ("constructor" must not find Object's).
const ATTRIBUTE_RULES = new Map<string, FieldRule>(Object.entries(CONTENT_POLICY.attributes));
const FIELD_RULES = new Map<string, FieldRule>(Object.entries(CONTENT_POLICY.fields));

/** Attribute keys known to be metadata (everything else is content for non-readers). */
export const METADATA_ATTRIBUTE_KEYS: readonly string[] = [...ATTRIBUTE_RULES].filter(([, r]) => r.kind === "metadata").map(([k]) => k);

export function isMetadataAttribute(key: string): boolean {
  return ATTRIBUTE_RULES.get(key)?.kind === "metadata";
}

/** A `fields` key: its own rule, or (a coerced attribute) its attribute's. */
export function isMetadataField(key: string): boolean {
  const rule = FIELD_RULES.get(key) ?? ATTRIBUTE_RULES.get(key);
  return rule?.kind === "metadata";
}

/** `fields` keys known to be metadata. */
export const METADATA_FIELD_KEYS: readonly string[] = [
  ...[...FIELD_RULES].filter(([, r]) => r.kind === "metadata").map(([k]) => k),
  ...METADATA_ATTRIBUTE_KEYS.filter((k) => !FIELD_RULES.has(k)),
];

/** The rule for an attribute key, or undefined for a key nobody classified yet (content by default). */
export function attributeRule(key: string): FieldRule | undefined {
  return ATTRIBUTE_RULES.get(key);
}

export interface Redacted<T> {
  value: T;
  hiddenKeys: string[];
}

/** Keeps the keys `isMetadata` accepts; the others are listed in hiddenKeys (with `prefix`). */
export function keepMetadata(
  obj: Record<string, JsonValue> | null | undefined,
  isMetadata: (key: string) => boolean = isMetadataAttribute,
  prefix = "",
): Redacted<Record<string, JsonValue>> {
  const value: Record<string, JsonValue> = {};
  const hiddenKeys: string[] = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (isMetadata(k)) value[k] = v;
    else hiddenKeys.push(prefix + k);
  }
  return { value, hiddenKeys };
}

/** A Claude log body repeats the event name (`claude_code.tool_result`); any other body is content. */
export function isMetadataBody(body: JsonValue, eventName: string): boolean {
  if (body === null || body === undefined) return true;
  return typeof body === "string" && (body === `claude_code.${eventName}` || body === `claude-desktop.${eventName}`);
}

/**
 * A derived column's value for a non-reader: kept when one of the metadata attributes it may be
 * copied from holds exactly this value, otherwise null (it was copied from content).
 */
export function derivedColumnValue(from: readonly string[], value: string | null, attributes: Record<string, JsonValue>): string | null {
  if (value === null) return null;
  for (const key of from) {
    if (!isMetadataAttribute(key)) continue;
    const v = attributes[key];
    if (v !== undefined && v !== null && String(v) === value) return value;
  }
  return null;
}
