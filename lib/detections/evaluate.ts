import type pg from "pg";
import { describeError } from "@/lib/ingest/db-errors";
import { personKey, type PersonIdentifiers } from "@/lib/domain/person";
import { processSingleton } from "@/lib/process-singleton";
import type { EventRow, SpanRow } from "@/lib/sources/model";
import { failingRules, markRuleFailing, markRulesHealthy, recordHits } from "./alert-store";
import { detectionEngine, type ComplianceActivityRow, type CompiledRule, type DetectionEngine } from "./evaluator-contract";
import { recordEvidence } from "./pack";
import { loadTuning } from "./tuning";
import type { DetectionRecord, RuleHit, TenantTuning } from "./types";

// Single-event rules, evaluated on the records a transaction has just stored (an OTLP batch, a
// page of Compliance activities), on the same connection and in the same transaction: the hits
// commit with the records or not at all. Nothing here may fail the caller: a rule that throws is
// marked failing (detection_rule_state) and the others go on; an alert write that fails is rolled
// back to a savepoint, so the records themselves still commit and the sender is acknowledged.
// Telemetry values never reach the log: only rule ids, counts and error classes do.

type Db = Pick<pg.ClientBase, "query">;

/** Dedup window of single-event hits: one alert per rule, person, session and hour. */
export const EVENT_WINDOW_MS = 3600_000;

/** How long a tenant's tuning (and its list of failing rules) is reused by the ingest path. */
export const TUNING_TTL_MS = 5_000;

/** The person key of a stored record (lib/domain/person.ts: the one key every page groups by), null when unattributed. */
export function personOf(row: PersonIdentifiers): string | null {
  return personKey(row) || null;
}

/** The person key of a Compliance activity's actor: the same key as telemetry (its user id is the tagged account id). */
export function activityPerson(row: Pick<ComplianceActivityRow, "actorEmail" | "actorUserId" | "actorAccountUuid">): string | null {
  return personOf({ userEmail: row.actorEmail, accountUuid: row.actorAccountUuid, accountId: row.actorUserId });
}

export interface FreshRecords {
  events?: EventRow[];
  spans?: SpanRow[];
  activities?: ComplianceActivityRow[];
}

interface CachedTuning {
  tuning: TenantTuning;
  failing: Set<string>;
  at: number;
}

const tuningCache = processSingleton("detectionTuning", () => new Map<string, CachedTuning>());

async function cachedTuning(db: Db, tenantId: string): Promise<CachedTuning> {
  const hit = tuningCache.get(tenantId);
  if (hit && Date.now() - hit.at < TUNING_TTL_MS) return hit;
  // One after the other: db is the ingest transaction's connection (one query at a time).
  const tuning = await loadTuning(tenantId, db);
  const failing = await failingRules(db, tenantId);
  const fresh = { tuning, failing, at: Date.now() };
  tuningCache.set(tenantId, fresh);
  return fresh;
}

/** Forget cached tuning (a setting changed here, or tests). */
export function clearTuningCache(tenantId?: string): void {
  if (tenantId) tuningCache.delete(tenantId);
  else tuningCache.clear();
}

/** Records as the rules see them; a record the engine cannot read is skipped, not fatal. */
export function toRecords(engine: DetectionEngine, fresh: FreshRecords): { records: DetectionRecord[]; unreadable: number } {
  const records: DetectionRecord[] = [];
  let unreadable = 0;
  const add = (make: () => DetectionRecord | null) => {
    try {
      const record = make();
      if (record) records.push(record);
    } catch {
      unreadable += 1;
    }
  };
  for (const e of fresh.events ?? []) add(() => engine.eventRecord(e, personOf(e)));
  for (const s of fresh.spans ?? []) add(() => engine.spanRecord(s, personOf(s)));
  for (const a of fresh.activities ?? []) add(() => engine.complianceRecord(a, activityPerson(a)));
  return { records, unreadable };
}

/** The hit a single-event rule makes on one record. */
export function eventHit(engine: DetectionEngine, rule: CompiledRule, tuning: TenantTuning, record: DetectionRecord, matched: Record<string, string>): RuleHit {
  return {
    ruleId: rule.id,
    ruleTitle: rule.title,
    level: engine.effectiveLevel(rule, tuning),
    service: record.service,
    groupKey: null,
    windowStart: new Date(Math.floor(record.time.getTime() / EVENT_WINDOW_MS) * EVENT_WINDOW_MS),
    person: record.person,
    sessionId: record.sessionId,
    promptId: record.promptId,
    traceId: record.traceId,
    firstSeen: record.time,
    lastSeen: record.time,
    matched,
    evidence: [recordEvidence(record)],
  };
}

