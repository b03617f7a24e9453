// What the benchmark scripts (bench-ingest, bench-console, bench-signin) share: an undo list that runs on
// success, failure and Ctrl-C alike, and small helpers. Results go to bench-results/ (git-ignored).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrate } from "@/lib/db/migrate";
import { percentile } from "./bench-ingest-cpu";

const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
let cleaningUp: Promise<void> | undefined;
let aborted: NodeJS.Signals | null = null;

export const root = process.cwd();
export const resultsDir = path.join(root, "bench-results");

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function log(text: string): void {
  console.log(`[bench] ${text}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Registers an undo step; steps run in reverse order. */
export function onCleanup(what: string, run: () => Promise<void> | void): void {
  cleanups.push({ what, run });
}

export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop()!;
      try {
        await step.run();
      } catch (err) {
        console.error(`[bench] cleanup (${step.what}) failed: ${message(err)}`);
      }
    }
  })();
  return cleaningUp;
}

/** True once Ctrl-C (or SIGTERM) arrived: loops stop, main() bails out at its next phase. */
export function isAborted(): boolean {
  return aborted !== null;
}

export function throwIfAborted(): void {
  if (aborted) throw new Error(`interrupted by ${aborted}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (aborted) return;
    aborted = signal;
    console.error(`\n[bench] ${signal}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A temporary directory removed at cleanup. Short paths: PGlite's socket path must stay under ~100 bytes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The last lines of a log file, for failure reports. */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Writes bench-results/<name>.json and says where. */
export function writeResults(name: string, results: unknown): void {
  const outFile = path.join(resultsDir, `${name}.json`);
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n  written to ${path.relative(root, outFile)}`);
}

/** Prints failed checks with the tails of the given logs and marks the run failed. */
export function reportFailures(failures: string[], logs: Record<string, string | null | undefined>): void {
  if (failures.length === 0) return;
  console.error(`\n[bench] FAILED (${failures.length}):\n  ${failures.slice(0, 20).join("\n  ")}`);
  if (failures.length > 20) console.error(`  … and ${failures.length - 20} more`);
  for (const [label, file] of Object.entries(logs)) {
    if (file) console.error(`[bench] ${label}: last lines\n${tail(file, 20)}`);
  }
  process.exitCode = 1;
}

/** Runs a benchmark's main, cleans up whatever it registered, and exits (pools and timers must not keep it alive). */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      if (!isAborted()) console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = isAborted() ? 130 : 1;
    })
    .finally(async () => {
      await cleanup();
      process.exit(process.exitCode ?? 0);
    });
}

export interface LaunchedApp {
  port: number;
  child: ChildProcess;
  logFile: string;
  /** Stops the app in order (SIGTERM; its process group is killed after 20 s). Also runs at cleanup. */
  stop(): Promise<void>;
}

/**
 * Starts Blindspot as `npm start` does (the launcher scripts/start.ts in `appDir`) on a free port,
 * with `env` over this process's environment (undefined removes a variable), logs to `logFile`,
 * and resolves once /api/health answers 200.
 */
export async function launchApp(opts: {
  appDir: string;
  env: (port: number) => Record<string, string | undefined>;
  logFile: string;
  healthyWithinMs: number;
  /** A fixed port (a restarted app must come back where its senders are); default: a free one. */
  port?: number;
}): Promise<LaunchedApp> {
  const port = opts.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" };
  for (const [k, v] of Object.entries(opts.env(port))) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const { logFile } = opts;
  const out = createWriteStream(logFile);
  // As `npm start` runs it: `node --import tsx`, one process for the launcher (no tsx CLI process
  // in front). Own process group (detached) so a terminal Ctrl-C reaches only the benchmark, which
  // then stops the app in order (the launcher forwards SIGTERM to Next and closes PGlite).
  const child = spawn(process.execPath, ["--import", "tsx", path.join(opts.appDir, "scripts", "start.ts")], { cwd: opts.appDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exited = false;
  child.once("exit", () => (exited = true));

  // After the launcher is gone: a Next.js server that outlived it (seen in test:faults e, where it
  // kept its port and ran on after the scenario) goes with its process group.
  const killGroup = (pid: number) => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // nothing left in the group
    }
  };
  const stop = async (): Promise<void> => {
    if (child.pid === undefined) return;
    if (exited) return killGroup(child.pid);
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const clean = await Promise.race([gone.then(() => true), sleep(20_000).then(() => false)]);
    if (!clean) {
      console.error("[bench] app did not stop within 20 s; killing its process group");
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await gone;
    }
    killGroup(child.pid);
  };
  onCleanup("stop the app", stop);

  const deadline = Date.now() + opts.healthyWithinMs;
  for (;;) {
    throwIfAborted();
    if (exited) throw new Error(`the app exited during start-up; last lines of ${logFile}:\n${tail(logFile, 40)}`);
    if (Date.now() > deadline) throw new Error(`the app did not become healthy within ${opts.healthyWithinMs / 60_000} minutes; see ${logFile}`);
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/api/health", timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(0));
      req.on("timeout", () => req.destroy());
    });
    if (status === 200) break;
    await sleep(250);
  }
  return { port, child, logFile, stop };
}

/**
 * A fresh database named `name` on the server at `adminUrl`, dropped at cleanup (also on a shared
 * server): its URL, and the server's version for the report.
 */
export async function scratchDatabase(adminUrl: string, name: string): Promise<{ url: string; serverVersion: string }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ server_version: string }>("SHOW server_version");
    await admin.query(`CREATE DATABASE "${name}"`);
    onCleanup(`drop database ${name}`, async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), serverVersion: rows[0].server_version };
  } finally {
    await admin.end();
  }
}

/**
 * A database named `name` on the server at `adminUrl` that outlives the run (bench:query and
 * bench:read seed it once and reuse it): created when missing, dropped first when `fresh`, then
 * migrated. Its URL.
 */
export async function keptDatabase(adminUrl: string, name: string, fresh: boolean): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    if (fresh) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const { rowCount } = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (!rowCount) await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return url.toString();
}

/** Applies the pending migrations to the database at `url`. */
export async function migrateDatabase(url: string): Promise<void> {
  const m = new pg.Client({ connectionString: url });
  await m.connect();
  try {
    await migrate(m);
  } finally {
    await m.end();
  }
}

/**
 * p50 and p95 of `runs` timed calls of `fn` (given the run's number, from 1), after one untimed
 * warm-up call (0): the cache and the plan as an analyst's second look would find them.
 */
export async function timeRuns(fn: (run: number) => Promise<unknown>, runs: number): Promise<{ p50: number; p95: number }> {
  await fn(0);
  const ms: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  const sorted = Float64Array.from(ms).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}
