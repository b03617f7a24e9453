import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exportRule } from "./export";
import { loadPackFrom, RULES_DIR } from "./pack";
import { runRuleTests } from "./rule-tests";
import type { TenantTuning } from "./types";

// `npm run blindspot -- rules check` and `rules export`: the pack as an engineer edits it.

/** Every rule file: ok, or file:line reason; every rule's test cases. Returns the exit code. */
export function rulesCheck(dir = RULES_DIR, log: (line: string) => void = console.log): number {
  const pack = loadPackFrom(dir);
  const failing = new Set<string>();
  for (const e of pack.errors) {
    failing.add(e.file);
    log(`${e.file}${e.line !== null ? `:${e.line}` : ""}: ${e.reason}`);
  }
  let cases = 0;
  let failedCases = 0;
  for (const rule of pack.rules) {
    const results = runRuleTests(rule);
    cases += results.length;
    const bad = results.filter((r) => !r.ok);
    failedCases += bad.length;
    if (!rule.tests) {
      failing.add(rule.file);
      log(`${rule.file}: no test cases (${rule.file.replace(/\.ya?ml$/, ".tests.yml")})`);
    }
    for (const r of bad) {
      failing.add(rule.file);
      log(`${rule.testsFile ?? rule.file}: case "${r.name}": ${r.error ?? `expected ${r.expected} hit(s), got ${r.actual}`}`);
    }
    if (!failing.has(rule.file)) log(`${rule.file}: ok (${results.length} cases)`);
  }
  log(`rules check: ${pack.rules.length} rules, ${pack.errors.length} files that do not load, ${cases - failedCases}/${cases} cases pass`);
  return failing.size > 0 ? 1 : 0;
}

/** Write the pack as Sigma files under `out`, the tenant's tuning applied when given. */
export function rulesExport(out: string, tuning: TenantTuning | null, dir = RULES_DIR): { written: string[]; skipped: string[] } {
  const pack = loadPackFrom(dir);
  if (pack.errors.length) throw new Error(`the pack has ${pack.errors.length} file(s) that do not load; run rules check`);
  const written: string[] = [];
  const skipped: string[] = [];
  for (const rule of pack.rules) {
    const r = exportRule(rule, tuning);
    if (!r) {
      skipped.push(rule.file);
      continue;
    }
    const target = path.join(out, r.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, r.yaml);
    written.push(target);
  }
  return { written, skipped };
}
