import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "@/lib/otlp/values";
import { compilePack, correlate, emptyTuning, matchRecord, type CompiledRule } from "../pack";
import type { DetectionRecord, TenantTuning } from "../types";
import { compileDetection } from "./detection";
import { newMatchContext } from "./modifiers";
import { compileRuleFile } from "./rule";

// The Sigma engine on its own: loading with file/line/reason errors, the modifiers, the condition
// grammar, correlations, and hostile rules and values (linear-time matching).

const header = (id = "0b5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e") => `title: Test rule
id: ${id}
status: test
level: high
logsource:
  product: claude
  service: claude_code
`;

function rule(detection: string, id?: string): CompiledRule {
  const pack = compilePack([{ file: "rules/t.yml", source: header(id) + detection }]);
  expect(pack.errors).toEqual([]);
  return pack.rules[0];
}

let seq = 0;
function rec(fields: Record<string, JsonValue>, extra: Partial<DetectionRecord> = {}): DetectionRecord {
  seq += 1;
  return {
    kind: "event", id: `e${seq}`, time: new Date(Date.UTC(2026, 11, 4, 10, 0, seq)), service: "claude_code",
    name: String(fields["event.name"] ?? "x"), person: (fields.person as string) ?? null, sessionId: null,
    promptId: (fields["prompt.id"] as string) ?? null, traceId: null, fields, ...extra,
  };
}

const T = emptyTuning();
const m = (r: CompiledRule, fields: Record<string, JsonValue>, tuning: TenantTuning = T) => matchRecord(r, rec(fields), tuning);

describe("Sigma loading", () => {
  it("reports file, line and reason for YAML and rule errors, and keeps the good rules", () => {
    const pack = compilePack([
      { file: "rules/ok.yml", source: header() + "detection:\n  sel:\n    tool_name: Bash\n  condition: sel\n" },
      { file: "rules/bad-yaml.yml", source: "title: x\ntitle: y\n" },
      { file: "rules/bad-mod.yml", source: header("1b5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e") + "detection:\n  sel:\n    tool_name|sortof: Bash\n  condition: sel\n" },
      { file: "rules/bad-cond.yml", source: header("2b5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e") + "detection:\n  sel:\n    tool_name: Bash\n  condition: sel and other\n" },
      { file: "rules/bad-re.yml", source: header("3b5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e") + "detection:\n  sel:\n    command|re: '(a)\\1'\n  condition: sel\n" },
      { file: "rules/no-id.yml", source: "title: x\nstatus: test\nlevel: low\n" },
      { file: "rules/dup.yml", source: header() + "detection:\n  sel:\n    tool_name: Read\n  condition: sel\n" },
    ]);
    expect(pack.rules.map((r) => r.file)).toEqual(["rules/ok.yml"]);
    const byFile = Object.fromEntries(pack.errors.map((e) => [e.file, e]));
    expect(byFile["rules/bad-yaml.yml"].line).toBe(2);
    expect(byFile["rules/bad-mod.yml"]).toMatchObject({ line: 10, reason: expect.stringContaining('unsupported modifier "sortof"') });
    expect(byFile["rules/bad-cond.yml"]).toMatchObject({ line: 11, reason: expect.stringContaining('"other"') });
    expect(byFile["rules/bad-re.yml"]).toMatchObject({ line: 10, reason: expect.stringContaining("RE2") });
    expect(byFile["rules/no-id.yml"].reason).toContain("id is required");
    expect(byFile["rules/dup.yml"].reason).toContain("already used");
  });

  it("refuses YAML aliases (no billion laughs), huge files and a wrong logsource", () => {
    const laughs = header() + 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\ndetection:\n  sel:\n    tool_name: Bash\n  condition: sel\n';
    expect(compileRuleFile("rules/l.yml", laughs).errors[0].reason).toMatch(/alias/i);
    expect(compileRuleFile("rules/big.yml", "#".repeat(300 * 1024)).errors[0].reason).toContain("larger than");
    const other = header().replace("service: claude_code", "service: windows") + "detection:\n  sel:\n    a: b\n  condition: sel\n";
    expect(compileRuleFile("rules/w.yml", other).errors[0]).toMatchObject({ line: 7, reason: expect.stringContaining("logsource.service") });
  });
});

