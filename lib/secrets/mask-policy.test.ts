import { describe, expect, it } from "vitest";
import { normalize } from "@/lib/ingest/pipeline";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { secretSamples } from "@/lib/testing/secret-samples";
import { actionFor, maskBatchWith, RecordMasker, type Redaction } from "./mask";
import { DEFAULT_DATA_POLICY, HASH_MARKER, SECRET_MARKER, type DataPolicy } from "./policy";

// The policy's actions on one normalized record, without a database: keep / mask / hash / drop
// per target (most specific wins), metadata never altered, the parsed copy in `fields` following
// its attribute, and what was done noted on the record.

process.env.NEXTAUTH_SECRET ??= "mask-policy-test-secret-0123456789";

const s = secretSamples(5);
// Non-global copies: a /g expression keeps lastIndex between tests.
const MARKER = new RegExp(SECRET_MARKER.source);
const HASHED = new RegExp(HASH_MARKER.source);
const github = s["github-token"];

function toolResult(): ExportLogsServiceRequest {
  const attrs: Record<string, string> = {
    "event.name": "tool_result", "session.id": "sess-1", "event.sequence": "1", tool_name: "Bash", tool_use_id: "toolu_01XFDUDYJgAACzvnptvVoYEL",
    tool_parameters: JSON.stringify({ full_command: github.text }), tool_input: JSON.stringify({ command: github.text }),
    "gen_ai.input.messages": github.text, "gen_ai.system": "anthropic", error: `failed: ${github.secret}`,
  };
  return {
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
      scopeLogs: [{ scope: { name: "com.anthropic.claude_code.events" }, logRecords: [{
        timeUnixNano: "1795313549686000000", body: { stringValue: "claude_code.tool_result" },
        attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
      }] }],
    }],
  } as ExportLogsServiceRequest;
}

function masked(policy: Partial<DataPolicy>, version = 3) {
  const batch = normalize("logs", toolResult(), new Date());
  maskBatchWith(new RecordMasker("tenant-p", { version, policy: { ...DEFAULT_DATA_POLICY, ...policy } }), batch);
  const e = batch.events[0];
  return { e, attrs: e.attributes as Record<string, string>, fields: e.fields as Record<string, unknown>, redaction: e.redaction as unknown as Redaction };
}

describe("data policy actions at ingest", () => {
  it("the most specific target wins: exact key, then the longest prefix, then the default", () => {
    const policy: DataPolicy = { ...DEFAULT_DATA_POLICY, rules: [{ target: "gen_ai.*", action: "drop" }, { target: "gen_ai.input.*", action: "hash" }, { target: "tool_input", action: "keep" }] };
    expect(actionFor(policy, "tool_input")).toBe("keep");
    expect(actionFor(policy, "gen_ai.input.messages")).toBe("hash");
    expect(actionFor(policy, "gen_ai.output.messages")).toBe("drop");
    expect(actionFor(policy, "prompt")).toBe("mask");
  });

  it("default: masks every content attribute, its parsed copy and content columns; metadata untouched", () => {
    const { e, attrs, fields, redaction } = masked({}, 0);
    for (const v of [attrs.tool_parameters, attrs.tool_input, attrs["gen_ai.input.messages"], e.error, JSON.stringify(fields.toolInput), JSON.stringify(fields.toolParameters)]) {
      expect(v).not.toContain(github.secret);
      expect(v).toMatch(MARKER);
    }
    expect(JSON.parse(attrs.tool_input)).toEqual(fields.toolInput);
    expect([e.toolName, e.toolUseId, e.sessionId, attrs["gen_ai.system"]]).toEqual(["Bash", "toolu_01XFDUDYJgAACzvnptvVoYEL", "sess-1", "anthropic"]);
    expect(redaction).toEqual({ policy_version: 0, masked: { "github-token": 1 }, hashed: [], dropped: [] });
    expect(e.secretFingerprints).toHaveLength(1);
  });

  it("keep stores as sent; hash stores a keyed digest; drop removes the value and its parsed copy", () => {
    const { e, attrs, fields, redaction } = masked({ rules: [{ target: "tool_input", action: "keep" }, { target: "tool_parameters", action: "hash" }, { target: "gen_ai.*", action: "drop" }] });
    expect(attrs.tool_input).toContain(github.secret);
    expect(JSON.stringify(fields.toolInput)).toContain(github.secret);
    expect(attrs.tool_parameters).toMatch(HASHED);
    expect(fields.toolParameters).toBe(attrs.tool_parameters);
    expect("gen_ai.input.messages" in attrs).toBe(false);
    expect(attrs["gen_ai.system"]).toBe("anthropic"); // metadata under the prefix is never altered
    expect(e.error).toMatch(MARKER);
    expect(redaction).toEqual({ policy_version: 3, masked: { "github-token": 1 }, hashed: ["tool_parameters"], dropped: ["gen_ai.input.messages"] });
  });

  it("defaultAction keep turns masking off; the record still says which policy it was stored under", () => {
    const { attrs, redaction, e } = masked({ defaultAction: "keep" }, 4);
    expect(attrs.tool_input).toContain(github.secret);
    expect(redaction).toEqual({ policy_version: 4, masked: {}, hashed: [], dropped: [] });
    expect(e.secretFingerprints).toEqual([]);
  });

  it("equal values hash equally; the same secret gets the same marker in every place of a record", () => {
    const a = masked({ rules: [{ target: "tool_parameters", action: "hash" }] });
    const b = masked({ rules: [{ target: "tool_parameters", action: "hash" }] });
    expect(a.attrs.tool_parameters).toBe(b.attrs.tool_parameters);
    const markers = new Set([...`${a.attrs.tool_input}${a.e.error}`.matchAll(SECRET_MARKER)].map((m) => m[0]));
    expect(markers.size).toBe(1);
  });
});
