import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { getApiAlert } from "./alert-read";
import { dedupKeyOf, markRuleFailing, markRulesHealthy, MAX_EVIDENCE_PER_ALERT, recordHits } from "./alert-store";
import type { RuleHit } from "./types";

let db: TestDatabase;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("alert-store");
  other = await createTestTenant("alert-store-other");
});

afterAll(async () => {
  await db?.stop();
});

const hour = new Date("2026-12-01T10:00:00Z");

function hit(over: Partial<RuleHit> = {}, recordIds = ["e1"]): RuleHit {
  const t = new Date(hour.getTime() + 60_000);
  return {
    ruleId: "11111111-1111-4111-8111-111111111111",
    ruleTitle: "Bash run",
    level: "high",
    service: "claude_code",
    groupKey: null,
    windowStart: hour,
    person: "alice@example.com",
    sessionId: "s1",
    promptId: "p1",
    traceId: null,
    firstSeen: t,
    lastSeen: t,
    matched: { tool_name: "Bash" },
    evidence: recordIds.map((id) => ({ kind: "event" as const, id, time: t, sessionId: "s1", promptId: "p1", name: "tool_decision" })),
    ...over,
  };
}

async function alertRows(tenantId: string) {
  const r = await getPool().query<{ id: string; hits: number; first_seen: Date; last_seen: Date; person: string | null }>(
    `SELECT id::text, hits, first_seen, last_seen, person FROM alerts WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return r.rows;
}

describe(`recordHits (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("dedups the same rule, group and window into one alert with a hit count and the union of evidence", async () => {
    const created = await withTransaction((c) => recordHits(c, tenant.tenantId, [hit({}, ["e1"])]));
    expect(created).toHaveLength(1);
    const later = new Date(hour.getTime() + 30 * 60_000);
    const again = await withTransaction((c) =>
      recordHits(c, tenant.tenantId, [hit({ firstSeen: later, lastSeen: later }, ["e2"]), hit({}, ["e1"])]));
    expect(again).toEqual([]);
    const rows = await alertRows(tenant.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(created[0]);
    expect(rows[0].hits).toBe(3);
    expect(rows[0].last_seen.toISOString()).toBe(later.toISOString());
    const alert = await getApiAlert(tenant.tenantId, created[0], true);
    expect(alert?.evidence.map((e) => e.id).sort()).toEqual(["e1", "e2"]);
    expect(alert?.matched).toEqual({ tool_name: "Bash" });
    // Another tenant's identical hit is its own alert.
    expect(await withTransaction((c) => recordHits(c, other.tenantId, [hit()]))).toHaveLength(1);
  });

  it("keeps another person, another session, another window or another group apart", async () => {
    await getPool().query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenant.tenantId]);
    const created = await withTransaction((c) =>
      recordHits(c, tenant.tenantId, [
        hit(),
        hit({ person: "bob@example.com" }),
        hit({ sessionId: "s2" }),
        hit({ windowStart: new Date(hour.getTime() + 3600_000) }),
        hit({ groupKey: "alice@example.com|git push" }),
        hit({ groupKey: "alice@example.com|scp" }),
      ]));
    expect(created).toHaveLength(6);
    expect(new Set(created).size).toBe(6);
    expect(dedupKeyOf(hit())).toBe(dedupKeyOf(hit({ promptId: "p-other", matched: { x: "y" } })));
  });

  it("bounds the evidence kept per alert while still counting every hit", async () => {
    await getPool().query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenant.tenantId]);
    const ids = Array.from({ length: MAX_EVIDENCE_PER_ALERT + 30 }, (_, i) => `ev-${i}`);
    await withTransaction((c) => recordHits(c, tenant.tenantId, ids.slice(0, 60).map((id) => hit({}, [id]))));
    await withTransaction((c) => recordHits(c, tenant.tenantId, ids.slice(60).map((id) => hit({}, [id]))));
    const [row] = await alertRows(tenant.tenantId);
    expect(row.hits).toBe(ids.length);
    const n = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM alert_evidence WHERE tenant_id = $1 AND alert_id = $2::uuid`, [tenant.tenantId, row.id]);
    expect(n.rows[0].n).toBe(MAX_EVIDENCE_PER_ALERT);
  });

  it("concurrent transactions raising the same alert make one alert with every hit", async () => {
    await getPool().query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenant.tenantId]);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => withTransaction((c) => recordHits(c, tenant.tenantId, [hit({}, [`c${i}`]), hit({ person: "bob@example.com" }, [`d${i}`])]))),
    );
    expect(results.flat()).toHaveLength(2);
    const rows = await alertRows(tenant.tenantId);
    expect(rows.map((r) => r.hits)).toEqual([4, 4]);
  });

  it("marks a rule failing with its reason and since when, and healthy again", async () => {
    const ruleId = "22222222-2222-4222-8222-222222222222";
    await markRuleFailing(getPool(), tenant.tenantId, ruleId, "TypeError: boom");
    const first = await getPool().query<{ last_error: string; failing_since: Date }>(`SELECT last_error, failing_since FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, ruleId]);
    await markRuleFailing(getPool(), tenant.tenantId, ruleId, "TypeError: boom again");
    const second = await getPool().query<{ last_error: string; failing_since: Date }>(`SELECT last_error, failing_since FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, ruleId]);
    expect(second.rows[0].last_error).toBe("TypeError: boom again");
    expect(second.rows[0].failing_since.getTime()).toBe(first.rows[0].failing_since.getTime());
    await markRulesHealthy(getPool(), tenant.tenantId, [ruleId]);
    const healed = await getPool().query<{ last_error: string | null; failing_since: Date | null }>(`SELECT last_error, failing_since FROM detection_rule_state WHERE tenant_id = $1 AND rule_id = $2`, [tenant.tenantId, ruleId]);
    expect(healed.rows[0]).toEqual({ last_error: null, failing_since: null });
  });
});
