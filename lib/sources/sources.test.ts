import { describe, expect, it } from "vitest";
import type { AnyValue, ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "@/lib/otlp/types";
import { normalizeLogs } from "./logs";
import { normalizeMetrics } from "./metrics";
import type { EventRow } from "./model";
import { normalizeTraces } from "./traces";

// Normalization of what real clients send beyond the fixtures: every event type documented in
// https://code.claude.com/docs/en/monitoring-usage and https://claude.com/docs/cowork/monitoring,
// legacy key names, string-typed values, redaction placeholders, truncation markers, Cowork's differences, Office spans and metric shapes.

type Attr = string | number | boolean | string[];

function av(v: Attr): AnyValue {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

let seq = 0;
function logs(service: string, events: [string, Record<string, Attr>][], resource: Record<string, Attr> = {}): ExportLogsServiceRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: Object.entries({ "service.name": service, ...resource }).map(([key, v]) => ({ key, value: av(v) })) },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events", version: "2.1.230" },
            logRecords: events.map(([name, attrs]) => ({
              timeUnixNano: String(1_795_313_549_686_000_000n + BigInt(seq) * 1_000_000n),
              body: { stringValue: `claude_code.${name}` },
              attributes: Object.entries({
                "event.name": name,
                "session.id": "s-1",
                "prompt.id": "p-1",
                "event.sequence": seq++,
                ...attrs,
              }).map(([key, v]) => ({ key, value: av(v) })),
            })),
          },
        ],
      },
    ],
  };
}

function one(service: string, name: string, attrs: Record<string, Attr>, resource?: Record<string, Attr>): EventRow {
  const batch = normalizeLogs(logs(service, [[name, attrs]], resource), new Date());
  expect(batch.rejected).toBe(0);
  expect(batch.events).toHaveLength(1);
  return batch.events[0];
}

