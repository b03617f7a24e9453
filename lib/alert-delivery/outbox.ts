import type pg from "pg";
import { getPool, withTransaction } from "@/lib/db/pool";

// The webhook outbox (table alert_deliveries): one row per alert to send, kept until delivered
// or given up, so a restart loses nothing. It is filled by following alerts.seq with a cursor
// stored on the webhook, decoupled from whatever writes alerts (ingest, correlation jobs,
// backfill).
//
// Sequence values are taken when a row is inserted but become visible when its transaction
// commits, so seq 11 may appear after seq 12 was already seen; and upserts that hit an existing
// alert burn values that never appear. So the fill inserts a delivery for every visible alert
// above the cursor that has none yet (the unique (tenant, alert) key makes a repeat a no-op), and
// the cursor moves only over a gap-free run of seqs, or over gaps older than HORIZON_GRACE_MS:
// a missing seq below one seen that long ago belongs to a transaction that rolled back (or has
// been open that long, far beyond any alert write).

type Db = Pick<pg.ClientBase, "query">;

export const HORIZON_GRACE_MS = 10 * 60_000;
/** Alerts added to the outbox per fill (the next fill takes the rest). */
const FILL_BATCH = 1000;
/** A delivery still failing this long after it was queued is given up. */
export const GIVE_UP_AFTER_MS = 24 * 3600_000;

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** Adds the tenant's new alerts to the outbox; returns how many were added. */
export async function fillOutbox(tenantId: string, now = new Date()): Promise<number> {
  return withTransaction(async (tx) => {
    const w = await tx.query<{ cursor_seq: number; horizon_seq: number; horizon_at: Date; enabled: boolean }>(
      `SELECT cursor_seq, horizon_seq, horizon_at, enabled FROM alert_webhooks WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    const hook = w.rows[0];
    if (!hook?.enabled) return 0;
    const inserted = await tx.query<{ alert_seq: number }>(
      `INSERT INTO alert_deliveries (tenant_id, id, alert_id, alert_seq, next_attempt_at, queued_at)
       SELECT a.tenant_id, gen_random_uuid(), a.id, a.seq,
              -- While the receiver is failing, new deliveries wait behind the retry like the rest.
              GREATEST($3::timestamptz, (SELECT max(p.next_attempt_at) FROM alert_deliveries p WHERE p.tenant_id = $1 AND p.status = 'pending')), $3
         FROM alerts a
        WHERE a.tenant_id = $1 AND a.seq > $2
          AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.tenant_id = a.tenant_id AND d.alert_id = a.id)
        ORDER BY a.seq LIMIT ${FILL_BATCH}
       ON CONFLICT (tenant_id, alert_id) DO NOTHING
       RETURNING alert_seq`,
      [tenantId, hook.cursor_seq, now],
    );
    // Every visible alert up to `covered` now has its delivery.
    const covered = inserted.rows.length === FILL_BATCH ? Math.max(...inserted.rows.map((r) => r.alert_seq)) : Number.MAX_SAFE_INTEGER;
    const seqs = await tx.query<{ seq: number }>(
      `SELECT seq FROM alerts WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT 5000`,
      [tenantId, hook.cursor_seq, covered],
    );
    let cursor = hook.cursor_seq;
    for (const { seq } of seqs.rows) {
      if (seq !== cursor + 1) break;
      cursor = seq;
    }
    let horizonSeq = hook.horizon_seq;
    let horizonAt = hook.horizon_at;
    if (horizonSeq > cursor && now.getTime() - horizonAt.getTime() >= HORIZON_GRACE_MS) cursor = Math.max(cursor, Math.min(horizonSeq, covered));
    if (horizonSeq <= cursor || now.getTime() - horizonAt.getTime() >= HORIZON_GRACE_MS) {
      const newest = await tx.query<{ seq: number | null }>(`SELECT max(seq)::bigint AS seq FROM alerts WHERE tenant_id = $1`, [tenantId]);
      horizonSeq = Math.max(cursor, newest.rows[0]?.seq ?? 0);
      horizonAt = now;
    }
    await tx.query(`UPDATE alert_webhooks SET cursor_seq = $2, horizon_seq = $3, horizon_at = $4 WHERE tenant_id = $1`, [tenantId, cursor, horizonSeq, horizonAt]);
    return inserted.rows.length;
  });
}

export interface DueDelivery {
  id: string;
  alertId: string;
  alertSeq: number;
  attempts: number;
  queuedAt: Date;
}

/** Pending deliveries whose time has come, oldest alert first. */
export async function dueDeliveries(tenantId: string, limit: number, now = new Date(), db: Db = getPool()): Promise<DueDelivery[]> {
  const { rows } = await db.query<{ id: string; alert_id: string; alert_seq: number; attempts: number; queued_at: Date }>(
    `SELECT id, alert_id, alert_seq, attempts, queued_at FROM alert_deliveries
      WHERE tenant_id = $1 AND status = 'pending' AND next_attempt_at <= $2 ORDER BY alert_seq, id LIMIT $3`,
    [tenantId, now, limit],
  );
  return rows.map((r) => ({ id: r.id, alertId: r.alert_id, alertSeq: r.alert_seq, attempts: r.attempts, queuedAt: r.queued_at }));
}

export async function markDelivered(tenantId: string, id: string, status: number, now = new Date()): Promise<void> {
  await getPool().query(
    `UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = $3, last_status = $4, last_error = NULL, delivered_at = $3
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, now, status],
  );
}

