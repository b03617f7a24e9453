// `npm start`: build if needed, open the database (embedded PGlite unless DATABASE_URL is set),
// migrate, first-start setup, print how to sign in and how to point Claude Code here, then run
// the Next.js server with the database URL. `npm run dev` does the same with `next dev`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { databaseIsEmpty, firstStart, initialAdminPasswordFile } from "@/lib/bootstrap";
import { loadConfig, type Config } from "@/lib/config";
import { secureDataDir } from "@/lib/data-dir";
import type { EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { applyEnvironmentPolicyFile } from "@/lib/secrets/policy-file";
import { serverNodeOptions } from "@/lib/server-memory";
import { startBanner } from "@/lib/setup/start-banner";
import { buildIsFresh } from "./build-freshness";

const dev = process.argv.includes("--dev");
const cfg = configOrExit();
const root = process.cwd();
const nextBin = path.join(root, "node_modules", ".bin", "next");

/** An invalid configuration stops the start with its message, not a stack trace. */
function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    console.error(`[blindspot] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

function buildIfNeeded(): void {
  if (buildIsFresh(root)) return;
  console.log("[blindspot] building the web app (first start or sources changed)…");
  const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) {
    console.error("[blindspot] build failed");
    process.exit(r.status ?? 1);
  }
}

function sessionSecret(): string {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  secureDataDir(cfg.dataDir);
  const file = path.join(cfg.dataDir, "session-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

function describeDatabase(url: string, embedded: EmbeddedDatabase | undefined): string {
  if (embedded) return `embedded PGlite in ${path.join(cfg.dataDir, "pglite")}`;
  try {
    const u = new URL(url);
    return `Postgres server ${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "Postgres server (DATABASE_URL)";
  }
}

async function main(): Promise<void> {
  if (!dev) buildIfNeeded();

  let embedded: EmbeddedDatabase | undefined;
  let url = cfg.DATABASE_URL;
  if (!url) {
    // Loaded only for the embedded engine: PGlite's module alone is ~40 MB of RSS in this
    // long-lived process, for nothing when a Postgres server is used.
    const { openEmbeddedDatabase } = await import("@/lib/db/embedded");
    embedded = await openEmbeddedDatabase(cfg.dataDir);
    if (!embedded.owned) {
      console.error(`[blindspot] another Blindspot already serves the database in ${cfg.dataDir}; stop it first`);
      process.exit(1);
    }
    url = embedded.url;
  }
  process.env.DATABASE_URL = url;

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const migration = await migrate(client);
  if (migration.applied.length > 0) console.log(`[blindspot] applied migrations: ${migration.applied.join(", ")}`);
  const empty = await databaseIsEmpty(client);
  await client.end();
  const setup = await firstStart(cfg, empty);
  // Before the server accepts data: an invalid policy file stops the start (main's catch).
  const policy = await applyEnvironmentPolicyFile();
  if (policy) {
    console.log(
      policy.result.changed
        ? `[blindspot] data policy of the default tenant: version ${policy.result.version} from ${policy.file}`
        : `[blindspot] data policy of the default tenant: ${policy.file} matches version ${policy.result.version}`,
    );
  }
  await closePool();

  const baseUrl = cfg.BLINDSPOT_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`;
  console.log(
    startBanner({
      baseUrl,
      dev,
      database: describeDatabase(url, embedded),
      setup,
      passwordFromEnv: Boolean(cfg.BLINDSPOT_INIT_ADMIN_PASSWORD),
      initialPasswordFile: initialAdminPasswordFile(cfg.dataDir),
    }),
  );

  const env = {
    ...process.env,
    DATABASE_URL: url,
    NEXTAUTH_SECRET: sessionSecret(),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? baseUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    // The launcher already migrated and set up; the server only serves.
    BLINDSPOT_LAUNCHED: "1",
    // V8 heap limits (BLINDSPOT_SERVER_HEAP_MB, BLINDSPOT_SERVER_SEMI_SPACE_MB) for the server
    // only, and not for `next dev`, whose compiler needs more.
    NODE_OPTIONS: dev ? process.env.NODE_OPTIONS : serverNodeOptions(cfg, process.env.NODE_OPTIONS),
  };
  const args = dev ? ["dev", "-p", String(cfg.PORT)] : ["start", "-p", String(cfg.PORT)];
  const child = spawn(nextBin, args, { stdio: "inherit", env });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  child.on("exit", async (code, signal) => {
    if (embedded) await embedded.stop();
    process.exit(code ?? (signal ? 0 : 1));
  });
}

main().catch(async (err: unknown) => {
  console.error(`[blindspot] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