describe("Claude Code event catalog", () => {
  it("user_prompt: prompt text, length as a number, redaction recognised", () => {
    const e = one("claude-code", "user_prompt", { prompt_length: "37", prompt: "<REDACTED>", command_name: "custom", command_source: "custom" });
    expect(e.eventName).toBe("user_prompt");
    expect(e.source).toBe("claude_code");
    expect(e.fields.prompt_length).toBe(37);
    expect(e.redactedKeys.sort()).toEqual(["command_name", "prompt"]);
  });

  it("assistant_response, api_request: model, tokens, cost (micros fallback), request id", () => {
    const r = one("claude-code", "api_request", {
      model: "claude-opus-4-8", input_tokens: 12, output_tokens: "40", cache_read_tokens: "3", cache_creation_tokens: 0,
      cost_usd_micros: 1500, duration_ms: "812", request_id: "req_011", speed: "normal", "mcp_server.name": "third-party",
    });
    expect(r).toMatchObject({ model: "claude-opus-4-8", inputTokens: 12, outputTokens: 40, cacheReadTokens: 3, costUsd: 0.0015, durationMs: 812, requestId: "req_011", mcpServer: null });
    expect(r.redactedKeys).toContain("mcp_server.name");
    const a = one("claude-code", "assistant_response", { response: "ok", response_length: "2", model: "m", request_id: "req_1" });
    expect(a).toMatchObject({ model: "m", requestId: "req_1" });
    expect(a.fields.response_length).toBe(2);
  });

  it("tool_decision: decision and source; tool_parameters parsed; MCP identity from parameters", () => {
    const e = one("claude-code", "tool_decision", {
      tool_name: "mcp_tool", tool_use_id: "toolu_1", decision: "reject", source: "user_reject", tool_source: "mcp",
      tool_parameters: JSON.stringify({ mcp_server_name: "ledgers", mcp_tool_name: "read_sheet" }),
    });
    expect(e).toMatchObject({ toolName: "mcp_tool", toolUseId: "toolu_1", decision: "reject", decisionSource: "user_reject", toolSource: "mcp", mcpServer: "ledgers", mcpTool: "read_sheet" });
    expect(e.redactedKeys).toContain("tool_name");
    expect(e.fields.toolParameters).toEqual({ mcp_server_name: "ledgers", mcp_tool_name: "read_sheet" });
  });

  it("tool_result: current keys, legacy keys (decision/source, tool), string success", () => {
    const now = one("claude-code", "tool_result", { tool_name: "Bash", success: "false", duration_ms: "15", decision_type: "accept", decision_source: "hook", error_type: "ShellError", error: "exit 1" });
    expect(now).toMatchObject({ toolName: "Bash", success: false, durationMs: 15, decision: "accept", decisionSource: "hook", errorType: "ShellError", error: "exit 1" });
    const legacy = one("claude-code", "tool_result", { tool: "Edit", success: "true", decision: "accept", source: "user_temporary" });
    expect(legacy).toMatchObject({ toolName: "Edit", success: true, decision: "accept", decisionSource: "user_temporary" });
  });

  it("tool_result: truncated tool_input values are marked, unparsable JSON kept as text", () => {
    const long = "x".repeat(512);
    const e = one("claude-code", "tool_result", { tool_name: "Write", tool_input: JSON.stringify({ file_path: "/a", content: long }) });
    expect(e.truncatedKeys).toContain("tool_input");
    expect((e.fields.toolInput as Record<string, string>).file_path).toBe("/a");
    const cut = one("claude-code", "tool_result", { tool_name: "Write", tool_input: '{"file_path":"/a","content":"abc' });
    expect(cut.fields.toolInput).toBe('{"file_path":"/a","content":"abc');
    expect(cut.truncatedKeys).toContain("tool_input");
    const marked = one("claude-code", "assistant_response", { response: "long answer [TRUNCATED 90000 chars]" });
    expect(marked.truncatedKeys).toContain("response");
  });

  it("api_error: numeric status, old string status, \"undefined\"; api_retries_exhausted; api_refusal", () => {
    expect(one("claude-code", "api_error", { status_code: 529, error: "Overloaded", attempt: 11 }).statusCode).toBe(529);
    expect(one("claude-code", "api_error", { status_code: "500" }).statusCode).toBe(500);
    expect(one("claude-code", "api_error", { status_code: "undefined", error: "ECONNRESET" }).statusCode).toBeNull();
    const ex = one("claude-code", "api_retries_exhausted", { total_attempts: "3", status_code: 529, total_retry_duration_ms: "900" });
    expect(ex.fields).toMatchObject({ total_attempts: 3, total_retry_duration_ms: 900 });
    const refusal = one("claude-code", "api_refusal", { server_fallback_hop: "false", has_category: true, category: "cyber" });
    expect(refusal.fields).toMatchObject({ server_fallback_hop: false, has_category: true });
  });

  it("raw API bodies: the `body` attribute is parsed and body_truncated honoured", () => {
    const e = one("claude-code", "api_request_body", { body: '{"model":"m","messages":[]}', body_length: "27", body_truncated: "true" });
    expect(e.fields.apiBody).toEqual({ model: "m", messages: [] });
    expect(e.truncatedKeys).toContain("body");
    expect(one("claude-code", "api_response_body", { body_ref: "/tmp/x.response.json", request_id: "req_2" }).requestId).toBe("req_2");
  });

  it("permission_mode_changed, auth, mcp_server_connection, internal_error", () => {
    const pm = one("claude-code", "permission_mode_changed", { from_mode: "default", to_mode: "bypassPermissions", trigger: "shift_tab" });
    expect(pm.attributes.to_mode).toBe("bypassPermissions");
    const auth = one("claude-code", "auth", { action: "logout", success: "false", error_category: "network", status_code: "503" });
    expect(auth).toMatchObject({ success: false, statusCode: 503, errorType: "network" });
    const mcp = one("claude-code", "mcp_server_connection", { status: "failed", server_name: "broken", error_code: "ENOENT", is_plugin: "false", duration_ms: "4" });
    expect(mcp).toMatchObject({ mcpServer: "broken", errorType: "ENOENT", durationMs: 4 });
    expect(mcp.fields.is_plugin).toBe(false);
    expect(one("claude-code", "internal_error", { error_name: "TypeError", error_code: "ENOENT" }).errorType).toBe("ENOENT");
  });

  it("plugins, skills, mentions, hooks, compaction, subagents, surveys, retention", () => {
    const pi = one("claude-code", "plugin_installed", { "plugin.name": "third-party", "marketplace.is_official": "false", "install.trigger": "cli" });
    expect(pi.redactedKeys).toContain("plugin.name");
    expect(pi.fields["marketplace.is_official"]).toBe(false);
    const pl = one("claude-code", "plugin_loaded", { "plugin.name": "security-guidance", has_hooks: "true", skill_path_count: "2" });
    expect(pl.fields).toMatchObject({ has_hooks: true, skill_path_count: 2 });
    expect(one("claude-code", "skill_activated", { "skill.name": "custom_skill", invocation_trigger: "user-slash" }).redactedKeys).toContain("skill.name");
    expect(one("claude-code", "at_mention", { mention_type: "file", success: "true" }).success).toBe(true);
    const reg = one("claude-code", "hook_registered", { hook_event: "PreToolUse", hook_type: "command", hook_source: "policySettings" });
    expect(reg.attributes.hook_source).toBe("policySettings");
    const start = one("claude-code", "hook_execution_start", { hook_event: "PreToolUse", num_hooks: "1", managed_only: "true" });
    expect(start.fields).toMatchObject({ num_hooks: 1, managed_only: true });
    const done = one("claude-code", "hook_execution_complete", { hook_event: "PreToolUse", num_blocking: "1", num_success: "0", total_duration_ms: "31" });
    expect(done.fields).toMatchObject({ num_blocking: 1, num_success: 0 });
    expect(done.durationMs).toBe(31);
    expect(one("claude-code", "hook_plugin_metrics", { plugin_id: "x@official", blocked: true }).attributes.blocked).toBe(true);
    const comp = one("claude-code", "compaction", { trigger: "auto", success: "true", pre_tokens: "9000", post_tokens: "1200" });
    expect(comp.fields).toMatchObject({ pre_tokens: 9000, post_tokens: 1200 });
    const sub = one("claude-code", "subagent_completed", { agent_type: "custom", total_tokens: 500, total_tool_uses: "4", model: "claude-haiku" });
    expect(sub).toMatchObject({ model: "claude-haiku" });
    expect(sub.redactedKeys).toContain("agent_type");
    expect(one("claude-code", "feedback_survey", { event_type: "appeared", enabled_via_override: true }).fields.enabled_via_override).toBe(true);
    expect(one("claude-code", "retention_sweep", { result: "complete", transcripts_deleted: "3" }).fields.transcripts_deleted).toBe(3);
  });

  it("an unknown event type is kept with all its attributes", () => {
    const e = one("claude-code", "brand_new_event", { novel: "value", count: 3 });
    expect(e.eventName).toBe("brand_new_event");
    expect(e.attributes).toMatchObject({ novel: "value", count: 3 });
  });

  it("attribute keys that are Object.prototype names are kept as plain keys", () => {
    // JSON.parse makes "__proto__" an own key, as a decoded request has it.
    const attrs = JSON.parse('{"__proto__": "not a prototype", "constructor": "c", "hasOwnProperty": "h"}') as Record<string, Attr>;
    const e = one("claude-code", "brand_new_event", attrs);
    expect(Object.getPrototypeOf(e.attributes)).toBe(Object.prototype);
    expect(Object.keys(e.attributes)).toEqual(expect.arrayContaining(["__proto__", "constructor", "hasOwnProperty"]));
    expect(JSON.stringify(e.attributes)).toContain('"__proto__":"not a prototype"');
  });

  it("event name falls back to the LogRecord body when event.name is missing", () => {
    const req = logs("claude-code", [["user_prompt", {}]]);
    const rec = req.resourceLogs![0].scopeLogs![0].logRecords![0];
    rec.attributes = rec.attributes!.filter((a) => a.key !== "event.name");
    expect(normalizeLogs(req, new Date()).events[0].eventName).toBe("user_prompt");
  });

  it("a body that is a message, not a Claude event name, does not become the event name", () => {
    const req = logs("payroll-service", [["x", {}]]);
    const rec = req.resourceLogs![0].scopeLogs![0].logRecords![0];
    rec.attributes = rec.attributes!.filter((a) => a.key !== "event.name");
    rec.body = { stringValue: "payroll export for jon.snow: 41,200" };
    const e = normalizeLogs(req, new Date()).events[0];
    expect(e.eventName).toBe("log");
    expect(e.body).toBe("payroll export for jon.snow: 41,200");
  });
});

