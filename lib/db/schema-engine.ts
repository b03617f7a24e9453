import { readFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./pglite-extensions";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type {
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
  SchemasContainer,
} from "@prisma/schema-engine-wasm";
import { PrismaPGlite } from "pglite-prisma-adapter";

// Prisma's own schema engine (the code behind `prisma migrate diff / deploy / status`), run offline
// from its WASM build on an in-memory PGlite. Used only by tests and developer scripts, never by the
// app: it checks that prisma/schema.prisma and the hand-written prisma/migrations agree, and writes
// the SQL for a new migration. The engine's JS API is internal and unversioned, hence the exact pin
// of @prisma/schema-engine-wasm in package.json; the types below come from that package.

export type { DiagnoseMigrationHistoryOutput, MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

type Bindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

const DEFAULT_LOCKFILE = 'provider = "postgresql"\n';

let bindings: Promise<Bindings> | undefined;

/**
 * Loads the WASM module once. The package's entry does `import * as wasm from "./x.wasm"`, which
 * Node 20 only allows with --experimental-wasm-modules, so this does what that entry does by hand:
 * instantiate the .wasm with the JS glue as its import object, hand the exports back to the glue.
 */
function loadBindings(): Promise<Bindings> {
  bindings ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue: Bindings = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  bindings.catch(() => {
    bindings = undefined;
  });
  return bindings;
}

/**
 * PrismaPGlite on `db`, with shadow databases (used to replay the migrations folder) that are fresh
 * in-memory PGlites closed with the session; PrismaPGlite's own connectToShadowDb never closes its.
 */
class PGliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName: string;
  private readonly main: PrismaPGlite;
  private readonly shadows: PGlite[] = [];

  constructor(db: PGlite) {
    this.main = new PrismaPGlite(db);
    this.adapterName = this.main.adapterName;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.main.connect();
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
    this.shadows.push(shadow);
    return new PrismaPGlite(shadow).connect();
  }

  async closeShadows(): Promise<void> {
    await Promise.all(this.shadows.splice(0).map((s) => s.close().catch(() => undefined)));
  }
}

export interface EngineSession {
  engine: SchemaEngine;
  /** The database the engine works on (the shadow database is a separate in-memory PGlite). */
  db: PGlite;
  close(): Promise<void>;
}

export interface OpenEngineOptions {
  /** Database to work on; a fresh in-memory PGlite when omitted (closed again by close()). */
  db?: PGlite;
  /** Prisma schema file(s) to give the engine as its initial datamodel. */
  schema?: SchemasContainer;
  /** Receives the engine's tracing output (JSON lines); silent by default. */
  log?: (line: string) => void;
}

export async function openSchemaEngine(options: OpenEngineOptions = {}): Promise<EngineSession> {
  const { SchemaEngine } = await loadBindings();
  const db = options.db ?? (await PGlite.create({ extensions: PGLITE_EXTENSIONS }));
  const ownsDb = options.db === undefined;
  const factory = new PGliteAdapterFactory(db);
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const datamodels = options.schema?.files.map((f): [string, string] => [f.path, f.content]);
  const log = options.log ?? (() => undefined);
  let engine: SchemaEngine;
  try {
    engine = await SchemaEngine.new({ datamodels }, log, adapter);
  } catch (err) {
    await factory.closeShadows();
    if (ownsDb) await db.close();
    throw engineError(err);
  }
  let closed = false;
  return {
    engine,
    db,
    async close() {
      if (closed) return;
      closed = true;
      engine.free();
      await factory.closeShadows();
      if (ownsDb) await db.close();
    },
  };
}

/** Engine errors arrive as plain objects or strings; make them Errors with a readable message. */
export function engineError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === "string") return new Error(err);
  try {
    return new Error(JSON.stringify(err));
  } catch {
    return new Error(String(err));
  }
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw engineError(err);
  }
}

/** The migrations folder as the engine expects it (what the Prisma CLI reads from disk). */
export function loadMigrationList(migrationsDir: string): MigrationList {
  const baseDir = path.resolve(migrationsDir);
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        // Same selection as the runner (lib/db/migrate.ts): folders that hold a migration.sql.
        .filter((d) => d.isDirectory() && existsSync(path.join(baseDir, d.name, "migration.sql")))
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      // The engine takes the connector from this file; `prisma migrate dev` would have written it.
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : DEFAULT_LOCKFILE,
    },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(baseDir, name, "migration.sql");
      let content: MigrationList["migrationDirectories"][number]["migrationFile"]["content"];
      try {
        content = { tag: "ok", value: readFileSync(file, "utf8") };
      } catch (err) {
        content = { tag: "error", value: err instanceof Error ? err.message : String(err) };
      }
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  };
}

export function loadSchema(schemaPath: string): SchemasContainer {
  const file = path.resolve(schemaPath);
  return { files: [{ path: file, content: readFileSync(file, "utf8") }] };
}

/**
 * `prisma migrate diff --from-migrations <dir> --to-schema <schema> --script`: the SQL that turns
 * the database the migrations build (replayed on an in-memory shadow PGlite) into what schema.prisma
 * describes. Returns "" when they already agree.
 */
export async function migrationsToSchemaDiff(migrationsDir: string, schemaPath: string): Promise<string> {
  const schema = loadSchema(schemaPath);
  const session = await openSchemaEngine({ schema });
  try {
    const result = await call(() =>
      session.engine.diff({
        from: { tag: "migrations", ...loadMigrationList(migrationsDir) },
        to: { tag: "schemaDatamodel", ...schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      }),
    );
    // With exitCode set, the engine answers 2 for a non-empty diff and 0 for an empty one (whose
    // script is just the comment "-- This is an empty migration.").
    return result.exitCode === 2 ? (result.stdout ?? "").trim() + "\n" : "";
  } finally {
    await session.close();
  }
}

/**
 * `prisma migrate status`: how Prisma sees the migration history recorded in `db` against the
 * migrations folder (failed / edited migrations, unapplied ones in `history`).
 */
export async function diagnoseMigrationHistory(db: PGlite, migrationsDir: string): Promise<DiagnoseMigrationHistoryOutput> {
  const session = await openSchemaEngine({ db });
  try {
    return await call(() =>
      session.engine.diagnoseMigrationHistory({
        migrationsList: loadMigrationList(migrationsDir),
        optInToShadowDatabase: false,
        filters: NO_FILTER,
      }),
    );
  } finally {
    await session.close();
  }
}

/** `prisma migrate deploy`: apply the unapplied migrations with Prisma's own runner. */
export async function applyMigrationsWithPrisma(db: PGlite, migrationsDir: string): Promise<string[]> {
  const session = await openSchemaEngine({ db });
  try {
    const out = await call(() =>
      session.engine.applyMigrations({ migrationsList: loadMigrationList(migrationsDir), filters: NO_FILTER }),
    );
    return out.appliedMigrationNames;
  } finally {
    await session.close();
  }
}
