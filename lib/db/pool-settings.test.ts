import { afterAll, beforeAll, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";

// Session settings every connection of the app's pool starts with, on either engine.

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

it("connections never JIT (its compile time over every partition exceeded the page reads themselves)", async () => {
  // Several connections at once: each new one must have it, not only the first. PGlite has no JIT
  // at all (and ignores startup options); a server has it unless the connection turns it off.
  const clients = await Promise.all([getPool().connect(), getPool().connect(), getPool().connect()]);
  try {
    for (const c of clients) {
      const { rows } = await c.query<{ jit: string; available: boolean }>("SELECT current_setting('jit') AS jit, pg_jit_available() AS available");
      expect(rows[0].jit === "off" || !rows[0].available, `jit ${rows[0].jit}, available ${rows[0].available}`).toBe(true);
    }
  } finally {
    clients.forEach((c) => c.release());
  }
});

// PGlite ignores startup options and runs in one process: it has no parallel workers to start.
it.skipIf(!process.env.TEST_DATABASE_URL)("connections plan no parallel query on a server (the workers cost more than they saved on the pages' rollup reads)", async () => {
  const clients = await Promise.all([getPool().connect(), getPool().connect()]);
  try {
    for (const c of clients) {
      const { rows } = await c.query<{ workers: string }>("SELECT current_setting('max_parallel_workers_per_gather') AS workers");
      expect(rows[0].workers).toBe("0");
    }
  } finally {
    clients.forEach((c) => c.release());
  }
});
