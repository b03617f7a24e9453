import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { BASH_RULE_ID, BURST_RULE_ID, createTestEngine, toolDecisionLogs } from "@/lib/testing/detection-engine";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { backfill, previewRule, RuleNotFoundError } from "./backfill";
import { setDetectionEngine } from "./evaluator-contract";

// History is stored with no rule engine (nothing evaluated at ingest), then previewed and backfilled.

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

async function replay(tenant: TestTenant, scenario: string): Promise<void> {
  for (const f of listFixtureRequests().filter((x) => x.scenario === scenario && x.variant === "http-json")) {
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  }
}

async function counts(tenantId: string) {
  const r = await getPool().query<{ rule_id: string; alerts: number; hits: number }>(
    `SELECT rule_id, count(*)::int AS alerts, sum(hits)::int AS hits FROM alerts WHERE tenant_id = $1 GROUP BY rule_id`, [tenantId]);
  return Object.fromEntries(r.rows.map((x) => [x.rule_id, { alerts: x.alerts, hits: x.hits }]));
}

async function clearAlerts(tenantId: string): Promise<void> {
  await getPool().query(`DELETE FROM alert_evidence WHERE tenant_id = $1`, [tenantId]);
  await getPool().query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenantId]);
}

const ALL_TIME = [new Date("2020-01-01T00:00:00Z"), new Date("2030-01-01T00:00:00Z")] as const;

describe(`backfill and preview (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("previews a rule over history without writing, then backfills the pack and writes its alerts once per dedup key", async () => {
    const tenant = await createTestTenant("backfill");
    await replay(tenant, "a-bash-allowed");
    await replay(tenant, "f-hook-block");
    const bash = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND tool_name = 'Bash'`, [tenant.tenantId]);
    const stored = await getPool().query<{ n: number }>(
      `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1) + (SELECT count(*) FROM spans WHERE tenant_id = $1) AS n`, [tenant.tenantId]);
    expect(bash.rows[0].n).toBe(7);
    // Ingest ran the shipped pack; this test is about history, so it starts without alerts.
    await clearAlerts(tenant.tenantId);
    setDetectionEngine(createTestEngine({ burst: true }));

    const preview = await previewRule(tenant.tenantId, BASH_RULE_ID, ...ALL_TIME);
    expect(preview.hits).toHaveLength(7);
    expect(preview.hits.every((h) => h.ruleId === BASH_RULE_ID)).toBe(true);
    expect(preview.scanned).toBe(Number(stored.rows[0].n));
    expect(await counts(tenant.tenantId)).toEqual({});

    // A narrower range sees fewer records.
    const none = await previewRule(tenant.tenantId, BASH_RULE_ID, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-02T00:00:00Z"));
    expect(none).toMatchObject({ hits: [], scanned: 0 });

    const report = await backfill(tenant.tenantId, [BASH_RULE_ID], ...ALL_TIME);
    expect(report).toMatchObject({ rules: 1, hits: 7 });
    const after = await counts(tenant.tenantId);
    expect(after[BASH_RULE_ID].hits).toBe(7);
    expect(report.created).toBe(after[BASH_RULE_ID].alerts);
  });

  it("carries a correlation's timespan from one slice to the next", async () => {
    const tenant = await createTestTenant("backfill-carry");
    const T0 = Date.parse("2026-12-01T10:00:00Z");
    const at = (m: number) => new Date(T0 + m * 60_000);
    const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` },
      body: JSON.stringify(toolDecisionLogs("dave@example.com", [at(61), at(63), at(66)])),
    });
    expect(res.status).toBe(200);
    setDetectionEngine(createTestEngine({ burst: true }));
    // Slices of ~1 record: [5, 65) holds 61 and 63, the next slice 66; the burst (60–70) spans both.
    const report = await backfill(tenant.tenantId, "all", at(5), at(125), { sliceRecords: 1 });
    expect(report.scanned).toBe(3);
    expect(await counts(tenant.tenantId)).toEqual({ [BURST_RULE_ID]: { alerts: 1, hits: 1 } });
  });

  it("refuses an unknown rule and a backwards range", async () => {
    setDetectionEngine(createTestEngine());
    const tenant = await createTestTenant("backfill-bad");
    await expect(previewRule(tenant.tenantId, "no-such-rule", ...ALL_TIME)).rejects.toBeInstanceOf(RuleNotFoundError);
    await expect(backfill(tenant.tenantId, ["no-such-rule"], ...ALL_TIME)).rejects.toBeInstanceOf(RuleNotFoundError);
    await expect(previewRule(tenant.tenantId, BASH_RULE_ID, ALL_TIME[1], ALL_TIME[0])).rejects.toBeInstanceOf(RangeError);
  });
});
