import type { EventRow, SpanRow } from "@/lib/sources/model";
import type { DetectionRecord, DetectionService, RuleHit, RuleLevel, TenantTuning } from "./types";

// What the evaluators (ingest hook, correlation job, backfill) need of the Sigma engine, as named
// in the issue #13 plan and as the pack branch exports them (eventRecord/spanRecord may return
// null; correlation.timespanMs); lib/detections/pack.ts, sigma/ and record.ts are another branch.
// The evaluators only ever reach the engine through detectionEngine() below.
// MERGE: point `shipped` at the real modules —
//   import { compilePack, loadPack, matchRecord, correlate, isEnabled, effectiveLevel } from "./pack";
//   import { eventRecord, spanRecord, complianceRecord } from "./record";
//   const shipped: DetectionEngine = { loadPack, compilePack, matchRecord, correlate, isEnabled, effectiveLevel, eventRecord, spanRecord, complianceRecord };

export interface RuleLoadError {
  file: string;
  line: number | null;
  reason: string;
}

export interface CompiledRule {
  id: string;
  title: string;
  description: string;
  level: RuleLevel;
  status: string;
  tags: string[];
  service: DetectionService;
  kind: "event" | "correlation";
  file: string;
  yaml: string;
  falsepositives: string[];
  references: string[];
  conditionText: string;
  /** Correlation rules: the Sigma correlation's timespan (pack.ts: CompiledCorrelation.timespanMs). */
  correlation?: { timespanMs: number };
}

export interface RulePack {
  rules: CompiledRule[];
  errors: RuleLoadError[];
}

/** A stored Compliance activity (compliance_activities); record.ts's ActivityRow reads id, createdAt, type, raw of it. */
export interface ComplianceActivityRow {
  id: string;
  createdAt: Date;
  type: string;
  organizationId: string | null;
  organizationUuid: string | null;
  actorType: string | null;
  actorEmail: string | null;
  actorUserId: string | null;
  actorAccountUuid: string | null;
  actorIp: string | null;
  actorUserAgent: string | null;
  raw: unknown;
}

export interface DetectionEngine {
  loadPack(): RulePack;
  /** Matched field → value, or null (tuning exceptions applied). Single-event rules only. */
  matchRecord(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): Record<string, string> | null;
  /** Correlation rules: records ordered by time; pure, in memory. */
  correlate(rule: CompiledRule, records: DetectionRecord[], tuning: TenantTuning): RuleHit[];
  isEnabled(rule: CompiledRule, tuning: TenantTuning): boolean;
  effectiveLevel(rule: CompiledRule, tuning: TenantTuning): RuleLevel;
  /** null: a record no rule is about (another OTLP sender). */
  eventRecord(row: EventRow, person: string | null): DetectionRecord | null;
  spanRecord(row: SpanRow, person: string | null): DetectionRecord | null;
  complianceRecord(row: ComplianceActivityRow, person: string | null): DetectionRecord;
  /** Compiles rule files outside the pack (a rule previewed before it is added); pack.ts's compilePack. */
  compilePack?(files: { file: string; source: string }[]): RulePack;
}

/** The engine the app ships with; null until the rule pack is merged (evaluation is then a no-op). */
const shipped: DetectionEngine | null = null;

const holder = globalThis as unknown as { __blindspotDetectionEngine?: DetectionEngine | null };

export function detectionEngine(): DetectionEngine | null {
  return holder.__blindspotDetectionEngine !== undefined ? holder.__blindspotDetectionEngine : shipped;
}

/** Tests (and benchmarks) run the evaluators with an engine of their own; null restores the shipped one. */
export function setDetectionEngine(engine: DetectionEngine | null): void {
  holder.__blindspotDetectionEngine = engine ?? undefined;
}
