import { createHash, randomUUID } from "node:crypto";
import type pg from "pg";
import { insertUnnest, insertUnnestReturning } from "@/lib/db/unnest-insert";
import type { Evidence, RuleHit } from "./types";

// The alert write side. A hit becomes an alert, or adds to the alert of the same rule, group and
// window (dedup_key): one alert with a hit count, first/last seen, and its evidence (bounded per
// alert so a noisy rule cannot grow one alert without end). Runs on the caller's connection, so
// the ingest writer stores hits in the batch's own transaction.

type Db = Pick<pg.ClientBase, "query">;

/** Evidence rows kept per alert; later hits still count (hits, last_seen). */
export const MAX_EVIDENCE_PER_ALERT = 100;

/**
 * Same rule, same group, same window → the same alert. A single-event hit has no group-by: its
 * group is the person and session it belongs to (one alert per rule, person, session and window,
 * not one alert for everybody). Hashed: group values may be content, and keys stay short.
 */
export function dedupKeyOf(hit: Pick<RuleHit, "ruleId" | "groupKey" | "person" | "sessionId" | "windowStart">): string {
  const group = hit.groupKey !== null ? `g\u0000${hit.groupKey}` : `p\u0000${hit.person ?? ""}\u0000${hit.sessionId ?? ""}`;
  const digest = createHash("sha256").update(`${group}\u0000${hit.windowStart.toISOString()}`).digest("hex").slice(0, 32);
  return `${hit.ruleId}:${digest}`;
}

interface Pending {
  key: string;
  proposedId: string;
  first: RuleHit;
  hits: number;
  firstSeen: Date;
  lastSeen: Date;
  evidence: Map<string, Evidence>;
}

/**
 * Stores hits as alerts; returns the ids of the alerts this call created (hits that joined an
 * existing alert raise its count instead). Upserts in dedup-key order, so concurrent ingest
 * transactions lock alerts in the same order and cannot deadlock.
 */
