import type { JsonValue } from "@/lib/otlp/values";
import { normalizeAction } from "@/lib/queries/approvals";
import type { EventRow, SpanRow } from "@/lib/sources/model";
import type { DetectionRecord, DetectionService } from "./types";

// Stored rows → what a rule sees (DetectionRecord.fields). Field names are the telemetry's own
// attribute names, verbatim (tool_name, source, permission_mode, mcp_server.name, tool.owner, …),
// plus fields Blindspot derives so one rule covers every version and surface:
//
//   event.name / span.name   the event or span name (bare: tool_decision, agent.tool_execution)
//   decision                 accept / reject (tool_result's decision_type too); Office: tool.accept_decision
//   decision_source          tool_decision.source or tool_result.decision_source (config, hook, user_permanent, …)
//   tool_parameters          parsed from its JSON text: tool_parameters.full_command, .dangerouslyDisableSandbox, …
//   tool_input               parsed likewise: tool_input.file_path, tool_input.url, …
//   command                  the Bash/PowerShell command (full_command, bash_command or tool_input.command)
//   file_path                the file a tool read or wrote (tool_input.file_path / notebook_path / path)
//   url, url_host            the URL a tool fetched, and its host
//   destination_host         the host a command or fetch talks to (first URL or user@host in a command)
//   mcp_server, mcp_tool     the MCP server and tool (from tool_parameters, mcp_server.name, Office tool.input)
//   skill_name               Skill tool's skill
//   target                   what the tool acted on (command, file, URL, server:tool), as the timeline shows it
//   action_key               tool + target normalised (case, quotes, spaces): "near-identical" actions share it
//   file_outside_workspace   true/false when the session has workspace.host_paths (Cowork) and a file_path
//   secret_fingerprints      each secret ingest masked in the record, as kind:hmac8 (lib/secrets/mask.ts)
//   secret_kinds             their kinds (aws-access-key, github-token, …)
//   person, session.id, prompt.id, service
// Numbers and booleans that arrive as text ("1", "true") are typed; the raw text matches too.

export type ActivityRow = {
  id: string;
  createdAt: Date | string;
  type: string;
  raw: JsonValue;
};

const obj = (v: JsonValue | undefined): Record<string, JsonValue> | null =>
  v && typeof v === "object" && !Array.isArray(v) ? v : null;
const text = (v: JsonValue | undefined): string | null => (typeof v === "string" && v !== "" ? v : null);

function serviceOf(source: string): DetectionService | null {
  switch (source) {
    case "claude_code":
    case "claude_desktop": // the Desktop Code tab runs the Claude Code engine
      return "claude_code";
    case "cowork":
      return "cowork";
    case "office":
      return "office_agent";
    default:
      return null;
  }
}

/** Host of a URL, lower case, or null. */
export function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.hostname ? u.hostname.toLowerCase().replace(/^\[|\]$/g, "") : null;
  } catch {
    return null;
  }
}

