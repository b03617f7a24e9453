import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { JsonValue } from "@/lib/otlp/values";
import { MAX_EVIDENCE, runCorrelation, windowStartOf, type BaseMatch, type CompiledCorrelation } from "./sigma/correlation";
import type { CompiledDetection } from "./sigma/detection";
import type { RuleLoadError } from "./sigma/errors";
import { fieldValues } from "./sigma/fields";
import { newMatchContext, type MatchContext } from "./sigma/modifiers";
import { compileRuleFile, type ParsedEventRule, type ParsedRule, type RuleStatus } from "./sigma/rule";
import { exceptionMatches } from "./tuning";
import type { AllowlistName, DetectionRecord, DetectionService, Evidence, RuleHit, RuleLevel, TenantTuning } from "./types";

// The rule pack: every Sigma file under rules/<service>/ compiled once per process. A file that
// does not load is listed in `errors` (file, line, reason) and every other rule keeps running.

export type { RuleLoadError } from "./sigma/errors";

export interface CompiledRule {
  id: string;
  /** Sigma `name`, by which correlations refer to a rule. */
  name: string | null;
  title: string;
  description: string;
  level: RuleLevel;
  status: RuleStatus;
  tags: string[];
  service: DetectionService;
  kind: "event" | "correlation";
  /** Path from the repository root, e.g. rules/claude_code/bypass-permissions-mode.yml. */
  file: string;
  /** The whole file as written. */
  yaml: string;
  falsepositives: string[];
  references: string[];
  author: string | null;
  date: string | null;
  /** The condition in words, for analysts. */
  conditionText: string;
  /** The rule's test cases (the `<slug>.tests.yml` beside it), or null. */
  tests: string | null;
  testsFile: string | null;
  detection?: CompiledDetection;
  correlation?: CompiledCorrelation;
}

export interface RulePack {
  rules: CompiledRule[];
  errors: RuleLoadError[];
}

export const RULES_DIR = path.join(process.cwd(), "rules");
export const TESTS_SUFFIX = ".tests.yml";

function ruleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...ruleFiles(p));
    else if ((entry.name.endsWith(".yml") || entry.name.endsWith(".yaml")) && !entry.name.endsWith(TESTS_SUFFIX)) out.push(p);
  }
  return out;
}

function toCompiled(r: ParsedRule, file: string, yaml: string, tests: { text: string; file: string } | null): CompiledRule {
  return {
    id: r.id, name: r.name, title: r.title, description: r.description, level: r.level, status: r.status, tags: r.tags,
    service: r.service, kind: r.kind, file, yaml, falsepositives: r.falsepositives, references: r.references,
    author: r.author, date: r.date,
    conditionText: r.kind === "event" ? r.detection.words : r.correlation.words,
    tests: tests?.text ?? null, testsFile: tests?.file ?? null,
    ...(r.kind === "event" ? { detection: r.detection } : { correlation: r.correlation }),
  };
}

/** Compile a set of rule files (path relative to `root` → source). Exported for tests and the CLI. */
export function compilePack(files: { file: string; source: string; tests?: { text: string; file: string } | null }[]): RulePack {
  const errors: RuleLoadError[] = [];
  // Pass 1: single-event rules of every file, so correlations can refer to rules of other files.
  const external = new Map<string, ParsedEventRule>();
  for (const f of files) {
    const parsed = compileRuleFile(f.file, f.source);
    for (const r of parsed.rules) if (r.kind === "event") {
      external.set(r.id, r);
      if (r.name) external.set(r.name, r);
    }
  }
  const rules: CompiledRule[] = [];
  const ids = new Map<string, string>();
  for (const f of files) {
    const parsed = compileRuleFile(f.file, f.source, (ref) => external.get(ref) ?? null);
    if (parsed.errors.length) {
      errors.push(...parsed.errors);
      continue;
    }
    const clash = [...parsed.rules, ...parsed.buildingBlocks].find((r) => ids.has(r.id));
    if (clash) {
      errors.push({ file: f.file, line: null, reason: `id ${clash.id} is already used by ${ids.get(clash.id)}` });
      continue;
    }
    for (const r of [...parsed.rules, ...parsed.buildingBlocks]) ids.set(r.id, f.file);
    for (const r of parsed.rules) rules.push(toCompiled(r, f.file, f.source, f.tests ?? null));
  }
  return { rules, errors };
}

/** Read rules/ (or another directory) into a pack. */
export function loadPackFrom(dir: string, root = path.dirname(dir)): RulePack {
  const files = ruleFiles(dir).map((p) => {
    const testsPath = p.replace(/\.ya?ml$/, TESTS_SUFFIX);
    return {
      file: path.relative(root, p).split(path.sep).join("/"),
      source: readFileSync(p, "utf8"),
      tests: existsSync(testsPath) ? { text: readFileSync(testsPath, "utf8"), file: path.relative(root, testsPath).split(path.sep).join("/") } : null,
    };
  });
  return compilePack(files);
}

let memo: { pack: RulePack; byId: Map<string, CompiledRule> } | null = null;

/** The pack of this process, compiled on first use. */
export function loadPack(): RulePack {
  if (!memo) {
    const pack = loadPackFrom(RULES_DIR);
    memo = { pack, byId: new Map(pack.rules.map((r) => [r.id, r])) };
  }
  return memo.pack;
}

export function ruleById(id: string): CompiledRule | null {
  loadPack();
  return memo!.byId.get(id.toLowerCase()) ?? null;
}