describe("Sigma matching", () => {
  it("compares strings case-insensitively with wildcards, lists as OR, maps as AND", () => {
    const r = rule("detection:\n  sel:\n    tool_name: [Bash, PowerShell]\n    command: 'curl *| sh'\n  condition: sel\n");
    expect(m(r, { tool_name: "bash", command: "CURL https://x.example/i | SH" })).toEqual({ tool_name: "bash", command: "CURL https://x.example/i | SH" });
    expect(m(r, { tool_name: "Bash", command: "curl x | bash" })).toBeNull();
    expect(m(r, { tool_name: "Read", command: "curl x | sh" })).toBeNull();
    const esc = rule("detection:\n  sel:\n    file_path: 'a\\*b?'\n  condition: sel\n");
    expect(m(esc, { file_path: "a*bc" })).not.toBeNull();
    expect(m(esc, { file_path: "axbc" })).toBeNull();
  });

  it("supports contains, startswith, endswith, all, cased, exists, null, numbers and booleans", () => {
    const r = rule(`detection:
  sel:
    command|contains|all: ['curl', ' -d @']
    file_path|endswith: '.pem'
    tool_name|startswith|cased: 'Ba'
    num_blocking|gte: 1
    success: false
    error: null
    permission_mode|exists: true
  condition: sel
`);
    const good = { command: "x curl -s -d @k.pem", file_path: "/k.PEM", tool_name: "Bash", num_blocking: "1", success: "false", permission_mode: "default" };
    expect(m(r, good)).not.toBeNull();
    expect(m(r, { ...good, tool_name: "bash" })).toBeNull(); // cased
    expect(m(r, { ...good, command: "curl -s" })).toBeNull(); // all
    expect(m(r, { ...good, num_blocking: 0 })).toBeNull();
    expect(m(r, { ...good, success: true })).toBeNull();
    expect(m(r, { ...good, error: "boom" })).toBeNull();
    const { permission_mode: _, ...noMode } = good;
    expect(m(r, noMode)).toBeNull();
  });

  it("supports re with flags, cidr, windash, base64offset, nested and array fields", () => {
    const r = rule(`detection:
  re:
    command|re|i: '^git\\s+push\\b'
  net:
    actor.ip_address|cidr: ['10.0.0.0/8', '2001:db8::/32']
  dash:
    command|windash|contains: ' -enc '
  b64:
    command|base64offset|contains: 'curl'
  arr:
    workspace.host_paths|startswith: '/Users/x/'
  condition: 1 of them
`);
    expect(m(r, { command: "GIT  push origin main" })).toEqual({ command: "GIT  push origin main" });
    expect(m(r, { command: "echo git push" })).toBeNull();
    expect(m(r, { actor: { ip_address: "10.2.3.4" } })).not.toBeNull();
    expect(m(r, { actor: { ip_address: "2001:db8::1" } })).not.toBeNull();
    expect(m(r, { actor: { ip_address: "11.2.3.4" } })).toBeNull();
    expect(m(r, { actor: { ip_address: "not an ip" } })).toBeNull();
    expect(m(r, { command: "powershell /enc AAAA" })).not.toBeNull();
    expect(m(r, { command: `echo ${Buffer.from("xx curl https://e").toString("base64")} | base64 -d` })).not.toBeNull();
    expect(m(r, { "workspace.host_paths": ["/tmp", "/Users/x/proj"] })).not.toBeNull();
  });

  it("expands allowlist placeholders from the tenant's tuning", () => {
    const r = rule(`detection:
  sel:
    event.name: mcp_server_connection
  allowed:
    server_name|expand: '%mcp_servers%'
  condition: sel and not allowed
`);
    const fields = { "event.name": "mcp_server_connection", server_name: "soc_demo" };
    expect(m(r, fields)).toEqual({ "event.name": "mcp_server_connection" });
    const tuned = { ...emptyTuning(), allowlists: { mcp_servers: ["SOC_DEMO"], plugin_marketplaces: [], network_destinations: [] } };
    expect(m(r, fields, tuned)).toBeNull();
    expect(m(r, { ...fields, server_name: "evil" }, tuned)).not.toBeNull();
    expect(compileRuleFile("rules/x.yml", header() + "detection:\n  sel:\n    a|expand: '%nope%'\n  condition: sel\n").errors[0].reason).toContain("%nope%");
  });

  it("applies the tenant's exceptions", () => {
    const r = rule("detection:\n  sel:\n    command|startswith: 'npm publish'\n  condition: sel\n");
    const tuning: TenantTuning = { ...emptyTuning(), exceptions: [{ id: "x", ruleId: r.id, field: "command", operator: "startswith", value: "npm publish --dry-run", reason: "rehearsal", createdBy: "a", createdAt: new Date() }] };
    expect(m(r, { command: "npm publish --dry-run" }, tuning)).toBeNull();
    expect(m(r, { command: "npm publish" }, tuning)).not.toBeNull();
  });
});

