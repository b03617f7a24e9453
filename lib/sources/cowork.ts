import type { Attributes } from "@/lib/otlp/values";
import { claudeEngineEventFields, type EngineEventFields } from "./claude-code";
import { str } from "./common";

// Claude Cowork events (https://claude.com/docs/cowork/monitoring). Cowork runs the Claude Code engine inside a VM and
// sends the same envelope (service.name = "cowork"), with these differences:
//  - tool_result carries decision_type / decision_source, including reject sources;
//  - MCP identity arrives as dotted mcp_server.name / mcp_tool.name as well as in tool_parameters;
//  - workspace.host_paths lists the folders the user mounted (array, or JSON text in older builds);
//  - api_error.status_code is a string, "undefined" for non-HTTP errors;
//  - user.account_id is the tagged id (user_01…) the Compliance API uses.
// claudeEngineEventFields already reads all of these; Cowork adds the mounted folders.

export function coworkEventFields(eventName: string, attrs: Attributes): EngineEventFields {
  const fields = claudeEngineEventFields(eventName, attrs);
  const paths = fields.fields.workspaceHostPaths;
  if (typeof paths === "string") fields.fields.workspaceHostPaths = paths === "" ? [] : [paths];
  const tagged = str(attrs["user.account_id"]);
  if (tagged) fields.fields.accountIdTagged = tagged.startsWith("user_");
  return fields;
}
