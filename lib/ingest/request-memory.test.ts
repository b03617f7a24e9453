import http from "node:http";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { liveBytes } from "@/lib/testing/live-memory";
import { paddedLogBatch } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";
import type { MemoryBudget } from "./memory-budget";

// What an OTLP request keeps in memory while its write waits for the database — under load most
// requests in flight are there: only the normalized batch. The body on the wire, its decompressed
// bytes and the decoded request tree (8 MiB and more for a large JSON batch) are garbage by then.

const MiB = 1024 * 1024;

describe("memory held by a request waiting to be written (real HTTP)", () => {
  let db: TestDatabase;
  let app: RouteServer;

  beforeAll(async () => {
    db = await startTestDatabase();
    app = await startAppServer();
  });

  afterAll(async () => {
    await app?.close();
    await db?.stop();
  });

  /** POSTs a padded batch of exactly `size` bytes; no variable of the test holds the body, so it is garbage once sent. */
  function postPadded(token: string, n: number, from: number, size: number): Promise<number> {
    const url = new URL(`${app.url}/api/otlp/v1/logs`);
    let resolve!: (status: number) => void;
    let reject!: (err: Error) => void;
    const answered = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": size, authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(paddedLogBatch(n, from, size));
    return answered;
  }

  const budget = () => (globalThis as Record<string, unknown>).__blindspot_ingestMemoryBudget as MemoryBudget | undefined;

  it("keeps neither the body nor its decoded tree while the write waits: an 8 MiB JSON batch holds less than 3 MiB there", async () => {
    const t = await createTestTenant("request-memory");
    // Warm: the token and the tenant's masking policy are cached, the code is loaded.
    expect(await postPadded(t.ingestToken, 20, 0, MiB)).toBe(200);

    // Every connection of the pool busy: the next write waits for one.
    const pool = getPool();
    const busy: pg.PoolClient[] = await Promise.all(Array.from({ length: config().DB_POOL_SIZE }, () => pool.connect()));
    let answered: Promise<number>;
    let held: number;
    try {
      const before = await liveBytes();
      const size = 8 * MiB - 4096;
      answered = postPadded(t.ingestToken, 20, 100, size);
      // Decoded (the budget's charge grew past the declared size) and waiting for a connection.
      for (let i = 0; i < 2000 && !((budget()?.inFlightBytes ?? 0) > size && pool.waitingCount > 0); i++) await new Promise((r) => setTimeout(r, 10));
      expect(budget()!.inFlightBytes).toBeGreaterThan(size);
      expect(pool.waitingCount).toBeGreaterThan(0);
      held = (await liveBytes()) - before;
    } finally {
      for (const c of busy) c.release();
    }
    expect(await answered).toBe(200);
    expect(held / MiB).toBeLessThan(3);

    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(40);
  });
});
