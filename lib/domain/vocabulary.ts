// The words Blindspot's telemetry speaks, written down once: event and span names, sources,
// surfaces and decision sources, each with its one label. Everything else imports them, so a
// page, a query and an ingest rule cannot disagree about what a name means or how it reads.
// Plain constants only (no imports): this module sits at the bottom of the house.

// ---- event and span names ---------------------------------------------------------------------

/**
 * Claude Code / Cowork / Claude Desktop event names, as stored in events.event_name: the
 * `event.name` attribute, unprefixed (the LogRecord body carries `claude_code.<name>`).
 */
export const EVENT = {
  userPrompt: "user_prompt",
  assistantResponse: "assistant_response",
  toolDecision: "tool_decision",
  toolResult: "tool_result",
  apiRequest: "api_request",
  apiError: "api_error",
  apiRefusal: "api_refusal",
  apiRequestBody: "api_request_body",
  apiResponseBody: "api_response_body",
  mcpServerConnection: "mcp_server_connection",
  pluginLoaded: "plugin_loaded",
  pluginInstalled: "plugin_installed",
  skillActivated: "skill_activated",
  atMention: "at_mention",
  permissionModeChanged: "permission_mode_changed",
  apiRetriesExhausted: "api_retries_exhausted",
  hookRegistered: "hook_registered",
  hookExecutionStart: "hook_execution_start",
  hookExecutionComplete: "hook_execution_complete",
  subagentCompleted: "subagent_completed",
  /** Once per session since 2.1.332: which managed settings applied (OTEL_LOG_MANAGED_SETTINGS adds the policy). */
  managedSettingsResolved: "managed_settings_resolved",
  /** 2.1.332: sandbox violations and classifier blocks. */
  safetyEvent: "safety_event",
  retentionSweep: "retention_sweep",
} as const;

export type EventName = (typeof EVENT)[keyof typeof EVENT];

/** Office-agent span names (spans.name): one agent.query per user turn, its streams and tool calls. */
export const SPAN = {
  officeQuery: "agent.query",
  officeStream: "agent.stream",
  officeToolExecution: "agent.tool_execution",
  officeCompaction: "agent.compaction",
  fileUpload: "file.upload",
} as const;


/**
 * An event name without the logger prefix Claude's clients put in LogRecord bodies and docs
 * (`claude_code.tool_result` → `tool_result`): stored names and filters use the bare form.
 */
export function bareEventName(name: string): string {
  return name.replace(/^claude_code\./, "").replace(/^claude-desktop\./, "");
}

/** OTLP metric data point kinds (metric_points.metric_type). */
export const METRIC_TYPES = ["gauge", "sum", "histogram", "exponential_histogram", "summary"] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

// ---- sources ----------------------------------------------------------------------------------

/** Where a record came from, decided at ingest by the resource's service.name (events.source, spans.source). */
export const SOURCE_IDS = ["claude_code", "cowork", "claude_desktop", "office", "otel"] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

export const SOURCE_LABELS: Record<SourceId, string> = {
  claude_code: "Claude Code",
  cowork: "Cowork",
  claude_desktop: "Claude Desktop",
  office: "Office agents",
  otel: "Other OTel",
};

/** The label of a source, or the value itself when it is not one we know. */
export function sourceLabel(source: string): string {
  return (SOURCE_LABELS as Record<string, string>)[source] ?? source;
}

// ---- surfaces ---------------------------------------------------------------------------------

/** The Office application an Office agent ran in (spans.surface, from agent.surface). */
export const OFFICE_APP_LABELS: Record<string, string> = {
  excel: "Excel",
  word: "Word",
  powerpoint: "PowerPoint",
  outlook: "Outlook",
};

/** The label of an Office application, or the value itself. */
export function officeAppLabel(app: string): string {
  return OFFICE_APP_LABELS[app] ?? app;
}

/**
 * Where an agent runs, as the inventory counts agents (one per person and agent surface): the
 * source for Claude Code / Cowork / Desktop, the Office application for Office agents, and
 * "office" for an Office trace whose application no span named.
 */
export const AGENT_SURFACES = [
  { id: "claude_code", label: SOURCE_LABELS.claude_code, kind: "events" },
  { id: "cowork", label: SOURCE_LABELS.cowork, kind: "events" },
  { id: "claude_desktop", label: SOURCE_LABELS.claude_desktop, kind: "events" },
  { id: "excel", label: OFFICE_APP_LABELS.excel, kind: "office" },
  { id: "word", label: OFFICE_APP_LABELS.word, kind: "office" },
  { id: "powerpoint", label: OFFICE_APP_LABELS.powerpoint, kind: "office" },
  { id: "outlook", label: OFFICE_APP_LABELS.outlook, kind: "office" },
  { id: "office", label: "Office", kind: "office" },
] as const;

export type AgentSurfaceId = (typeof AGENT_SURFACES)[number]["id"];

/**
 * What the coverage matrix tracks: the product areas a SOC wants covered (columns), each of
 * which some telemetry layers can report and others cannot.
 */
export const COVERAGE_SURFACES = [
  { id: "chat", label: "Claude.ai chat" },
  { id: "api", label: "Claude API" },
  { id: "claude_code", label: SOURCE_LABELS.claude_code },
  { id: "cowork_files", label: "Cowork files" },
  { id: "cowork_browser", label: "Cowork browser" },
  { id: "cowork_mcp", label: "Cowork MCP" },
  { id: "cowork_tasks", label: "Cowork tasks" },
  { id: "office", label: SOURCE_LABELS.office },
] as const;

export type CoverageSurfaceId = (typeof COVERAGE_SURFACES)[number]["id"];

// ---- approval decisions -----------------------------------------------------------------------

/** Who or what made a Claude Code / Cowork approval decision (tool_decision `source`). */
export const DECISION_SOURCES = ["config", "hook", "user_permanent", "user_temporary", "user_abort", "user_reject"] as const;
export type DecisionSource = (typeof DECISION_SOURCES)[number];

export const DECISION_SOURCE_LABELS: Record<DecisionSource, { label: string; help: string }> = {
  config: { label: "config (policy)", help: "Decided by policy or settings without asking" },
  hook: { label: "hook", help: "A PreToolUse or PermissionRequest hook decided" },
  user_permanent: { label: "user: always allow", help: "The user chose “Yes, and don’t ask again”" },
  user_temporary: { label: "user: allow once", help: "The user approved this once or for the session" },
  user_abort: { label: "user: dismissed", help: "The prompt was dismissed without an answer" },
  user_reject: { label: "user: rejected", help: "The user chose “No”" },
};

/** Decision sources that decide without asking anyone: an automatic approval. */
export const AUTOMATIC_DECISION_SOURCES: readonly DecisionSource[] = ["config", "hook"];

/** The label of a decision source, or the value itself. */
export function decisionSourceLabel(source: string): string {
  return (DECISION_SOURCE_LABELS as Record<string, { label: string }>)[source]?.label ?? source;
}

/** How an Office agent's tool call was approved (tool.accept_decision). */
export const ACCEPT_DECISIONS = ["manual", "auto_accept", "deferred"] as const;
export type AcceptDecision = (typeof ACCEPT_DECISIONS)[number];

export const ACCEPT_DECISION_LABELS: Record<AcceptDecision, { label: string; help: string }> = {
  manual: { label: "manual", help: "The user approved this action" },
  auto_accept: { label: "auto-accept", help: "A standing approval accepted it" },
  deferred: { label: "deferred", help: "Queued for review" },
};
