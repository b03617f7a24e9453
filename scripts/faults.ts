// `npm run test:faults [-- a b c]`: fault scenarios against the real app (the `npm start` launcher,
// production build) on a throwaway Postgres server, each bounded in time:
//   a  kill -9 of the whole app (launcher + Next.js) mid-load; restart; every acknowledged record
//      is stored exactly once
//   b  Postgres restarted with `pg_ctl -m immediate` (crash recovery) mid-load; same check, and no
//      answer other than 200, or 503 (or the token rate's 429) + Retry-After
//   c  the Compliance API connector killed (kill -9 of the app) mid-sync from the local stub;
//      restart; the job resumes from its cursor, nothing missing, nothing stored twice
//   d  as a, with the embedded PGlite (owned by the launcher, so it dies with it)
//   e  two app instances on one Postgres behind a local round-robin proxy: ingest through both,
//      a console session signed in through the proxy valid on each, both instances' Compliance
//      connectors walking one backlog once, and a rolling restart (each instance stopped and
//      started in turn) mid-load losing and doubling nothing; the tenant's detection runs never
//      overlap (one at a time across both instances)
//   f  the detection (correlation) job killed (kill -9 of the app) while it evaluates a backlog
//      (a rule switched on over the last hour's records); restart; the job resumes from the rule's
//      watermark once its lease expires: every expected alert raised, none raised twice
// Senders behave as OTLP exporters: they retry 503 (and connection errors) until a 200, and a
// batch counts as acknowledged only on 200. After each fault (a, b, d) the last batches acknowledged
// before it are sent again, as an exporter does whose 200 was lost: they must still be stored once.
// Prints PASS/FAIL per scenario with its figures;
// `--report <file>` also writes them as JSON (scripts/test-all.sh counts it in npm test's summary).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { urlForSocketDir } from "@/lib/db/embedded";
import { toTaggedId } from "@/lib/identity/tagged-id";
import { startComplianceStub, type Json } from "@/lib/testing/compliance-stub";
import { fixturesOf } from "@/lib/testing/fixtures";
import { buildIsFresh } from "./build-freshness";
import { launchApp, log, message, onCleanup, root, runBench, sleep, tail, tempDir, type LaunchedApp } from "./bench-support";

const APP_PORT = Number(process.env.FAULTS_APP_PORT ?? 13027);
const PG_PORT = Number(process.env.FAULTS_PG_PORT ?? 15458);
const SCENARIO_LIMIT_MS = 3 * 60_000;
/** e starts four app processes one after another: each start is ~30 s on a busy 2-core machine. */
const SCENARIO_LIMITS_MS: Record<string, number> = { e: 7 * 60_000, f: 5 * 60_000 };
const pgScript = path.join(root, "scripts", "pg-throwaway.sh");
const execFileAsync = promisify(execFile);

interface Outcome {
  name: string;
  pass: boolean;
  seconds: number;
  figures: Record<string, number | string>;
  problems: string[];
}

// ---- Postgres server and the app -----------------------------------------------------------

let pgDir = "";
let pgUrl = "";

function startPostgres(): void {
  pgDir = tempDir("bs-faults-pg-");
  pgUrl = execFileSync(pgScript, ["start", pgDir, String(PG_PORT)], { encoding: "utf8" }).trim();
  onCleanup("stop Postgres", () => void execFileSync(pgScript, ["stop", pgDir]));
}

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startApp(
  databaseUrl: string | undefined, dataDir: string, logName: string, extra: Record<string, string> = {},
  port = APP_PORT, token = `bsi_faults_${randomBytes(18).toString("base64url")}`,
): Promise<{ app: LaunchedApp; token: string }> {
  const app = await launchApp({
    appDir: root,
    port,
    env: () => ({
      DATABASE_URL: databaseUrl, // undefined: the embedded PGlite in dataDir
      BLINDSPOT_DATA_DIR: dataDir,
      BLINDSPOT_INIT_INGEST_TOKEN: token,
      BLINDSPOT_INIT_ADMIN_EMAIL: "faults@blindspot.local",
      BLINDSPOT_INIT_ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
      BLINDSPOT_PUBLIC_URL: undefined,
      NEXTAUTH_URL: undefined,
      ...extra,
    }),
    logFile: path.join(dataDir, logName),
    healthyWithinMs: 10 * 60_000, // the launcher builds first when the sources are newer than the build
  });
  return { app, token };
}

/** kill -9 of the app's whole process group: launcher and Next.js die at once, nothing flushes. */
async function killApp(app: LaunchedApp): Promise<void> {
  const gone = new Promise<void>((resolve) => (app.child.exitCode !== null || app.child.signalCode !== null ? resolve() : app.child.once("exit", () => resolve())));
  process.kill(-app.child.pid!, "SIGKILL");
  await gone;
}

// ---- OTLP senders that behave like exporters -------------------------------------------------

const template = JSON.parse(fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!.body().toString("utf8")) as {
  resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[];
};
const RECORDS_PER_SESSION = template.resourceLogs.flatMap((r) => r.scopeLogs).reduce((n, s) => n + s.logRecords.length, 0);
const SESSIONS_PER_BATCH = 10;

