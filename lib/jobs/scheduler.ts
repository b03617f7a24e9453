import { randomBytes } from "node:crypto";
import os from "node:os";
import { ALERT_DELIVERY_JOB_KIND, alertDeliveryHandler, scheduleAlertDeliveries } from "@/lib/alert-delivery/deliver";
import { pruneDelivered } from "@/lib/alert-delivery/outbox";
import { applyEnvironmentWebhook } from "@/lib/alert-delivery/webhook-config";
import { applyEnvironmentConnector, enabledConnectors } from "@/lib/compliance/connector-config";
import { SYNC_JOB_KIND } from "@/lib/compliance/sync/catalog";
import { runComplianceSync, type SyncReport } from "@/lib/compliance/sync/engine";
import { CORRELATE_JOB_KIND, CORRELATION_INTERVAL_MS, correlateHandler } from "@/lib/detections/correlation";
import { detectionEngine } from "@/lib/detections/evaluator-contract";
import { PARTITION_INTERVAL_MS, PARTITION_JOB_KIND, partitionJobHandler } from "@/lib/db/partitions";
import { getPool } from "@/lib/db/pool";
import { describeError } from "@/lib/ingest/db-errors";
import { RESCAN_JOB_KIND, rescanHandler } from "@/lib/secrets/rescan";
import { ERASE_JOB_KIND, eraseJobHandler } from "@/lib/privacy/erase";
import { RETENTION_INTERVAL_MS, RETENTION_JOB_KIND, retentionJobHandler, tenantsWithRetention } from "@/lib/privacy/retention";
import { claimJobs, completeJob, enqueueJob, ensureScheduled, failJob, heartbeat, lastFinishedAt, pruneFinishedJobs, releaseJob, type Job } from "./queue";

// The in-process background loop, started by instrumentation.ts in every app instance. Every
// tick it (1) makes sure each enabled Compliance connector has its next pull queued (one poll
// interval after the last one finished), (2) that each tenant has its detection correlation run
// queued (lib/detections/correlation.ts), that each tenant with a retention setting has its nightly
// pass queued (lib/privacy/retention.ts), that the instance's partition upkeep is queued
// (lib/db/partitions.ts: daily partitions created ahead) and (3) claims due jobs from the shared Postgres queue
// and runs them, extending their lease while they run. Instances coordinate only through the
// jobs table, so adding instances never pulls a tenant twice. stop() aborts running jobs and
// hands them back to the queue.

export interface JobContext {
  job: Job;
  signal: AbortSignal;
  /** Records progress (throttled) and extends the lease. */
  progress(p: Record<string, unknown>): void;
}

export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown> | void>;

export interface SchedulerOptions {
  workerId?: string;
  tickMs?: number;
  leaseMs?: number;
  /** Jobs run at once by this instance. */
  concurrency?: number;
  maxAttempts?: number;
  handlers?: Record<string, JobHandler>;
  /** Queue each enabled connector's first pull immediately (default true). */
  pullOnStart?: boolean;
  /** On SIGTERM/SIGINT abort running jobs and hand them back (Next.js itself exits the process). */
  stopOnSignals?: boolean;
  log?: (line: string) => void;
}

export interface Scheduler {
  readonly workerId: string;
  /** One pass: schedule, claim, start jobs (tests drive it directly). */
  tick(): Promise<void>;
  /** Jobs this instance is running. */
  running(): number[];
  /** Resolves when every running job has settled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Compact, content-free summary of a sync for the job row and the log. */
function summarize(report: SyncReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report)
      .filter(([, r]) => r.ran || r.error)
      .map(([stream, r]) => [stream, { pages: r.pages, fetched: r.fetched, stored: r.stored, ...(r.error ? { error: r.error, errorCategory: r.errorCategory } : {}) }]),
  );
}

export const complianceSyncHandler: JobHandler = async ({ job, signal, progress }) => {
  if (!job.tenantId) throw new Error("compliance.sync job without a tenant");
  const report = await runComplianceSync({
    tenantId: job.tenantId,
    force: job.payload.force === true,
    signal,
    onProgress: (p) => progress({ stream: p.stream, pages: p.pages, fetched: p.fetched, stored: p.stored }),
  });
  return { done: true, streams: summarize(report) };
};

