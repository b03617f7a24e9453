// `npm run bench:signin`: what a password brute force does to the rest of the server.
//
//   npm run bench:signin -- [--rate 50] [--seconds 20] [--engine pglite|postgres]
//
// 1. In this process: event-loop delay while bcrypt checks run with bcryptjs's async API on the
//    main thread, against the same checks on the worker-thread pool the app uses
//    (lib/auth/password-checks.ts). This is why the app checks passwords off the event loop.
// 2. Starts the app with the launcher (scripts/start.ts) on a fresh database, as `npm start` does
//    (embedded PGlite, or a throwaway Postgres server / BENCH_DATABASE_URL with --engine postgres).
// 3. Twice for --seconds: probes GET /api/health (every 100 ms) and POST an OTLP log batch from
//    test/fixtures (every 250 ms, a fresh session id each time so every batch is written), first
//    with nothing else going on, then while a brute force posts --rate wrong passwords per second
//    (open loop: attempts leave on schedule whatever the server answers) to next-auth's credentials
//    callback, over 25 accounts (the real admin and 24 unknown ones) from one client.
// 4. Prints p50/p95 of each probe with the brute force off and on, and their ratio, and what the
//    sign-in endpoint answered (wrong password, locked, busy) with its latency.
// Timing assertions are deliberately absent: the exit code reports only whether probes succeeded.
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import { PasswordCheckPool } from "@/lib/auth/password-checks";
import pg from "pg";
import { freePort, isAborted, launchApp, log, onCleanup, reportFailures, resultsDir, root, runBench, scratchDatabase, sleep, tempDir, throwIfAborted, writeResults, type LaunchedApp } from "./bench-support";

interface Options {
  rate: number;
  seconds: number;
  engine: "pglite" | "postgres";
  /** Another checkout to run (e.g. an export of an older commit, with its own node_modules). */
  appDir: string;
}

const USAGE = `usage: npm run bench:signin -- [--rate N] [--seconds N] [--engine pglite|postgres]
  --rate      wrong-password attempts per second during the brute force (default 50)
  --seconds   length of each phase, brute force off and on (default 20)
  --engine    pglite (default, embedded) or postgres (BENCH_DATABASE_URL, or a throwaway server)
  --app-dir   the checkout whose app is started (default: this one), to compare with older code`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "50" },
      seconds: { type: "string", default: "20" },
      engine: { type: "string", default: "pglite" },
      "app-dir": { type: "string", default: root },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  if (!(rate > 0) || !(seconds > 0) || (values.engine !== "pglite" && values.engine !== "postgres")) {
    console.error(USAGE);
    process.exit(2);
  }
  return { rate, seconds, engine: values.engine, appDir: path.resolve(values["app-dir"]) };
}

// ---- figures ------------------------------------------------------------------------------

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

function summarize(ms: number[]): Summary {
  return { n: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.length ? Math.max(...ms) : NaN };
}

const fmt = (n: number) => (Number.isNaN(n) ? "-" : n < 10 ? n.toFixed(1) : n.toFixed(0));

// ---- 1. event-loop delay: bcrypt on the main thread vs the worker pool ---------------------------

async function eventLoopDelay(label: string, work: () => Promise<unknown>): Promise<{ label: string; p99Ms: number; maxMs: number; wallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  h.disable();
  return { label, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, wallMs };
}

async function measureEventLoop(): Promise<Awaited<ReturnType<typeof eventLoopDelay>>[]> {
  const hash = await bcrypt.hash("bench-password-0123", 12);
  const checks = 8;
  const pool = new PasswordCheckPool(1, checks);
  try {
    await pool.verify("warm-up", hash);
    return [
      await eventLoopDelay(`${checks} checks, bcryptjs async on the main thread`, () => Promise.all(Array.from({ length: checks }, () => bcrypt.compare("wrong", hash)))),
      await eventLoopDelay(`${checks} checks, worker-thread pool (1 thread)`, () => Promise.all(Array.from({ length: checks }, () => pool.verify("wrong", hash)))),
    ];
  } finally {
    await pool.close();
  }
}

// ---- HTTP ---------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

function request(agent: http.Agent, port: number, method: string, pathname: string, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request({ host: "127.0.0.1", port, method, path: pathname, headers, agent, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers, ms: performance.now() - t0 }));
      res.on("error", () => resolve({ status: 0, body: "", headers: {}, ms: performance.now() - t0 }));
    });
    req.on("error", () => resolve({ status: 0, body: "", headers: {}, ms: performance.now() - t0 }));
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

