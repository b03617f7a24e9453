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

it("connections run without JIT (its compile time over every partition exceeded the page reads themselves)", async () => {
  // Several connections at once: each new one must have it, not only the first.
  const clients = await Promise.all([getPool().connect(), getPool().connect(), getPool().connect()]);
  try {
    for (const c of clients) expect((await c.query<{ jit: string }>("SHOW jit")).rows[0].jit).toBe("off");
  } finally {
    clients.forEach((c) => c.release());
  }
});