/** One batch: the fixture's prompt replayed under SESSIONS_PER_BATCH new session ids. */
function batch(prefix: string): { body: string; sessions: string[] } {
  const sessions = Array.from({ length: SESSIONS_PER_BATCH }, (_, i) => `${prefix}-${i}`);
  const resourceLogs = sessions.flatMap((session) => {
    const copy = structuredClone(template.resourceLogs);
    const promptId = randomUUID();
    for (const r of copy.flatMap((rl) => rl.scopeLogs).flatMap((s) => s.logRecords)) {
      for (const a of r.attributes) {
        if (a.key === "session.id") a.value = { stringValue: session };
        if (a.key === "prompt.id") a.value = { stringValue: promptId };
      }
    }
    return copy;
  });
  return { body: JSON.stringify({ resourceLogs }), sessions };
}

interface LoadFigures {
  acknowledged: string[]; // session ids of acknowledged batches
  batches: number;
  status: Record<string, number>;
  connectionErrors: number;
  connectionErrorKinds: Record<string, number>;
  otherFailures: string[];
  /** Bodies of the last REDELIVERED acknowledged batches. */
  recent: string[];
}

/** Batches sent again after a fault, as an exporter does whose 200 was lost in the crash. */
const REDELIVERED = 5;

/**
 * `senders` exporters send batches until stop() resolves; each retries its batch on 503 or 429 with
 * Retry-After and on connection errors (as OTLP exporters do) until a 200. Anything else is a failure.
 */
function startLoad(token: string, senders: number, name: string, port = APP_PORT) {
  const figures: LoadFigures = { acknowledged: [], batches: 0, status: {}, connectionErrors: 0, connectionErrorKinds: {}, otherFailures: [], recent: [] };
  let stopping = false;
  const loops = Array.from({ length: senders }, async (_, s) => {
    for (let n = 0; !stopping; n++) {
      const b = batch(`${name}-${s}-${n}`);
      figures.batches++;
      for (;;) {
        let status = 0;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/otlp/v1/logs`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: b.body,
            signal: AbortSignal.timeout(30_000),
          });
          status = res.status;
          const text = await res.text();
          figures.status[status] = (figures.status[status] ?? 0) + 1;
          if (status === 200) break;
          // 429 + Retry-After is the token's rate (a quiet machine outruns 2,000 records/s) and 502 is
          // what a proxy answers when no instance takes the request: OTLP exporters retry both.
          if (((status === 503 || status === 429) && res.headers.get("retry-after")) || status === 502) {
            // Exporters wait Retry-After (5 s); 0.5 s keeps the scenario short without changing what it checks.
            await sleep(500);
            continue;
          }
          figures.otherFailures.push(`${status}: ${text.slice(0, 120)}`);
          await sleep(500);
        } catch (err) {
          figures.connectionErrors++; // the app is down or restarting: retry, as an exporter does
          const cause = (err as { cause?: { code?: string } }).cause;
          const kind = cause?.code ?? (err instanceof Error ? err.name : "error");
          figures.connectionErrorKinds[kind] = (figures.connectionErrorKinds[kind] ?? 0) + 1;
          await sleep(250);
        }
      }
      figures.acknowledged.push(...b.sessions);
      figures.recent = [...figures.recent, b.body].slice(-REDELIVERED);
    }
  });
  return {
    figures,
    async stop(): Promise<LoadFigures> {
      stopping = true;
      await Promise.all(loops);
      return figures;
    },
  };
}

/**
 * Sends already acknowledged batches again (at-least-once delivery: the 200 was lost when the app
 * or the database went down) until each is answered 200. verifyStored then finds them once.
 */
async function redeliver(token: string, bodies: string[], port = APP_PORT): Promise<number> {
  for (const body of bodies) {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/api/otlp/v1/logs`, {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(30_000),
      }).catch(() => null);
      await res?.text();
      if (res?.status === 200) break;
      await sleep(500);
    }
  }
  return bodies.length;
}

/** Until the load runs steadily (the first requests wait for Next.js to load the route), then 3 s more. */
async function warmedUp(f: LoadFigures): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (f.acknowledged.length < 8 * SESSIONS_PER_BATCH && Date.now() < deadline) await sleep(100);
  await sleep(3_000);
}

/** Every acknowledged session stored with exactly its records, once. */
async function verifyStored(databaseUrl: string, acknowledged: string[], prefix: string): Promise<{ problems: string[]; stored: number; extra: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ session_id: string; n: string; distinct_ids: string }>(
      `SELECT session_id, count(*) AS n, count(DISTINCT id) AS distinct_ids FROM events WHERE session_id LIKE $1 GROUP BY session_id`,
      [`${prefix}-%`],
    );
    const bySession = new Map(rows.map((r) => [r.session_id, Number(r.n)]));
    const problems: string[] = [];
    for (const s of acknowledged) {
      const n = bySession.get(s) ?? 0;
      if (n !== RECORDS_PER_SESSION) problems.push(`session ${s}: ${n} records stored, ${RECORDS_PER_SESSION} acknowledged`);
    }
    // Sessions of the batch in flight when the load stopped (never acknowledged) may be stored too;
    // a stored session must never hold more than its records.
    for (const [s, n] of bySession) if (n > RECORDS_PER_SESSION) problems.push(`session ${s}: ${n} records (doubled)`);
    const acked = new Set(acknowledged);
    return { problems, stored: rows.reduce((sum, r) => sum + Number(r.n), 0), extra: [...bySession.keys()].filter((s) => !acked.has(s)).length };
  } finally {
    await c.end();
  }
}

