import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { activeJobs, claimJobs, completeJob, enqueueJob, ensureScheduled, failJob, heartbeat, type Job } from "@/lib/jobs/queue";
import { complianceSyncHandler, createScheduler, type JobHandler } from "@/lib/jobs/scheduler";
import { loadComplianceFixtures, startComplianceStub, type ComplianceStub } from "@/lib/testing/compliance-stub";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { saveConnector } from "./connector-config";
import { SYNC_JOB_KIND } from "./sync/catalog";

// The stub Compliance API listens on http://127.0.0.1: allowed only under the test flag.
process.env.BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK = "1";

// The Postgres job queue and the in-process scheduler: SKIP LOCKED claims (never the same job
// twice), one queued + one running job per tenant and kind, leases that expire and are
// reclaimed, retries with backoff, and the scheduler running the Compliance sync end to end.

let db: TestDatabase;

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "jobs-test-secret-0123456789";
  db = await startTestDatabase();
});

afterAll(async () => {
  await db.stop();
});

const kind = () => `test.${randomUUID().slice(0, 8)}`;

describe(`queue (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("two concurrent claimers never get the same job", async () => {
    const k = kind();
    for (let i = 0; i < 40; i++) await enqueueJob({ tenantId: `tenant-${i}`, kind: k });
    const claimed: Record<string, number[]> = { a: [], b: [] };
    const claimer = async (worker: "a" | "b") => {
      for (;;) {
        const jobs = await claimJobs({ workerId: worker, kinds: [k], limit: 3, leaseMs: 60_000 });
        if (jobs.length === 0) return;
        claimed[worker].push(...jobs.map((j) => j.id));
      }
    };
    await Promise.all([claimer("a"), claimer("b"), claimer("a"), claimer("b")]);
    const all = [...claimed.a, ...claimed.b];
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    expect(claimed.a.filter((id) => claimed.b.includes(id))).toEqual([]);
    // Each job's lease names the claimer that got it.
    const { rows } = await getPool().query<{ id: number; locked_by: string }>(`SELECT id, locked_by FROM jobs WHERE kind = $1`, [k]);
    for (const r of rows) expect(claimed[r.locked_by as "a" | "b"]).toContain(r.id);
  });

  // PGlite serves one session: an open transaction holds every other connection, so only a
  // server can show a claimer passing a locked row.
  it.skipIf(!process.env.TEST_DATABASE_URL)("skips a row another transaction has locked instead of waiting for it", async () => {
    const k = kind();
    const first = (await enqueueJob({ tenantId: "skip-1", kind: k })).job;
    const second = (await enqueueJob({ tenantId: "skip-2", kind: k })).job;
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`SELECT id FROM jobs WHERE id = $1 FOR UPDATE`, [first.id]);
      const got = await claimJobs({ workerId: "w", kinds: [k], limit: 2, leaseMs: 60_000 });
      expect(got.map((j) => j.id)).toEqual([second.id]);
      await other.query("ROLLBACK");
    } finally {
      await other.end();
    }
    expect((await claimJobs({ workerId: "w", kinds: [k], limit: 2, leaseMs: 60_000 })).map((j) => j.id)).toEqual([first.id]);
  });

  it("merges into a tenant's queued job; a queued job waits while its sibling runs", async () => {
    const k = kind();
    const later = new Date(Date.now() + 3600_000);
    const a = await enqueueJob({ tenantId: "t1", kind: k, runAt: later, payload: { scheduled: true } });
    const b = await enqueueJob({ tenantId: "t1", kind: k, payload: { force: true } });
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    expect(b.job.runAt.getTime()).toBeLessThan(later.getTime());
    expect(b.job.payload).toEqual({ scheduled: true, force: true });

    const [running] = await claimJobs({ workerId: "w1", kinds: [k], leaseMs: 60_000 });
    expect(running.id).toBe(a.job.id);
    // "Sync now" while it runs: a new queued job, which must wait for the running one.
    const c = await enqueueJob({ tenantId: "t1", kind: k });
    expect(c.created).toBe(true);
    expect(await claimJobs({ workerId: "w2", kinds: [k], leaseMs: 60_000 })).toEqual([]);
    expect(await ensureScheduled({ tenantId: "t1", kind: k, runAt: new Date() })).toBe(false);
    expect(await completeJob(running.id, "w1", { ok: true })).toBe(true);
    const [next] = await claimJobs({ workerId: "w2", kinds: [k], leaseMs: 60_000 });
    expect(next.id).toBe(c.job.id);
  });

  it("a job whose lease expired is reclaimed; its old worker finds out", async () => {
    const k = kind();
    await enqueueJob({ tenantId: "t2", kind: k });
    const [job] = await claimJobs({ workerId: "dead", kinds: [k], leaseMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    const [again] = await claimJobs({ workerId: "alive", kinds: [k], leaseMs: 60_000 });
    expect(again.id).toBe(job.id);
    expect(again.attempts).toBe(2);
    expect(again.lockedBy).toBe("alive");
    expect(await heartbeat(job.id, "dead", 60_000)).toBe(false);
    expect(await completeJob(job.id, "dead")).toBe(false);
    expect(await completeJob(job.id, "alive")).toBe(true);
  });

  it("a failed job is retried after a backoff, then given up", async () => {
    const k = kind();
    await enqueueJob({ tenantId: "t3", kind: k });
    let [job] = await claimJobs({ workerId: "w", kinds: [k], leaseMs: 60_000 });
    expect(await failJob(job.id, "w", "boom", { maxAttempts: 2, backoffMs: () => 100 })).toBe("queued");
    expect(await claimJobs({ workerId: "w", kinds: [k], leaseMs: 60_000 })).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    [job] = await claimJobs({ workerId: "w", kinds: [k], leaseMs: 60_000 });
    expect(job.attempts).toBe(2);
    expect(job.lastError).toBe("boom");
    expect(await failJob(job.id, "w", "boom again", { maxAttempts: 2 })).toBe("failed");
    expect(await activeJobs("t3", k)).toEqual([]);
  });
});

describe("scheduler", () => {
  let stub: ComplianceStub;
  const KEY = "sk-ant-api01-scheduler-test-0123456789";

  beforeAll(async () => {
    stub = await startComplianceStub({ keys: [KEY], data: loadComplianceFixtures() });
  });
  afterAll(async () => {
    await stub.close();
  });

  it("pulls for an enabled connector, schedules the next pull one interval later, and runs 'sync now' at once", async () => {
    const tenantId = await ensureTenant(`sched-${randomUUID().slice(0, 6)}`);
    await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 600 });
    // The Compliance pull alone (the default handlers also run detections and alert deliveries).
    const scheduler = createScheduler({ workerId: "sched-test", handlers: { [SYNC_JOB_KIND]: complianceSyncHandler }, log: () => undefined });
    await scheduler.tick();
    expect(scheduler.running()).toHaveLength(1);
    await scheduler.idle();
    const { rows: done } = await getPool().query(`SELECT status, progress, finished_at FROM jobs WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
    expect(done[0].status).toBe("done");
    expect(done[0].progress.streams.activities).toMatchObject({ stored: 4 });
    const { rows: counts } = await getPool().query(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`, [tenantId]);
    expect(counts[0].n).toBe(4);

    // Next tick: the next pull is queued for one poll interval after the last one finished.
    await scheduler.tick();
    expect(scheduler.running()).toEqual([]);
    const [next] = await activeJobs(tenantId, SYNC_JOB_KIND);
    expect(next.status).toBe("queued");
    expect(Math.abs(next.runAt.getTime() - (done[0].finished_at.getTime() + 600_000))).toBeLessThan(1000);

    // "Sync now": the queued job moves to now and is forced.
    const now = await enqueueJob({ tenantId, kind: SYNC_JOB_KIND, payload: { force: true } });
    expect(now.job.id).toBe(next.id);
    await scheduler.tick();
    expect(scheduler.running()).toEqual([next.id]);
    await scheduler.idle();
    await scheduler.stop();
  });

  it("stop() aborts running jobs and hands them back to the queue", async () => {
    const k = kind();
    let started!: () => void;
    const began = new Promise<void>((r) => (started = r));
    const handler: JobHandler = ({ signal }) =>
      new Promise((_, reject) => {
        started();
        signal.addEventListener("abort", () => reject(new Error("aborted")));
      });
    const scheduler = createScheduler({ workerId: "stopper", handlers: { [k]: handler }, log: () => undefined });
    const { job } = await enqueueJob({ tenantId: "t-stop", kind: k });
    await scheduler.tick();
    await began;
    await scheduler.stop();
    const [back] = await activeJobs("t-stop", k);
    expect(back).toMatchObject<Partial<Job>>({ id: job.id, status: "queued", attempts: 0, lockedBy: null });
  });
});