export async function recordHits(db: Db, tenantId: string, hits: RuleHit[]): Promise<string[]> {
  if (hits.length === 0) return [];
  const byKey = new Map<string, Pending>();
  for (const hit of hits) {
    const key = dedupKeyOf(hit);
    let p = byKey.get(key);
    if (!p) {
      p = { key, proposedId: randomUUID(), first: hit, hits: 0, firstSeen: hit.firstSeen, lastSeen: hit.lastSeen, evidence: new Map() };
      byKey.set(key, p);
    }
    p.hits += 1;
    if (hit.firstSeen < p.firstSeen) p.firstSeen = hit.firstSeen;
    if (hit.lastSeen > p.lastSeen) p.lastSeen = hit.lastSeen;
    for (const e of hit.evidence) {
      if (p.evidence.size >= MAX_EVIDENCE_PER_ALERT) break;
      p.evidence.set(`${e.kind}\u0000${e.id}`, e);
    }
  }
  const pending = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const stored = await insertUnnestReturning<{ id: string; dedup_key: string }>(
    db, "alerts", { tenant_id: tenantId },
    [
      { name: "dedup_key", type: "text" }, { name: "id", type: "uuid" }, { name: "rule_id", type: "text" },
      { name: "rule_title", type: "text" }, { name: "level", type: "text" }, { name: "group_key", type: "text" },
      { name: "hits", type: "int4" }, { name: "window_start", type: "timestamptz" }, { name: "first_seen", type: "timestamptz" },
      { name: "last_seen", type: "timestamptz" }, { name: "service", type: "text" }, { name: "person", type: "text" },
      { name: "session_id", type: "text" }, { name: "prompt_id", type: "text" }, { name: "trace_id", type: "text" },
      { name: "matched", type: "jsonb" },
    ],
    pending.map((p) => [
      p.key, p.proposedId, p.first.ruleId, p.first.ruleTitle, p.first.level, p.first.groupKey, p.hits,
      p.first.windowStart.toISOString(), p.firstSeen.toISOString(), p.lastSeen.toISOString(), p.first.service,
      p.first.person, p.first.sessionId, p.first.promptId, p.first.traceId, p.first.matched,
    ]),
    `ON CONFLICT (tenant_id, dedup_key) DO UPDATE SET
       hits = alerts.hits + EXCLUDED.hits,
       first_seen = LEAST(alerts.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(alerts.last_seen, EXCLUDED.last_seen),
       updated_at = now()`,
    "id::text AS id, dedup_key",
  );
  const idOf = new Map(stored.map((r) => [r.dedup_key, r.id]));
  const created = pending.filter((p) => idOf.get(p.key) === p.proposedId).map((p) => p.proposedId);

  // Room left for evidence on alerts that existed before (new alerts have all of it).
  const existing = pending.filter((p) => idOf.get(p.key) !== p.proposedId).map((p) => idOf.get(p.key)!);
  const held = new Map<string, number>();
  if (existing.length) {
    const r = await db.query<{ alert_id: string; n: number }>(
      `SELECT alert_id::text AS alert_id, count(*)::int AS n FROM alert_evidence WHERE tenant_id = $1 AND alert_id = ANY($2::uuid[]) GROUP BY alert_id`,
      [tenantId, existing],
    );
    for (const row of r.rows) held.set(row.alert_id, row.n);
  }
  const evidenceRows = [];
  for (const p of pending) {
    const alertId = idOf.get(p.key);
    if (!alertId) continue;
    const room = MAX_EVIDENCE_PER_ALERT - (held.get(alertId) ?? 0);
    for (const e of [...p.evidence.values()].slice(0, Math.max(0, room))) {
      evidenceRows.push([alertId, e.kind, e.id, e.time.toISOString(), e.sessionId, e.promptId, e.name]);
    }
  }
  await insertUnnest(
    db, "alert_evidence", { tenant_id: tenantId },
    [
      { name: "alert_id", type: "uuid" }, { name: "kind", type: "text" }, { name: "record_id", type: "text" },
      { name: "time", type: "timestamptz" }, { name: "session_id", type: "text" }, { name: "prompt_id", type: "text" },
      { name: "name", type: "text" },
    ],
    evidenceRows, "ON CONFLICT DO NOTHING", 3,
  );
  return created;
}

/**
 * A rule's evaluation failed: keep why (shown to admins on the rules page) and since when. The
 * reason is the engine's error message, cut short; callers never pass telemetry values in it.
 */
export async function markRuleFailing(db: Db, tenantId: string, ruleId: string, reason: string): Promise<void> {
  await db.query(
    `INSERT INTO detection_rule_state (tenant_id, rule_id, last_evaluated_at, last_error, failing_since)
     VALUES ($1, $2, now(), $3, now())
     ON CONFLICT (tenant_id, rule_id) DO UPDATE SET last_evaluated_at = now(), last_error = EXCLUDED.last_error,
       failing_since = COALESCE(detection_rule_state.failing_since, now())`,
    [tenantId, ruleId, reason.slice(0, 500)],
  );
}

/** Rules that evaluated fine again after failing. */
export async function markRulesHealthy(db: Db, tenantId: string, ruleIds: string[]): Promise<void> {
  if (ruleIds.length === 0) return;
  await db.query(
    `UPDATE detection_rule_state SET last_error = NULL, failing_since = NULL, last_evaluated_at = now()
      WHERE tenant_id = $1 AND rule_id = ANY($2::text[]) AND last_error IS NOT NULL`,
    [tenantId, ruleIds],
  );
}

/** Rule ids currently marked failing for a tenant. */
export async function failingRules(db: Db, tenantId: string): Promise<Set<string>> {
  const r = await db.query<{ rule_id: string }>(`SELECT rule_id FROM detection_rule_state WHERE tenant_id = $1 AND last_error IS NOT NULL`, [tenantId]);
  return new Set(r.rows.map((x) => x.rule_id));
}