function loadFigures(f: LoadFigures, verified: { stored: number; extra: number }): Record<string, number | string> {
  return {
    batchesAcknowledged: f.acknowledged.length / SESSIONS_PER_BATCH,
    recordsAcknowledged: f.acknowledged.length * RECORDS_PER_SESSION,
    recordsStored: verified.stored,
    responses: Object.entries(f.status).map(([s, n]) => `${s}×${n}`).join(" "),
    connectionErrors: `${f.connectionErrors}${f.connectionErrors ? ` (${Object.entries(f.connectionErrorKinds).map(([k, n]) => `${k}×${n}`).join(" ")})` : ""}`,
    non503Failures: f.otherFailures.length,
  };
}

// ---- Scenarios ------------------------------------------------------------------------------

async function scenarioKillApp(engine: "postgres" | "pglite"): Promise<Omit<Outcome, "seconds">> {
  const dataDir = tempDir(`bs-faults-${engine === "pglite" ? "d" : "a"}-`);
  // Embedded: the launcher owns PGlite, so kill -9 takes the database down with the app (crash
  // recovery of its files at the restart); the check reads it through the restarted app's socket.
  const url = engine === "postgres" ? await createDatabase("faults_kill_app") : urlForSocketDir(path.join(dataDir, "run"));
  const appUrl = engine === "postgres" ? url : undefined;
  const key = engine === "postgres" ? "a" : "d";
  let { app, token } = await startApp(appUrl, dataDir, "app-1.log");
  const load = startLoad(token, 4, "fa");
  await warmedUp(load.figures);
  const before = load.figures.acknowledged.length / SESSIONS_PER_BATCH;
  log(`${key}: ${before} batches acknowledged; kill -9 of the app`);
  const sentAgain = load.figures.recent.slice();
  await killApp(app);
  ({ app } = await startApp(appUrl, dataDir, "app-2.log"));
  log(`${key}: app restarted; load goes on`);
  const redelivered = await redeliver(token, sentAgain);
  await sleep(8_000);
  const f = await load.stop();
  const v = await verifyStored(url, f.acknowledged, "fa");
  await app.stop();
  const problems = [...v.problems.slice(0, 10), ...f.otherFailures.slice(0, 5).map((x) => `unexpected answer ${x}`)];
  if (before === 0) problems.push("no batch was acknowledged before the kill: the scenario tested nothing");
  const name = engine === "postgres" ? "a: kill -9 of the app mid-load (Postgres server)" : "d: kill -9 of the app mid-load (embedded PGlite in the launcher)";
  return { name, pass: problems.length === 0, figures: { batchesBeforeKill: before, batchesRedelivered: redelivered, ...loadFigures(f, v) }, problems };
}

async function scenarioRestartPostgres(): Promise<Omit<Outcome, "seconds">> {
  const url = await createDatabase("faults_restart_pg");
  const dataDir = tempDir("bs-faults-b-");
  const { app, token } = await startApp(url, dataDir, "app.log");
  const load = startLoad(token, 4, "fb");
  await warmedUp(load.figures);
  const before = load.figures.acknowledged.length / SESSIONS_PER_BATCH;
  log(`b: ${before} batches acknowledged; Postgres immediate shutdown`);
  // Asynchronously: the senders run on this event loop and must keep sending (and reading their
  // answers) while Postgres stops and recovers. A blocking call froze them for the seconds of crash
  // recovery; their keep-alive connections expired on the server meanwhile, and their next requests
  // failed as "other side closed": that, not the app, made this scenario flaky.
  const sentAgain = load.figures.recent.slice();
  const stoppedAt = Date.now();
  await execFileAsync(pgScript, ["crash", pgDir]);
  await sleep(3_000); // the database stays down a moment: senders meet connection refused
  await execFileAsync(pgScript, ["start", pgDir, String(PG_PORT)]);
  const downSeconds = Math.round((Date.now() - stoppedAt) / 100) / 10;
  log(`b: Postgres back after ${downSeconds} s (crash recovery); load goes on`);
  const redelivered = await redeliver(token, sentAgain);
  await sleep(8_000);
  const f = await load.stop();
  const v = await verifyStored(url, f.acknowledged, "fb");
  const appDied = app.child.exitCode !== null || app.child.signalCode !== null;
  await app.stop();
  const problems = [...v.problems.slice(0, 10), ...f.otherFailures.slice(0, 5).map((x) => `answer other than 200/503/429: ${x}`)];
  if (appDied) problems.push(`the app exited while Postgres restarted; see ${app.logFile}`);
  if (f.connectionErrors > 0) {
    problems.push(`${f.connectionErrors} requests failed at the connection (the app must stay up while Postgres restarts); app log:\n${tail(app.logFile, 400).split("\n").filter((l) => !l.includes("ECONNREFUSED")).slice(-40).join("\n")}`);
  }
  if (!f.status[503]) problems.push("no 503 while Postgres was down: the scenario tested nothing");
  return { name: "b: Postgres restarted (-m immediate) mid-load", pass: problems.length === 0, figures: { batchesBeforeRestart: before, postgresDownSeconds: downSeconds, batchesRedelivered: redelivered, ...loadFigures(f, v) }, problems };
}

