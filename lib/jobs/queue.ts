import type pg from "pg";
import { z } from "zod";
import { getPool, withTransaction } from "@/lib/db/pool";

// A Postgres job queue (table `jobs`). Several app instances share it safely:
// - claim: SELECT … FOR UPDATE SKIP LOCKED, so two workers never take the same job, with a lease
//   (locked_by / locked_until) that the worker extends while it runs; a job whose lease expired
//   (its worker died) goes back to the queue;
// - at most one queued job per tenant + kind (enqueue merges into it) and at most one running
//   (a queued job waits while a sibling holds a live lease), so a tenant is never pulled twice
//   at once. Enqueue and the lease reaper serialise per tenant + kind on an advisory lock.

type Db = Pick<pg.ClientBase, "query">;

export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface Job {
  id: number;
  tenantId: string | null;
  kind: string;
  status: JobStatus;
  runAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  attempts: number;
  payload: Record<string, unknown>;
  progress: Record<string, unknown>;
  lastError: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const jsonObject = z.record(z.string(), z.unknown()).catch({});

const jobRow = z.object({
  id: z.coerce.number(),
  tenant_id: z.string().nullable(),
  kind: z.string(),
  status: z.enum(["queued", "running", "done", "failed", "cancelled"]),
  run_at: z.date(),
  locked_by: z.string().nullable(),
  locked_until: z.date().nullable(),
  attempts: z.number(),
  payload: jsonObject,
  progress: jsonObject,
  last_error: z.string().nullable(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
});

function toJob(row: unknown): Job {
  const r = jobRow.parse(row);
  return {
    id: r.id, tenantId: r.tenant_id, kind: r.kind, status: r.status, runAt: r.run_at, lockedBy: r.locked_by, lockedUntil: r.locked_until,
    attempts: r.attempts, payload: r.payload, progress: r.progress, lastError: r.last_error, createdAt: r.created_at,
    startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

/** Serialises enqueue/requeue of one tenant + kind across connections and instances. */
async function lockKey(db: Db, tenantId: string | null, kind: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`jobs:${tenantId ?? ""}:${kind}`]);
}

export interface EnqueueInput {
  tenantId: string | null;
  kind: string;
  payload?: Record<string, unknown>;
  /** Default: now. */
  runAt?: Date;
}

/**
 * Adds a job, or merges into the tenant + kind's queued job: the earlier run time wins and the
 * payloads are merged (so "sync now" on top of a scheduled run makes it run now, forced).
 */
export async function enqueueJob(input: EnqueueInput): Promise<{ job: Job; created: boolean }> {
  return withTransaction(async (tx) => {
    await lockKey(tx, input.tenantId, input.kind);
    const runAt = input.runAt ?? null;
    const payload = JSON.stringify(input.payload ?? {});
    const merged = await tx.query(
      `UPDATE jobs SET run_at = LEAST(run_at, COALESCE($3::timestamptz, now())), payload = payload || $4::jsonb
       WHERE id = (SELECT id FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND kind = $2 AND status = 'queued' ORDER BY id LIMIT 1)
       RETURNING *`,
      [input.tenantId, input.kind, runAt, payload],
    );
    if (merged.rows[0]) return { job: toJob(merged.rows[0]), created: false };
    const inserted = await tx.query(
      `INSERT INTO jobs (tenant_id, kind, payload, run_at) VALUES ($1, $2, $3::jsonb, COALESCE($4::timestamptz, now())) RETURNING *`,
      [input.tenantId, input.kind, payload, runAt],
    );
    return { job: toJob(inserted.rows[0]), created: true };
  });
}

/**
 * Makes sure the tenant + kind has a queued or running job; when it has neither, queues one at
 * `runAt`. Used by the scheduler for periodic work (idempotent across instances).
 */
export async function ensureScheduled(input: EnqueueInput & { runAt: Date }): Promise<boolean> {
  return withTransaction(async (tx) => {
    await lockKey(tx, input.tenantId, input.kind);
    const existing = await tx.query(
      `SELECT 1 FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND kind = $2 AND status IN ('queued', 'running') LIMIT 1`,
      [input.tenantId, input.kind],
    );
    if (existing.rows.length) return false;
    await tx.query(`INSERT INTO jobs (tenant_id, kind, payload, run_at) VALUES ($1, $2, $3::jsonb, $4)`, [
      input.tenantId, input.kind, JSON.stringify(input.payload ?? {}), input.runAt,
    ]);
    return true;
  });
}

/** When the tenant + kind last finished (done or failed), for periodic scheduling. */
export async function lastFinishedAt(tenantId: string | null, kind: string): Promise<Date | null> {
  const { rows } = await getPool().query<{ at: Date | null }>(
    `SELECT max(finished_at) AS at FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND kind = $2 AND status IN ('done', 'failed')`,
    [tenantId, kind],
  );
  return rows[0]?.at ?? null;
}

/**
 * Jobs whose lease expired go back to the queue (or are dropped when a queued sibling already
 * stands in for them). Skips rows another worker holds.
 */
async function reapExpired(): Promise<number> {
  const { rows } = await getPool().query<{ id: number; tenant_id: string | null; kind: string }>(
    `SELECT id, tenant_id, kind FROM jobs WHERE status = 'running' AND locked_until < now() ORDER BY id LIMIT 20`,
  );
  let reaped = 0;
  for (const r of rows) {
    await withTransaction(async (tx) => {
      await lockKey(tx, r.tenant_id, r.kind);
      const res = await tx.query(
        `WITH target AS (SELECT id FROM jobs WHERE id = $1 AND status = 'running' AND locked_until < now() FOR UPDATE SKIP LOCKED)
         UPDATE jobs j SET
           status = CASE WHEN EXISTS (SELECT 1 FROM jobs s WHERE s.tenant_id IS NOT DISTINCT FROM j.tenant_id AND s.kind = j.kind AND s.status = 'queued')
                         THEN 'cancelled' ELSE 'queued' END,
           finished_at = CASE WHEN EXISTS (SELECT 1 FROM jobs s WHERE s.tenant_id IS NOT DISTINCT FROM j.tenant_id AND s.kind = j.kind AND s.status = 'queued')
                         THEN now() ELSE NULL END,
           locked_by = NULL, locked_until = NULL, run_at = now(),
           last_error = 'the worker running it stopped answering (lease expired)'
         FROM target WHERE j.id = target.id`,
        [r.id],
      );
      reaped += res.rowCount ?? 0;
    });
  }
  return reaped;
}

export interface ClaimOptions {
  workerId: string;
  /** Only these kinds (default: any). */
  kinds?: string[];
  limit?: number;
  leaseMs: number;
}

/**
 * Takes due jobs for this worker. FOR UPDATE SKIP LOCKED: concurrent claimers skip each other's
 * rows instead of waiting, so no job is handed out twice. A queued job whose tenant + kind has a
 * live running sibling stays queued until that one ends.
 */
export async function claimJobs(opts: ClaimOptions): Promise<Job[]> {
  await reapExpired();
  const { rows } = await getPool().query(
    `WITH candidate AS (
       SELECT j.id FROM jobs j
       WHERE j.status = 'queued' AND j.run_at <= now()
         AND ($2::text[] IS NULL OR j.kind = ANY($2::text[]))
         AND NOT EXISTS (
           SELECT 1 FROM jobs r
           WHERE r.status = 'running' AND r.locked_until >= now() AND r.kind = j.kind AND r.tenant_id IS NOT DISTINCT FROM j.tenant_id)
       ORDER BY j.run_at, j.id
       LIMIT $3
       FOR UPDATE OF j SKIP LOCKED
     )
     UPDATE jobs SET status = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $4::float8 / 1000),
       attempts = jobs.attempts + 1, started_at = now(), finished_at = NULL
     FROM candidate WHERE jobs.id = candidate.id
     RETURNING jobs.*`,
    [opts.workerId, opts.kinds ?? null, opts.limit ?? 1, opts.leaseMs],
  );
  return rows.map(toJob);
}

/** Extends the lease (and records progress when given); false when the lease was lost. */
export async function heartbeat(jobId: number, workerId: string, leaseMs: number, progress?: Record<string, unknown>): Promise<boolean> {
  const res = await getPool().query(
    `UPDATE jobs SET locked_until = now() + make_interval(secs => $3::float8 / 1000), progress = COALESCE($4::jsonb, progress)
     WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
    [jobId, workerId, leaseMs, progress === undefined ? null : JSON.stringify(progress)],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function completeJob(jobId: number, workerId: string, progress?: Record<string, unknown>): Promise<boolean> {
  const res = await getPool().query(
    `UPDATE jobs SET status = 'done', finished_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL,
       progress = COALESCE($3::jsonb, progress)
     WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
    [jobId, workerId, progress === undefined ? null : JSON.stringify(progress)],
  );
  return (res.rowCount ?? 0) > 0;
}

export interface FailOptions {
  maxAttempts: number;
  /** Delay before attempt n+1 (n = attempts so far). */
  backoffMs?: (attempts: number) => number;
}

export const defaultBackoff = (attempts: number) => Math.min(10 * 60_000, 15_000 * 2 ** Math.max(0, attempts - 1));

/**
 * A failed run: back to the queue after a backoff while attempts remain (unless a queued
 * sibling already stands in for it), else `failed`. `error` must be safe to show and store.
 */
export async function failJob(jobId: number, workerId: string, error: string, opts: FailOptions): Promise<JobStatus | null> {
  return withTransaction(async (tx) => {
    const cur = await tx.query<{ tenant_id: string | null; kind: string; attempts: number }>(
      `SELECT tenant_id, kind, attempts FROM jobs WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
      [jobId, workerId],
    );
    const job = cur.rows[0];
    if (!job) return null;
    await lockKey(tx, job.tenant_id, job.kind);
    const sibling = await tx.query(`SELECT 1 FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND kind = $2 AND status = 'queued' LIMIT 1`, [job.tenant_id, job.kind]);
    const retry = job.attempts < opts.maxAttempts && sibling.rows.length === 0;
    const delay = (opts.backoffMs ?? defaultBackoff)(job.attempts);
    await tx.query(
      `UPDATE jobs SET status = $3, last_error = $4, locked_by = NULL, locked_until = NULL,
         run_at = CASE WHEN $3 = 'queued' THEN now() + make_interval(secs => $5::float8 / 1000) ELSE run_at END,
         finished_at = CASE WHEN $3 = 'queued' THEN NULL ELSE now() END
       WHERE id = $1 AND locked_by = $2`,
      [jobId, workerId, retry ? "queued" : "failed", error.slice(0, 1000), delay],
    );
    return retry ? "queued" : "failed";
  });
}

/** Hands a running job back (this worker is stopping): it runs again soon, the attempt not counted. */
export async function releaseJob(jobId: number, workerId: string): Promise<void> {
  await withTransaction(async (tx) => {
    const cur = await tx.query<{ tenant_id: string | null; kind: string }>(`SELECT tenant_id, kind FROM jobs WHERE id = $1 AND locked_by = $2 AND status = 'running'`, [jobId, workerId]);
    const job = cur.rows[0];
    if (!job) return;
    await lockKey(tx, job.tenant_id, job.kind);
    const sibling = await tx.query(`SELECT 1 FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND kind = $2 AND status = 'queued' LIMIT 1`, [job.tenant_id, job.kind]);
    await tx.query(
      `UPDATE jobs SET status = $3, locked_by = NULL, locked_until = NULL, run_at = now(), attempts = GREATEST(attempts - 1, 0),
         finished_at = CASE WHEN $3 = 'cancelled' THEN now() ELSE NULL END, last_error = CASE WHEN $3 = 'cancelled' THEN 'stopped with the server' ELSE last_error END
       WHERE id = $1 AND locked_by = $2`,
      [jobId, workerId, sibling.rows.length ? "cancelled" : "queued"],
    );
  });
}

/** Queued and running jobs of a tenant (for status views). */
export async function activeJobs(tenantId: string, kind?: string): Promise<Job[]> {
  const { rows } = await getPool().query(
    `SELECT * FROM jobs WHERE tenant_id = $1 AND status IN ('queued', 'running') AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
    [tenantId, kind ?? null],
  );
  return rows.map(toJob);
}

/** The latest finished job of a tenant + kind. */
export async function lastFinishedJob(tenantId: string, kind: string): Promise<Job | null> {
  const { rows } = await getPool().query(
    `SELECT * FROM jobs WHERE tenant_id = $1 AND kind = $2 AND status IN ('done', 'failed', 'cancelled') ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1`,
    [tenantId, kind],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

/** Finished jobs are history; keep a week of it. */
export async function pruneFinishedJobs(olderThanDays = 7): Promise<number> {
  const res = await getPool().query(
    `DELETE FROM jobs WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  );
  return res.rowCount ?? 0;
}
