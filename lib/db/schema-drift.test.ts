import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./pglite-extensions";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase } from "./embedded";
import { defaultMigrationsDir, migrate, readMigrations } from "./migrate";
import {
  applyMigrationsWithPrisma,
  diagnoseMigrationHistory,
  migrationsToSchemaDiff,
} from "./schema-engine";

// prisma/schema.prisma (what Prisma Client is generated from) and prisma/migrations (what
// lib/db/migrate.ts applies) are written by hand side by side. Prisma's own schema engine, run
// offline from its WASM build, checks that they agree and that it reads our runner's
// `_prisma_migrations` rows as its own, so `prisma migrate status/deploy` would work on our databases.

const migrationsDir = defaultMigrationsDir();
const schemaPath = path.join(process.cwd(), "prisma", "schema.prisma");

// A diff replays every migration on a shadow PGlite: ~10 s alone, more on a busy 2-core machine.
const DIFF_TIMEOUT = 180_000;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "bs-drift-"));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("schema.prisma vs prisma/migrations", () => {
  it("the migrations build exactly the database schema.prisma describes", async () => {
    const sql = await migrationsToSchemaDiff(migrationsDir, schemaPath);
    expect(
      sql,
      "prisma/schema.prisma and prisma/migrations disagree. Applying the migrations and then this SQL " +
        "gives what schema.prisma describes: either add it as a new migration (npm run db:diff -- <name>) " +
        "or change schema.prisma to match the migrations.\n\n" +
        sql,
    ).toBe("");
  }, DIFF_TIMEOUT);

  it("reports a difference when there is one (the check above is not vacuous)", async () => {
    const dir = tempDir();
    const schema = path.join(dir, "schema.prisma");
    writeFileSync(
      schema,
      readFileSync(schemaPath, "utf8") + '\nmodel DriftProbe {\n  id String @id\n\n  @@map("drift_probe")\n}\n',
    );
    const sql = await migrationsToSchemaDiff(migrationsDir, schema);
    expect(sql).toContain('CREATE TABLE "drift_probe"');
  }, DIFF_TIMEOUT);
});

describe("our runner's bookkeeping, read by Prisma", () => {
  let pgliteDir = "";

  beforeAll(async () => {
    // Migrate through the production path: the embedded database served on its socket, `pg`
    // client, lib/db/migrate.ts. Then stop it so the engine can open the same files directly.
    const dataDir = tempDir();
    const embedded = await openEmbeddedDatabase(dataDir);
    try {
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      try {
        await migrate(client, migrationsDir);
      } finally {
        await client.end();
      }
    } finally {
      await embedded.stop();
    }
    pgliteDir = path.join(dataDir, "pglite");
  });

  async function withDb<T>(fn: (db: PGlite) => Promise<T>): Promise<T> {
    const db = await PGlite.create(pgliteDir, { extensions: PGLITE_EXTENSIONS });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  it("Prisma sees every migration applied, none failed or edited, and has nothing left to deploy", async () => {
    await withDb(async (db) => {
      expect(await diagnoseMigrationHistory(db, migrationsDir)).toEqual({
        editedMigrationNames: [],
        failedMigrationNames: [],
        hasMigrationsTable: true,
        history: null,
      });
      expect(await applyMigrationsWithPrisma(db, migrationsDir)).toEqual([]);
    });
  });

  it("Prisma flags an edited migration and an unapplied one against the same rows", async () => {
    const folder = tempDir();
    cpSync(migrationsDir, folder, { recursive: true });
    const [first] = readMigrations(migrationsDir);
    writeFileSync(path.join(folder, first.name, "migration.sql"), `${first.sql}\n-- edited`);
    mkdirSync(path.join(folder, "29991231000000_later"));
    writeFileSync(path.join(folder, "29991231000000_later", "migration.sql"), "SELECT 1;\n");
    await withDb(async (db) => {
      const diagnosis = await diagnoseMigrationHistory(db, folder);
      expect(diagnosis.editedMigrationNames).toEqual([first.name]);
      expect(diagnosis.failedMigrationNames).toEqual([]);
      expect(diagnosis.history).toEqual({
        diagnostic: "databaseIsBehind",
        unappliedMigrationNames: ["29991231000000_later"],
      });
    });
  });
});