/** One OTLP/JSON log batch from the fixtures; each call gives it a new session id, so it is stored anew. */
function otlpBatches(): () => Buffer {
  const file = path.join(root, "test", "fixtures", "a-bash-allowed", "http-json", "0001-logs.body.json");
  const text = readFileSync(file, "utf8");
  const sessionId = /"key":\s*"session\.id",\s*"value":\s*\{\s*"stringValue":\s*"([^"]+)"/.exec(text)?.[1];
  if (!sessionId) throw new Error(`no session.id in ${file}`);
  return () => Buffer.from(text.split(sessionId).join(randomUUID()));
}

/** Runs fn every intervalMs until the deadline, one at a time (a probe, not a load). */
async function probeLoop(deadline: number, intervalMs: number, fn: () => Promise<void>): Promise<void> {
  while (performance.now() < deadline && !isAborted()) {
    const next = performance.now() + intervalMs;
    await fn();
    await sleep(Math.max(0, next - performance.now()));
  }
}

interface PhaseResult {
  health: Summary;
  otlp: Summary;
  failures: string[];
  signin?: { sent: number; answered: Record<string, number>; latency: Summary };
}

async function csrf(agent: http.Agent, port: number): Promise<{ token: string; cookie: string }> {
  const res = await request(agent, port, "GET", "/api/auth/csrf", {});
  const token = (JSON.parse(res.body) as { csrfToken: string }).csrfToken;
  const cookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  return { token, cookie };
}

async function phase(app: LaunchedApp, ingestToken: string, opts: Options, bruteForce: boolean, adminEmail: string): Promise<PhaseResult> {
  const probes = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const attackers = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const batch = otlpBatches();
  const failures: string[] = [];
  const health: number[] = [];
  const otlp: number[] = [];
  const signinMs: number[] = [];
  const answered: Record<string, number> = {};
  let sent = 0;
  const deadline = performance.now() + opts.seconds * 1000;

  const probing = Promise.all([
    probeLoop(deadline, 100, async () => {
      const r = await request(probes, app.port, "GET", "/api/health", {});
      health.push(r.ms);
      if (r.status !== 200) failures.push(`health ${r.status}`);
    }),
    probeLoop(deadline, 250, async () => {
      const r = await request(probes, app.port, "POST", "/api/otlp/v1/logs", { "content-type": "application/json", authorization: `Bearer ${ingestToken}` }, batch());
      otlp.push(r.ms);
      if (r.status !== 200) failures.push(`otlp ${r.status}`);
    }),
  ]);

  let attacking: Promise<unknown> = Promise.resolve();
  if (bruteForce) {
    const { token, cookie } = await csrf(attackers, app.port);
    const accounts = [adminEmail, ...Array.from({ length: 24 }, (_, i) => `user${i}@bench.example`)];
    const inFlight: Promise<void>[] = [];
    const intervalMs = 1000 / opts.rate;
    const start = performance.now();
    while (performance.now() < deadline && !isAborted()) {
      const email = accounts[sent % accounts.length];
      const form = new URLSearchParams({ email, password: `guess-${sent}-${randomBytes(4).toString("hex")}`, csrfToken: token, callbackUrl: "/", json: "true" }).toString();
      sent += 1;
      inFlight.push(
        request(attackers, app.port, "POST", "/api/auth/callback/credentials", { "content-type": "application/x-www-form-urlencoded", cookie }, form).then((r) => {
          signinMs.push(r.ms);
          let outcome = `HTTP ${r.status}`;
          try {
            const url = (JSON.parse(r.body) as { url?: string }).url;
            if (url) outcome = new URL(url).searchParams.get("error") ?? "signed in";
          } catch {
            // not JSON: keep the status
          }
          answered[outcome] = (answered[outcome] ?? 0) + 1;
        }),
      );
      await sleep(Math.max(0, start + sent * intervalMs - performance.now()));
    }
    attacking = Promise.all(inFlight);
  }
  await probing;
  await attacking;
  probes.destroy();
  attackers.destroy();
  return {
    health: summarize(health),
    otlp: summarize(otlp),
    failures,
    ...(bruteForce ? { signin: { sent, answered, latency: summarize(signinMs) } } : {}),
  };
}

// ---- main -----------------------------------------------------------------------------------