describe("Sigma conditions", () => {
  const r = rule(`detection:
  sel_a:
    a: 1
  sel_b:
    b: 1
  filter:
    c: 1
  condition: (sel_a or sel_b) and not filter
`);
  it("gives not, and, or and parentheses their precedence", () => {
    expect(m(r, { a: 1 })).toEqual({ a: "1" });
    expect(m(r, { b: 1, c: 1 })).toBeNull();
    const p = rule("detection:\n  x:\n    a: 1\n  y:\n    b: 1\n  z:\n    c: 1\n  condition: x or y and not z\n");
    expect(m(p, { a: 1, c: 1 })).not.toBeNull(); // x or (y and not z)
    expect(m(p, { b: 1, c: 1 })).toBeNull();
  });
  it("supports 1 of / all of with patterns and them (without _ identifiers)", () => {
    const q = rule("detection:\n  sel_a:\n    a: 1\n  sel_b:\n    b: 1\n  _x:\n    d: 1\n  condition: all of sel_* or all of them or _x\n");
    expect(m(q, { a: 1 })).toBeNull();
    expect(m(q, { d: 1 })).not.toBeNull();
    expect(m(q, { a: 1, b: 1 })).not.toBeNull();
  });
  it("refuses malformed conditions with a reason", () => {
    for (const [cond, reason] of [
      ["sel and", "missing"], ["(sel", '")" is missing'], ["sel | count() > 5", "correlation"], ["1 of nothing*", "names no selection"],
      ["sel_*", "wildcard"], ["sel sel", "unexpected"], ["sel; drop", "unexpected"], ["other", "not used by the condition"],
    ] as const) {
      const res = compileRuleFile("rules/c.yml", header() + `detection:\n  sel:\n    a: 1\n  other:\n    b: 1\n  condition: '${cond}'\n`);
      expect(res.errors[0]?.reason, cond).toContain(reason);
    }
    const deep = "not ".repeat(200) + "sel";
    expect(compileRuleFile("rules/d.yml", header() + `detection:\n  sel:\n    a: 1\n  condition: '${deep}'\n`).errors[0].reason).toContain("nests too deeply");
  });
  it("says the condition in words", () => {
    expect(r.conditionText).toBe("((a is 1) or (b is 1)) and not (c is 1)");
  });
});

