import { getPool, withTransaction } from "@/lib/db/pool";
import { recordHits } from "./alert-store";
import { matchEventRules } from "./evaluate";
import { detectionEngine, type CompiledRule, type DetectionEngine, type RuleLoadError } from "./evaluator-contract";
import { DEFAULT_TIMESPAN_MS, MAX_CONTEXT_MS } from "./correlation";
import { loadRecords, type TimedRecord } from "./stored-records";
import { loadTuning } from "./tuning";
import type { RuleHit, TenantTuning } from "./types";

// Rules over history: previewRule ("test this rule against the last 30 days": the hits, nothing
// written) and backfill (the pack or some rules over a range, alerts written). Both read the range
// in time slices sized to about SLICE_RECORDS records (the next slice is read while this one is
// evaluated); correlation rules carry the records of their timespan from one slice to the next.
// A backfill over a range already evaluated adds to the hit counts of the same alerts (dedup),
// it never raises a second alert for the same rule, group and window.

export const SLICE_RECORDS = 25_000;
const FIRST_SLICE_MS = 3_600_000;
const MIN_SLICE_MS = 1_000;

export class RuleNotFoundError extends Error {}
export class RuleCompileError extends Error {
  constructor(readonly errors: RuleLoadError[]) {
    super(errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ""}: ${e.reason}`).join("; ") || "the rule does not compile");
  }
}
export class NoEngineError extends Error {
  constructor() {
    super("the detection rule engine is not available");
  }
}

export interface ScanReport {
  scanned: number;
  hits: number;
  ms: number;
}

/** Reads [from, to) slice by slice and hands every slice's hits to onHits. */
async function scan(
  engine: DetectionEngine, tenantId: string, rules: CompiledRule[], tuning: TenantTuning, from: Date, to: Date,
  onHits: (hits: RuleHit[]) => Promise<void>, sliceRecords = SLICE_RECORDS,
): Promise<ScanReport> {
  const started = Date.now();
  const eventRules = rules.filter((r) => r.kind === "event");
  const correlations = rules.filter((r) => r.kind === "correlation");
  const carryMs = correlations.length ? Math.max(...correlations.map((r) => Math.min(MAX_CONTEXT_MS, r.correlation?.timespanMs ?? DEFAULT_TIMESPAN_MS))) : 0;
  const report: ScanReport = { scanned: 0, hits: 0, ms: 0 };
  let sliceMs = Math.min(FIRST_SLICE_MS, to.getTime() - from.getTime());
  let carry: TimedRecord[] = [];
  const read = (a: number, b: number) => loadRecords(getPool(), engine, tenantId, { from: new Date(a), to: new Date(b) });

  let start = from.getTime();
  let end = Math.min(to.getTime(), start + sliceMs);
  let next = start < to.getTime() ? read(start, end) : null;
  while (next) {
    const { records } = await next;
    // Adapt the slice to the data's density, then start reading the next one.
    const density = records.length / Math.max(1, end - start);
    sliceMs = Math.max(MIN_SLICE_MS, Math.min(30 * 86_400_000, density > 0 ? sliceRecords / density : sliceMs * 4));
    const sliceStart = start;
    const sliceEnd = end;
    start = end;
    end = Math.min(to.getTime(), start + sliceMs);
    next = start < to.getTime() ? read(start, end) : null;

    report.scanned += records.length;
    const hits: RuleHit[] = [];
    if (eventRules.length) {
      const run = matchEventRules(engine, eventRules, tuning, records.map((r) => r.record));
      if (run.failed.size) throw new Error(`rule ${[...run.failed.keys()][0]}: ${[...run.failed.values()][0]}`);
      hits.push(...run.hits);
    }
    if (correlations.length) {
      const context = [...carry, ...records];
      for (const rule of correlations) {
        // Hits wholly inside the carried records were found with the previous slice.
        hits.push(...engine.correlate(rule, context.map((c) => c.record), tuning).filter((h) => h.lastSeen.getTime() >= sliceStart));
      }
      carry = context.filter((c) => c.record.time.getTime() >= sliceEnd - carryMs);
    }
    report.hits += hits.length;
    if (hits.length) await onHits(hits);
  }
  report.ms = Date.now() - started;
  return report;
}

function checkRange(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new RangeError("from and to must be dates");
  if (from >= to) throw new RangeError("from must be before to");
}

/** A rule of the pack by id, or a rule written out as Sigma YAML (not yet in the pack). */
function resolveRule(engine: DetectionEngine, ruleIdOrYaml: string): CompiledRule {
  const byId = engine.loadPack().rules.find((r) => r.id === ruleIdOrYaml.trim().toLowerCase());
  if (byId) return byId;
  if (!/[\n:]/.test(ruleIdOrYaml)) throw new RuleNotFoundError(`no rule ${ruleIdOrYaml} in the pack`);
  if (!engine.compilePack) throw new RuleCompileError([{ file: "rule.yml", line: null, reason: "this engine cannot compile rules" }]);
  const pack = engine.compilePack([{ file: "rule.yml", source: ruleIdOrYaml }]);
  if (pack.errors.length) throw new RuleCompileError(pack.errors);
  if (pack.rules.length !== 1) throw new RuleCompileError([{ file: "rule.yml", line: null, reason: `expected one rule, found ${pack.rules.length}` }]);
  return pack.rules[0];
}

/** The hits a rule would have raised over [from, to), without writing anything. */
export async function previewRule(tenantId: string, ruleIdOrYaml: string, from: Date, to: Date): Promise<{ hits: RuleHit[]; scanned: number; ms: number }> {
  checkRange(from, to);
  const engine = detectionEngine();
  if (!engine) throw new NoEngineError();
  const rule = resolveRule(engine, ruleIdOrYaml);
  const tuning = await loadTuning(tenantId);
  // A preview ignores the tenant's on/off switch (the point is to see a rule before enabling it).
  const hits: RuleHit[] = [];
  const report = await scan(engine, tenantId, [rule], tuning, from, to, async (h) => void hits.push(...h));
  return { hits, scanned: report.scanned, ms: report.ms };
}

export interface BackfillReport extends ScanReport {
  rules: number;
  created: number;
}

/** Runs rules of the pack (enabled ones, for "all") over [from, to) and writes their alerts. */
export async function backfill(
  tenantId: string, ruleIds: string[] | "all", from: Date, to: Date, opts: { sliceRecords?: number } = {},
): Promise<BackfillReport> {
  checkRange(from, to);
  const engine = detectionEngine();
  if (!engine) throw new NoEngineError();
  const tuning = await loadTuning(tenantId);
  const pack = engine.loadPack().rules;
  let rules: CompiledRule[];
  if (ruleIds === "all") rules = pack.filter((r) => engine.isEnabled(r, tuning));
  else {
    rules = ruleIds.map((id) => {
      const rule = pack.find((r) => r.id === id.trim().toLowerCase());
      if (!rule) throw new RuleNotFoundError(`no rule ${id} in the pack`);
      return rule;
    });
  }
  let created = 0;
  const report = await scan(engine, tenantId, rules, tuning, from, to, async (hits) => {
    created += (await withTransaction((tx) => recordHits(tx, tenantId, hits))).length;
  }, opts.sliceRecords);
  return { ...report, rules: rules.length, created };
}
