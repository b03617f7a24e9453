import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rulesCheck, rulesExport } from "./cli";
import { exportRule } from "./export";
import { compilePack, emptyTuning, loadPack, matchRecord, ruleById } from "./pack";
import type { DetectionRecord, TenantTuning } from "./types";

// `rules check` and `rules export --format sigma` on real rule directories.

function tempRules(files: Record<string, string>): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "bs-rules-")), "rules");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const GOOD = readFileSync("rules/claude_code/permission-mode-bypass.yml", "utf8");
const GOOD_TESTS = readFileSync("rules/claude_code/permission-mode-bypass.tests.yml", "utf8");

describe("rules check", () => {
  it("passes a good pack and names file, line and reason for a bad one", () => {
    const lines: string[] = [];
    expect(rulesCheck(tempRules({ "claude_code/a.yml": GOOD, "claude_code/a.tests.yml": GOOD_TESTS }), (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toContain("1 rules, 0 files that do not load");

    const bad = GOOD.replace("to_mode: bypassPermissions", "to_mode|sometimes: bypassPermissions").replace(/^id: .*$/m, "id: 4f1c8a3e-6b2d-4f04-8c7a-1b8e2d5f6093");
    const wrongCase = GOOD_TESTS.replace("hits: 1", "hits: 2");
    const out: string[] = [];
    const code = rulesCheck(tempRules({
      "claude_code/a.yml": GOOD, "claude_code/a.tests.yml": wrongCase, "claude_code/b.yml": bad, "claude_code/c.yml": GOOD.replace(/^id: .*$/m, "id: 5f1c8a3e-6b2d-4f04-8c7a-1b8e2d5f6093"),
    }), (l) => out.push(l));
    expect(code).toBe(1);
    expect(out).toContain('rules/claude_code/b.yml:20: "to_mode|sometimes": unsupported modifier "sometimes" (supported: contains, startswith, endswith, re, cidr, gt, gte, lt, lte, exists, base64, base64offset, windash, expand, all, cased, i, m, s)');
    expect(out.some((l) => l.startsWith('rules/claude_code/a.tests.yml: case "switched to bypassPermissions with shift-tab": expected 2 hit(s), got 1'))).toBe(true);
    expect(out).toContain("rules/claude_code/c.yml: no test cases (rules/claude_code/c.tests.yml)");
  });
});

describe("rules export --format sigma", () => {
  const rec = (fields: DetectionRecord["fields"]): DetectionRecord => ({
    kind: "event", id: "e1", time: new Date(), service: "claude_code", name: String(fields["event.name"]), person: "p", sessionId: null, promptId: null, traceId: null, fields,
  });

  it("writes the pack as shipped without a tenant", () => {
    const out = mkdtempSync(path.join(tmpdir(), "bs-export-"));
    const { written, skipped } = rulesExport(out, null);
    expect(skipped).toEqual([]);
    expect(written.length).toBe(loadPack().rules.length);
    expect(readFileSync(path.join(out, "claude_code/permission-mode-bypass.yml"), "utf8")).toBe(GOOD);
  });

  it("writes a tenant's tuning as Sigma: disabled rules left out, levels, exceptions and allowlists", () => {
    const bypass = ruleById("permission-mode-bypass") ?? loadPack().rules.find((r) => r.file.endsWith("permission-mode-bypass.yml"))!;
    const mcp = loadPack().rules.find((r) => r.file.endsWith("mcp-server-not-allowlisted.yml"))!;
    const auto = loadPack().rules.find((r) => r.file.endsWith("permission-mode-auto.yml"))!;
    const tuning: TenantTuning = {
      ...emptyTuning(),
      settings: new Map([[auto.id, { enabled: false, level: null }], [bypass.id, { enabled: true, level: "critical" }]]),
      exceptions: [{ id: "x", ruleId: bypass.id, field: "person", operator: "equals", value: "ci-bot@westeros.example", reason: "CI", createdBy: "a", createdAt: new Date() }],
      allowlists: { mcp_servers: ["soc_demo", "wiki*"], plugin_marketplaces: [], network_destinations: [] },
    };
    expect(exportRule(auto, tuning)).toBeNull();

    const exported = exportRule(bypass, tuning)!;
    const [reloaded] = compilePack([{ file: "rules/x.yml", source: exported.yaml }]).rules;
    expect(reloaded.level).toBe("critical");
    const fields = { "event.name": "permission_mode_changed", to_mode: "bypassPermissions" };
    expect(matchRecord(reloaded, rec({ ...fields, person: "ci-bot@westeros.example" }), emptyTuning())).toBeNull();
    expect(matchRecord(reloaded, rec({ ...fields, person: "jon.snow@westeros.example" }), emptyTuning())).not.toBeNull();

    const m = compilePack([{ file: "rules/y.yml", source: exportRule(mcp, tuning)!.yaml }]).rules[0];
    expect(m.yaml).not.toContain("%mcp_servers%");
    const conn = { "event.name": "mcp_server_connection", status: "connected" };
    expect(matchRecord(m, rec({ ...conn, server_name: "soc_demo" }), emptyTuning())).toBeNull();
    expect(matchRecord(m, rec({ ...conn, server_name: "wikiX" }), emptyTuning())).not.toBeNull(); // `*` in a value is literal
    expect(matchRecord(m, rec({ ...conn, server_name: "evil" }), emptyTuning())).not.toBeNull();
    // A correlation file keeps its documents; the exception lands in the rules it correlates.
    const hooks = loadPack().rules.find((r) => r.file.endsWith("hook-failing-repeatedly.yml"))!;
    const reloadedHooks = compilePack([{ file: "rules/h.yml", source: exportRule(hooks, { ...tuning, exceptions: [{ ...tuning.exceptions[0], ruleId: hooks.id }] })!.yaml }]);
    expect(reloadedHooks.errors).toEqual([]);
    expect(reloadedHooks.rules[0].kind).toBe("correlation");
    expect(reloadedHooks.rules[0].correlation!.rules[0].yaml).toContain("not 1 of blindspot_exception_*");
    // An empty allowlist exports as a value nothing carries.
    const none = compilePack([{ file: "rules/z.yml", source: exportRule(mcp, emptyTuning())!.yaml }]).rules[0];
    expect(matchRecord(none, rec({ ...conn, server_name: "soc_demo" }), emptyTuning())).not.toBeNull();
  });
});