/**
 * A failed attempt. The delivery is retried at `retryAt`, and so is every other due delivery of
 * the tenant (the receiver is failing: do not hammer it with the rest meanwhile); past
 * GIVE_UP_AFTER_MS since it was queued it is given up, with every other pending delivery as old.
 */
export async function markAttemptFailed(
  tenantId: string,
  delivery: DueDelivery,
  failure: { status: number | null; error: string },
  retryAt: Date,
  now = new Date(),
): Promise<DeliveryStatus> {
  const giveUp = now.getTime() - delivery.queuedAt.getTime() >= GIVE_UP_AFTER_MS;
  const error = failure.error.slice(0, 500);
  await withTransaction(async (tx) => {
    await tx.query(
      `UPDATE alert_deliveries SET status = $3, attempts = attempts + 1, last_attempt_at = $4, last_status = $5, last_error = $6, next_attempt_at = $7
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, delivery.id, giveUp ? "failed" : "pending", now, failure.status, error, retryAt],
    );
    if (giveUp) {
      await tx.query(
        `UPDATE alert_deliveries SET status = 'failed', last_error = COALESCE(last_error, $3) WHERE tenant_id = $1 AND status = 'pending' AND queued_at <= $2`,
        [tenantId, new Date(now.getTime() - GIVE_UP_AFTER_MS), `given up: ${error}`],
      );
    } else {
      await tx.query(
        `UPDATE alert_deliveries SET next_attempt_at = $2 WHERE tenant_id = $1 AND status = 'pending' AND next_attempt_at < $2`,
        [tenantId, retryAt],
      );
    }
  });
  return giveUp ? "failed" : "pending";
}

/** An admin's "retry failed deliveries": back to pending, due now, with a fresh give-up clock. */
export async function retryFailedDeliveries(tenantId: string): Promise<number> {
  const res = await getPool().query(
    `UPDATE alert_deliveries SET status = 'pending', next_attempt_at = now(), queued_at = now() WHERE tenant_id = $1 AND status = 'failed'`,
    [tenantId],
  );
  return res.rowCount ?? 0;
}

/** Delivered rows are history: keep 30 days of it. */
export async function pruneDelivered(olderThanDays = 30): Promise<number> {
  const res = await getPool().query(`DELETE FROM alert_deliveries WHERE status = 'delivered' AND delivered_at < now() - make_interval(days => $1)`, [olderThanDays]);
  return res.rowCount ?? 0;
}

/** What the scheduler needs per enabled webhook: new alerts to queue, or the next retry time. */
export async function webhooksWithWork(): Promise<{ tenantId: string; fresh: boolean; nextDue: Date | null }[]> {
  const { rows } = await getPool().query<{ tenant_id: string; fresh: boolean; next_due: Date | null }>(
    `SELECT w.tenant_id,
            EXISTS (SELECT 1 FROM alerts a WHERE a.tenant_id = w.tenant_id AND a.seq > w.cursor_seq
                      AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.tenant_id = a.tenant_id AND d.alert_id = a.id)) AS fresh,
            (SELECT min(next_attempt_at) FROM alert_deliveries d WHERE d.tenant_id = w.tenant_id AND d.status = 'pending') AS next_due
       FROM alert_webhooks w WHERE w.enabled ORDER BY w.tenant_id`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, fresh: r.fresh, nextDue: r.next_due }));
}

// ---- state for the settings page ------------------------------------------------------------------

export interface DeliveryView {
  id: string;
  alertId: string;
  ruleTitle: string | null;
  level: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface DeliveryState {
  pending: number;
  failed: number;
  delivered24h: number;
  lastSuccessAt: string | null;
  lastError: { at: string; status: number | null; error: string } | null;
  nextAttemptAt: string | null;
  recent: DeliveryView[];
}

export async function deliveryState(tenantId: string, now = new Date()): Promise<DeliveryState> {
  const pool = getPool();
  const counts = await pool.query<{ pending: number; failed: number; delivered: number; last_success: Date | null; next_due: Date | null }>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            count(*) FILTER (WHERE status = 'delivered' AND delivered_at > $2::timestamptz - interval '24 hours')::int AS delivered,
            max(delivered_at) AS last_success,
            min(next_attempt_at) FILTER (WHERE status = 'pending') AS next_due
       FROM alert_deliveries WHERE tenant_id = $1`,
    [tenantId, now],
  );
  const lastError = await pool.query<{ last_attempt_at: Date; last_status: number | null; last_error: string }>(
    `SELECT last_attempt_at, last_status, last_error FROM alert_deliveries
      WHERE tenant_id = $1 AND last_error IS NOT NULL AND last_attempt_at IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1`,
    [tenantId],
  );
  const recent = await pool.query<{
    id: string; alert_id: string; rule_title: string | null; level: string | null; status: DeliveryStatus; attempts: number;
    last_attempt_at: Date | null; last_status: number | null; last_error: string | null; next_attempt_at: Date; delivered_at: Date | null;
  }>(
    `SELECT d.id, d.alert_id, a.rule_title, a.level, d.status, d.attempts, d.last_attempt_at, d.last_status, d.last_error, d.next_attempt_at, d.delivered_at
       FROM alert_deliveries d LEFT JOIN alerts a ON a.tenant_id = d.tenant_id AND a.id = d.alert_id
      WHERE d.tenant_id = $1 ORDER BY d.alert_seq DESC LIMIT 20`,
    [tenantId],
  );
  const c = counts.rows[0];
  const e = lastError.rows[0];
  return {
    pending: c?.pending ?? 0,
    failed: c?.failed ?? 0,
    delivered24h: c?.delivered ?? 0,
    lastSuccessAt: c?.last_success?.toISOString() ?? null,
    lastError: e ? { at: e.last_attempt_at.toISOString(), status: e.last_status, error: e.last_error } : null,
    nextAttemptAt: c?.next_due?.toISOString() ?? null,
    recent: recent.rows.map((r) => ({
      id: r.id, alertId: r.alert_id, ruleTitle: r.rule_title, level: r.level, status: r.status, attempts: r.attempts,
      lastAttemptAt: r.last_attempt_at?.toISOString() ?? null, lastStatus: r.last_status, lastError: r.last_error,
      nextAttemptAt: r.status === "pending" ? r.next_attempt_at.toISOString() : null, deliveredAt: r.delivered_at?.toISOString() ?? null,
    })),
  };
}