describe("identity", () => {
  it("OAuth identity on the record, API-key identity from resource attributes", () => {
    const oauth = one("claude-code", "user_prompt", {
      "user.email": "jon.snow@westeros.example", "user.account_uuid": "de5ca38f-139e-4139-b400-a6f7be39a154",
      "user.account_id": "user_01UTaMiPVYhoQrftgrSD1QE7", "organization.id": "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", "user.id": "dev-1",
    });
    expect(oauth).toMatchObject({ userEmail: "jon.snow@westeros.example", accountId: "user_01UTaMiPVYhoQrftgrSD1QE7", userId: "dev-1" });
    const apiKey = one("claude-code", "user_prompt", { "user.id": "dev-1" }, { "enduser.id": "jon.snow@westeros.example" });
    expect(apiKey.enduserId).toBe("jon.snow@westeros.example");
    const batch = normalizeLogs(logs("claude-code", [["user_prompt", { "user.id": "a" }], ["api_request", { "user.id": "a" }], ["user_prompt", { "user.id": "b" }]]), new Date());
    expect(batch.identities).toHaveLength(2);
  });
});

describe("Cowork", () => {
  it("is recognised by service.name and keeps its decision fields and host paths", () => {
    const e = one("cowork", "tool_result", {
      tool_name: "write_file", decision_type: "reject", decision_source: "user_reject", "mcp_server.name": "ledgers",
      "workspace.host_paths": ["/Users/jon/Documents/winterfell-ledgers"], "user.account_id": "user_01UTaMiPVYhoQrftgrSD1QE7",
      tool_input: JSON.stringify({ path: "~/Documents/winterfell-ledgers/q3.xlsx" }),
    });
    expect(e).toMatchObject({ source: "cowork", decision: "reject", decisionSource: "user_reject", mcpServer: "ledgers", accountId: "user_01UTaMiPVYhoQrftgrSD1QE7" });
    expect(e.fields.workspaceHostPaths).toEqual(["/Users/jon/Documents/winterfell-ledgers"]);
    expect(e.fields.accountIdTagged).toBe(true);
    expect(one("cowork", "api_error", { status_code: "undefined" }).statusCode).toBeNull();
  });
});