// A bounded scan for the first place a command talks to: a URL, or scp/rsync/ssh's user@host.
const URL_IN_TEXT = /\b(?:https?|ftp|wss?):\/\/[^\s'"`<>|;)]{1,2048}/i;
const USER_AT_HOST = /(?:^|\s)[\w.-]{1,64}@([A-Za-z0-9.-]{1,253})(?::|\s|$)/;

export function destinationOf(command: string): string | null {
  const head = command.length > 65_536 ? command.slice(0, 65_536) : command;
  const url = URL_IN_TEXT.exec(head);
  if (url) return hostOf(url[0]);
  const at = USER_AT_HOST.exec(head);
  return at ? at[1].toLowerCase() : null;
}

function underAny(file: string, roots: string[]): boolean {
  return roots.some((r) => {
    const root = r.endsWith("/") ? r : `${r}/`;
    return file === r || file.startsWith(root);
  });
}

/** The secrets ingest masked in a record: their fingerprints and kinds (absent when none). */
function secretFields(f: Record<string, JsonValue>, fingerprints: readonly string[] | null | undefined): void {
  if (!fingerprints || fingerprints.length === 0) return;
  f.secret_fingerprints = [...fingerprints];
  f.secret_kinds = [...new Set(fingerprints.map((fp) => fp.slice(0, fp.lastIndexOf(":"))))];
}

/** The fields derived from a tool call's parameters and input (both engines and Office). */
function toolFields(f: Record<string, JsonValue>, toolName: string | null, params: Record<string, JsonValue>, input: Record<string, JsonValue>, mcp: { server: string | null; tool: string | null }): void {
  const command = text(params.full_command) ?? text(params.bash_command) ?? text(input.command);
  const file = text(input.file_path) ?? text(params.file_path) ?? text(input.notebook_path) ?? (toolName !== "Bash" ? text(input.path) : null);
  const url = text(input.url) ?? text(params.url);
  const skill = text(params.skill_name) ?? text(input.skill);
  if (command !== null) f.command = command;
  if (file !== null) f.file_path = file;
  if (url !== null) {
    f.url = url;
    const h = hostOf(url);
    if (h) f.url_host = h;
  }
  const dest = url !== null ? hostOf(url) : command !== null ? destinationOf(command) : null;
  if (dest) f.destination_host = dest;
  if (skill !== null) f.skill_name = skill;
  if (mcp.server) f.mcp_server = mcp.server;
  if (mcp.tool) f.mcp_tool = mcp.tool;
  const target = mcp.server ? (mcp.tool ? `${mcp.server}:${mcp.tool}` : mcp.server) : command ?? file ?? url ?? skill;
  if (target !== null) {
    f.target = target;
    if (toolName) f.action_key = `${toolName}:${normalizeAction(target)}`;
  }
}

export function eventRecord(row: EventRow, person: string | null): DetectionRecord | null {
  const service = serviceOf(row.source);
  if (!service) return null; // other OTLP senders: the pack has no rules for them
  const f: Record<string, JsonValue> = { ...row.attributes };
  // Typed values (numbers, booleans) over their text; camelCase keys are Blindspot's parsed JSON.
  for (const [k, v] of Object.entries(row.fields)) if (!/[A-Z]/.test(k)) f[k] = v;
  const params = obj(row.fields.toolParameters) ?? {};
  const input = obj(row.fields.toolInput) ?? {};
  if (row.fields.toolParameters !== undefined) f.tool_parameters = row.fields.toolParameters;
  if (row.fields.toolInput !== undefined) f.tool_input = row.fields.toolInput;
  const hostPaths = row.fields.workspaceHostPaths;
  if (Array.isArray(hostPaths)) f["workspace.host_paths"] = hostPaths;
  f["event.name"] = row.eventName;
  if (row.decision !== null) f.decision = row.decision;
  if (row.decisionSource !== null) f.decision_source = row.decisionSource;
  if (row.toolName !== null) f.tool_name = row.toolName;
  toolFields(f, row.toolName, params, input, { server: row.mcpServer, tool: row.mcpTool });
  if (typeof f.file_path === "string" && Array.isArray(hostPaths) && hostPaths.length > 0) {
    f.file_outside_workspace = !underAny(f.file_path, hostPaths.filter((p): p is string => typeof p === "string"));
  }
  secretFields(f, row.secretFingerprints);
  if (person !== null) f.person = person;
  if (row.sessionId !== null) f["session.id"] = row.sessionId;
  if (row.promptId !== null) f["prompt.id"] = row.promptId;
  if (row.userEmail !== null) f["user.email"] = row.userEmail;
  f.service = service;
  return {
    kind: "event", id: row.id, time: row.time, service, name: row.eventName, person,
    sessionId: row.sessionId, promptId: row.promptId, traceId: row.traceId, fields: f,
  };
}

export function spanRecord(row: SpanRow, person: string | null): DetectionRecord | null {
  const service = serviceOf(row.source);
  if (!service) return null;
  const f: Record<string, JsonValue> = { ...row.attributes };
  f["span.name"] = row.name;
  f["span.status_code"] = row.statusCode;
  if (row.surface !== null) f.surface = row.surface;
  if (row.toolName !== null) f.tool_name = row.toolName;
  if (row.decision !== null) f.decision = row.decision;
  if (row.decisionSource !== null) f.decision_source = row.decisionSource;
  const input = obj(row.fields.toolInput) ?? {};
  // Office MCP connector calls: tool_name mcp_tool, tool.input {server, tool, arguments}.
  const mcp = row.toolName === "mcp_tool" ? { server: text(input.server), tool: text(input.tool) } : { server: null, tool: null };
  toolFields(f, row.toolName, {}, input, mcp);
  secretFields(f, row.secretFingerprints);
  if (person !== null) f.person = person;
  if (row.sessionId !== null) f["session.id"] = row.sessionId;
  if (row.userEmail !== null) f["user.email"] = row.userEmail;
  f.service = service;
  return {
    kind: "span", id: `${row.traceId}/${row.spanId}`, time: row.startTime, service, name: row.name, person,
    sessionId: row.sessionId, promptId: null, traceId: row.traceId, fields: f,
  };
}

export function complianceRecord(row: ActivityRow, person: string | null): DetectionRecord {
  const raw = obj(row.raw) ?? {};
  const f: Record<string, JsonValue> = { ...raw, type: row.type, service: "compliance_activity" };
  if (person !== null) f.person = person;
  return {
    kind: "compliance", id: row.id, time: row.createdAt instanceof Date ? row.createdAt : new Date(row.createdAt),
    service: "compliance_activity", name: row.type, person, sessionId: null, promptId: null, traceId: null, fields: f,
  };
}
