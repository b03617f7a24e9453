import path from "node:path";
import { activityDetailsFor } from "@/lib/compliance/activity-fields";
import { keepMetadata } from "@/lib/auth/content";
import type { ApiAlert } from "@/lib/detections/alert-read";
import type { RuleLevel } from "@/lib/detections/types";
import type { JsonValue } from "@/lib/otlp/values";
import { sourceLabel } from "@/lib/domain/vocabulary";

// Blindspot records → OCSF 1.8.0 (https://schema.ocsf.io/1.8.0). The ONE place that decides
// which OCSF class a record becomes and how its fields land; each mapping below says why.
//
//   alert                                   → Detection Finding (2004)
//   api_request                             → API Activity (6003) Create, ai_operation profile (ai_model, message_context)
//   api_error, api_retries_exhausted,
//   api_refusal                             → API Activity (6003) Create, status Failure
//   tool_result of Bash                     → Process Activity (1007) Launch, ai_operation (message_context: Tool)
//   tool_result of Read / Write / Edit …    → File System Activity (1001) Read / Create / Update
//   tool_result of WebFetch / WebSearch     → Web Resources Activity (6001) Read / Search
//   tool_result of an MCP tool              → API Activity (6003) Other, api.service = the MCP server
//   auth (Claude Code /login, /logout)      → Authentication (3002) Logon / Logoff
//   Compliance *_login_* / *_logout*        → Authentication (3002)
//   other Compliance activities             → API Activity (6003), activity from the verb (created → Create …)
//   anything else (prompts, decisions, hooks,
//   plugins, other tools)                   → Base Event (0) Other, the event name in metadata.event_code
//
// Every record keeps what OCSF has no place for under `unmapped` (the original attributes).
// Content (commands, paths, URLs, prompt text, error text, matched values) is included only for
// readers who may see content; for others it is left out (a required attribute gets "(hidden)")
// and the removed keys are listed in `unmapped.hidden_keys`.

export const OCSF_VERSION = "1.8.0";
export const HIDDEN = "(hidden)";

export type OcsfRecord = Record<string, unknown>;

const PRODUCT = { name: "Blindspot", vendor_name: "Blindspot", uid: "blindspot" };

interface ClassInfo {
  uid: number;
  name: string;
  category_uid: number;
  category_name: string;
}

export const OCSF_CLASSES = {
  base_event: { uid: 0, name: "Base Event", category_uid: 0, category_name: "Uncategorized" },
  file_activity: { uid: 1001, name: "File System Activity", category_uid: 1, category_name: "System Activity" },
  process_activity: { uid: 1007, name: "Process Activity", category_uid: 1, category_name: "System Activity" },
  detection_finding: { uid: 2004, name: "Detection Finding", category_uid: 2, category_name: "Findings" },
  authentication: { uid: 3002, name: "Authentication", category_uid: 3, category_name: "Identity & Access Management" },
  web_resources_activity: { uid: 6001, name: "Web Resources Activity", category_uid: 6, category_name: "Application Activity" },
  api_activity: { uid: 6003, name: "API Activity", category_uid: 6, category_name: "Application Activity" },
} as const satisfies Record<string, ClassInfo>;
export type OcsfClassName = keyof typeof OCSF_CLASSES;

