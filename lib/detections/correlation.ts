import type pg from "pg";
import { withTransaction } from "@/lib/db/pool";
import { describeError } from "@/lib/ingest/db-errors";
import type { JobHandler } from "@/lib/jobs/scheduler";
import { recordHits } from "./alert-store";
import { detectionEngine, type CompiledRule, type DetectionEngine } from "./evaluator-contract";
import { byRecordTime, loadRecords, type TimedRecord } from "./stored-records";
import { loadTuning } from "./tuning";
import type { DetectionRecord, RuleHit, TenantTuning } from "./types";

// Correlation rules run as jobs (kind detections.correlate, one per tenant) on the shared job
// queue, over what arrived since each rule's watermark (detection_rule_state.watermark, by
// received_at). Each run:
//   1. locks the tenant's correlation-rule state rows (FOR UPDATE, in rule order): a second
//      worker evaluating the same tenant (the queue already prevents it; a lease that expired
//      mid-run could not) waits, then sees the advanced watermark and evaluates nothing twice;
//   2. takes the records received in [watermark, upTo) — upTo stays SETTLE_MS behind now, since
//      received_at is its transaction's start and a batch still committing must not be skipped;
//   3. loads the context around them by the records' own time (± the rule's timespan), so a
//      record arriving late still correlates with what arrived before it (the new records
//      themselves are not read again: only those received before the watermark are);
//   4. keeps the hits that contain at least one newly arrived record (older hits were raised by
//      earlier runs), stores them with recordHits and advances the watermarks, all in one
//      transaction: alerts and watermark commit together or not at all.
// A rule that throws is marked failing and keeps its watermark (it catches up once fixed).

type Db = Pick<pg.ClientBase, "query">;

export const CORRELATE_JOB_KIND = "detections.correlate";
/** How often each tenant's correlation rules run. */
export const CORRELATION_INTERVAL_MS = 30_000;
/** How far behind now a run stops (ingest transactions still open are not skipped). */
export const SETTLE_MS = 15_000;
/** A rule's first run looks this far back. */
export const FIRST_RUN_LOOKBACK_MS = 3_600_000;
/** Context around new records when a rule states no timespan, and the most any rule gets. */
export const DEFAULT_TIMESPAN_MS = 3_600_000;
export const MAX_CONTEXT_MS = 24 * 3_600_000;
/** Records taken per run and watermark group; the rest waits for the next run. */
export const MAX_NEW_RECORDS = 20_000;

export interface CorrelationReport {
  rules: number;
  newRecords: number;
  hits: number;
  created: number;
  failed: string[];
}

function contextMs(rule: CompiledRule): number {
  return Math.min(MAX_CONTEXT_MS, rule.correlation?.timespanMs ?? DEFAULT_TIMESPAN_MS);
}

/** End of this run's arrival range: `cutoff`, or earlier so that at most MAX_NEW_RECORDS are taken. */
async function upperBound(db: Db, tenantId: string, from: Date, cutoff: Date, maxNew: number): Promise<Date> {
  const r = await db.query<{ at: Date }>(
    `SELECT received_at AS at FROM (
       (SELECT received_at FROM events WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3 ORDER BY received_at LIMIT $4)
       UNION ALL (SELECT received_at FROM spans WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3 ORDER BY received_at LIMIT $4)
       UNION ALL (SELECT received_at FROM compliance_activities WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3 ORDER BY received_at LIMIT $4)
     ) x ORDER BY received_at OFFSET $5 LIMIT 1`,
    [tenantId, from.toISOString(), cutoff.toISOString(), maxNew + 1, maxNew],
  );
  const at = r.rows[0]?.at;
  // Records of one transaction share received_at: never split them (take them all).
  return at && at.getTime() > from.getTime() ? at : cutoff;
}

/** Hits of one rule over the context that involve at least one newly arrived record. */
function newHits(engine: DetectionEngine, rule: CompiledRule, tuning: TenantTuning, context: TimedRecord[], fresh: Set<string>): RuleHit[] {
  const hits = engine.correlate(rule, context.map((c) => c.record), tuning);
  return hits.filter((h) => h.evidence.some((e) => fresh.has(`${e.kind}\u0000${e.id}`)));
}

export interface CorrelationOptions {
  now?: Date;
  settleMs?: number;
  maxNewRecords?: number;
  signal?: AbortSignal;
}

