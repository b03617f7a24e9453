import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ADMIN_KEY_RULE_ID, BASH_RULE_ID, createTestEngine, THROWING_RULE_ID } from "@/lib/testing/detection-engine";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { clearTuningCache } from "./evaluate";
import { setDetectionEngine } from "./evaluator-contract";
import { setRuleSetting } from "./tuning";

// Single-event rules at ingest: the real receivers over HTTP, the real writer, the alert store,
// with a stand-in rule engine (lib/testing/detection-engine.ts) in place of the Sigma pack.

let db: TestDatabase;
let app: RouteServer;

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
});

afterEach(() => {
  setDetectionEngine(null);
  clearTuningCache();
  vi.restoreAllMocks();
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

async function replay(tenant: TestTenant, scenario: string): Promise<void> {
  const requests = listFixtureRequests().filter((f) => f.scenario === scenario && f.variant === "http-json");
  expect(requests.length).toBeGreaterThan(0);
  for (const f of requests) {
    const res = await postFixture(app.url, tenant.ingestToken, f);
    expect(res.status, await res.clone().text()).toBe(200);
  }
}

async function bashEventIds(tenantId: string): Promise<string[]> {
  const r = await getPool().query<{ id: string }>(`SELECT id::text FROM events WHERE tenant_id = $1 AND tool_name = 'Bash' ORDER BY id`, [tenantId]);
  return r.rows.map((x) => x.id);
}

async function alertsOf(tenantId: string, ruleId: string) {
  const r = await getPool().query<{ id: string; hits: number; person: string | null; level: string }>(
    `SELECT id::text, hits, person, level FROM alerts WHERE tenant_id = $1 AND rule_id = $2`, [tenantId, ruleId]);
  const ev = await getPool().query<{ record_id: string }>(
    `SELECT record_id FROM alert_evidence ev JOIN alerts a ON a.tenant_id = ev.tenant_id AND a.id = ev.alert_id
      WHERE a.tenant_id = $1 AND a.rule_id = $2 ORDER BY record_id`, [tenantId, ruleId]);
  return { alerts: r.rows, hits: r.rows.reduce((n, a) => n + a.hits, 0), evidence: ev.rows.map((x) => x.record_id) };
}

describe(`detections at ingest (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("raises an alert for each matching record of a real capture, once, with its evidence", async () => {
    setDetectionEngine(createTestEngine());
    const tenant = await createTestTenant("det-ingest");
    await replay(tenant, "a-bash-allowed");
    const bash = await bashEventIds(tenant.tenantId);
    expect(bash.length).toBe(4);
    const first = await alertsOf(tenant.tenantId, BASH_RULE_ID);
    expect(first.hits).toBe(bash.length);
    expect(first.evidence).toEqual(bash);
    expect(first.alerts.every((a) => a.person !== null && a.level === "high")).toBe(true);

    // The same capture again is stored as duplicates: nothing new to evaluate, no extra hits.
    await replay(tenant, "a-bash-allowed");
    expect((await alertsOf(tenant.tenantId, BASH_RULE_ID)).hits).toBe(bash.length);
  });

  it("follows the tenant's tuning: a disabled rule raises nothing, a level override applies", async () => {
    setDetectionEngine(createTestEngine());
    const off = await createTestTenant("det-off");
    await setRuleSetting(off.tenantId, "admin@example.com", BASH_RULE_ID, { enabled: false });
    await replay(off, "b-tool-denied");
    expect((await alertsOf(off.tenantId, BASH_RULE_ID)).alerts).toEqual([]);

    const low = await createTestTenant("det-low");
    await setRuleSetting(low.tenantId, "admin@example.com", BASH_RULE_ID, { level: "low" });
    await replay(low, "b-tool-denied");
    const raised = await alertsOf(low.tenantId, BASH_RULE_ID);
    expect(raised.alerts.length).toBeGreaterThan(0);
    expect(raised.alerts.every((a) => a.level === "low")).toBe(true);
  });

  it("a rule that throws is marked failing, the other rules still raise alerts and the sender is acknowledged", async () => {
    setDetectionEngine(createTestEngine({ throwing: true }));
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const tenant = await createTestTenant("det-throw");
    await replay(tenant, "f-hook-block");
    const state = await getPool().query<{ last_error: string; failing_since: Date | null }>(
      `SELECT last_error, failing_since FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, THROWING_RULE_ID]);
    expect(state.rows[0]?.last_error).toMatch(/^evaluation failed: TypeError/);
    expect(state.rows[0]?.failing_since).not.toBeNull();
    expect((await alertsOf(tenant.tenantId, BASH_RULE_ID)).hits).toBe((await bashEventIds(tenant.tenantId)).length);
    // The log names the rule and the class of failure, never a record's values.
    const lines = logged.mock.calls.map((c) => String(c[0])).join("\n");
    expect(lines).toContain(THROWING_RULE_ID);
    expect(lines).not.toMatch(/Bash|tool_decision/);
  });

  it("an alert write that fails is rolled back to its savepoint: the records commit, the sender gets 200, the rule is marked failing", async () => {
    setDetectionEngine(createTestEngine());
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const tenant = await createTestTenant("det-write-fails");
    await getPool().query(`ALTER TABLE alert_evidence RENAME TO alert_evidence_away`);
    try {
      await replay(tenant, "c-read-write-edit");
    } finally {
      await getPool().query(`ALTER TABLE alert_evidence_away RENAME TO alert_evidence`);
    }
    expect((await bashEventIds(tenant.tenantId)).length).toBe(2);
    expect((await alertsOf(tenant.tenantId, BASH_RULE_ID)).alerts).toEqual([]);
    const state = await getPool().query<{ last_error: string }>(
      `SELECT last_error FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, BASH_RULE_ID]);
    expect(state.rows[0]?.last_error).toMatch(/^alert write failed/);

    // The next batch writes fine again: the rule raises its alert and is healthy again.
    clearTuningCache();
    await replay(tenant, "a-bash-allowed");
    expect((await alertsOf(tenant.tenantId, BASH_RULE_ID)).hits).toBe(4);
    const healed = await getPool().query<{ last_error: string | null }>(
      `SELECT last_error FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, BASH_RULE_ID]);
    expect(healed.rows[0]?.last_error).toBeNull();
  });

  it("evaluates Compliance activities when they are first stored", async () => {
    setDetectionEngine(createTestEngine());
    const tenant = await createTestTenant("det-compliance");
    const activity = (id: string, type: string) => ({
      id, created_at: "2026-12-01T10:00:00Z", type, organization_id: null, organization_uuid: null,
      actor: { type: "user_actor", email_address: "Admin@Example.com", user_id: "user_01", ip_address: "192.0.2.1", user_agent: "x" },
    });
    const store = () => withTransaction((c) => storeActivities(c, tenant.tenantId, [
      activity("activity_01", "admin_api_key_created"), activity("activity_02", "user_signed_in_sso"),
    ], "import"));
    await store();
    await store(); // re-imported: stored before, not evaluated again
    const raised = await alertsOf(tenant.tenantId, ADMIN_KEY_RULE_ID);
    expect(raised.hits).toBe(1);
    expect(raised.evidence).toEqual(["activity_01"]);
    expect(raised.alerts[0].person).toBe("admin@example.com");
  });
});
