import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// BLINDSPOT_STATEMENT_TIMEOUT_MS: a read that runs too long is cut by Postgres (57014) and the
// route answers with a clear error instead of hanging; ingest writes are not cut. The embedded
// engine (PGlite) accepts the setting but cannot enforce it, so the enforcement cases need a
// Postgres server (TEST_DATABASE_URL).

const TIMEOUT_MS = 300;
let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
const previous = process.env.BLINDSPOT_STATEMENT_TIMEOUT_MS;

beforeAll(async () => {
  process.env.BLINDSPOT_STATEMENT_TIMEOUT_MS = String(TIMEOUT_MS);
  db = await startTestDatabase(); // re-reads the configuration
  app = await startAppServer();
  tenant = await createTestTenant("timeout");
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
  if (previous === undefined) delete process.env.BLINDSPOT_STATEMENT_TIMEOUT_MS;
  else process.env.BLINDSPOT_STATEMENT_TIMEOUT_MS = previous;
  resetConfigForTests();
});

/** Holds an exclusive lock on the events table from another connection until released. */
async function lockEvents(): Promise<{ client: pg.Client; release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query("BEGIN");
  await c.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
  return {
    client: c,
    async release() {
      await c.query("ROLLBACK");
      await c.end();
    },
  };
}

describe("statement timeout", () => {
  it("is configurable: 15 s by default, 0 turns it off, junk is refused", () => {
    expect(loadConfig({} as NodeJS.ProcessEnv).BLINDSPOT_STATEMENT_TIMEOUT_MS).toBe(15_000);
    expect(loadConfig({ BLINDSPOT_STATEMENT_TIMEOUT_MS: "0" } as unknown as NodeJS.ProcessEnv).BLINDSPOT_STATEMENT_TIMEOUT_MS).toBe(0);
    expect(() => loadConfig({ BLINDSPOT_STATEMENT_TIMEOUT_MS: "-5" } as unknown as NodeJS.ProcessEnv)).toThrow(/BLINDSPOT_STATEMENT_TIMEOUT_MS: must be a non-negative integer/);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("is set on the app's connections", async () => {
    const { rows } = await getPool().query<{ statement_timeout: string }>("SHOW statement_timeout");
    expect(rows[0].statement_timeout).toBe(`${TIMEOUT_MS}ms`);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("cuts a statement that runs longer (57014)", async () => {
    await expect(getPool().query("SELECT pg_sleep(5)")).rejects.toMatchObject({ code: "57014" });
    // The connection is usable afterwards.
    expect((await getPool().query("SELECT 1 AS one")).rows[0].one).toBe(1);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("a read API request stuck behind a lock answers 503 with a clear error, not a hang", async () => {
    const lock = await lockEvents();
    try {
      const res = await fetch(`${app.url}/api/v1/events?limit=10`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
      expect(res.status).toBe(503);
      expect((await res.json()).error).toMatch(/statement timeout \(300 ms, BLINDSPOT_STATEMENT_TIMEOUT_MS\)/);
    } finally {
      await lock.release();
    }
    const ok = await fetch(`${app.url}/api/v1/events?limit=10`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
    expect(ok.status).toBe(200);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("an ingest batch waits past the timeout instead of being cut", async () => {
    const logs = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!;
    // Warm the receiver first (module loading, token cache), so the batch below reaches the database.
    const warm = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "metrics")!;
    expect((await postFixture(app.url, tenant.ingestToken, warm)).status).toBe(200);
    const lock = await lockEvents();
    let settled = false;
    const posted = postFixture(app.url, tenant.ingestToken, logs).finally(() => (settled = true));
    // Wait until the batch's COPY is queued behind the lock, then hold it well past the timeout:
    // a read would have been cut three times over.
    while (!settled) {
      const { rows } = await lock.client.query<{ n: number }>(
        // pg_stat_activity.query can still show the transaction's previous statement: any lock wait in this database is the batch's.
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (rows[0].n > 0) break;
      await sleep(20);
    }
    await sleep(TIMEOUT_MS * 3);
    await lock.release();
    const res = await posted;
    expect(res.status).toBe(200);
    const { rows } = await getPool().query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE tenant_id = $1", [tenant.tenantId]);
    expect(rows[0].n).toBeGreaterThan(0);
  });
});