/** A fresh database on BENCH_DATABASE_URL's server, or on a throwaway server; both removed at cleanup. */
async function postgresUrl(): Promise<string> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    const dir = tempDir("bss-pg-");
    const script = path.join(root, "scripts", "pg-throwaway.sh");
    const started = spawnSync("bash", [script, "start", dir, String(await freePort())], { encoding: "utf8" });
    if (started.status !== 0) throw new Error(`pg-throwaway.sh start failed: ${started.stderr || started.stdout}`);
    onCleanup("stop throwaway Postgres", () => {
      const stopped = spawnSync("bash", [script, "stop", dir], { encoding: "utf8" });
      if (stopped.status !== 0) throw new Error(stopped.stderr);
    });
    adminUrl = started.stdout.trim().split("\n").pop()!;
  }
  return (await scratchDatabase(adminUrl, `blindspot_bench_signin_${randomBytes(4).toString("hex")}`)).url;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
  log(`brute force ${opts.rate} attempts/s for ${opts.seconds} s; engine ${opts.engine}; app ${opts.appDir}; load average ${loadAverageAtStart.join(" ")}`);

  log("event-loop delay during bcrypt checks (in this process)…");
  const eventLoop = await measureEventLoop();
  for (const e of eventLoop) log(`  ${e.label}: event-loop delay p99 ${fmt(e.p99Ms)} ms, max ${fmt(e.maxMs)} ms (${fmt(e.wallMs)} ms for all)`);
  throwIfAborted();

  const workDir = tempDir("bss-");
  const ingestToken = `bsi_bench_${randomBytes(24).toString("base64url")}`;
  const adminEmail = "bench@blindspot.local";
  mkdirSync(resultsDir, { recursive: true });
  const databaseUrl = opts.engine === "postgres" ? await postgresUrl() : undefined;
  log("starting the app (scripts/start.ts; it builds first if the build is stale)…");
  const app = await launchApp({
    appDir: opts.appDir,
    env: () => ({
      BLINDSPOT_DATA_DIR: path.join(workDir, "data"),
      BLINDSPOT_INIT_INGEST_TOKEN: ingestToken,
      BLINDSPOT_INIT_ADMIN_EMAIL: adminEmail,
      BLINDSPOT_INIT_ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
      BLINDSPOT_INIT_API_TOKEN: undefined,
      BLINDSPOT_PUBLIC_URL: undefined,
      BLINDSPOT_TRUST_PROXY: undefined,
      NEXTAUTH_URL: undefined,
      DATABASE_URL: databaseUrl,
    }),
    logFile: path.join(resultsDir, `signin-${opts.engine}-app.log`),
    healthyWithinMs: 10 * 60_000,
  });
  log(`app healthy on port ${app.port}`);

  log("warm-up (5 s, not counted)…");
  await phase(app, ingestToken, { ...opts, seconds: 5 }, false, adminEmail);
  log(`brute force off: probing for ${opts.seconds} s…`);
  const off = await phase(app, ingestToken, opts, false, adminEmail);
  throwIfAborted();
  log(`brute force on (${opts.rate}/s): probing for ${opts.seconds} s…`);
  const on = await phase(app, ingestToken, opts, true, adminEmail);
  throwIfAborted();

  const row = (name: string, a: Summary, b: Summary) =>
    `  ${name.padEnd(22)} ${`${fmt(a.p50)} / ${fmt(a.p95)}`.padStart(14)} ${`${fmt(b.p50)} / ${fmt(b.p95)}`.padStart(14)}   ${`${(b.p50 / a.p50).toFixed(2)} / ${(b.p95 / a.p95).toFixed(2)}`.padStart(12)}   (n ${a.n}, ${b.n})`;
  console.log(`\n  p50 / p95 in ms           brute force off  brute force on   on/off`);
  console.log(row("GET /api/health", off.health, on.health));
  console.log(row("POST OTLP log batch", off.otlp, on.otlp));
  if (on.signin) {
    const answers = Object.entries(on.signin.answered).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(`\n  sign-in attempts: ${on.signin.sent} sent; answered: ${answers}`);
    console.log(`  sign-in latency p50 / p95: ${fmt(on.signin.latency.p50)} / ${fmt(on.signin.latency.p95)} ms`);
  }
  writeResults(`signin-${opts.engine}${opts.appDir === root ? "" : `-${path.basename(opts.appDir)}`}`, {
    at: new Date().toISOString(),
    options: opts,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((n) => Number(n.toFixed(2))),
    cpus: os.cpus().length,
    eventLoop,
    off,
    on,
    ratio: { healthP50: on.health.p50 / off.health.p50, healthP95: on.health.p95 / off.health.p95, otlpP50: on.otlp.p50 / off.otlp.p50, otlpP95: on.otlp.p95 / off.otlp.p95 },
  });
  reportFailures([...off.failures, ...on.failures], { app: app.logFile });
}

runBench(main);