const SEVERITY: Record<RuleLevel, [number, string]> = {
  informational: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

/** The fields every OCSF event has: class, activity, type_uid (class_uid * 100 + activity_id), time in ms, severity, metadata. */
function envelope(
  cls: OcsfClassName,
  activity: [number, string],
  time: Date,
  severity: [number, string],
  metadata: { uid: string; tenantUid: string; logName: string; profiles?: string[]; correlationUid?: string | null; eventCode?: string },
): OcsfRecord {
  const c = OCSF_CLASSES[cls];
  return {
    class_uid: c.uid,
    class_name: c.name,
    category_uid: c.category_uid,
    category_name: c.category_name,
    activity_id: activity[0],
    activity_name: activity[1],
    type_uid: c.uid * 100 + activity[0],
    type_name: `${c.name}: ${activity[1]}`,
    time: time.getTime(),
    severity_id: severity[0],
    severity: severity[1],
    metadata: {
      version: OCSF_VERSION,
      product: PRODUCT,
      uid: metadata.uid,
      tenant_uid: metadata.tenantUid,
      log_name: metadata.logName,
      ...(metadata.profiles?.length ? { profiles: metadata.profiles } : {}),
      ...(metadata.correlationUid ? { correlation_uid: metadata.correlationUid } : {}),
      ...(metadata.eventCode ? { event_code: metadata.eventCode } : {}),
    },
  };
}

const INFORMATIONAL: [number, string] = [1, "Informational"];
const STATUS = { success: [1, "Success"], failure: [2, "Failure"], unknown: [0, "Unknown"] } as const;

function status(success: boolean | null): Record<string, unknown> {
  const [id, name] = success === null ? STATUS.unknown : success ? STATUS.success : STATUS.failure;
  return { status_id: id, status: name };
}

// ---- alerts → Detection Finding ------------------------------------------------------------------

const FINDING_STATUS: Record<ApiAlert["status"], [number, string]> = {
  new: [1, "New"],
  acknowledged: [2, "In Progress"],
  closed: [4, "Resolved"],
};
const RESOLUTION_TEXT: Record<NonNullable<ApiAlert["resolution"]>, string> = {
  true_positive: "true positive",
  false_positive: "false positive",
  benign: "benign",
};

/**
 * An alert is a Detection Finding: Create while open, Close once closed; the rule is the
 * finding's analytic (type Rule), the evidence records are its related events, the person and
 * session its evidence actor. `alert.matched` is null for readers without content.
 */
export function alertToFinding(alert: ApiAlert, tenantId: string): OcsfRecord {
  const closed = alert.status === "closed";
  const ms = (iso: string) => Date.parse(iso);
  const [statusId, statusName] = FINDING_STATUS[alert.status];
  return {
    ...envelope("detection_finding", closed ? [3, "Close"] : [1, "Create"], new Date(alert.createdAt), SEVERITY[alert.rule.level], {
      uid: alert.id,
      tenantUid: tenantId,
      logName: "alerts",
      correlationUid: alert.promptId ?? alert.sessionId,
    }),
    message: alert.rule.title,
    is_alert: !closed,
    status_id: statusId,
    status: statusName,
    start_time: ms(alert.firstSeen),
    end_time: ms(alert.lastSeen),
    count: alert.hits,
    // OCSF's verdict belongs to the incident profile; the analyst's resolution goes in status_detail.
    ...(alert.resolution ? { status_detail: `Closed as ${RESOLUTION_TEXT[alert.resolution]}` } : {}),
    finding_info: {
      uid: alert.id,
      title: alert.rule.title,
      analytic: { uid: alert.rule.id, name: alert.rule.title, type_id: 1, type: "Rule" },
      created_time: ms(alert.createdAt),
      modified_time: ms(alert.updatedAt),
      first_seen_time: ms(alert.firstSeen),
      last_seen_time: ms(alert.lastSeen),
      data_sources: [alert.service],
      related_events_count: alert.evidence.length,
      related_events: alert.evidence.map((e) => ({ uid: e.id, type: e.name, first_seen_time: ms(e.time), last_seen_time: ms(e.time) })),
    },
    evidences: [
      {
        actor: {
          app_name: alert.service,
          ...(alert.person ? { user: { name: alert.person, uid: alert.person } } : {}),
          ...(alert.sessionId ? { session: { uid: alert.sessionId } } : {}),
        },
        ...(alert.matched ? { data: alert.matched } : {}),
      },
    ],
    unmapped: {
      service: alert.service,
      group_key: alert.groupKey,
      prompt_id: alert.promptId,
      trace_id: alert.traceId,
      assignee: alert.assignee,
      resolution: alert.resolution,
      ...(alert.matched ? {} : { hidden_keys: ["matched"] }),
    },
  };
}

// ---- telemetry events ---------------------------------------------------------------------------------

/** The columns of an `events` row the mapping reads. */
export interface OcsfEventRow {
  id: string;
  source: string;
  event_name: string;
  time: Date;
  session_id: string | null;
  prompt_id: string | null;
  user_id: string | null;
  user_email: string | null;
  account_uuid: string | null;
  organization_id: string | null;
  service_version: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  mcp_server: string | null;
  mcp_tool: string | null;
  success: boolean | null;
  duration_ms: number | null;
  error: string | null;
  status_code: number | null;
  model: string | null;
  request_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  fields: Record<string, JsonValue>;
  attributes: Record<string, JsonValue>;
}

function obj(v: JsonValue | undefined): Record<string, JsonValue> {
  return v && typeof v === "object" && !Array.isArray(v) ? v : {};
}
function str(v: JsonValue | undefined): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

const FILE_TOOLS: Record<string, [number, string]> = {
  Read: [2, "Read"],
  Write: [1, "Create"],
  Edit: [3, "Update"],
  MultiEdit: [3, "Update"],
  NotebookEdit: [3, "Update"],
};

function userOf(r: { user_email: string | null; account_uuid: string | null; user_id: string | null }): Record<string, unknown> {
  // user.id (the installation id) is the last resort: OCSF wants at least one of name / uid.
  const uid = r.account_uuid ?? r.user_id ?? "unknown";
  return { uid, ...(r.user_email ? { email_addr: r.user_email, name: r.user_email } : {}), type_id: 1, type: "User" };
}

/**
 * One telemetry event in its OCSF class. `canReadContent` false leaves content out (see the top
 * of this file).
 */
export function eventToOcsf(r: OcsfEventRow, tenantId: string, canReadContent: boolean): OcsfRecord {
  const app = sourceLabel(r.source);
  const attrs = canReadContent ? { value: r.attributes, hiddenKeys: [] as string[] } : keepMetadata(r.attributes, undefined, "attributes.");
  const hidden = [...attrs.hiddenKeys];
  const content = <T>(value: T | null, key: string): T | null => {
    if (value === null || value === undefined) return null;
    if (canReadContent) return value;
    hidden.push(key);
    return null;
  };
  const actor = { user: userOf(r), app_name: app, ...(r.session_id ? { session: { uid: r.session_id } } : {}) };
  // The installation id names the machine the client runs on (OCSF wants an endpoint).
  const endpoint = { uid: r.user_id ?? "unknown", name: app };
  const device = { type_id: 0, type: "Unknown", uid: r.user_id ?? "unknown" };
  const meta = (logName: string, profiles?: string[]) => ({ uid: r.id, tenantUid: tenantId, logName, profiles, correlationUid: r.prompt_id ?? r.session_id, eventCode: r.event_name });
  const toolContext = { uid: r.session_id ?? r.id, name: r.prompt_id ?? undefined, ai_role_id: 3, ai_role: "Tool", application: { name: app, ...(r.service_version ? { version: r.service_version } : {}) } };
  const durationMs = r.duration_ms === null ? {} : { duration: Math.round(r.duration_ms) };
  const unmapped = (extra: Record<string, unknown> = {}) => ({
    unmapped: { source: r.source, event_name: r.event_name, prompt_id: r.prompt_id, tool_use_id: r.tool_use_id, ...extra, attributes: attrs.value, ...(hidden.length ? { hidden_keys: hidden } : {}) },
  });
  const input = obj(r.fields.toolInput);
  const params = obj(r.fields.toolParameters);

  // Model calls: the Anthropic Messages API, with the model and token counts (ai_operation profile).
  if (["api_request", "api_error", "api_retries_exhausted", "api_refusal"].includes(r.event_name)) {
    const ok = r.event_name === "api_request";
    const errorText = content(r.error, "error");
    return {
      ...envelope("api_activity", [1, "Create"], r.time, INFORMATIONAL, meta("claude_api", ["ai_operation"])),
      ...status(ok),
      ...(r.status_code !== null ? { status_code: String(r.status_code) } : {}),
      ...(errorText ? { status_detail: errorText } : {}),
      ...durationMs,
      actor,
      src_endpoint: endpoint,
      api: { operation: "messages.create", service: { name: "Anthropic Messages API" }, ...(r.request_id ? { request: { uid: r.request_id } } : {}) },
      ...(r.model ? { ai_model: { ai_provider: "Anthropic", name: r.model } } : {}),
      message_context: {
        uid: r.session_id ?? r.id,
        ...(r.prompt_id ? { name: r.prompt_id } : {}),
        ai_role_id: 2,
        ai_role: "Assistant",
        service: { name: "Anthropic Messages API" },
        application: { name: app, ...(r.service_version ? { version: r.service_version } : {}) },
        ...(r.input_tokens !== null ? { prompt_tokens: r.input_tokens } : {}),
        ...(r.output_tokens !== null ? { completion_tokens: r.output_tokens } : {}),
        ...(r.input_tokens !== null && r.output_tokens !== null ? { total_tokens: r.input_tokens + r.output_tokens } : {}),
      },
      ...unmapped(),
    };
  }

  if (r.event_name === "tool_result" && r.tool_name === "Bash") {
    // A Bash tool call launched a shell command on the developer's machine.
    const cmd = content(str(params.full_command) ?? str(input.command), "process.cmd_line");
    return {
      ...envelope("process_activity", [1, "Launch"], r.time, INFORMATIONAL, meta("claude_tools", ["ai_operation"])),
      ...status(r.success),
      ...durationMs,
      actor,
      device,
      process: { uid: r.tool_use_id ?? r.id, name: "bash", ...(cmd ? { cmd_line: cmd } : {}) },
      message_context: toolContext,
      ...unmapped(),
    };
  }

  if (r.event_name === "tool_result" && r.tool_name && FILE_TOOLS[r.tool_name]) {
    // Read / Write / Edit act on one file; the path is content.
    const filePath = str(input.file_path) ?? str(input.notebook_path) ?? str(params.file_path);
    const shown = content(filePath, "file.path");
    return {
      ...envelope("file_activity", FILE_TOOLS[r.tool_name], r.time, INFORMATIONAL, meta("claude_tools")),
      ...status(r.success),
      ...durationMs,
      actor,
      device,
      file: { name: shown ? path.posix.basename(shown) : HIDDEN, type_id: 1, type: "Regular File", ...(shown ? { path: shown } : {}) },
      ...unmapped(),
    };
  }

  if (r.event_name === "tool_result" && (r.tool_name === "WebFetch" || r.tool_name === "WebSearch")) {
    // Claude fetched a URL or ran a web search; the URL and the query are content.
    const fetch = r.tool_name === "WebFetch";
    const target = content(fetch ? str(input.url) ?? str(params.url) : str(input.query), fetch ? "web_resources.url_string" : "web_resources.name");
    return {
      ...envelope("web_resources_activity", fetch ? [2, "Read"] : [5, "Search"], r.time, INFORMATIONAL, meta("claude_tools")),
      ...status(r.success),
      ...durationMs,
      src_endpoint: endpoint,
      web_resources: [target ? (fetch ? { url_string: target, type: "URL" } : { name: target, type: "Search query" }) : { uid: r.tool_use_id ?? r.id }],
      // The class has no actor: who fetched it is under `unmapped`.
      ...unmapped({ actor }),
    };
  }

  if (r.event_name === "tool_result" && (r.mcp_server || str(params.mcp_server_name))) {
    // An MCP tool call is a call of the MCP server's API.
    const server = r.mcp_server ?? str(params.mcp_server_name)!;
    const tool = r.mcp_tool ?? str(params.mcp_tool_name) ?? r.tool_name ?? "unknown";
    const errorText = content(r.error, "error");
    return {
      ...envelope("api_activity", [99, "Other"], r.time, INFORMATIONAL, meta("claude_tools", ["ai_operation"])),
      ...status(r.success),
      ...(errorText ? { status_detail: errorText } : {}),
      ...durationMs,
      actor,
      src_endpoint: endpoint,
      api: { operation: tool, service: { name: server }, ...(r.tool_use_id ? { request: { uid: r.tool_use_id } } : {}) },
      message_context: toolContext,
      ...unmapped(),
    };
  }

  if (r.event_name === "auth") {
    // Claude Code's /login and /logout (claude_code.auth).
    const action = str(r.attributes.action);
    const success = r.attributes.success === undefined ? null : String(r.attributes.success) === "true";
    return {
      ...envelope("authentication", action === "logout" ? [2, "Logoff"] : [1, "Logon"], r.time, INFORMATIONAL, meta("claude_auth")),
      ...status(success),
      ...(str(r.attributes.auth_method) ? { auth_protocol_id: 99, auth_protocol: str(r.attributes.auth_method) } : {}),
      user: userOf(r),
      actor,
      src_endpoint: endpoint,
      service: { name: app },
      ...(r.session_id ? { session: { uid: r.session_id } } : {}),
      ...unmapped(),
    };
  }

  // No OCSF class fits (prompts, approval decisions, hooks, plugins, skills, other tools): a Base
  // Event keeps it in the stream; Base Event has no actor, so who did it is under `unmapped`.
  return {
    ...envelope("base_event", [99, "Other"], r.time, INFORMATIONAL, meta(r.event_name === "tool_decision" ? "claude_decisions" : "claude_events")),
    message: r.tool_name ? `${r.event_name} ${r.tool_name}` : r.event_name,
    ...(r.success === null ? {} : status(r.success)),
    ...unmapped({ actor }),
  };
}

// ---- Compliance activities ---------------------------------------------------------------------------------

export interface OcsfActivityRow {
  id: string;
  created_at: Date;
  type: string;
  actor_type: string | null;
  actor_email: string | null;
  actor_user_id: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  raw: Record<string, JsonValue>;
}

/** Fields of the raw activity that are the envelope (mapped) rather than type-specific details. */
const ACTIVITY_ENVELOPE = new Set(["id", "created_at", "type", "actor", "organization_id", "organization_uuid"]);

function activityVerb(type: string): [number, string] {
  if (/_(created|added|invited|uploaded|published|installed|enabled|requested|started)$/.test(type)) return [1, "Create"];
  if (/_(viewed|accessed|listed|read|downloaded|exported|searched)$/.test(type)) return [2, "Read"];
  if (/_(updated|changed|granted|transferred|renamed|moved|set|edited|disabled|shared|restored)$/.test(type)) return [3, "Update"];
  if (/_(deleted|removed|revoked|uninstalled|archived)$/.test(type)) return [4, "Delete"];
  return [99, "Other"];
}

/** A Compliance API activity: sign-ins as Authentication, every other action as API Activity on Claude. */
export function activityToOcsf(a: OcsfActivityRow, tenantId: string, canReadContent: boolean): OcsfRecord {
  const details = Object.fromEntries(Object.entries(a.raw).filter(([k]) => !ACTIVITY_ENVELOPE.has(k)));
  const visible = activityDetailsFor(details, canReadContent);
  const user = { uid: a.actor_user_id ?? a.actor_email ?? "unknown", ...(a.actor_email ? { email_addr: a.actor_email, name: a.actor_email } : {}) };
  const src = a.actor_ip ? { ip: a.actor_ip } : { name: "unknown" };
  const http = a.actor_user_agent ? { http_request: { user_agent: a.actor_user_agent } } : {};
  const meta = (profiles?: string[]) => ({ uid: a.id, tenantUid: tenantId, logName: "compliance_activities", profiles, eventCode: a.type });
  const unmapped = { unmapped: { type: a.type, actor_type: a.actor_type, details: visible.details, ...(visible.hiddenKeys.length ? { hidden_keys: visible.hiddenKeys.map((k) => `details.${k}`) } : {}) } };
  const login = /(^|_)(login|sign_in|signed_in)(_|$)/.test(a.type);
  const logout = /(^|_)(logout|sign_out|signed_out)(_|$)/.test(a.type);
  if (login || logout) {
    const success = /_(succeeded|success)$/.test(a.type) ? true : /_(failed|failure|denied)$/.test(a.type) ? false : null;
    return {
      ...envelope("authentication", logout ? [2, "Logoff"] : [1, "Logon"], a.created_at, INFORMATIONAL, meta()),
      ...status(success),
      ...(/sso/.test(a.type) ? { auth_protocol_id: 99, auth_protocol: "SSO" } : {}),
      user,
      src_endpoint: src,
      service: { name: "Claude" },
      ...http,
      message: a.type,
      ...unmapped,
    };
  }
  return {
    ...envelope("api_activity", activityVerb(a.type), a.created_at, INFORMATIONAL, meta()),
    ...status(true),
    actor: { user },
    src_endpoint: src,
    api: { operation: a.type, service: { name: "Claude" } },
    ...http,
    message: a.type,
    ...unmapped,
  };
}