describe("deterministic keys", () => {
  it("the same record gives the same id; another sequence another id", () => {
    seq = 100;
    const a = normalizeLogs(logs("claude-code", [["user_prompt", {}]]), new Date()).events[0];
    seq = 100;
    const b = normalizeLogs(logs("claude-code", [["user_prompt", {}]]), new Date(Date.now() + 5000)).events[0];
    const c = normalizeLogs(logs("claude-code", [["user_prompt", {}]]), new Date()).events[0];
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
  });
});

describe("spans", () => {
  const span = (name: string, id: string, parent: string | undefined, attrs: Record<string, Attr>) => ({
    traceId: "5b8efff798038103d269b633813fc60c", spanId: id, parentSpanId: parent, name, kind: 1,
    startTimeUnixNano: "1787749325706000000", endTimeUnixNano: "1787749325912000000",
    attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: av(v) })),
  });

  it("Office: an unknown surface code is kept as sent, even one that names an Object property", () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "office-agent" } }] },
        scopeSpans: [{ spans: [span("agent.query", "aa11bb22cc33dd44", undefined, { "agent.surface": "constructor" }), span("agent.query", "aa11bb22cc33dd45", undefined, { "agent.surface": "notebook" })] }],
      }],
    };
    expect(normalizeTraces(req).spans.map((s) => s.surface)).toEqual(["constructor", "notebook"]);
  });

  it("Office: tool execution typed, identity and surface inherited from agent.query, truncation by output_chars", () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "office-agent" } }] },
        scopeSpans: [{ spans: [
          span("agent.query", "aa11bb22cc33dd44", undefined, { "agent.surface": "sheet", "session.id": "o-1", "user.email": "sansa@westeros.example", "user.message": "tidy Q3" }),
          span("agent.stream", "bb11bb22cc33dd44", "aa11bb22cc33dd44", { model: "claude-sonnet-5", input_tokens: 10, output_tokens: 5 }),
          span("agent.tool_execution", "eee19b7ec3c1b174", "bb11bb22cc33dd44", {
            tool_name: "execute_office_js", "tool.id": "toolu_9", "tool.read_write": "write", "tool.accept_decision": "auto_accept",
            "tool.input": '{"code":"x"}', "tool.success": true, "tool.output": "abc…[truncated]", "tool.output_chars": 18211,
          }),
        ] }],
      }],
    };
    const batch = normalizeTraces(req);
    expect(batch.rejected).toBe(0);
    const tool = batch.spans.find((s) => s.name === "agent.tool_execution")!;
    expect(tool).toMatchObject({ source: "office", toolName: "execute_office_js", toolUseId: "toolu_9", readWrite: "write", decision: "auto_accept", success: true, sessionId: "o-1", surface: "excel", userEmail: "sansa@westeros.example", durationMs: 206 });
    expect(tool.truncatedKeys).toContain("tool.output");
    expect(tool.fields.toolInput).toEqual({ code: "x" });
    expect(batch.spans.find((s) => s.name === "agent.stream")).toMatchObject({ model: "claude-sonnet-5", inputTokens: 10 });
  });

  it("Claude Code beta spans: blocked_on_user decision and source", () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
        scopeSpans: [{ scope: { name: "com.anthropic.claude_code.tracing" }, spans: [
          span("claude_code.interaction", "aa11bb22cc33dd44", undefined, { user_prompt: "<REDACTED>", "interaction.sequence": 1 }),
          span("claude_code.tool", "bb11bb22cc33dd44", "aa11bb22cc33dd44", { tool_name: "Bash", tool_use_id: "toolu_2", full_command: "ls" }),
          span("claude_code.tool.blocked_on_user", "cc11bb22cc33dd44", "bb11bb22cc33dd44", { decision: "accept", source: "user_permanent", duration_ms: 900 }),
          span("claude_code.tool.execution", "dd11bb22cc33dd44", "bb11bb22cc33dd44", { success: "true", tool_use_id: "toolu_2" }),
        ] }],
      }],
    };
    const batch = normalizeTraces(req);
    expect(batch.spans.find((s) => s.name === "claude_code.tool.blocked_on_user")).toMatchObject({ decision: "accept", decisionSource: "user_permanent" });
    expect(batch.spans.find((s) => s.name === "claude_code.tool.execution")).toMatchObject({ success: true, toolUseId: "toolu_2" });
    expect(batch.spans.find((s) => s.name === "claude_code.interaction")!.redactedKeys).toContain("user_prompt");
  });

  it("rejects spans with bad ids or times, keeps the rest", () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [{ scopeSpans: [{ spans: [
        span("ok", "aa11bb22cc33dd44", undefined, {}),
        { ...span("bad-id", "zz", undefined, {}) },
        { ...span("no-start", "ab11bb22cc33dd44", undefined, {}), startTimeUnixNano: "0" },
        { ...span("backwards", "ac11bb22cc33dd44", undefined, {}), endTimeUnixNano: "1" },
      ] }] }],
    };
    const batch = normalizeTraces(req);
    expect(batch.spans.map((s) => s.name)).toEqual(["ok"]);
    expect(batch.rejected).toBe(3);
  });
});