export interface RuleRun {
  hits: RuleHit[];
  /** Rule id → why its evaluation failed (the engine's message, never a record's values). */
  failed: Map<string, string>;
  /** Rules that ran to the end. */
  ran: string[];
}

/** Runs each single-event rule over the records; one rule's failure never stops the others. */
export function matchEventRules(engine: DetectionEngine, rules: CompiledRule[], tuning: TenantTuning, records: DetectionRecord[]): RuleRun {
  const out: RuleRun = { hits: [], failed: new Map(), ran: [] };
  for (const rule of rules) {
    const hits: RuleHit[] = [];
    try {
      for (const record of records) {
        if (record.service !== rule.service) continue;
        const matched = engine.matchRecord(rule, record, tuning);
        if (matched) hits.push(eventHit(engine, rule, tuning, record, matched));
      }
    } catch (err) {
      out.failed.set(rule.id, `evaluation failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      continue;
    }
    out.ran.push(rule.id);
    out.hits.push(...hits);
  }
  return out;
}

/** The enabled single-event rules of the pack for a tenant. */
export function enabledEventRules(engine: DetectionEngine, tuning: TenantTuning): CompiledRule[] {
  return engine.loadPack().rules.filter((r) => r.kind === "event" && engine.isEnabled(r, tuning));
}

let savepointSeq = 0;

/** Runs fn inside a savepoint: on error the transaction is rolled back to it and goes on. */
async function inSavepoint(db: Db, fn: () => Promise<void>): Promise<unknown> {
  const name = `detections_${++savepointSeq}`;
  try {
    await db.query(`SAVEPOINT ${name}`);
  } catch (err) {
    return err; // not in a transaction (a caller's bug) or the connection is gone: nothing to undo
  }
  try {
    await fn();
    await db.query(`RELEASE SAVEPOINT ${name}`);
    return null;
  } catch (err) {
    await db.query(`ROLLBACK TO SAVEPOINT ${name}`);
    await db.query(`RELEASE SAVEPOINT ${name}`);
    return err;
  }
}

export interface EvaluationSummary {
  rules: number;
  hits: number;
  created: string[];
  failed: string[];
}

/**
 * Evaluates the tenant's enabled single-event rules on freshly stored records inside the caller's
 * transaction. Never throws for a rule or an alert write; a database that is gone altogether
 * still fails the caller's own COMMIT, as it would have anyway.
 */
export async function evaluateFresh(db: Db, tenantId: string, fresh: FreshRecords): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = { rules: 0, hits: 0, created: [], failed: [] };
  const engine = detectionEngine();
  if (!engine) return summary;
  const count = (fresh.events?.length ?? 0) + (fresh.spans?.length ?? 0) + (fresh.activities?.length ?? 0);
  if (count === 0) return summary;

  let cached: CachedTuning;
  let rules: CompiledRule[];
  let run: RuleRun;
  try {
    cached = await cachedTuning(db, tenantId);
    rules = enabledEventRules(engine, cached.tuning);
    summary.rules = rules.length;
    if (rules.length === 0) return summary;
    const { records, unreadable } = toRecords(engine, fresh);
    if (unreadable) console.warn(`[detections] ${unreadable} record(s) of tenant ${tenantId} could not be read by the rule engine`);
    run = matchEventRules(engine, rules, cached.tuning, records);
  } catch (err) {
    // Tuning could not be read or the pack could not load: skip this batch's evaluation.
    console.error(`[detections] evaluation skipped for tenant ${tenantId}: ${describeError(err)}`);
    return summary;
  }

  const failed = new Map(run.failed);
  if (run.hits.length) {
    const writeError = await inSavepoint(db, async () => {
      summary.created = await recordHits(db, tenantId, run.hits);
    });
    if (writeError) {
      summary.created = [];
      const reason = `alert write failed: ${describeError(writeError)}`;
      for (const id of new Set(run.hits.map((h) => h.ruleId))) failed.set(id, reason);
    } else summary.hits = run.hits.length;
  }

  const healed = run.ran.filter((id) => cached.failing.has(id) && !failed.has(id));
  if (failed.size || healed.length) {
    for (const [ruleId, reason] of failed) console.error(`[detections] rule ${ruleId} failing for tenant ${tenantId} (${reason.split(":")[0]})`);
    const stateError = await inSavepoint(db, async () => {
      for (const [ruleId, reason] of [...failed].sort(([a], [b]) => (a < b ? -1 : 1))) await markRuleFailing(db, tenantId, ruleId, reason);
      await markRulesHealthy(db, tenantId, healed);
    });
    if (stateError) console.error(`[detections] could not record rule health for tenant ${tenantId}: ${describeError(stateError)}`);
    for (const id of failed.keys()) cached.failing.add(id);
    for (const id of healed) cached.failing.delete(id);
  }
  summary.failed = [...failed.keys()];
  return summary;
}
