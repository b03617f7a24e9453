import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { createScheduler } from "@/lib/jobs/scheduler";
import { lastFinishedJob } from "@/lib/jobs/queue";
import { storeActivities } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { RETENTION_JOB_KIND, RetentionInputError, getRetention, retentionJobHandler, runRetention, setRetention, tableSizes } from "./retention";

// Retention on a real database: records sent through the OTLP receiver at several ages; content
// older than content_days loses its content (the registry's content columns and the catalog's
// content attribute keys) but keeps its metadata, records older than metadata_days are deleted
// with their rollups, newer ones are untouched, and another tenant is not affected.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let other: TestTenant;

// Now (records in the future would not be ingested as sent), to the hour.
const NOW = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
const DAY = 86_400_000;
const AGES = [1, 40, 100, 450];
const kv = (key: string, v: string | number) => ({ key, value: typeof v === "number" ? { intValue: v } : { stringValue: v } });

function logs(ageDays: number) {
  const t = new Date(NOW.getTime() - ageDays * DAY);
  const rec = (name: string, attrs: ReturnType<typeof kv>[], seq: number) => ({
    timeUnixNano: `${t.getTime() + seq}000000`, body: { stringValue: `claude_code.${name}` },
    attributes: [kv("user.email", "arya@westeros.example"), kv("session.id", `s-${ageDays}`), kv("event.name", name), kv("event.timestamp", t.toISOString()), kv("event.sequence", seq), ...attrs],
  });
  return {
    resourceLogs: [{
      resource: { attributes: [kv("service.name", "claude-code"), kv("service.version", "2.1.197")] },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events", version: "2.1.197" },
        logRecords: [
          rec("user_prompt", [kv("prompt", `prompt aged ${ageDays} days`), kv("prompt_length", 20)], 1),
          rec("tool_decision", [kv("decision", "accept"), kv("source", "config"), kv("tool_name", "Bash")], 2),
          rec("tool_result", [kv("tool_name", "Bash"), kv("error", `rm -rf /tmp/aged-${ageDays}`), kv("success", "false")], 3),
        ],
      }],
    }],
  };
}

