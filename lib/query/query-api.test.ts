import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/api-tokens";
import { getPool } from "@/lib/db/pool";
import { exportResponse } from "@/lib/explore/export-response";
import { parseExploreParams } from "@/lib/explore/params";
import { exploreCount, exploreHistogram, EXACT_COUNT_LIMIT, bucketSizeFor } from "@/lib/explore/stats";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// `q` over real HTTP (GET /api/v1/events), in the export, and the Explorer's histogram and count.

let db: TestDatabase;
let app: RouteServer;
let T: TestTenant;
let managerToken: string;

const BASE = Date.parse("2026-12-01T00:00:00Z");

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  T = await createTestTenant("query-api");
  managerToken = (await createApiToken({ tenantId: T.tenantId, name: "manager", role: "manager" })).secret;
  // 3 Bash decisions (one rejected rm -rf), 2 Read results, spread over two days.
  const rows: Array<[number, string, string, string | null, string]> = [
    [0, "tool_decision", "Bash", "reject", "rm -rf /srv/data"],
    [3600e3, "tool_decision", "Bash", "accept", "ls -la"],
    [7200e3, "tool_decision", "Bash", "accept", "curl https://x.example"],
    [86400e3, "tool_result", "Read", null, "secrets/prod.env"],
    [86400e3 + 60e3, "tool_result", "Read", null, "README.md"],
  ];
  for (const [i, [dt, name, tool, decision, text]] of rows.entries()) {
    await getPool().query(
      `INSERT INTO events (tenant_id, environment_id, id, time, source, event_name, tool_name, decision, attributes, fields, session_id, sequence)
       VALUES ($1, $2, gen_random_uuid(), $3, 'claude_code', $4, $5, $6, $7, '{}', 's', $8)`,
      [T.tenantId, T.environmentId, new Date(BASE + dt), name, tool, decision, JSON.stringify({ tool_name: tool, tool_parameters: JSON.stringify({ full_command: text }) }), i],
    );
  }
}, 120_000);

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

