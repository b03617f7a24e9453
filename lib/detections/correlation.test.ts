import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { enqueueJob } from "@/lib/jobs/queue";
import { createScheduler, type JobHandler } from "@/lib/jobs/scheduler";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { BURST_RULE_ID, createTestEngine, toolDecisionLogs } from "@/lib/testing/detection-engine";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { CORRELATE_JOB_KIND, correlateHandler, runCorrelations } from "./correlation";
import { setDetectionEngine, type DetectionEngine } from "./evaluator-contract";
import { CURSOR_PAGE_ROWS } from "./stored-records";

// Correlation rules as jobs: records go in through the real OTLP receiver; the stand-in engine's
// correlation rule raises an alert for 3 tool decisions of one person within a 10-minute window.

let db: TestDatabase;
let app: RouteServer;

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
});

afterEach(() => setDetectionEngine(null));

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

const T0 = Date.parse("2026-12-01T10:00:00Z");

/** Tool decisions of one person at the given minutes after T0, through the real OTLP receiver. */
async function postDecisions(tenant: TestTenant, email: string, minutes: number[]): Promise<void> {
  const body = toolDecisionLogs(email, minutes.map((m) => new Date(T0 + m * 60_000)));
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** `count` api_request events of one person from minute `from` on (records no correlation rule of the test engine uses). */
async function postApiRequests(tenant: TestTenant, email: string, from: number, count: number): Promise<void> {
  const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const logRecords = Array.from({ length: count }, (_, i) => {
    const t = new Date(T0 + from * 60_000 + i * 100);
    return {
      timeUnixNano: `${t.getTime()}000000`,
      body: { stringValue: "claude_code.api_request" },
      attributes: [kv("user.email", email), kv("session.id", `session-${email}`), kv("event.name", "api_request"), kv("event.timestamp", t.toISOString()), kv("model", "claude-test")],
    };
  });
  const body = { resourceLogs: [{ resource: { attributes: [kv("service.name", "claude-code")] }, scopeLogs: [{ scope: { name: "com.anthropic.claude_code.events" }, logRecords }] }] };
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function burstAlerts(tenantId: string) {
  const r = await getPool().query<{ id: string; hits: number; person: string; evidence: number }>(
    `SELECT a.id::text, a.hits, a.person, (SELECT count(*)::int FROM alert_evidence ev WHERE ev.tenant_id = a.tenant_id AND ev.alert_id = a.id) AS evidence
       FROM alerts a WHERE a.tenant_id = $1 AND a.rule_id = $2 ORDER BY a.person`, [tenantId, BURST_RULE_ID]);
  return r.rows;
}

describe(`correlation jobs (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("advances a watermark by arrival, and correlates a record that arrives late with those before it, once", async () => {
    setDetectionEngine(createTestEngine({ burst: true }));
    const tenant = await createTestTenant("corr-late");
    await postDecisions(tenant, "alice@example.com", [1, 2]);
    const first = await runCorrelations(tenant.tenantId, { settleMs: 0 });
    expect(first).toMatchObject({ rules: 1, newRecords: 2, hits: 0 });
    const mark = await getPool().query<{ watermark: Date }>(`SELECT watermark FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, BURST_RULE_ID]);
    expect(mark.rows[0].watermark).not.toBeNull();

    // The third decision happened at minute 3 but arrives after the run: still correlated.
    await postDecisions(tenant, "alice@example.com", [3]);
    const second = await runCorrelations(tenant.tenantId, { settleMs: 0 });
    expect(second).toMatchObject({ newRecords: 1, hits: 1, created: 1 });
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ person: "alice@example.com", hits: 1, evidence: 3 }]);

    // Nothing new arrived: nothing is evaluated again.
    expect(await runCorrelations(tenant.tenantId, { settleMs: 0 })).toMatchObject({ newRecords: 0, hits: 0 });
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ hits: 1 }]);
  });

  it("two workers running the same tenant at once never evaluate the same records twice", async () => {
    setDetectionEngine(createTestEngine({ burst: true }));
    const tenant = await createTestTenant("corr-twice");
    await runCorrelations(tenant.tenantId, { settleMs: 0 }); // places the watermark
    await postDecisions(tenant, "bob@example.com", [11, 12, 13]);
    const reports = await Promise.all([runCorrelations(tenant.tenantId, { settleMs: 0 }), runCorrelations(tenant.tenantId, { settleMs: 0 })]);
    expect(reports.map((r) => r.newRecords).sort()).toEqual([0, 3]);
    expect(reports.reduce((n, r) => n + r.hits, 0)).toBe(1);
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ person: "bob@example.com", hits: 1, evidence: 3 }]);
  });

  it("runs as a queued job: of two schedulers ticking at once only one runs the tenant's correlation", async () => {
    setDetectionEngine(createTestEngine({ burst: true }));
    const tenant = await createTestTenant("corr-queue");
    await postDecisions(tenant, "carol@example.com", [21, 22, 23]);
    const ran: string[] = [];
    const counting = (worker: string): JobHandler => async (ctx) => {
      if (ctx.job.tenantId === tenant.tenantId) ran.push(worker);
      return correlateHandler(ctx);
    };
    const a = createScheduler({ workerId: "a", handlers: { [CORRELATE_JOB_KIND]: counting("a") }, log: () => undefined });
    const b = createScheduler({ workerId: "b", handlers: { [CORRELATE_JOB_KIND]: counting("b") }, log: () => undefined });
    await enqueueJob({ tenantId: tenant.tenantId, kind: CORRELATE_JOB_KIND });
    await Promise.all([a.tick(), b.tick()]);
    await Promise.all([a.idle(), b.idle()]);
    const mine = await getPool().query<{ status: string }>(`SELECT status FROM jobs WHERE tenant_id = $1 AND kind = $2 AND status <> 'queued'`, [tenant.tenantId, CORRELATE_JOB_KIND]);
    expect(mine.rows.map((r) => r.status)).toEqual(["done"]);
    expect(ran).toHaveLength(1);
    // The job stops SETTLE_MS short of now (batches still committing): these records wait for the
    // next run, which (a minute later) raises the alert.
    expect(await burstAlerts(tenant.tenantId)).toEqual([]);
    expect(await runCorrelations(tenant.tenantId, { now: new Date(Date.now() + 60_000) })).toMatchObject({ newRecords: 3, hits: 1 });
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ person: "carol@example.com", evidence: 3 }]);
    await a.stop();
    await b.stop();
  });

  it("keeps in memory only the context records a rule can use, read a page at a time, with the same hits", async () => {
    // A run's context is every record within a rule's timespan (up to a day) of the new ones: under
    // sustained ingest that is most of the tenant's telemetry, and holding it all grew the server's
    // heap minute after minute. The engine says which records feed a rule; only those are kept.
    const base = createTestEngine({ burst: true });
    const contextSizes: number[] = [];
    const engine: DetectionEngine = {
      ...base,
      feedsCorrelation: (rule, record) => rule.id === BURST_RULE_ID && record.name === "tool_decision",
      correlate(rule, records, tuning) {
        contextSizes.push(records.length);
        return base.correlate(rule, records, tuning);
      },
    };
    setDetectionEngine(engine);
    const tenant = await createTestTenant("corr-context");
    const unrelated = 2 * CURSOR_PAGE_ROWS + 500; // more than one page of the cursor
    await postApiRequests(tenant, "dora@example.com", 30, unrelated);
    await postDecisions(tenant, "dora@example.com", [31, 32, 33]);
    const report = await runCorrelations(tenant.tenantId, { settleMs: 0 });
    expect(report).toMatchObject({ rules: 1, newRecords: unrelated + 3, hits: 1, created: 1 });
    expect(contextSizes).toEqual([3]);
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ person: "dora@example.com", evidence: 3 }]);
  });

  it("reads each new record once: the context adds only the records received before the watermark", async () => {
    const base = createTestEngine({ burst: true });
    let read = 0;
    const engine: DetectionEngine = {
      ...base,
      eventRecord(row, person) {
        read += 1;
        return base.eventRecord(row, person);
      },
    };
    setDetectionEngine(engine);
    const tenant = await createTestTenant("corr-read-once");
    await postDecisions(tenant, "fay@example.com", [1, 2]);
    expect(await runCorrelations(tenant.tenantId, { settleMs: 0 })).toMatchObject({ newRecords: 2, hits: 0 });
    // The late third decision: read as new, and the two before it as context; the burst is
    // raised over all three, once.
    await postDecisions(tenant, "fay@example.com", [3]);
    read = 0;
    expect(await runCorrelations(tenant.tenantId, { settleMs: 0 })).toMatchObject({ newRecords: 1, hits: 1, created: 1 });
    expect(read).toBe(3);
    expect(await burstAlerts(tenant.tenantId)).toMatchObject([{ person: "fay@example.com", hits: 1, evidence: 3 }]);
    // Two more, both new in one run: read once each, with the three before them as context (no new alert: the
    // burst of this person and window is raised already, and counts its further hit).
    await postDecisions(tenant, "fay@example.com", [4, 5]);
    read = 0;
    const third = await runCorrelations(tenant.tenantId, { settleMs: 0 });
    expect(third.newRecords).toBe(2);
    expect(read).toBe(5);
  });

  it("a run whose new records no rule can use keeps none of them and loads no context", async () => {
    const base = createTestEngine({ burst: true });
    let read = 0;
    const engine: DetectionEngine = {
      ...base,
      feedsCorrelation: (rule, record) => rule.id === BURST_RULE_ID && record.name === "tool_decision",
      eventRecord(row, person) {
        read += 1;
        return base.eventRecord(row, person);
      },
    };
    setDetectionEngine(engine);
    const tenant = await createTestTenant("corr-unused");
    await postApiRequests(tenant, "erin@example.com", 40, 1500);
    read = 0;
    expect(await runCorrelations(tenant.tenantId, { settleMs: 0 })).toMatchObject({ rules: 1, newRecords: 1500, hits: 0 });
    expect(read).toBe(1500); // the new records once; no context read around them
  });
});