async function post(t: TestTenant, body: unknown) {
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function prompts(t: TestTenant) {
  const { rows } = await getPool().query<{ session_id: string; event_name: string; prompt: string | null; error: string | null; tool_name: string | null }>(
    `SELECT session_id, event_name, attributes->>'prompt' AS prompt, error, tool_name FROM events WHERE tenant_id = $1 ORDER BY time, event_name`, [t.tenantId]);
  return rows;
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("retention");
  other = await createTestTenant("retention-other");
  for (const age of AGES) {
    await post(tenant, logs(age));
    await post(other, logs(age));
  }
  // Compliance activities of the same ages (their daily levels count them by day and by actor).
  await withTransaction((c) => storeActivities(c, tenant.tenantId, AGES.map((age) => ({
    id: `activity_01aged${age}`, created_at: new Date(NOW.getTime() - age * DAY).toISOString(), type: age === 450 ? "cowork_session_started" : "claude_chat_created",
    organization_id: null, organization_uuid: null, actor: { type: "user_actor", email_address: "arya@westeros.example", user_id: null },
  })), "api"));
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("retention settings", () => {
  it("default to the environment (keep forever when unset), validate and are audited", async () => {
    expect(await getRetention(tenant.tenantId)).toMatchObject({ contentDays: null, metadataDays: null, from: "environment" });
    await expect(setRetention(tenant.tenantId, { contentDays: 500, metadataDays: 400 }, "admin@example.com")).rejects.toThrow(RetentionInputError);
    await expect(setRetention(tenant.tenantId, { contentDays: 0, metadataDays: null }, "admin@example.com")).rejects.toThrow(RetentionInputError);
    await setRetention(tenant.tenantId, { contentDays: 30, metadataDays: 400 }, "admin@example.com");
    expect(await getRetention(tenant.tenantId)).toMatchObject({ contentDays: 30, metadataDays: 400, from: "tenant", updatedBy: "admin@example.com" });
    const audit = await getPool().query(`SELECT actor, details FROM audit_log WHERE tenant_id = $1 AND action = 'retention.update'`, [tenant.tenantId]);
    expect(audit.rows).toEqual([{ actor: "admin@example.com", details: { contentDays: 30, metadataDays: 400 } }]);
  });
});

describe("the retention pass", () => {
  it("removes content older than content_days, deletes records older than metadata_days, keeps the rest and other tenants", async () => {
    const otherBefore = await prompts(other);
    const rollupsBefore = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM decision_rollups WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(rollupsBefore.rows[0].n).toBe(4);
    const totalsBefore = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM decision_totals_daily WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(totalsBefore.rows[0].n).toBe(4);

    const latest = async () => (await getPool().query<{ last_seen: Date; cowork_last_seen: Date | null }>(
      `SELECT last_seen, cowork_last_seen FROM compliance_actor_latest WHERE tenant_id = $1`, [tenant.tenantId])).rows;
    expect(await latest()).toEqual([{ last_seen: new Date(NOW.getTime() - DAY), cowork_last_seen: new Date(NOW.getTime() - 450 * DAY) }]);

    const report = await runRetention(tenant.tenantId, { now: NOW });
    expect(report.stripped.events).toBe(4); // the prompts and failed results aged 40 and 100 days
    expect(report.deleted.events).toBe(3); // the three records aged 450 days

    const rows = await prompts(tenant);
    expect(rows.map((r) => r.session_id)).toEqual(["s-100", "s-100", "s-100", "s-40", "s-40", "s-40", "s-1", "s-1", "s-1"]);
    const old = rows.filter((r) => r.session_id !== "s-1");
    expect(old.every((r) => r.prompt === null && r.error === null)).toBe(true);
    expect(old.filter((r) => r.tool_name === "Bash").length).toBe(4); // metadata stays
    expect(rows.some((r) => r.prompt === "prompt aged 1 days")).toBe(true);
    expect(rows.some((r) => r.error === "rm -rf /tmp/aged-1")).toBe(true);
    const attrs = await getPool().query<{ keys: string[] }>(
      `SELECT array_agg(DISTINCT k ORDER BY k) AS keys FROM events, jsonb_object_keys(attributes) k WHERE tenant_id = $1 AND session_id = 's-40'`, [tenant.tenantId]);
    expect(attrs.rows[0].keys).not.toContain("prompt");
    expect(attrs.rows[0].keys).not.toContain("error");
    expect(attrs.rows[0].keys).toContain("prompt_length");

    const rollupsAfter = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM decision_rollups WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(rollupsAfter.rows[0].n).toBe(3);
    const totalsAfter = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM decision_totals_daily WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(totalsAfter.rows[0].n).toBe(3); // the day aged 450 days went with its records
    // The aged session's time span (record_extents) went with its records; the others stay.
    expect(report.deleted.record_extents).toBe(1);
    const extents = await getPool().query<{ key: string }>(`SELECT key FROM record_extents WHERE tenant_id = $1 AND kind = 'session' ORDER BY key`, [tenant.tenantId]);
    expect(extents.rows.map((r) => r.key)).toEqual(["s-1", "s-100", "s-40"]);
    // The activity aged 450 days went, and its day in the coverage page's daily levels with it.
    expect(report.deleted).toMatchObject({ compliance_activities: 1, compliance_activity_daily: 1, compliance_actor_daily: 1 });
    const activityDays = await getPool().query<{ n: number; actors: number }>(
      `SELECT (SELECT count(*) FROM compliance_activity_daily WHERE tenant_id = $1)::int AS n,
              (SELECT count(*) FROM compliance_actor_daily WHERE tenant_id = $1)::int AS actors`, [tenant.tenantId]);
    expect(activityDays.rows[0]).toEqual({ n: 3, actors: 3 });
    // The actor stays (newer activity), without the Cowork activity that went.
    expect(await latest()).toEqual([{ last_seen: new Date(NOW.getTime() - DAY), cowork_last_seen: null }]);
    expect(await prompts(other)).toEqual(otherBefore);

    // The next night starts where this one stopped and finds nothing more to do.
    const again = await runRetention(tenant.tenantId, { now: new Date(NOW.getTime() + DAY), previous: report });
    expect(again.stripped).toEqual({});
    expect(again.deleted).toEqual({});
  });

  it("runs as the tenant's job from the scheduler", async () => {
    await setRetention(other.tenantId, { contentDays: 30, metadataDays: null }, "admin@example.com");
    const scheduler = createScheduler({ handlers: { [RETENTION_JOB_KIND]: retentionJobHandler }, log: () => undefined });
    await scheduler.tick();
    await scheduler.idle();
    const job = await lastFinishedJob(other.tenantId, RETENTION_JOB_KIND);
    expect(job?.status).toBe("done");
    // The prompts and failed results aged 40, 100 and 450 days.
    expect(job?.progress).toMatchObject({ contentDays: 30, metadataDays: null, stripped: { events: 6 } });
    expect((await prompts(other)).filter((r) => r.prompt !== null).map((r) => r.session_id)).toEqual(["s-1"]);
  });

  it("reports the size and rows of the stored tables", async () => {
    const sizes = await tableSizes();
    const events = sizes.find((s) => s.table === "events");
    expect(events?.bytes).toBeGreaterThan(0);
    expect(events?.rows).toBe(9 + 12);
    // Plain tables are listed too, with their own size (pg_partition_tree lists nothing for them).
    const resources = sizes.find((s) => s.table === "resources");
    expect(resources?.bytes).toBeGreaterThan(0);
    expect(resources?.rows).toBeGreaterThan(0);
    expect(sizes.map((s) => s.table)).toEqual(expect.arrayContaining(["alerts", "audit_log", "decision_rollups", "compliance_chats"]));
  });
});
