import type { JsonValue } from "@/lib/otlp/values";

// What a tool call acted on, pulled from its parameters or input: the command it ran, the file
// it read or wrote, the URL it fetched, the MCP server and tool it called. This is what an
// analyst scans a timeline for.

export type TargetKind = "command" | "file" | "url" | "mcp" | "skill" | "agent" | "search";

export interface ToolTarget {
  kind: TargetKind;
  value: string;
}

function obj(v: JsonValue | undefined): Record<string, JsonValue> {
  return v && typeof v === "object" && !Array.isArray(v) ? v : {};
}

function s(v: JsonValue | undefined): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

export function toolTarget(
  fields: Record<string, JsonValue>,
  mcp: { server: string | null; tool: string | null },
): ToolTarget | null {
  const params = obj(fields.toolParameters);
  const input = obj(fields.toolInput);
  if (mcp.server || s(params.mcp_server_name)) {
    const server = mcp.server ?? s(params.mcp_server_name)!;
    const tool = mcp.tool ?? s(params.mcp_tool_name);
    return { kind: "mcp", value: tool ? `${server}:${tool}` : server };
  }
  const command = s(params.full_command) ?? s(params.bash_command) ?? s(input.command);
  if (command) return { kind: "command", value: command };
  const file = s(input.file_path) ?? s(params.file_path) ?? s(input.notebook_path) ?? s(input.path);
  if (file) return { kind: "file", value: file };
  const url = s(input.url) ?? s(params.url);
  if (url) return { kind: "url", value: url };
  const skill = s(params.skill_name) ?? s(input.skill);
  if (skill) return { kind: "skill", value: skill };
  const agent = s(params.subagent_type) ?? s(input.subagent_type);
  if (agent) return { kind: "agent", value: agent };
  const pattern = s(input.pattern) ?? s(input.query);
  if (pattern) return { kind: "search", value: pattern };
  return null;
}
