import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { getPool } from "@/lib/db/pool";
import { exploreSpans } from "./spans";
import { exploreCount, exploreHistogram } from "./stats";

// The Explorer's spans dataset on the captured Office agent traces, ingested through the real pipeline.

let db: TestDatabase;
let T: TestTenant;

beforeAll(async () => {
  db = await startTestDatabase();
  T = await createTestTenant("explore-spans");
  const scope = { tenantId: T.tenantId, environmentId: T.environmentId, ingestTokenId: null };
  for (const f of listFixtureRequests().filter((x) => x.scenario === "office-traces" && x.variant === "http-json")) {
    await ingestPayload(f.signal, "json", new Uint8Array(f.body()), scope);
  }
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

async function all(q: string, canReadContent = true) {
  return (await exploreSpans(T.tenantId, { q, limit: 500 }, canReadContent)).rows;
}

describe("exploreSpans", () => {
  it("lists the tenant's spans newest first, paged by cursor without gaps or repeats", async () => {
    const { rows: [{ n }] } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE tenant_id = $1`, [T.tenantId]);
    expect(n).toBeGreaterThan(20);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await exploreSpans(T.tenantId, { limit: 7, cursor }, true);
      seen.push(...page.rows.map((r) => `${r.traceId}/${r.spanId}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBe(n);
    expect(new Set(seen).size).toBe(n);
    const times = (await all("")).map((r) => r.startTime);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("filters with the query language over the spans' fields", async () => {
    const tools = await all("event:agent.tool_execution");
    expect(tools.length).toBe(14);
    expect(tools.every((r) => r.name === "agent.tool_execution")).toBe(true);
    expect((await all("status:error")).every((r) => r.statusCode === 2)).toBe(true);
    expect((await all("status:error")).length).toBe(6);
    expect((await all("app:excel")).length).toBeGreaterThan(0);
    expect((await all("app:excel")).every((r) => r.surface === "excel")).toBe(true);
    expect((await all("tool:web_search")).length).toBe(2);
  });

  it("free text finds what the person asked (content), for readers only", async () => {
    const rows = await all('"liability clause"');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.name === "agent.query" || r.name === "agent.stream")).toBe(true);
    expect((await all("prompt_text:*credit*")).length).toBeGreaterThan(0);
    expect((await all('prompt_text:"Highlight rows where credit exceeds debit"')).length).toBeGreaterThan(0);
    await expect(all('"liability clause"', false)).rejects.toMatchObject({ name: "QueryError" });
  });

  it("the histogram and count take the spans dataset", async () => {
    const n = (await all("status:error")).length;
    expect(await exploreCount(T.tenantId, { dataset: "spans", q: "status:error", canReadContent: true })).toEqual({ count: n, exact: true });
    const h = await exploreHistogram(T.tenantId, { dataset: "spans", q: "status:error", canReadContent: true });
    expect(h.buckets.reduce((a, b) => a + b.count, 0)).toBe(n);
  });
});