/** A Compliance stub serving `n` activities, `perSecond` of them per second of created_at. */
async function activityBacklog(n: number, perSecond: number, key: string) {
  const t0 = Date.parse("2026-11-01T00:00:00Z");
  const activities: Json[] = Array.from({ length: n }, (_, i) => ({
    id: toTaggedId("activity", randomUUID()),
    created_at: new Date(t0 + Math.floor(i / perSecond) * 1000).toISOString(),
    organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F",
    organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
    actor: { type: "user_actor", email_address: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.1", user_agent: "faults" },
    type: "claude_chat_created",
  }));
  const stub = await startComplianceStub({ keys: [key], data: { activities } });
  onCleanup("stop the Compliance stub", () => stub.close());
  return { activities, stub, pages: () => stub.requestsTo("/v1/compliance/activities").length };
}

async function scenarioKillConnector(): Promise<Omit<Outcome, "seconds">> {
  const url = await createDatabase("faults_connector");
  const dataDir = tempDir("bs-faults-c-");
  const key = `sk-ant-api01-${randomBytes(24).toString("base64url")}`;
  // Ties on created_at (7 a second): the cursor must break them by id.
  const { activities, stub, pages } = await activityBacklog(30_000, 7, key);

  let { app } = await startApp(url, dataDir, "app-1.log", { BLINDSPOT_COMPLIANCE_API_URL: stub.url, BLINDSPOT_COMPLIANCE_API_KEY: key, BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: "1" });
  // Kill once a few pages were served and stored (the connector stores each page before asking for the next).
  const deadline = Date.now() + 90_000;
  while (pages() < 3 && Date.now() < deadline) await sleep(100);
  const pagesBeforeKill = pages();
  const storedBeforeKill = await countActivities(url);
  log(`c: ${pagesBeforeKill} activity pages served, ${storedBeforeKill} activities stored; kill -9 of the app mid-sync`);
  await killApp(app);
  ({ app } = await startApp(url, dataDir, "app-2.log", { BLINDSPOT_COMPLIANCE_API_URL: stub.url, BLINDSPOT_COMPLIANCE_API_KEY: key, BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: "1" }));
  log("c: app restarted; the interrupted job resumes once its lease (60 s) expires");
  const expected = new Set(activities.map((a) => String(a.id)));
  let stored = 0;
  const until = Date.now() + 150_000;
  while (Date.now() < until) {
    stored = await countActivities(url);
    if (stored >= expected.size && (await syncSucceeded(url))) break;
    await sleep(1_000);
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ id: string }>(`SELECT id FROM compliance_activities`);
  await c.end();
  await app.stop();
  const ids = rows.map((r) => r.id);
  const distinct = new Set(ids);
  const missing = [...expected].filter((id) => !distinct.has(id)).length;
  const problems: string[] = [];
  if (missing > 0) problems.push(`${missing} activities missing after the resumed sync`);
  if (distinct.size !== ids.length) problems.push(`${ids.length - distinct.size} activities stored twice`);
  if (ids.length > expected.size) problems.push(`${ids.length - expected.size} activities that the API never served`);
  if (storedBeforeKill === 0 || storedBeforeKill >= expected.size) problems.push(`the kill did not land mid-sync (${storedBeforeKill} stored before it)`);
  const fullWalk = Math.ceil(expected.size / 5000);
  const pagesAfterRestart = pages() - pagesBeforeKill;
  // Resuming from the cursor re-reads at most the page in flight (and the overlap window), not the whole backlog.
  if (pagesAfterRestart >= fullWalk + 1) problems.push(`after the restart the connector asked for ${pagesAfterRestart} pages: it started over instead of resuming`);
  return {
    name: "c: Compliance connector killed (kill -9) mid-sync",
    pass: problems.length === 0,
    figures: { activities: expected.size, storedBeforeKill, pagesBeforeKill, pagesAfterRestart, pagesForOneFullWalk: fullWalk, storedAfter: ids.length },
    problems,
  };
}

// ---- f: the detection job killed mid-run -----------------------------------------------------------

/** "Many API refusals in a session" (rules/claude_code/refusals-repeated.yml): ≥ 3 api_refusal in one session within an hour. */
const REFUSALS_RULE = "50569925-da86-41aa-bc64-c4da3e77ba17";
const refusalTemplate = JSON.parse(fixturesOf("g-api-errors", "http-json").find((f) => f.signal === "logs" && f.body().includes("api_refusal"))!.body().toString("utf8")) as typeof template;
const REFUSAL_PROMPTS_PER_SESSION = 3;
const REFUSAL_RECORDS_PER_PROMPT = refusalTemplate.resourceLogs.flatMap((r) => r.scopeLogs).reduce((n, s) => n + s.logRecords.length, 0);

/** One batch of sessions, each with three refused prompts a minute apart: one alert of REFUSALS_RULE per session. */
function refusalBatch(sessions: string[]): string {
  const resourceLogs = sessions.flatMap((session) =>
    Array.from({ length: REFUSAL_PROMPTS_PER_SESSION }, (_, k) => {
      const copy = structuredClone(refusalTemplate.resourceLogs);
      const promptId = randomUUID();
      for (const r of copy.flatMap((rl) => rl.scopeLogs).flatMap((s) => s.logRecords) as { timeUnixNano?: string; observedTimeUnixNano?: string; attributes: { key: string; value: Record<string, unknown> }[] }[]) {
        const shiftNs = BigInt(k) * 60_000_000_000n;
        if (r.timeUnixNano) r.timeUnixNano = String(BigInt(r.timeUnixNano) + shiftNs);
        if (r.observedTimeUnixNano) r.observedTimeUnixNano = String(BigInt(r.observedTimeUnixNano) + shiftNs);
        for (const a of r.attributes) {
          if (a.key === "session.id") a.value = { stringValue: session };
          if (a.key === "prompt.id") a.value = { stringValue: promptId };
          // Events are identified by session + sequence: each prompt gets its own sequence numbers.
          if (a.key === "event.sequence") a.value = { intValue: Number(a.value.intValue) + k * 10 };
          if (a.key === "event.timestamp") a.value = { stringValue: new Date(Date.parse(String(a.value.stringValue)) + k * 60_000).toISOString() };
        }
      }
      return copy;
    }).flat(),
  );
  return JSON.stringify({ resourceLogs });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Switches a rule on or off for the tenant, as Settings → Detections does (detection_rule_settings). */
async function setRuleEnabled(url: string, tenantId: string, ruleId: string, enabled: boolean): Promise<void> {
  await query(url,
    `INSERT INTO detection_rule_settings (tenant_id, rule_id, enabled, updated_by) VALUES ($1, $2, $3, 'faults')
     ON CONFLICT (tenant_id, rule_id) DO UPDATE SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [tenantId, ruleId, enabled]);
}

async function scenarioKillDetections(): Promise<Omit<Outcome, "seconds">> {
  const url = await createDatabase("faults_detections");
  const dataDir = tempDir("bs-faults-f-");
  let { app, token } = await startApp(url, dataDir, "app-1.log");
  const [{ id: tenantId }] = await query<{ id: string }>(url, `SELECT id FROM tenants ORDER BY id LIMIT 1`);
  // The rule is off while the backlog arrives; switched on, its next run evaluates the last hour
  // (everything since its watermark) in one pass: the backlog.
  await setRuleEnabled(url, tenantId, REFUSALS_RULE, false);
  const sessions = Array.from({ length: 1200 }, (_, i) => `ff-${i}`);
  for (let i = 0; i < sessions.length; i += 50) {
    const body = refusalBatch(sessions.slice(i, i + 50));
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${APP_PORT}/api/otlp/v1/logs`, {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(60_000),
      });
      await res.text();
      if (res.status === 200) break;
      if (res.status !== 503) throw new Error(`backlog batch answered ${res.status}`);
      await sleep(500);
    }
  }
  const backlogRecords = sessions.length * REFUSAL_PROMPTS_PER_SESSION * REFUSAL_RECORDS_PER_PROMPT;
  // A run stops SETTLE_MS (15 s) behind now: wait until the whole backlog is behind that line.
  await sleep(16_000);
  const enabledAt = new Date();
  await setRuleEnabled(url, tenantId, REFUSALS_RULE, true);
  log(`f: ${backlogRecords} records stored with the rule off; rule on; waiting for the detection job to start`);

  // Kill while the run that took the backlog is inside its transaction (reading or writing it).
  let job: { id: number; started_at: Date } | undefined;
  const deadline = Date.now() + 90_000;
  while (!job && Date.now() < deadline) {
    [job] = await query<{ id: number; started_at: Date }>(url,
      `SELECT id, started_at FROM jobs WHERE kind = 'detections.correlate' AND status = 'running' AND started_at >= $1`, [enabledAt]);
    if (!job) await sleep(50);
  }
  if (!job) throw new Error("the detection job did not start within 90 s of the rule being switched on");
  const inTransaction = async () => (await query(url,
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
        AND (query ILIKE '%received_at%' OR query ILIKE 'FETCH % FROM blindspot_records_%')`)).length > 0;
  const until = Date.now() + 10_000;
  while (!(await inTransaction()) && Date.now() < until) await sleep(20);
  const killedAfterMs = Date.now() - job.started_at.getTime();
  await killApp(app);
  const [afterKill] = await query<{ status: string }>(url, `SELECT status FROM jobs WHERE id = $1`, [job.id]);
  const [alertsBeforeRestart] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM alerts WHERE rule_id = $1`, [REFUSALS_RULE]);
  log(`f: kill -9 of the app ${killedAfterMs} ms into detection job ${job.id} (${afterKill.status}, ${alertsBeforeRestart.n} alerts stored); restart`);
  const restartedAt = new Date();
  ({ app } = await startApp(url, dataDir, "app-2.log"));
  log("f: app restarted; the interrupted job resumes once its lease (60 s) expires");

  // Done when a run finished after the restart with the rule's watermark past the backlog.
  const [{ last }] = await query<{ last: Date }>(url, `SELECT max(received_at) AS last FROM events WHERE session_id LIKE 'ff-%'`);
  let resumedJob: { id: number; finished_at: Date } | undefined;
  const doneBy = Date.now() + 150_000;
  while (!resumedJob && Date.now() < doneBy) {
    [resumedJob] = await query<{ id: number; finished_at: Date }>(url,
      `SELECT j.id, j.finished_at FROM jobs j JOIN detection_rule_state s ON s.tenant_id = j.tenant_id AND s.rule_id = $2
        WHERE j.kind = 'detections.correlate' AND j.status = 'done' AND j.finished_at >= $1 AND s.watermark > $3 ORDER BY j.finished_at LIMIT 1`,
      [restartedAt, REFUSALS_RULE, last]);
    if (!resumedJob) await sleep(1_000);
  }
  const alerts = await query<{ group_key: string; session_id: string | null; hits: number; evidence: number }>(url,
    `SELECT a.group_key, a.session_id, a.hits, (SELECT count(*)::int FROM alert_evidence e WHERE e.tenant_id = a.tenant_id AND e.alert_id = a.id) AS evidence
       FROM alerts a WHERE a.rule_id = $1`, [REFUSALS_RULE]);
  const overlapping = await correlationRunsOverlapping(url);
  await app.stop();

  const problems: string[] = [];
  if (afterKill.status !== "running" || alertsBeforeRestart.n > 0) {
    problems.push(`the kill did not land mid-run (job ${afterKill.status}, ${alertsBeforeRestart.n} alerts already stored)`);
  }
  if (!resumedJob) problems.push("no detection run finished past the backlog within 150 s of the restart: the job did not resume");
  const bySession = new Map<string, typeof alerts>();
  for (const a of alerts) bySession.set(a.session_id ?? "", [...(bySession.get(a.session_id ?? "") ?? []), a]);
  const missing = sessions.filter((s) => !bySession.has(s));
  if (missing.length) problems.push(`${missing.length} of ${sessions.length} sessions without their alert (e.g. ${missing.slice(0, 3).join(", ")})`);
  const doubled = [...bySession].filter(([, list]) => list.length > 1 || list[0].hits !== 1 || list[0].evidence !== REFUSAL_PROMPTS_PER_SESSION);
  if (doubled.length) {
    const [s, list] = doubled[0];
    problems.push(`${doubled.length} sessions raised more than once (e.g. ${s}: ${list.length} alerts, hits ${list.map((a) => a.hits).join("/")}, evidence ${list.map((a) => a.evidence).join("/")})`);
  }
  const strays = [...bySession.keys()].filter((s) => !s.startsWith("ff-"));
  if (strays.length) problems.push(`${strays.length} alerts of the rule for sessions that were never sent`);
  if (overlapping.length) problems.push(`detection runs of one tenant overlapped: ${overlapping.slice(0, 3).join("; ")}`);
  return {
    name: "f: detection job killed (kill -9 of the app) mid-run over a backlog",
    pass: problems.length === 0,
    figures: {
      backlogRecords, sessions: sessions.length, killedAfterMs, jobStatusAfterKill: afterKill.status, alertsBeforeRestart: alertsBeforeRestart.n,
      resumedBy: resumedJob ? `job ${resumedJob.id}, ${Math.round((resumedJob.finished_at.getTime() - restartedAt.getTime()) / 1000)} s after the restart` : "none",
      alerts: alerts.length, alertHits: alerts.reduce((s, a) => s + a.hits, 0),
    },
    problems,
  };
}

/** Detection (correlation) runs of one tenant whose [started, finished] overlap: the queue must serialise them. */
async function correlationRunsOverlapping(url: string): Promise<string[]> {
  const rows = await query<{ id: number; other: number }>(url,
    `SELECT a.id, b.id AS other FROM jobs a JOIN jobs b ON b.tenant_id = a.tenant_id AND b.kind = a.kind AND b.id > a.id
      WHERE a.kind = 'detections.correlate' AND a.status = 'done' AND b.status = 'done'
        AND a.started_at < b.finished_at AND b.started_at < a.finished_at`);
  return rows.map((r) => `jobs ${r.id} and ${r.other}`);
}

// ---- e: two instances behind a proxy -------------------------------------------------------------

/**
 * A round-robin reverse proxy as nginx or a cloud load balancer runs one: the request is buffered,
 * sent to the next instance, and to the other one when the first refuses the connection (nothing
 * was sent, so that is safe); 502 when none takes it. Counts what each instance answered.
 */
async function startProxy(port: number, backends: number[]): Promise<{ served: Map<number, number>; close(): Promise<void> }> {
  const served = new Map<number, number>(backends.map((b) => [b, 0]));
  let next = 0;
  const forward = (req: http.IncomingMessage, body: Buffer, backend: number) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const out = http.request({ host: "127.0.0.1", port: backend, path: req.url, method: req.method, headers: req.headers }, resolve);
      out.on("error", reject);
      out.end(body);
    });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const first = next++ % backends.length;
    for (let i = 0; i < backends.length; i++) {
      const backend = backends[(first + i) % backends.length];
      try {
        const upstream = await forward(req, body, backend);
        served.set(backend, (served.get(backend) ?? 0) + 1);
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ECONNREFUSED") {
          // The instance went away mid-request (a restart): the client sees the cut and retries.
          res.destroy();
          return;
        }
      }
    }
    res.writeHead(502, { "content-type": "text/plain" }).end("no instance available");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { served, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Signs in through `base` as a browser form does; returns the Cookie header. */
async function signInCookie(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${base}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  keep(
    await fetch(`${base}/api/auth/callback/credentials`, {
      method: "POST", redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: header() },
      body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/`, json: "true" }),
    }),
  );
  return header();
}

/** Requests for the same page (same query) less than `withinMs` apart with no restart between them. */
function doubledPages(requests: { at: number; query: Record<string, string[]> }[], restarts: number[], withinMs: number): string[] {
  const last = new Map<string, number>();
  const out: string[] = [];
  for (const r of [...requests].sort((x, y) => x.at - y.at)) {
    const page = JSON.stringify(r.query);
    const before = last.get(page);
    if (before !== undefined && r.at - before < withinMs && !restarts.some((t) => t >= before && t <= r.at)) {
      out.push(`${page} at +${r.at - before} ms`);
    }
    last.set(page, r.at);
  }
  return out;
}

async function scenarioTwoInstances(): Promise<Omit<Outcome, "seconds">> {
  const url = await createDatabase("faults_two_instances");
  const [portA, portB] = [APP_PORT + 1, APP_PORT + 2];
  const proxyUrl = `http://localhost:${APP_PORT}`;
  const key = `sk-ant-api01-${randomBytes(24).toString("base64url")}`;
  const { activities, stub, pages } = await activityBacklog(15_000, 1, key);

  // What makes two processes one deployment: the same database, session secret, public URL and tokens.
  const token = `bsi_faults_${randomBytes(18).toString("base64url")}`;
  const password = randomBytes(18).toString("base64url");
  const shared = {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    BLINDSPOT_PUBLIC_URL: proxyUrl,
    BLINDSPOT_INIT_ADMIN_PASSWORD: password,
    BLINDSPOT_COMPLIANCE_API_URL: stub.url,
    BLINDSPOT_COMPLIANCE_API_KEY: key,
    BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: "1", // the stub is plain http on loopback
  };
  const start = (name: string, port: number) => startApp(url, tempDir(`bs-faults-e${name}-`), `app-${name}.log`, shared, port, token);
  let a = (await start("a1", portA)).app;
  let b = (await start("b1", portB)).app;
  const proxy = await startProxy(APP_PORT, [portA, portB]);
  const problems: string[] = [];

  // A console session signed in through the proxy is valid on each instance.
  const cookie = await signInCookie(proxyUrl, "faults@blindspot.local", password);
  for (const [name, port] of [["A", portA], ["B", portB]] as const) {
    const home = await fetch(`http://localhost:${port}/`, { headers: { cookie }, redirect: "manual" });
    const html = await home.text();
    if (home.status !== 200 || !html.includes("Sign out")) problems.push(`instance ${name}: the session signed in through the proxy is not valid (HTTP ${home.status})`);
  }

  const load = startLoad(token, 4, "fe", APP_PORT);
  await warmedUp(load.figures);
  log(`e: ${load.figures.acknowledged.length / SESSIONS_PER_BATCH} batches acknowledged through the proxy; rolling restart: A`);
  const restarts: number[] = [Date.now()];
  await a.stop();
  a = (await start("a2", portA)).app;
  log("e: A back; rolling restart: B");
  restarts.push(Date.now());
  await b.stop();
  b = (await start("b2", portB)).app;
  log("e: B back; load goes on");
  await sleep(6_000);
  const f = await load.stop();
  const v = await verifyStored(url, f.acknowledged, "fe");

  // Both connectors share one backlog: it is walked once, whoever runs it.
  const expected = activities.length;
  const until = Date.now() + 90_000;
  while (Date.now() < until && ((await countActivities(url)) < expected || !(await syncSucceeded(url)))) await sleep(1_000);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ n: number; distinct_ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct_ids FROM compliance_activities`);
  await c.end();
  const detectionRuns = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM jobs WHERE kind = 'detections.correlate' AND status = 'done'`);
  const overlapping = await correlationRunsOverlapping(url);
  await proxy.close();
  await Promise.all([a.stop(), b.stop()]);

  problems.push(...v.problems.slice(0, 10), ...f.otherFailures.slice(0, 5).map((x) => `unexpected answer ${x}`));
  if (rows[0].n !== expected) {
    problems.push(`${rows[0].n} Compliance activities stored, ${expected} served; last instance's log:\n${tail(b.logFile, 200).split("\n").filter((l) => /compliance|job|sync|error/i.test(l)).slice(-25).join("\n")}`);
  }
  if (rows[0].distinct_ids !== rows[0].n) problems.push(`${rows[0].n - rows[0].distinct_ids} activities stored twice`);
  // Two connectors running at once would ask for the same page within moments of each other. The
  // same page may be asked again after a restart (the page in flight) or by the next poll (60 s on).
  const doubled = doubledPages(stub.requestsTo("/v1/compliance/activities"), restarts, 30_000);
  if (doubled.length > 0) problems.push(`pages read twice with no restart between (the connector ran on both instances): ${doubled.slice(0, 3).join("; ")}`);
  // Both instances schedule each tenant's detection runs: the queue runs them one at a time.
  if (detectionRuns[0].n === 0) problems.push("no detection run finished: the check that they never overlap tested nothing");
  if (overlapping.length) problems.push(`detection runs of one tenant ran at once on both instances: ${overlapping.slice(0, 3).join("; ")}`);
  const servedA = proxy.served.get(portA) ?? 0;
  const servedB = proxy.served.get(portB) ?? 0;
  if (servedA === 0 || servedB === 0) problems.push(`the proxy sent nothing to one instance (A ${servedA}, B ${servedB})`);
  return {
    name: "e: two instances behind a proxy, rolling restart mid-load",
    pass: problems.length === 0,
    figures: { ...loadFigures(f, v), requestsServedByA: servedA, requestsServedByB: servedB, activities: expected, activityPagesServed: pages(), pagesReadTwiceAtOnce: doubled.length, detectionRuns: detectionRuns[0].n, detectionRunsOverlapping: overlapping.length },
    problems,
  };
}

async function countActivities(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM compliance_activities`);
    return rows[0].n;
  } catch {
    return 0; // not migrated yet
  } finally {
    await c.end();
  }
}

async function syncSucceeded(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT 1 FROM compliance_sync_state WHERE stream = 'activities' AND last_success_at IS NOT NULL`);
    return rows.length > 0;
  } finally {
    await c.end();
  }
}

