// `npm start`: build if needed, open the database (embedded PGlite unless DATABASE_URL is set),
// migrate, first-start setup, print how to sign in and how to point Claude Code here (those three
// in scripts/start-setup.ts), then run the Next.js server with the database URL. `npm run dev`
// does the same with `next dev`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig, type Config } from "@/lib/config";
import { secureDataDir } from "@/lib/data-dir";
import type { EmbeddedDatabase } from "@/lib/db/embedded";
import { serverNodeOptions } from "@/lib/server-memory";
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

/** Runs scripts/start-setup.ts with the database URL and waits (the embedded database keeps serving meanwhile). */
function runSetup(url: string, database: string): Promise<number> {
  const script = path.join(root, "scripts", "start-setup.ts");
  // process.execArgv carries tsx's loader, as this process was started with it.
  const setup = spawn(process.execPath, [...process.execArgv, script, ...(dev ? ["--dev"] : []), "--database", database], {
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: url },
  });
  return new Promise((resolve) => {
    setup.on("error", () => resolve(1));
    setup.on("exit", (code) => resolve(code ?? 1));
  });
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

  // Migrations, first-start setup, the policy file and the banner run in a process of their own:
  // their modules (Prisma's query compiler, the migrator, the policy schema) would otherwise stay
  // in this process's memory for as long as the server runs (scripts/start-setup.ts).
  const setupCode = await runSetup(url, describeDatabase(url, embedded));
  if (setupCode !== 0) {
    if (embedded) await embedded.stop();
    process.exit(setupCode);
  }

  const baseUrl = cfg.BLINDSPOT_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`;
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