async function get(path: string, token = T.apiToken): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("GET /api/v1/events?q=", () => {
  it("filters with the query language, AND-ed with the other parameters", async () => {
    const r = await get(`/api/v1/events?q=${encodeURIComponent('tool:Bash -decision:accept')}`);
    expect(r.status).toBe(200);
    expect((r.body.events as Array<{ decision: string }>).map((e) => e.decision)).toEqual(["reject"]);
    const text = await get(`/api/v1/events?q=${encodeURIComponent('"rm -rf" or secrets/prod.env')}&name=tool_result`);
    expect((text.body.events as Array<{ toolName: string }>).map((e) => e.toolName)).toEqual(["Read"]);
  });

  it("a bad q is a 400 with the position, never a 500", async () => {
    for (const [q, position] of [["tool:", 5], ["tool:Bash nope:x", 10], ["cost>cheap", 5], ["(a", 2], ['"open', 0]] as const) {
      const r = await get(`/api/v1/events?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(400);
      expect(r.body.position, q).toBe(position);
      expect(String(r.body.error), q).toMatch(/ at \d+$/);
    }
  });

  it("a manager's token may not search content (400), but may filter metadata", async () => {
    const r = await get(`/api/v1/events?q=${encodeURIComponent("rm")}`, managerToken);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("free text searches content, which your role may not read at 0");
    expect((await get(`/api/v1/events?q=${encodeURIComponent("command:*rm*")}`, managerToken)).status).toBe(400);
    const ok = await get(`/api/v1/events?q=${encodeURIComponent("tool:Read")}`, managerToken);
    expect(ok.status).toBe(200);
    expect((ok.body.events as unknown[]).length).toBe(2);
  });
});

describe("export honours q", () => {
  const viewer = () => ({ tenantId: T.tenantId, email: "a@example.com", canReadContent: true });

  it("exports only the matching events", async () => {
    const res = await exportResponse(viewer(), new URLSearchParams({ format: "ndjson", range: "all", q: "tool:Bash decision:accept" }));
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { decision: string });
    expect(lines.map((l) => l.decision)).toEqual(["accept", "accept"]);
  });

  it("a bad q is a 400 before anything is streamed", async () => {
    const res = await exportResponse(viewer(), new URLSearchParams({ format: "csv", range: "all", q: "tool:Bash or" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "expected a term after `or` at 12", position: 12 });
    const manager = await exportResponse({ ...viewer(), canReadContent: false }, new URLSearchParams({ format: "csv", range: "all", q: "curl" }));
    expect(manager.status).toBe(400);
  });
});

describe("exploreHistogram and exploreCount", () => {
  const params = (q: string, extra: Record<string, string> = {}) =>
    parseExploreParams(new URLSearchParams({ q, from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z", ...extra })).query;

  it("buckets matching events over the range, empty buckets included", async () => {
    const h = await exploreHistogram(T.tenantId, { ...params("tool:Bash"), canReadContent: true });
    expect(h.bucketMs).toBe(bucketSizeFor(new Date("2026-12-01T00:00:00Z"), new Date("2026-12-03T00:00:00Z")));
    expect(h.bucketMs).toBe(30 * 60e3);
    expect(h.buckets.length).toBe(96);
    expect(h.buckets[0]).toEqual({ start: "2026-12-01T00:00:00.000Z", count: 1 });
    expect(h.buckets[2]).toEqual({ start: "2026-12-01T01:00:00.000Z", count: 1 });
    expect(h.buckets.reduce((a, b) => a + b.count, 0)).toBe(3);
    const all = await exploreHistogram(T.tenantId, { ...params(""), canReadContent: true });
    expect(all.buckets.reduce((a, b) => a + b.count, 0)).toBe(5);
  });

  it("a range without a start begins at the tenant's first event", async () => {
    const h = await exploreHistogram(T.tenantId, { to: new Date("2026-12-02T12:00:00Z"), q: "tool:Read", canReadContent: true });
    expect(h.from).toBe("2026-12-01T00:00:00.000Z");
    expect(h.buckets.reduce((a, b) => a + b.count, 0)).toBe(2);
  });

  it("counts exactly below the threshold", async () => {
    expect(await exploreCount(T.tenantId, { ...params("tool:Bash"), canReadContent: true })).toEqual({ count: 3, exact: true });
    expect(await exploreCount(T.tenantId, { ...params('"rm -rf"'), canReadContent: true })).toEqual({ count: 1, exact: true });
    expect(EXACT_COUNT_LIMIT).toBe(10_000);
  });

  it("estimates above the threshold", async () => {
    // 10,050 more events: more than the exact limit.
    await getPool().query(
      `INSERT INTO events (tenant_id, environment_id, id, time, source, event_name, attributes, fields, session_id, sequence)
       SELECT $1, $2, gen_random_uuid(), $3::timestamptz + g * interval '1 second', 'claude_code', 'api_request', '{}', '{}', 'bulk', g
       FROM generate_series(1, 10050) AS g`,
      [T.tenantId, T.environmentId, new Date(BASE + 3 * 3600e3)],
    );
    await getPool().query("ANALYZE events");
    const c = await exploreCount(T.tenantId, { ...params("event:api_request"), canReadContent: true });
    expect(c.exact).toBe(false);
    expect(c.count).toBeGreaterThan(EXACT_COUNT_LIMIT);
  });

  it("a bad q throws the QueryError (the caller shows it)", async () => {
    await expect(exploreCount(T.tenantId, { q: "tool:", canReadContent: true })).rejects.toMatchObject({ name: "QueryError", position: 5 });
    await expect(exploreHistogram(T.tenantId, { q: "curl", canReadContent: false })).rejects.toMatchObject({ name: "QueryError" });
  });
});
