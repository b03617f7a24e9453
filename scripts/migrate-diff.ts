// `npm run db:diff -- <name>`: the offline `prisma migrate dev --create-only`. Prisma's schema
// engine (WASM, lib/db/schema-engine.ts) replays prisma/migrations on an in-memory PGlite, diffs the
// result against prisma/schema.prisma and the SQL it needs is written to
// prisma/migrations/<UTC timestamp>_<name>/migration.sql. Review it, then `npm run db:migrate`.
//   --print   show the SQL, write nothing
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defaultMigrationsDir, readMigrations } from "@/lib/db/migrate";
import { migrationsToSchemaDiff } from "@/lib/db/schema-engine";

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Prisma's folder-name timestamp for now, kept after the newest existing migration so order holds. */
function nextTimestamp(existing: string[]): string {
  let ts = timestamp(new Date());
  const newest = existing.map((n) => n.slice(0, 14)).filter((p) => /^\d{14}$/.test(p)).sort().at(-1);
  if (newest !== undefined && ts <= newest) {
    const d = new Date(
      Date.UTC(+newest.slice(0, 4), +newest.slice(4, 6) - 1, +newest.slice(6, 8), +newest.slice(8, 10), +newest.slice(10, 12), +newest.slice(12, 14) + 1),
    );
    ts = timestamp(d);
  }
  return ts;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const print = args.includes("--print");
  const rawName = args.find((a) => !a.startsWith("--"));
  const name = rawName
    ?.toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!print && !name) {
    console.error("usage: npm run db:diff -- <migration_name> [--print]");
    return 2;
  }

  const migrationsDir = defaultMigrationsDir();
  const schemaPath = path.join(process.cwd(), "prisma", "schema.prisma");
  const sql = await migrationsToSchemaDiff(migrationsDir, schemaPath);
  if (sql === "") {
    console.log("prisma/schema.prisma and prisma/migrations agree: no migration needed.");
    return 0;
  }
  if (print) {
    process.stdout.write(sql);
    return 0;
  }

  const folder = `${nextTimestamp(readMigrations(migrationsDir).map((m) => m.name))}_${name}`;
  const dir = path.join(migrationsDir, folder);
  if (existsSync(dir)) {
    console.error(`${dir} already exists`);
    return 1;
  }
  mkdirSync(dir);
  writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, "migration.sql"))}:\n\n${sql}`);
  if (/^\s*(DROP|ALTER TABLE .* DROP)/im.test(sql)) {
    console.warn("note: the migration drops something; check that this is intended before applying it.");
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