describe("metrics", () => {
  it("sums, gauges and histograms become data points with their attributes", () => {
    const attrs = [
      { key: "session.id", value: { stringValue: "s-9" } },
      { key: "type", value: { stringValue: "input" } },
      { key: "model", value: { stringValue: "claude-opus-4-8" } },
    ];
    const req: ExportMetricsServiceRequest = {
      resourceMetrics: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
        scopeMetrics: [{ scope: { name: "com.anthropic.claude_code" }, metrics: [
          { name: "claude_code.token.usage", unit: "tokens", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: attrs, startTimeUnixNano: "1", timeUnixNano: "1795313549686000000", asDouble: 120 }] } },
          { name: "claude_code.session.count", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: "1795313549686000000", asInt: "1" }] } },
          { name: "queue.depth", gauge: { dataPoints: [{ timeUnixNano: "1795313549686000000", asInt: "7" }] } },
          { name: "latency", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: "1795313549686000000", count: "3", sum: 30, bucketCounts: ["1", "2"], explicitBounds: [10] }] } },
          { name: "broken", sum: { dataPoints: [{ asDouble: 1 }] } },
        ] }],
      }],
    };
    const batch = normalizeMetrics(req);
    expect(batch.rejected).toBe(1);
    const tokens = batch.points.find((p) => p.metricName === "claude_code.token.usage")!;
    expect(tokens).toMatchObject({ value: 120, unit: "tokens", temporality: 1, isMonotonic: true, sessionId: "s-9", pointType: "input", model: "claude-opus-4-8", source: "claude_code" });
    expect(batch.points.find((p) => p.metricName === "claude_code.session.count")!.value).toBe(1);
    expect(batch.points.find((p) => p.metricName === "queue.depth")).toMatchObject({ metricType: "gauge", value: 7 });
    expect(batch.points.find((p) => p.metricName === "latency")).toMatchObject({ metricType: "histogram", value: 30, count: 3, distribution: { bucketCounts: ["1", "2"], explicitBounds: [10] } });
  });
});