/** One correlation pass over a tenant's enabled correlation rules (see the top of this file). */
export async function runCorrelations(tenantId: string, opts: CorrelationOptions = {}): Promise<CorrelationReport> {
  const report: CorrelationReport = { rules: 0, newRecords: 0, hits: 0, created: 0, failed: [] };
  const engine = detectionEngine();
  if (!engine) return report;
  return withTransaction(async (tx) => {
    const tuning = await loadTuning(tenantId, tx);
    const rules = engine.loadPack().rules.filter((r) => r.kind === "correlation" && engine.isEnabled(r, tuning)).sort((a, b) => (a.id < b.id ? -1 : 1));
    report.rules = rules.length;
    if (rules.length === 0) return report;
    const now = await tx.query<{ now: Date }>(`SELECT now() AS now`);
    const cutoff = new Date((opts.now ?? now.rows[0].now).getTime() - (opts.settleMs ?? SETTLE_MS));
    const ids = rules.map((r) => r.id);
    await tx.query(
      `INSERT INTO detection_rule_state (tenant_id, rule_id, watermark) SELECT $1, id, $3::timestamptz FROM unnest($2::text[]) AS id
       ON CONFLICT (tenant_id, rule_id) DO NOTHING`,
      [tenantId, ids, new Date(cutoff.getTime() - FIRST_RUN_LOOKBACK_MS).toISOString()],
    );
    const state = await tx.query<{ rule_id: string; watermark: Date | null }>(
      `SELECT rule_id, watermark FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = ANY($2::text[]) ORDER BY rule_id FOR UPDATE`,
      [tenantId, ids],
    );
    // Rules that stand at the same watermark share one read of the records.
    const groups = new Map<number, CompiledRule[]>();
    for (const s of state.rows) {
      const from = (s.watermark ?? new Date(cutoff.getTime() - FIRST_RUN_LOOKBACK_MS)).getTime();
      const rule = rules.find((r) => r.id === s.rule_id)!;
      groups.set(from, [...(groups.get(from) ?? []), rule]);
    }

    const hits: RuleHit[] = [];
    const advanced: { ids: string[]; to: Date }[] = [];
    const failed = new Map<string, string>();
    for (const [fromMs, group] of groups) {
      opts.signal?.throwIfAborted();
      const from = new Date(fromMs);
      if (from >= cutoff) continue;
      const upTo = await upperBound(tx, tenantId, from, cutoff, opts.maxNewRecords ?? MAX_NEW_RECORDS);
      // Only records a rule of the group can use matter, new or context: a hit's evidence holds
      // base-rule matches only. Keeping just those bounds memory by the matches, not by the
      // tenant's volume (the context spans up to a day of telemetry), read a page at a time.
      const feeds = engine.feedsCorrelation?.bind(engine);
      const keep = feeds ? (record: DetectionRecord) => group.some((rule) => feeds(rule, record, tuning)) : undefined;
      const loaded = await loadRecords(tx, engine, tenantId, { receivedFrom: from, receivedTo: upTo }, { keep });
      const arrived = loaded.records;
      report.newRecords += loaded.read;
      const ok: string[] = [];
      if (arrived.length) {
        const span = Math.max(...group.map(contextMs));
        const times = arrived.map((a) => a.record.time.getTime());
        // The context is every record within the span received before upTo: the new ones (all
        // inside the span, which is cut around their own times), already read and kept above,
        // and those received before `from`, read here. Reading the range up to upTo instead would
        // read and decode every new record a second time (measured: a third of the rows the
        // correlation job read per run under bench:ingest).
        const older = (await loadRecords(tx, engine, tenantId, {
          from: new Date(Math.min(...times) - span), to: new Date(Math.max(...times) + span + 1), receivedTo: from,
        }, { keep })).records;
        const context = [...arrived, ...older].sort(byRecordTime);
        const fresh = new Set(arrived.map((a) => `${a.record.kind}\u0000${a.record.id}`));
        for (const rule of group) {
          try {
            hits.push(...newHits(engine, rule, tuning, context, fresh));
            ok.push(rule.id);
          } catch (err) {
            failed.set(rule.id, `evaluation failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
          }
        }
      } else ok.push(...group.map((r) => r.id));
      advanced.push({ ids: ok, to: upTo });
    }

    report.created = (await recordHits(tx, tenantId, hits)).length;
    report.hits = hits.length;
    for (const a of advanced) {
      await tx.query(
        `UPDATE detection_rule_state SET watermark = $3, last_evaluated_at = now(), last_error = NULL, failing_since = NULL
          WHERE tenant_id = $1 AND rule_id = ANY($2::text[])`,
        [tenantId, a.ids, a.to.toISOString()],
      );
    }
    for (const [ruleId, reason] of failed) {
      console.error(`[detections] correlation rule ${ruleId} failing for tenant ${tenantId} (evaluation failed)`);
      await tx.query(
        `UPDATE detection_rule_state SET last_evaluated_at = now(), last_error = $3, failing_since = COALESCE(failing_since, now())
          WHERE tenant_id = $1 AND rule_id = $2`,
        [tenantId, ruleId, reason.slice(0, 500)],
      );
    }
    report.failed = [...failed.keys()];
    return report;
  });
}

export const correlateHandler: JobHandler = async ({ job, signal }) => {
  if (!job.tenantId) throw new Error(`${CORRELATE_JOB_KIND} job without a tenant`);
  try {
    return { ...(await runCorrelations(job.tenantId, { signal })) };
  } catch (err) {
    throw new Error(`correlation run failed: ${describeError(err)}`);
  }
};