// ---- Main -----------------------------------------------------------------------------------

const SCENARIOS: Record<string, () => Promise<Omit<Outcome, "seconds">>> = {
  a: () => scenarioKillApp("postgres"),
  b: scenarioRestartPostgres,
  c: scenarioKillConnector,
  d: () => scenarioKillApp("pglite"),
  e: scenarioTwoInstances,
  f: scenarioKillDetections,
};

runBench(async () => {
  const args = process.argv.slice(2);
  const reportAt = args.indexOf("--report");
  const reportFile = reportAt >= 0 ? args[reportAt + 1] : undefined;
  const wanted = args.filter((a) => a in SCENARIOS);
  const names = wanted.length ? wanted : Object.keys(SCENARIOS);
  if (!buildIsFresh(root)) {
    // Before the clock starts: the scenarios' time limits are for the faults, not for a build.
    log("the build is older than the sources: npm run build (not timed)…");
    const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (r.status !== 0) throw new Error("npm run build failed");
  }
  startPostgres();
  log(`throwaway Postgres on port ${PG_PORT}; app on port ${APP_PORT}; scenarios ${names.join(", ")}`);
  const outcomes: Outcome[] = [];
  let timedOut = false;
  for (const n of names) {
    if (timedOut) break;
    const started = Date.now();
    let outcome: Omit<Outcome, "seconds">;
    const limit = SCENARIO_LIMITS_MS[n] ?? SCENARIO_LIMIT_MS;
    try {
      outcome = await Promise.race([
        SCENARIOS[n](),
        sleep(limit).then(() => Promise.reject(new Error(`did not finish within ${limit / 60_000} minutes`))),
      ]);
    } catch (err) {
      outcome = { name: n, pass: false, figures: {}, problems: [message(err)] };
      timedOut = true; // its app may still hold the port: stop here
    }
    const result = { ...outcome, seconds: Math.round((Date.now() - started) / 1000) };
    outcomes.push(result);
    console.log(`\n${result.pass ? "PASS" : "FAIL"}  ${result.name}  (${result.seconds} s)`);
    for (const [k, v] of Object.entries(result.figures)) console.log(`      ${k}: ${v}`);
    for (const p of result.problems) console.log(`      ✗ ${p}`);
  }
  const failed = outcomes.filter((o) => !o.pass);
  console.log(`\n${failed.length === 0 ? "PASS" : "FAIL"}: ${outcomes.length - failed.length}/${outcomes.length} fault scenarios, ${outcomes.reduce((s, o) => s + o.seconds, 0)} s`);
  if (failed.length) process.exitCode = 1;
  // Counted by scripts/test-summary.mjs (vitest's field names): one test per scenario, a scenario
  // never reached (after a timeout) as failed.
  if (reportFile) {
    const notRun = names.length - outcomes.length;
    writeFileSync(reportFile, JSON.stringify({
      numPassedTests: outcomes.length - failed.length, numFailedTests: failed.length + notRun, numPendingTests: 0,
      scenarios: outcomes.map((o) => ({ name: o.name, pass: o.pass, seconds: o.seconds, figures: o.figures, problems: o.problems })),
    }, null, 2));
  }
});
