import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { clearApiTokenCache } from "@/lib/auth/api-tokens";
import { clearIngestTokenCache } from "@/lib/auth/ingest-tokens";
import { resetConfigForTests } from "@/lib/config";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";

// A fresh, migrated database for one test file: a throwaway database on the Postgres server in
// TEST_DATABASE_URL when set, otherwise a new embedded PGlite. Either way the code under test
// reaches it through DATABASE_URL and the pg driver, exactly as in production.

export interface TestDatabase {
  url: string;
  engine: "postgres" | "pglite";
  stop(): Promise<void>;
}

/** `migrationsDir`: migrate with these migrations instead of prisma/migrations (an older schema). */
export async function startTestDatabase(opts: { migrationsDir?: string } = {}): Promise<TestDatabase> {
  resetConfigForTests();
  clearIngestTokenCache();
  clearApiTokenCache();
  const server = process.env.TEST_DATABASE_URL;
  let url: string;
  let cleanup: () => Promise<void>;
  let engine: TestDatabase["engine"];
  if (server) {
    engine = "postgres";
    const name = `blindspot_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(server);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    engine = "pglite";
    const dir = mkdtempSync(path.join(os.tmpdir(), "bs-"));
    let db: EmbeddedDatabase | undefined = await openEmbeddedDatabase(dir);
    url = db.url;
    cleanup = async () => {
      await db?.stop();
      db = undefined;
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await migrate(client, opts.migrationsDir);
  await client.end();
  process.env.DATABASE_URL = url;
  return {
    url,
    engine,
    async stop() {
      await closePool();
      await cleanup();
    },
  };
}
