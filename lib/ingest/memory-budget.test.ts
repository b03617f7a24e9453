import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { paddedLogBatch } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";
import { MemoryBudget, MemoryBudgetExceededError } from "./memory-budget";

// The receivers' memory budget: requests in flight are charged for their bodies (declared, then
// decoded), and a request that would pass the budget while others hold memory is refused with
// 503 + Retry-After — the exporter keeps the batch and sends it again — instead of the server's
// heap growing with the load.

describe("MemoryBudget", () => {
  it("admits requests while their charges fit, refuses the one that would pass the budget, and frees on release", () => {
    const budget = new MemoryBudget(1000);
    const a = budget.reserve(600);
    expect(() => budget.reserve(500)).toThrow(MemoryBudgetExceededError);
    const b = budget.reserve(400);
    expect(budget.inFlightBytes).toBe(1000);
    expect(() => b.resize(401)).toThrow(MemoryBudgetExceededError);
    b.resize(100); // shrinking always fits
    expect(budget.inFlightBytes).toBe(700);
    a.release();
    a.release(); // twice is harmless
    expect(budget.inFlightBytes).toBe(100);
    b.release();
    expect(budget.inFlightBytes).toBe(0);
  });

  it("always admits a request alone, however large (the body cap bounds it; refusing it would refuse that batch forever)", () => {
    const budget = new MemoryBudget(1000);
    const a = budget.reserve(5000);
    a.resize(50_000);
    expect(() => budget.reserve(1)).toThrow(MemoryBudgetExceededError);
    a.release();
    budget.reserve(0).resize(9000);
  });

  it("0 means no budget", () => {
    const budget = new MemoryBudget(0);
    budget.reserve(1e9);
    budget.reserve(1e9).resize(1e10);
  });
});

describe("the receivers under the budget (real HTTP)", () => {
  const MiB = 1024 * 1024;
  let db: TestDatabase;
  let app: RouteServer;
  const budgetKey = "__blindspot_ingestMemoryBudget";

  beforeAll(async () => {
    process.env.BLINDSPOT_INGEST_MEMORY_BUDGET_MB = "1";
    resetConfigForTests();
    delete (globalThis as Record<string, unknown>)[budgetKey];
    db = await startTestDatabase();
    app = await startAppServer();
  });

  afterAll(async () => {
    delete process.env.BLINDSPOT_INGEST_MEMORY_BUDGET_MB;
    delete (globalThis as Record<string, unknown>)[budgetKey];
    resetConfigForTests();
    await app?.close();
    await db?.stop();
  });

  /** Starts a POST that sends only the first `sent` bytes of `body` until finish() is called. */
  function slowPost(token: string, body: Buffer, sent: number) {
    const url = new URL(`${app.url}/api/otlp/v1/logs`);
    let resolveResponse!: (r: { status: number; text: string }) => void;
    const response = new Promise<{ status: number; text: string }>((r) => (resolveResponse = r));
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": body.length, authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolveResponse({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.write(body.subarray(0, sent));
    return { response, finish: () => req.end(body.subarray(sent)) };
  }

  async function post(token: string, body: Buffer) {
    const res = await fetch(`${app.url}/api/otlp/v1/logs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: new Uint8Array(body) });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), text: await res.text() };
  }

  async function inFlight(): Promise<number> {
    const budget = (globalThis as Record<string, unknown>)[budgetKey] as MemoryBudget | undefined;
    return budget?.inFlightBytes ?? 0;
  }

  it("a request that would pass the budget while another holds memory gets 503 + Retry-After; both batches are stored once resent", async () => {
    const t = await createTestTenant("memory-budget");
    const a = paddedLogBatch(10, 0, 0.6 * MiB);
    const b = paddedLogBatch(10, 100, 0.6 * MiB);

    const slow = slowPost(t.ingestToken, a, 1024);
    // Wait until A's headers were handled and its declared size is charged.
    for (let i = 0; i < 200 && (await inFlight()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await inFlight()).toBe(a.length);

    const refused = await post(t.ingestToken, b);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe("5");
    expect(JSON.parse(refused.text)).toMatchObject({ code: 14, message: expect.stringContaining("memory budget (1 MiB") });

    slow.finish();
    expect((await slow.response).status).toBe(200);
    expect(await inFlight()).toBe(0);
    expect((await post(t.ingestToken, b)).status).toBe(200);

    const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(20);
  });
});