describe("the prefilter (a field the condition cannot hold without)", () => {
  const prefilterOf = (detection: string) => rule(detection).detection!.prefilter;
  const values = (p: { field: string; values: ReadonlySet<string> } | null) => (p ? { field: p.field, values: [...p.values].sort() } : null);

  it("is the plain comparison every way to a match goes through", () => {
    expect(values(prefilterOf("detection:\n  sel:\n    event.name: Tool_Decision\n    tool_name: Bash\n  condition: sel\n"))).toEqual({ field: "event.name", values: ["tool_decision"] });
    // or: the union of each side's values, when both sides need the field.
    expect(values(prefilterOf("detection:\n  a:\n    event.name: tool_decision\n  b:\n    event.name: [tool_result, 403]\n  condition: a or b\n"))).toEqual({ field: "event.name", values: ["403", "tool_decision", "tool_result"] });
    expect(values(prefilterOf("detection:\n  a:\n    - event.name: x\n      k: 1\n    - event.name: y\n  condition: 1 of a*\n"))).toEqual({ field: "event.name", values: ["x", "y"] });
    // and: what either side needs; a negation needs nothing.
    expect(values(prefilterOf("detection:\n  a:\n    k|contains: z\n  b:\n    event.name: x\n  f:\n    event.name: y\n  condition: a and b and not f\n"))).toEqual({ field: "event.name", values: ["x"] });
  });

  it("is absent where a match does not need one value of a field", () => {
    for (const detection of [
      "detection:\n  a:\n    event.name: x\n  b:\n    tool_name: y\n  condition: a or b\n", // either side alone
      "detection:\n  f:\n    event.name: x\n  condition: not f\n",
      "detection:\n  a:\n    event.name: tool_*\n  condition: a\n", // wildcard
      "detection:\n  a:\n    event.name: 'tool\\*'\n  condition: a\n", // escape
      "detection:\n  a:\n    event.name|contains: tool\n  condition: a\n",
      "detection:\n  a:\n    event.name|cased: Tool\n  condition: a\n",
      "detection:\n  a:\n    event.name|windash: -x\n  condition: a\n",
      "detection:\n  a:\n    mcp_server.name|expand: '%mcp_servers%'\n  condition: a\n",
      "detection:\n  a:\n    event.name: null\n  condition: a\n",
      "detection:\n  a:\n    - tool\n  condition: a\n", // keywords
    ]) expect(prefilterOf(detection), detection).toBeNull();
  });

  it("never changes a result: random conditions and records match as without it", () => {
    const NAMES = ["tool_decision", "TOOL_DECISION", "tool_result", "user_prompt", "403", ""];
    const value = fc.oneof(fc.constantFrom(...NAMES), fc.constant(403), fc.constant(true), fc.constant(null));
    const fieldValue = fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.record({ name: value }));
    const test = fc.record({
      field: fc.constantFrom("event.name", "tool_name", "event"),
      modifier: fc.constantFrom("", "|contains", "|all", "|cased"),
      values: fc.array(fc.constantFrom(...NAMES, "tool_*", 403, true), { minLength: 1, maxLength: 3 }),
    });
    const selection = fc.array(fc.array(test, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 });
    const condition = fc.constantFrom("s0", "s0 or s1", "s0 and s1", "s0 and not s1", "not s0 or s1", "1 of s*", "all of s*", "(s0 or s1) and s2", "s0 or (s1 and s2)");
    fc.assert(
      fc.property(fc.tuple(selection, selection, selection), condition, fc.array(fc.record({ "event.name": fieldValue, tool_name: fieldValue, event: fieldValue }, { requiredKeys: [] }), { minLength: 1, maxLength: 8 }), (sels, cond, records) => {
        const used = [0, 1, 2].filter((i) => cond.includes(`s${i}`) || cond.includes("s*"));
        const detection: Record<string, unknown> = { condition: cond };
        for (const i of used) {
          detection[`s${i}`] = sels[i].map((alternative) => Object.fromEntries(alternative.map((t) => [`${t.field}${t.modifier}`, t.values])));
        }
        const fast = compileDetection(detection);
        const reference = compileDetection(detection, ["detection"], { prefilter: false });
        for (const fields of records) {
          const f = fields as Record<string, JsonValue>;
          expect(fast.match(f, newMatchContext(T.allowlists))).toEqual(reference.match(f, newMatchContext(T.allowlists)));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("hostile input", () => {
  it("runs a catastrophic pattern on a huge value in linear time (RE2)", () => {
    const r = rule("detection:\n  sel:\n    command|re: '^(a+)+$'\n  wild:\n    command: '*a*a*a*a*a*a*a*a*b'\n  condition: sel or wild\n");
    const evil = "a".repeat(200_000) + "!";
    const started = process.hrtime.bigint();
    expect(m(r, { command: evil })).toBeNull();
    expect(m(r, { command: "a".repeat(50) })).not.toBeNull();
    // Not a timing assertion: a backtracking engine would never return from the call above.
    expect(Number(process.hrtime.bigint() - started)).toBeGreaterThan(0);
  });
  it("takes values of any shape without failing", () => {
    const r = rule("detection:\n  sel:\n    tool_parameters.full_command|contains: curl\n    num|gt: 3\n  condition: sel\n");
    for (const v of [null, {}, [], [[["curl"]]], { full_command: { x: 1 } }, "curl", 1e308, true, "\u0000curl\uFFFD"] as JsonValue[]) {
      expect(() => m(r, { tool_parameters: v, num: v })).not.toThrow();
    }
    expect(m(r, { tool_parameters: { full_command: "x".repeat(5_000_000) + "curl" }, num: "4" })).not.toBeNull();
    expect(m(r, { tool_parameters: { full_command: "curl" }, num: "1e400" })).toBeNull();
  });
  it("refuses oversized values in rules", () => {
    const res = compileRuleFile("rules/h.yml", header() + `detection:\n  sel:\n    a: '${"x".repeat(5000)}'\n  condition: sel\n`);
    expect(res.errors[0].reason).toContain("longer than");
  });
});

describe("Sigma correlations", () => {
  const base = (id: string, name: string, field: string) => `title: ${name}
id: ${id}
name: ${name}
status: test
level: low
logsource:
  product: claude
  service: claude_code
detection:
  sel:
    ${field}: 1
  condition: sel
`;
  const corr = (body: string) => `title: Corr
id: 9b5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e
status: test
level: high
correlation:
${body}
---
${base("ab5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e", "first", "a")}---
${base("bb5c8e52-8f0e-4d53-9d7e-2a1f6b3c4d5e", "second", "b")}`;
  const load = (body: string) => {
    const pack = compilePack([{ file: "rules/c.yml", source: corr(body) }]);
    expect(pack.errors).toEqual([]);
    // Building blocks used by the correlation raise nothing alone.
    expect(pack.rules.filter((r) => r.kind === "event").map((r) => r.name)).toEqual(body.includes("second") ? [] : ["second"]);
    return pack.rules.find((r) => r.kind === "correlation")!;
  };
  const at = (s: number, fields: Record<string, JsonValue>) => rec({ person: "p", ...fields }, { time: new Date(Date.UTC(2026, 11, 4, 10, 0, s)) });

  it("event_count fires once the count is reached within the timespan, per group", () => {
    const r = load("  type: event_count\n  rules: [first]\n  group-by: [person]\n  timespan: 1m\n  condition:\n    gte: 3\n");
    expect(correlate(r, [at(0, { a: 1 }), at(10, { a: 1 }), at(100, { a: 1 })], T)).toHaveLength(0);
    const hits = correlate(r, [at(0, { a: 1 }), at(10, { a: 1 }), at(20, { a: 1 }), at(21, { a: 1, person: "q" })], T);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ groupKey: "p", person: "p", level: "high", matched: { person: "p", count: "3" } });
    expect(hits[0].evidence).toHaveLength(3);
    expect(r.conditionText).toBe('at least 3 matches of "first" within 1m, for the same person');
  });
  it("value_count counts distinct values", () => {
    const r = load("  type: value_count\n  rules: [first]\n  group-by: [person]\n  timespan: 1h\n  condition:\n    field: target\n    gt: 1\n");
    expect(correlate(r, [at(0, { a: 1, target: "x" }), at(1, { a: 1, target: "x" })], T)).toHaveLength(0);
    expect(correlate(r, [at(0, { a: 1, target: "x" }), at(1, { a: 1, target: "y" })], T)).toHaveLength(1);
  });
  it("temporal_ordered needs the order; temporal does not", () => {
    const ordered = load("  type: temporal_ordered\n  rules: [first, second]\n  group-by: [person]\n  timespan: 5m\n");
    expect(correlate(ordered, [at(0, { b: 1 }), at(1, { a: 1 })], T)).toHaveLength(0);
    expect(correlate(ordered, [at(0, { a: 1 }), at(1, { b: 1 })], T)).toHaveLength(1);
    expect(correlate(ordered, [at(0, { a: 1 }), at(400, { b: 1 })], T)).toHaveLength(0); // outside the timespan
    expect(correlate(ordered, [at(0, { a: 1, b: 1 })], T)).toHaveLength(0); // one event is not a sequence
    const anyOrder = load("  type: temporal\n  rules: [first, second]\n  group-by: [person]\n  timespan: 5m\n");
    expect(correlate(anyOrder, [at(0, { b: 1 }), at(1, { a: 1 })], T)).toHaveLength(1);
    expect(correlate(anyOrder, [at(0, { b: 1 }), at(1, { a: 1, person: "other" })], T)).toHaveLength(0);
  });
  it("upper bounds are judged on whole aligned windows", () => {
    const r = load("  type: event_count\n  rules: [first]\n  timespan: 1m\n  condition:\n    range: 2..3\n");
    expect(correlate(r, [at(0, { a: 1 }), at(1, { a: 1 }), at(2, { a: 1 }), at(3, { a: 1 })], T)).toHaveLength(0);
    expect(correlate(r, [at(0, { a: 1 }), at(1, { a: 1 })], T)).toHaveLength(1);
  });
  it("refuses bad correlations with a reason", () => {
    const bad = compilePack([{ file: "rules/c.yml", source: corr("  type: event_count\n  rules: [nope]\n  timespan: 1m\n  condition:\n    gte: 1\n") }]);
    expect(bad.errors[0]).toMatchObject({ line: 7, reason: expect.stringContaining('"nope"') });
    const span = compilePack([{ file: "rules/c.yml", source: corr("  type: event_count\n  rules: [first]\n  timespan: 10 minutes\n  condition:\n    gte: 1\n") }]);
    expect(span.errors[0].reason).toContain("timespan");
  });
});
