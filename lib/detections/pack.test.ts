import { describe, expect, it } from "vitest";
import { caseRecord, countHits, fixtureRecords, parseRuleTests, runRuleTests } from "./rule-tests";
import { correlate, emptyTuning, feedsCorrelation, loadPack, ruleById } from "./pack";
import { DETECTION_SERVICES, RULE_LEVELS } from "./types";

// The shipped pack: every rule file loads, every rule has positive and negative cases, and every
// case gives exactly the hits it expects (no miss, no extra hit). Then the captured scenarios are
// replayed through all rules: the table below is the README's "scenario → alerts".

const pack = loadPack();

describe("the rule pack", () => {
  it("loads every file without an error", () => {
    expect(pack.errors).toEqual([]);
    expect(pack.rules.length).toBeGreaterThan(30);
    for (const r of pack.rules) {
      expect(r.file).toMatch(new RegExp(`^rules/${r.service === "cowork" ? "cowork" : "[a-z_]+"}/[a-z0-9-]+\\.yml$`));
      expect(ruleById(r.id)).toBe(r);
    }
  });

  it("covers every service", () => {
    for (const s of DETECTION_SERVICES) expect(pack.rules.some((r) => r.service === s), s).toBe(true);
  });

  for (const rule of pack.rules) {
    it(`${rule.file}: its cases give exactly the expected hits`, () => {
      expect(rule.tests, `${rule.file} has no .tests.yml`).not.toBeNull();
      const cases = parseRuleTests(rule.tests!);
      expect(cases.some((c) => c.hits > 0), "a positive case").toBe(true);
      expect(cases.some((c) => c.hits === 0), "a negative case").toBe(true);
      const failed = runRuleTests(rule).filter((r) => !r.ok);
      expect(failed).toEqual([]);
    });
  }
});

/** What each captured scenario raises (rule file → hits), both Claude Code versions. */
const EXPECTED: Record<string, Record<string, number>> = {
  "2.1.197/a-bash-allowed": {},
  "2.1.197/b-tool-denied": {},
  "2.1.197/c-read-write-edit": { "rules/claude_code/credential-file-read.yml": 1 },
  "2.1.197/d-mcp": { "rules/claude_code/mcp-server-not-allowlisted.yml": 1, "rules/claude_code/mcp-tool-from-unlisted-server.yml": 2 },
  "2.1.197/d2-permission-prompt-tool": { "rules/claude_code/mcp-server-not-allowlisted.yml": 1, "rules/claude_code/mcp-tool-from-unlisted-server.yml": 1 },
  "2.1.197/f-hook-block": { "rules/claude_code/hook-blocked-tool-call.yml": 1, "rules/claude_code/hook-from-unmanaged-source.yml": 6 },
  "2.1.197/g-api-errors": {},
  "2.1.197/i-identity-resource-attrs": {},
  "2.1.197/i2-oauth-identity": {},
  "2.1.197/k-skill-slash-mention": {},
  "2.1.197/office-traces": { "rules/office_agent/connector-not-allowlisted.yml": 3, "rules/office_agent/upload-then-third-party-tool.yml": 1 },
  "2.1.332/a-bash-allowed": {},
  // 2.1.332 reports the denied `curl … -d @secrets/prod.env` that 2.1.197 left silent.
  "2.1.332/b-tool-denied": { "rules/claude_code/egress-with-local-data.yml": 1 },
  "2.1.332/c-read-write-edit": { "rules/claude_code/credential-file-read.yml": 1 },
  "2.1.332/d-mcp": { "rules/claude_code/mcp-server-not-allowlisted.yml": 1, "rules/claude_code/mcp-tool-from-unlisted-server.yml": 2 },
  "2.1.332/d2-permission-prompt-tool": { "rules/claude_code/mcp-server-not-allowlisted.yml": 1, "rules/claude_code/mcp-tool-from-unlisted-server.yml": 1 },
  "2.1.332/f-hook-block": { "rules/claude_code/hook-blocked-tool-call.yml": 1, "rules/claude_code/hook-from-unmanaged-source.yml": 6 },
  "2.1.332/g-api-errors": {},
  "2.1.332/i-identity-resource-attrs": {},
  "2.1.332/i2-oauth-identity": {},
  "2.1.332/k-skill-slash-mention": {},
};

describe("captured scenarios through the pack", () => {
  const tuning = emptyTuning();
  for (const [key, expected] of Object.entries(EXPECTED)) {
    it(`${key} raises the expected alerts`, () => {
      const [version, scenario] = key.split("/");
      const records = fixtureRecords(scenario, version === "2.1.332" ? "2.1.332" : undefined);
      const actual: Record<string, number> = {};
      for (const rule of pack.rules) {
        const n = countHits(rule, records, tuning);
        if (n > 0) actual[rule.file] = n;
      }
      expect(actual).toEqual(expected);
      if (scenario === "a-bash-allowed" || scenario === "i2-oauth-identity") {
        const severe = Object.keys(actual).map((f) => pack.rules.find((r) => r.file === f)!).filter((r) => RULE_LEVELS.indexOf(r.level) >= RULE_LEVELS.indexOf("high"));
        expect(severe.map((r) => r.file)).toEqual([]);
      }
    });
  }
});

describe("feedsCorrelation (what a correlation run keeps of its context)", () => {
  // The correlation job keeps only the context records feedsCorrelation accepts: for every shipped
  // correlation rule and case, with unrelated captured records mixed in, the hits must be the
  // same as over every record, and the unrelated ones must be dropped.
  const noise = [...fixtureRecords("a-bash-allowed"), ...fixtureRecords("c-read-write-edit"), ...fixtureRecords("g-api-errors")];
  const correlations = pack.rules.filter((r) => r.kind === "correlation");
  const hitsOf = (rule: (typeof correlations)[number], records: typeof noise) =>
    correlate(rule, records, emptyTuning()).map((h) => ({ ...h, evidence: h.evidence.map((e) => e.id) }));

  it("there are correlation rules with positive cases to check", () => {
    expect(correlations.length).toBeGreaterThan(3);
  });

  for (const rule of correlations) {
    it(`${rule.file}: the kept records give the same hits as all of them`, () => {
      let positives = 0;
      for (const c of parseRuleTests(rule.tests!)) {
        const own = c.fixture ? fixtureRecords(c.fixture, c.version) : (c.records ?? []).map((r, i) => caseRecord(rule, r, i));
        const all = [...own, ...noise].sort((a, b) => a.time.getTime() - b.time.getTime() || a.id.localeCompare(b.id));
        const kept = all.filter((r) => feedsCorrelation(rule, r, emptyTuning()));
        expect(hitsOf(rule, kept), c.name).toEqual(hitsOf(rule, all));
        expect(kept.length, c.name).toBeLessThan(all.length);
        positives += hitsOf(rule, all).length > 0 ? 1 : 0;
      }
      expect(positives, "a case with hits").toBeGreaterThan(0);
    });
  }
});