// ---- tuning -------------------------------------------------------------------------------------

export function isEnabled(rule: Pick<CompiledRule, "id" | "status">, tuning: TenantTuning): boolean {
  return tuning.settings.get(rule.id)?.enabled ?? (rule.status !== "deprecated" && rule.status !== "unsupported");
}

export function effectiveLevel(rule: Pick<CompiledRule, "id" | "level">, tuning: TenantTuning): RuleLevel {
  return tuning.settings.get(rule.id)?.level ?? rule.level;
}

export function emptyTuning(): TenantTuning {
  return { settings: new Map(), exceptions: [], allowlists: { mcp_servers: [], plugin_marketplaces: [], network_destinations: [] } };
}

/** Whether one of the tenant's exceptions for these rules (or for every rule) suppresses the record. */
function excepted(ruleIds: string[], record: DetectionRecord, tuning: TenantTuning): boolean {
  for (const e of tuning.exceptions) {
    if (e.ruleId !== null && !ruleIds.includes(e.ruleId)) continue;
    if (exceptionMatches(e, fieldValues(record.fields, e.field) as JsonValue)) return true;
  }
  return false;
}

// One match context per record and allowlist set: long values are lower-cased once for all rules.
const contexts = new WeakMap<DetectionRecord, MatchContext>();
function contextFor(record: DetectionRecord, allowlists: Record<AllowlistName, string[]>): MatchContext {
  let ctx = contexts.get(record);
  if (!ctx || ctx.allowlists !== allowlists) {
    ctx = newMatchContext(allowlists);
    contexts.set(record, ctx);
  }
  return ctx;
}

/** Cowork runs the Claude Code engine and sends its events: claude_code rules see them too. */
export function serviceApplies(ruleService: DetectionService, recordService: DetectionService): boolean {
  return ruleService === recordService || (ruleService === "claude_code" && recordService === "cowork");
}

/** Field → value that made a single-event rule match the record, or null (exceptions applied). */
export function matchRecord(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): Record<string, string> | null {
  if (rule.kind !== "event" || !rule.detection || !serviceApplies(rule.service, record.service)) return null;
  const matched = rule.detection.match(record.fields, contextFor(record, tuning.allowlists));
  if (!matched || excepted([rule.id], record, tuning)) return null;
  return matched;
}

export function recordEvidence(record: DetectionRecord): Evidence {
  return { kind: record.kind, id: record.id, time: record.time, sessionId: record.sessionId, promptId: record.promptId, name: record.name };
}

/**
 * Whether a record can take part in a correlation rule's hits: it matches one of its base rules.
 * correlate() drops every other record, so a context reduced to these gives the same hits.
 */
export function feedsCorrelation(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): boolean {
  const c = rule.correlation;
  if (rule.kind !== "correlation" || !c) return false;
  const ctx = contextFor(record, tuning.allowlists);
  return c.rules.some((base) => serviceApplies(base.service, record.service) && base.detection.match(record.fields, ctx) !== null);
}

/** Hits of a correlation rule over records ordered by time (pure; exceptions applied per record). */
export function correlate(rule: CompiledRule, records: DetectionRecord[], tuning: TenantTuning): RuleHit[] {
  const c = rule.correlation;
  if (rule.kind !== "correlation" || !c) return [];
  const matches: BaseMatch[] = [];
  for (const record of records) {
    const ctx = contextFor(record, tuning.allowlists);
    const hitRules: number[] = [];
    const matched: Record<string, string> = {};
    c.rules.forEach((base, i) => {
      if (!serviceApplies(base.service, record.service)) return;
      const m = base.detection.match(record.fields, ctx);
      if (m) {
        hitRules.push(i);
        Object.assign(matched, m);
      }
    });
    if (hitRules.length === 0) continue;
    if (excepted([rule.id, ...hitRules.map((i) => c.rules[i].id)], record, tuning)) continue;
    matches.push({ record, rules: hitRules, matched });
  }
  return runCorrelation(c, matches).map((g) => {
    const recs = g.matches.map((m) => m.record);
    const first = recs[0];
    const last = recs[recs.length - 1];
    const matched: Record<string, string> = {};
    for (const m of g.matches) for (const [k, v] of Object.entries(m.matched)) matched[k] ??= v;
    Object.assign(matched, g.groupValues);
    matched[c.type === "value_count" ? `distinct ${c.field}` : c.type === "event_count" ? "count" : "rules matched"] = String(g.value);
    const one = <K extends "person" | "sessionId" | "promptId" | "traceId">(k: K) => {
      const vals = new Set(recs.map((r) => r[k]).filter((v) => v !== null));
      return vals.size === 1 ? ([...vals][0] as string) : (last[k] ?? null);
    };
    return {
      ruleId: rule.id, ruleTitle: rule.title, level: effectiveLevel(rule, tuning), service: last.service,
      groupKey: g.groupKey, windowStart: windowStartOf(first.time, c.timespanMs),
      person: one("person"), sessionId: one("sessionId"), promptId: one("promptId"), traceId: one("traceId"),
      firstSeen: first.time, lastSeen: last.time, matched,
      // The first and the last events say the most; the middle is trimmed when a burst is large.
      evidence: (recs.length > MAX_EVIDENCE ? [...recs.slice(0, MAX_EVIDENCE - 10), ...recs.slice(-10)] : recs).map(recordEvidence),
    };
  });
}
