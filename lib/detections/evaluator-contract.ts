import type { JsonValue } from "@/lib/otlp/values";
import type { EventRow, SpanRow } from "@/lib/sources/model";
import { compilePack, correlate, effectiveLevel, feedsCorrelation, isEnabled, loadPack, matchRecord, type CompiledRule, type RulePack } from "./pack";
import { complianceRecord, eventRecord, spanRecord } from "./record";
import type { DetectionRecord, RuleHit, RuleLevel, TenantTuning } from "./types";

// What the evaluators (ingest hook, correlation job, backfill) need of the Sigma engine. They only
// ever reach it through detectionEngine(), so tests and benchmarks can run them with an engine of
// their own (setDetectionEngine); the app ships the pack's (lib/detections/pack.ts, record.ts).

export type { CompiledRule, RuleLoadError, RulePack } from "./pack";

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
  raw: JsonValue;
}

export interface DetectionEngine {
  loadPack(): RulePack;
  /** Matched field → value, or null (tuning exceptions applied). Single-event rules only. */
  matchRecord(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): Record<string, string> | null;
  /** Correlation rules: records ordered by time; pure, in memory. */
  correlate(rule: CompiledRule, records: DetectionRecord[], tuning: TenantTuning): RuleHit[];
  /**
   * Whether correlate() could use the record for this rule (it matches a base rule). The
   * correlation job keeps only such records of a run's context; without it, it keeps them all.
   */
  feedsCorrelation?(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): boolean;
  isEnabled(rule: CompiledRule, tuning: TenantTuning): boolean;
  effectiveLevel(rule: CompiledRule, tuning: TenantTuning): RuleLevel;
  /** null: a record no rule is about (another OTLP sender). */
  eventRecord(row: EventRow, person: string | null): DetectionRecord | null;
  spanRecord(row: SpanRow, person: string | null): DetectionRecord | null;
  complianceRecord(row: ComplianceActivityRow, person: string | null): DetectionRecord;
  /** Compiles rule files outside the pack (a rule previewed before it is added); pack.ts's compilePack. */
  compilePack?(files: { file: string; source: string }[]): RulePack;
}

/** The engine the app ships with: the Sigma pack of rules/. */
const shipped: DetectionEngine = { loadPack, compilePack, matchRecord, correlate, feedsCorrelation, isEnabled, effectiveLevel, eventRecord, spanRecord, complianceRecord };

const holder = globalThis as unknown as { __blindspotDetectionEngine?: DetectionEngine | null };

export function detectionEngine(): DetectionEngine | null {
  return holder.__blindspotDetectionEngine !== undefined ? holder.__blindspotDetectionEngine : shipped;
}

/** Tests (and benchmarks) run the evaluators with an engine of their own; null restores the shipped one. */
export function setDetectionEngine(engine: DetectionEngine | null): void {
  holder.__blindspotDetectionEngine = engine ?? undefined;
}