export const DEFAULT_HANDLERS: Record<string, JobHandler> = {
  [SYNC_JOB_KIND]: complianceSyncHandler,
  [ALERT_DELIVERY_JOB_KIND]: alertDeliveryHandler(),
  [CORRELATE_JOB_KIND]: correlateHandler,
  [RESCAN_JOB_KIND]: rescanHandler(),
  [ERASE_JOB_KIND]: eraseJobHandler,
  [RETENTION_JOB_KIND]: retentionJobHandler,
  [PARTITION_JOB_KIND]: partitionJobHandler,
};

export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const concurrency = options.concurrency ?? 2;
  const maxAttempts = options.maxAttempts ?? 5;
  const handlers = options.handlers ?? DEFAULT_HANDLERS;
  const log = options.log ?? ((line: string) => console.log(`[jobs] ${line}`));
  const running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  let lastPrune = 0;
  let lastDetectionSchedule = 0;
  let lastRetentionSchedule = 0;
  let lastPartitionSchedule = 0;
  let stopped = false;

  async function scheduleConnectors(): Promise<void> {
    for (const c of await enabledConnectors()) {
      const last = await lastFinishedAt(c.tenantId, SYNC_JOB_KIND);
      const runAt = last ? new Date(last.getTime() + c.pollSeconds * 1000) : new Date();
      await ensureScheduled({ tenantId: c.tenantId, kind: SYNC_JOB_KIND, runAt });
    }
  }

  /** Each tenant's correlation rules run every CORRELATION_INTERVAL_MS (when the pack has any). */
  async function scheduleDetections(): Promise<void> {
    if (!handlers[CORRELATE_JOB_KIND] || Date.now() - lastDetectionSchedule < CORRELATION_INTERVAL_MS / 2) return;
    lastDetectionSchedule = Date.now();
    const engine = detectionEngine();
    if (!engine || !engine.loadPack().rules.some((r) => r.kind === "correlation")) return;
    const tenants = await getPool().query<{ id: string }>(`SELECT id FROM tenants ORDER BY id`);
    for (const t of tenants.rows) {
      const last = await lastFinishedAt(t.id, CORRELATE_JOB_KIND);
      const runAt = last ? new Date(last.getTime() + CORRELATION_INTERVAL_MS) : new Date();
      await ensureScheduled({ tenantId: t.id, kind: CORRELATE_JOB_KIND, runAt });
    }
  }

  /** Each tenant with a retention setting (or the environment's default) gets its pass once a day. */
  async function scheduleRetention(): Promise<void> {
    if (!handlers[RETENTION_JOB_KIND] || Date.now() - lastRetentionSchedule < 10 * 60_000) return;
    lastRetentionSchedule = Date.now();
    for (const tenantId of await tenantsWithRetention()) {
      const last = await lastFinishedAt(tenantId, RETENTION_JOB_KIND);
      await ensureScheduled({ tenantId, kind: RETENTION_JOB_KIND, runAt: last ? new Date(last.getTime() + RETENTION_INTERVAL_MS) : new Date() });
    }
  }

  /** The instance's partitions: created ahead at start, then every PARTITION_INTERVAL_MS (one job for all instances). */
  async function schedulePartitions(): Promise<void> {
    if (!handlers[PARTITION_JOB_KIND] || Date.now() - lastPartitionSchedule < 10 * 60_000) return;
    lastPartitionSchedule = Date.now();
    const last = await lastFinishedAt(null, PARTITION_JOB_KIND);
    await ensureScheduled({ tenantId: null, kind: PARTITION_JOB_KIND, runAt: last ? new Date(last.getTime() + PARTITION_INTERVAL_MS) : new Date() });
  }

  function run(job: Job): void {
    const abort = new AbortController();
    let pending: Record<string, unknown> | null = null;
    let lastWrite = 0;
    let lost = false;
    const beat = async () => {
      const p = pending;
      pending = null;
      lastWrite = Date.now();
      const ok = await heartbeat(job.id, workerId, leaseMs, p ?? undefined).catch(() => true);
      if (!ok && !lost) {
        // Another worker reclaimed it (our lease expired): stop rather than run twice.
        lost = true;
        abort.abort();
      }
    };
    const timer = setInterval(() => void beat(), Math.max(1000, Math.floor(leaseMs / 3)));
    const ctx: JobContext = {
      job,
      signal: abort.signal,
      progress(p) {
        pending = p;
        if (Date.now() - lastWrite > 1000) void beat();
      },
    };
    const handler = handlers[job.kind];
    const done = (async () => {
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        const result = await handler(ctx);
        if (!lost) await completeJob(job.id, workerId, result ?? undefined);
      } catch (err) {
        if (lost) return;
        if (abort.signal.aborted) {
          await releaseJob(job.id, workerId).catch(() => undefined);
          return;
        }
        const message = describeError(err);
        log(`job ${job.id} (${job.kind}) failed: ${message}`);
        await failJob(job.id, workerId, message, { maxAttempts }).catch((e: unknown) => log(`job ${job.id}: could not record failure: ${describeError(e)}`));
      } finally {
        clearInterval(timer);
        running.delete(job.id);
      }
    })();
    running.set(job.id, { abort, done });
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    await scheduleConnectors();
    if (handlers[ALERT_DELIVERY_JOB_KIND]) await scheduleAlertDeliveries();
    await scheduleDetections();
    await scheduleRetention();
    await schedulePartitions();
    const free = concurrency - running.size;
    if (free > 0) {
      const jobs = await claimJobs({ workerId, kinds: Object.keys(handlers), limit: free, leaseMs });
      for (const job of jobs) run(job);
    }
    if (Date.now() - lastPrune > 3600_000) {
      lastPrune = Date.now();
      await pruneFinishedJobs();
      await pruneDelivered();
    }
  }

  return {
    workerId,
    tick,
    running: () => [...running.keys()],
    idle: async () => {
      while (running.size) await Promise.all([...running.values()].map((r) => r.done));
    },
    async stop() {
      stopped = true;
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

// ---- the app's background loop ---------------------------------------------------------------------

const holder = globalThis as unknown as { __blindspotBackground?: { stop(): Promise<void> } };

/**
 * Starts the loop once per process: applies BLINDSPOT_COMPLIANCE_API_* to the default tenant,
 * queues a first pull for every enabled connector, then ticks until stopped.
 */
export function startBackgroundWork(options: SchedulerOptions = {}): { stop(): Promise<void> } {
  if (holder.__blindspotBackground) return holder.__blindspotBackground;
  const scheduler = createScheduler(options);
  const log = options.log ?? ((line: string) => console.log(`[jobs] ${line}`));
  const tickMs = options.tickMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let failures = 0;

  const loop = async () => {
    if (stopping) return;
    try {
      await scheduler.tick();
      if (failures > 0) log("database reachable again");
      failures = 0;
    } catch (err) {
      // The database may be starting or briefly away: log once in a while, keep going.
      if (failures++ % 30 === 0) log(`tick failed: ${describeError(err)}`);
    }
    if (!stopping) timer = setTimeout(() => void loop(), tickMs);
  };

  const start = async () => {
    try {
      const tenant = await applyEnvironmentConnector();
      if (tenant) log("Compliance API connector of the default tenant configured from BLINDSPOT_COMPLIANCE_API_*");
    } catch (err) {
      log(err instanceof Error ? err.message : "invalid Compliance API configuration");
    }
    try {
      if (await applyEnvironmentWebhook()) log("alert webhook of the default tenant configured from BLINDSPOT_ALERT_WEBHOOK_*");
    } catch (err) {
      log(err instanceof Error ? err.message : "invalid alert webhook configuration");
    }
    if (options.pullOnStart !== false) {
      try {
        for (const c of await enabledConnectors()) await enqueueJob({ tenantId: c.tenantId, kind: SYNC_JOB_KIND });
      } catch (err) {
        log(`could not queue the first pull: ${describeError(err)}`);
      }
    }
    await loop();
  };
  void start();

  const handle = {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await scheduler.stop();
      holder.__blindspotBackground = undefined;
    },
  };
  holder.__blindspotBackground = handle;
  // Best effort: the process may exit before this finishes; an expired lease covers the rest.
  if (options.stopOnSignals) for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void handle.stop());
  return handle;
}
