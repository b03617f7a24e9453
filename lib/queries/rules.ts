import { getPool } from "@/lib/db/pool";

// What the rules page shows beside each rule: its alerts over the last days (hits per day, from
// the alerts table) and its evaluation health (detection_rule_state).

export const ACTIVITY_DAYS = 30;

export interface RuleActivity {
  hits: number;
  alerts: number;
  /** Hits per day, oldest first, ACTIVITY_DAYS entries ending today (UTC). */
  perDay: number[];
}

export interface RuleHealth {
  lastEvaluatedAt: Date | null;
  lastError: string | null;
  failingSince: Date | null;
}

export async function ruleActivity(tenantId: string, now = new Date(), ruleId?: string): Promise<Map<string, RuleActivity>> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (ACTIVITY_DAYS - 1) * 86_400_000);
  const { rows } = await getPool().query<{ rule_id: string; day: Date; hits: string; alerts: string }>(
    `SELECT rule_id, date_trunc('day', last_seen AT TIME ZONE 'UTC') AS day, SUM(hits)::text AS hits, COUNT(*)::text AS alerts
       FROM alerts WHERE tenant_id = $1 AND last_seen >= $2 ${ruleId ? "AND rule_id = $3" : ""}
      GROUP BY rule_id, day`,
    ruleId ? [tenantId, start, ruleId] : [tenantId, start],
  );
  const out = new Map<string, RuleActivity>();
  for (const r of rows) {
    let a = out.get(r.rule_id);
    if (!a) out.set(r.rule_id, (a = { hits: 0, alerts: 0, perDay: new Array(ACTIVITY_DAYS).fill(0) }));
    const day = new Date(`${new Date(r.day).toISOString().slice(0, 10)}T00:00:00Z`);
    const i = Math.round((day.getTime() - start.getTime()) / 86_400_000);
    if (i >= 0 && i < ACTIVITY_DAYS) a.perDay[i] += Number(r.hits);
    a.hits += Number(r.hits);
    a.alerts += Number(r.alerts);
  }
  return out;
}

export async function ruleHealth(tenantId: string): Promise<Map<string, RuleHealth>> {
  const { rows } = await getPool().query<{ rule_id: string; last_evaluated_at: Date | null; last_error: string | null; failing_since: Date | null }>(
    `SELECT rule_id, last_evaluated_at, last_error, failing_since FROM detection_rule_state WHERE tenant_id = $1`, [tenantId],
  );
  return new Map(rows.map((r) => [r.rule_id, { lastEvaluatedAt: r.last_evaluated_at, lastError: r.last_error, failingSince: r.failing_since }]));
}

export interface AllowlistEntry {
  list: string;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

export async function allowlistEntries(tenantId: string): Promise<AllowlistEntry[]> {
  const { rows } = await getPool().query<{ list: string; value: string; reason: string; created_by: string; created_at: Date }>(
    `SELECT list, value, reason, created_by, created_at FROM detection_allowlist WHERE tenant_id = $1 ORDER BY list, value`, [tenantId],
  );
  return rows.map((r) => ({ list: r.list, value: r.value, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at }));
}
