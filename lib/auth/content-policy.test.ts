import { SPAN_TABLE } from "@/lib/domain/fields";
import { describe, expect, it } from "vitest";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { normalizeLogs } from "@/lib/sources/logs";
import { normalizeMetrics } from "@/lib/sources/metrics";
import { normalizeTraces } from "@/lib/sources/traces";
import { FIXTURES_2_1_332_DIR, FIXTURES_DIR, listFixtureRequests } from "@/lib/testing/fixtures";
import {
  CONTENT_POLICY,
  attributeRule,
  derivedColumnValue,
  isMetadataAttribute,
  isMetadataBody,
  isMetadataField,
  keepMetadata,
  METADATA_ATTRIBUTE_KEYS,
} from "./content";

// The content policy is default deny: only keys known to be metadata reach non-readers. These
// tests make sure every key the captured clients actually send was classified on purpose, so a
// key a new release adds shows up here (as a failure) instead of silently in a manager's view.

type Where = string;

/** Every attribute key in both fixture sets, with where it was seen. */
function fixtureAttributeKeys(): Map<string, Set<Where>> {
  const seen = new Map<string, Set<Where>>();
  const note = (attrs: unknown, where: Where) => {
    for (const key of Object.keys(attributesToJson(attrs as Parameters<typeof attributesToJson>[0]))) {
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(where);
    }
  };
  for (const dir of [FIXTURES_DIR, FIXTURES_2_1_332_DIR]) {
    for (const f of listFixtureRequests(dir)) {
      const d = f.decoded() as ExportLogsServiceRequest & ExportTraceServiceRequest & ExportMetricsServiceRequest;
      for (const rl of d.resourceLogs ?? []) {
        note(rl.resource?.attributes, "resource");
        for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) note(r.attributes, "log record");
      }
      for (const rs of d.resourceSpans ?? []) {
        note(rs.resource?.attributes, "resource");
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            note(s.attributes, `span ${s.name}`);
            for (const e of s.events ?? []) note(e.attributes, `span event ${e.name}`);
            for (const l of s.links ?? []) note(l.attributes, "span link");
          }
        }
      }
      for (const rm of d.resourceMetrics ?? []) {
        note(rm.resource?.attributes, "resource");
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const points = (m.sum?.dataPoints ?? m.gauge?.dataPoints ?? m.histogram?.dataPoints ?? []) as { attributes?: unknown }[];
            for (const p of points) note(p.attributes, `metric ${m.name}`);
          }
        }
      }
    }
  }
  return seen;
}

/** Every key of the parsed `fields` the normalizers make from both fixture sets. */
function fixtureFieldKeys(): Set<string> {
  const keys = new Set<string>();
  const now = new Date();
  for (const dir of [FIXTURES_DIR, FIXTURES_2_1_332_DIR]) {
    for (const f of listFixtureRequests(dir)) {
      const batch =
        f.signal === "logs"
          ? normalizeLogs(f.decoded() as ExportLogsServiceRequest, now)
          : f.signal === "traces"
            ? normalizeTraces(f.decoded() as ExportTraceServiceRequest)
            : normalizeMetrics(f.decoded() as ExportMetricsServiceRequest);
      for (const row of [...batch.events, ...batch.spans]) for (const k of Object.keys(row.fields)) keys.add(k);
    }
  }
  return keys;
}

describe("content policy", () => {
  it("classifies every attribute key the captured clients send (both fixture sets)", () => {
    const seen = fixtureAttributeKeys();
    expect(seen.size).toBeGreaterThan(150);
    const unclassified = [...seen].filter(([k]) => attributeRule(k) === undefined).map(([k, where]) => `${k} (${[...where].join(", ")})`);
    expect(unclassified).toEqual([]);
  });

  it("classifies every parsed field the normalizers produce from the fixtures", () => {
    const fields = fixtureFieldKeys();
    expect(fields).toContain("toolParameters");
    const unclassified = [...fields].filter((k) => !Object.hasOwn(CONTENT_POLICY.fields, k) && attributeRule(k) === undefined);
    expect(unclassified).toEqual([]);
  });

  it("calls content what the 2.1.332 release and Claude Code spans added: prompt_text, bash_argv0", () => {
    for (const k of ["prompt", "prompt_text", "response", "tool_parameters", "tool_input", "error", "body", "full_command", "bash_command", "bash_argv0", "file_path", "user.message", "document.url", "tool.input", "tool.output", "workspace.host_paths", "exception.message", "user_prompt"]) {
      expect({ k, metadata: isMetadataAttribute(k) }).toEqual({ k, metadata: false });
      expect(attributeRule(k)?.kind).toBe("content");
    }
    for (const k of ["toolParameters", "toolInput", "toolOutput", "apiBody", "hookDefinitions", "workspaceHostPaths"]) expect(isMetadataField(k)).toBe(false);
    // What a manager's review of approval habits needs stays.
    for (const k of ["tool_name", "decision", "source", "decision_source", "permission_mode", "mcp_server.name", "server_name", "tool.accept_decision", "tool.read_write", "error_type", "session.id", "user.email"]) {
      expect(isMetadataAttribute(k)).toBe(true);
    }
    expect(isMetadataField("duration_ms")).toBe(true);
  });

  it("treats a key nobody classified as content (default deny), even one named like an Object property", () => {
    const attrs = { "session.id": "s1", tool_name: "Bash", future_secret_key: "hunter2", constructor: "x", __proto__: "y", "toString": "z" };
    const { value, hiddenKeys } = keepMetadata(JSON.parse(JSON.stringify(attrs)));
    expect(value).toEqual({ "session.id": "s1", tool_name: "Bash" });
    expect(hiddenKeys.sort()).toEqual(["constructor", "future_secret_key", "toString"].sort());
    expect(keepMetadata({ custom_thing: 1 }, undefined, "resource.").hiddenKeys).toEqual(["resource.custom_thing"]);
    expect(METADATA_ATTRIBUTE_KEYS).not.toContain("future_secret_key");
  });

  it("shows a log body only when it just repeats the event name", () => {
    expect(isMetadataBody("claude_code.tool_result", "tool_result")).toBe(true);
    expect(isMetadataBody("claude-desktop.app_crash", "app_crash")).toBe(true);
    // Records stored before event names stopped coming from message bodies carry the message as name.
    expect(isMetadataBody("hunter2", "hunter2")).toBe(false);
    expect(isMetadataBody(null, "x")).toBe(true);
    expect(isMetadataBody("user typed: my password is …", "log")).toBe(false);
    expect(isMetadataBody({ message: "x" }, "log")).toBe(false);
  });

  it("keeps a derived column only when a metadata attribute holds its value (span error type copied from error is content)", () => {
    const rule = (SPAN_TABLE.fields.find((f) => f.column === "error_type")!.content as { derivedFrom: readonly string[] }).derivedFrom;
    expect(derivedColumnValue(rule, "McpError", { "tool.error_type": "McpError" })).toBe("McpError");
    expect(derivedColumnValue(rule, "ENOENT: open '/home/jon/.ssh/id_rsa'", { error: "ENOENT: open '/home/jon/.ssh/id_rsa'" })).toBeNull();
    expect(derivedColumnValue(rule, null, {})).toBeNull();
  });
});
