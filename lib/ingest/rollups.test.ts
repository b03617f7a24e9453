import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { listFixtureRequests, type FixtureRequest } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The ingest-time rollups agree with the raw records they summarise, and a re-sent batch
// does not count twice.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
const jsonCaptures = listFixtureRequests().filter((f) => f.variant === "http-json");

async function post(f: FixtureRequest) {
  expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("rollups");
  for (const f of jsonCaptures) await post(f);
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("ingest-time rollups", () => {
  it("count every tool decision by source and outcome, as the decoded payloads do", async () => {
    const expected = new Map<string, number>();
    for (const f of jsonCaptures.filter((x) => x.signal === "logs")) {
      for (const rl of (f.decoded() as ExportLogsServiceRequest).resourceLogs ?? []) {
        for (const r of rl.scopeLogs?.flatMap((s) => s.logRecords ?? []) ?? []) {
          const a = attributesToJson(r.attributes);
          if (a["event.name"] !== "tool_decision") continue;
          const k = `${String(a.decision)}/${String(a.source)}`;
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
      }
    }
    const { rows } = await getPool().query<{ k: string; n: number }>(
      `SELECT decision || '/' || decision_source AS k, sum(count)::int AS n FROM decision_rollups WHERE tenant_id = $1 AND surface <> 'office' GROUP BY 1`,
      [tenant.tenantId],
    );
    expect(new Map(rows.map((r) => [r.k, r.n]))).toEqual(expected);
  });

  it("count Office accept decisions split by read and write", async () => {
    const expected = new Map<string, number>();
    for (const f of jsonCaptures.filter((x) => x.signal === "traces")) {
      for (const s of ((f.decoded() as ExportTraceServiceRequest).resourceSpans ?? []).flatMap((rs) => rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) {
        if (s.name !== "agent.tool_execution") continue;
        const a = attributesToJson(s.attributes);
        const k = `${String(a["tool.accept_decision"])}/${String(a["tool.read_write"])}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
    }
    const { rows } = await getPool().query<{ k: string; n: number }>(
      `SELECT decision || '/' || read_write AS k, sum(count)::int AS n FROM decision_rollups WHERE tenant_id = $1 AND surface = 'office' GROUP BY 1`,
      [tenant.tenantId],
    );
    expect(new Map(rows.map((r) => [r.k, r.n]))).toEqual(expected);
  });

  it("concurrent batches updating the same rollup rows neither deadlock nor lose counts", async () => {
    const t = await createTestTenant("rollup-race");
    const users = ["a", "b", "c", "d", "e", "f"];
    const batch = (n: number) => {
      // Every batch touches the same rollup keys, in a different order.
      const order = users.map((_, i) => users[(i + n) % users.length]);
      const records = order.flatMap((u, i) => ["Bash", "Read", "Write"].map((tool, j) => ({
        timeUnixNano: String(1_795_300_000_000_000_000n + BigInt(n * 100 + i * 10 + j) * 1_000_000n),
        body: { stringValue: "claude_code.tool_decision" },
        attributes: [
          { key: "event.name", value: { stringValue: "tool_decision" } },
          { key: "session.id", value: { stringValue: `race-${n}` } },
          { key: "event.sequence", value: { intValue: i * 10 + j } },
          { key: "user.email", value: { stringValue: `${u}@x.example` } },
          { key: "tool_name", value: { stringValue: tool } },
          { key: "decision", value: { stringValue: "accept" } },
          { key: "source", value: { stringValue: "config" } },
        ],
      })));
      return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] }, scopeLogs: [{ logRecords: records }] }] });
    };
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        fetch(`${app.url}/api/otlp/v1/logs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` }, body: batch(n) }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(12).fill(200));
    const { rows } = await getPool().query<{ n: number }>(`SELECT sum(count)::int AS n FROM decision_rollups WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(12 * users.length * 3);
  });

  it("source rollups match the raw tables, and re-sent batches change nothing", async () => {
    const pool = getPool();
    const totals = async () => (await pool.query<{ kind: string; n: number }>(`SELECT kind, sum(records)::int AS n FROM source_rollups WHERE tenant_id = $1 GROUP BY kind ORDER BY kind`, [tenant.tenantId])).rows;
    const raw = async () => {
      const q = async (sql: string) => (await pool.query<{ n: number }>(sql, [tenant.tenantId])).rows[0].n;
      return [
        { kind: "event", n: await q(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`) },
        { kind: "metric", n: await q(`SELECT count(*)::int AS n FROM metric_points WHERE tenant_id = $1`) },
        { kind: "span", n: await q(`SELECT count(*)::int AS n FROM spans WHERE tenant_id = $1`) },
      ];
    };
    expect(await totals()).toEqual(await raw());
    const captured = await pool.query<{ c: number; r: number }>(
      `SELECT sum(prompt_captured)::int AS c, sum(prompt_redacted)::int AS r FROM source_rollups WHERE tenant_id = $1 AND name = 'user_prompt'`,
      [tenant.tenantId],
    );
    const prompts = await pool.query<{ c: number; r: number }>(
      `SELECT count(*) FILTER (WHERE attributes->>'prompt' <> '<REDACTED>')::int AS c, count(*) FILTER (WHERE attributes->>'prompt' IS NULL OR attributes->>'prompt' = '<REDACTED>')::int AS r
       FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt'`,
      [tenant.tenantId],
    );
    expect(captured.rows[0]).toEqual(prompts.rows[0]);
    const before = await pool.query(`SELECT * FROM decision_rollups WHERE tenant_id = $1 ORDER BY bucket, surface, user_key, tool_name, decision, decision_source, read_write`, [tenant.tenantId]);
    for (const f of jsonCaptures.slice(0, 6)) await post(f);
    expect(await totals()).toEqual(await raw());
    const after = await pool.query(`SELECT * FROM decision_rollups WHERE tenant_id = $1 ORDER BY bucket, surface, user_key, tool_name, decision, decision_source, read_write`, [tenant.tenantId]);
    expect(after.rows).toEqual(before.rows);
  });
});
