// `npm run bench:ingest`: end-to-end ingest benchmark with a COPY baseline.
//
//   npm run bench:ingest -- [--engine postgres|pglite] [--batches 400] [--senders 4]
//                           [--batch-size 512] [--warmup 8]
//
// 1. Opens a database engine: a Postgres server (BENCH_DATABASE_URL, or a throwaway server from
//    scripts/pg-throwaway.sh) or the embedded PGlite in a temporary data directory.
// 2. Starts the app with the launcher (scripts/start.ts) on a fresh database and a known ingest
//    token, exactly as `npm start` runs it.
// 3. Builds unique OTLP log batches from the captured Claude Code fixtures (protobuf + gzip),
//    posts them with a few concurrent keep-alive senders and measures records/s, request latency
//    and the server's peak RSS. Every response must be an empty 200 (= committed, nothing
//    rejected) and the events table must hold exactly the records sent.
// 4. Normalizes the very same payloads in-process and loads the rows with COPY into a second,
//    fresh database on the same engine, then checks both databases hold identical rows
//    (order-independent checksums) and prints ours/COPY.
// Timing assertions are deliberately absent: the exit code reports correctness only.
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import type { JsonValue } from "@/lib/otlp/values";
import { freePort, isAborted, launchApp, log, message, onCleanup, reportFailures, resultsDir, root, runBench, scratchDatabase, tempDir, throwIfAborted, writeResults, type LaunchedApp } from "./bench-support";
import { gunzipSync, gzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import postgres from "postgres";
import { openEmbeddedDatabase, urlForSocketDir } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { normalize } from "@/lib/ingest/pipeline";
import { EVENT_COLUMNS } from "@/lib/ingest/writer";
import { decodeProtobufRequest, encodeProtobufRequest } from "@/lib/otlp/proto";
import type { AnyValue, ExportLogsServiceRequest, InstrumentationScope, KeyValue, LogRecord, Resource } from "@/lib/otlp/types";
import { deterministicUuid } from "@/lib/sources/common";
import type { IdentityRow, ResourceRow } from "@/lib/sources/model";
import { listFixtureRequests } from "@/lib/testing/fixtures";

// ---- options ----------------------------------------------------------------------------

type Engine = "postgres" | "pglite";

interface Options {
  engine: Engine;
  batches: number;
  senders: number;
  batchSize: number;
  warmup: number;
}

const USAGE = `usage: npm run bench:ingest -- [--engine postgres|pglite] [--batches N] [--senders N] [--batch-size N] [--warmup N]
  --engine      postgres (default; BENCH_DATABASE_URL or a throwaway server) or pglite (embedded)
  --batches     measured batches (default 400)
  --senders     concurrent HTTP senders (default 4)
  --batch-size  log records per batch (default 512)
  --warmup      warm-up batches, sent first and not counted (default 8)`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      engine: { type: "string", default: "postgres" },
      batches: { type: "string", default: "400" },
      senders: { type: "string", default: "4" },
      "batch-size": { type: "string", default: "512" },
      warmup: { type: "string", default: "8" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  if (values.engine !== "postgres" && values.engine !== "pglite") throw new Error(`--engine must be postgres or pglite, got "${values.engine}"`);
  return {
    engine: values.engine,
    batches: positive("batches", values.batches, 1),
    senders: positive("senders", values.senders, 1),
    batchSize: positive("batch-size", values["batch-size"], 1),
    warmup: positive("warmup", values.warmup, 0),
  };
}


/** Resolves within ms or rejects; postgres.js never settles a COPY the server rejected. */
async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Issue #2's target on a 2-core machine with a Postgres server (and ≥ 0.5 of COPY). */
const TARGET_RECORDS_PER_SECOND = 25_000;

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMs = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

// ---- database engines -------------------------------------------------------------------

/** Where the app and the COPY baseline each get a fresh database. */
interface EngineSetup {
  description: string;
  /** Environment for the launcher: DATABASE_URL for a server, none for embedded PGlite. */
  appDatabaseUrl: string | null;
  /** Present for a Postgres server: the URL of a second fresh database for the COPY baseline. */
  copyDatabaseUrl: string | null;
  /** Server log, shown when something fails (throwaway server only). */
  serverLog: string | null;
  /** Postmaster pid of a local throwaway server, for CPU accounting. */
  serverPid: number | null;
}

async function setupPostgres(): Promise<EngineSetup> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let description = "Postgres server (BENCH_DATABASE_URL)";
  let serverLog: string | null = null;
  let serverPid: number | null = null;
  if (!adminUrl) {
    const dir = tempDir("bspg-");
    const port = await freePort();
    const script = path.join(root, "scripts", "pg-throwaway.sh");
    const started = spawnSync("bash", [script, "start", dir, String(port)], { encoding: "utf8" });
    if (started.status !== 0) throw new Error(`pg-throwaway.sh start failed: ${started.stderr || started.stdout}`);
    onCleanup("stop throwaway Postgres", () => {
      const stopped = spawnSync("bash", [script, "stop", dir], { encoding: "utf8" });
      if (stopped.status !== 0) throw new Error(stopped.stderr);
    });
    adminUrl = started.stdout.trim().split("\n").pop()!;
    description = "throwaway Postgres server (scripts/pg-throwaway.sh)";
    serverLog = path.join(dir, "server.log");
    serverPid = Number(readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
  }

  // Two fresh databases on the same server, dropped at the end (also on a shared server).
  const suffix = randomBytes(4).toString("hex");
  const appDb = await scratchDatabase(adminUrl, `blindspot_bench_${suffix}`);
  const copyDb = await scratchDatabase(adminUrl, `blindspot_bench_copy_${suffix}`);
  description += `, PostgreSQL ${appDb.serverVersion}`;
  return { description, appDatabaseUrl: appDb.url, copyDatabaseUrl: copyDb.url, serverLog, serverPid };
}

// ---- the app under test -----------------------------------------------------------------

function ensureBuild(): void {
  if (existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  log("no build yet: npm run build (not timed)…");
  const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("npm run build failed");
}

interface RunningApp extends LaunchedApp {
  token: string;
}

async function startApp(dataDir: string, databaseUrl: string | null, logFile: string): Promise<RunningApp> {
  const token = `bench_${randomBytes(24).toString("base64url")}`; // 32 random characters
  const app = await launchApp({
    appDir: root,
    env: () => ({
      BLINDSPOT_DATA_DIR: dataDir,
      BLINDSPOT_INIT_INGEST_TOKEN: token,
      BLINDSPOT_INIT_ADMIN_EMAIL: "bench@blindspot.local",
      BLINDSPOT_INIT_ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
      BLINDSPOT_PUBLIC_URL: undefined,
      NEXTAUTH_URL: undefined,
      DATABASE_URL: databaseUrl ?? undefined,
    }),
    logFile,
    // The launcher rebuilds first when sources are newer than the build, hence the long wait.
    healthyWithinMs: 10 * 60_000,
  });
  return { ...app, token };
}

// ---- process accounting: peak RSS, CPU time --------------------------------------------

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces). */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // the process is gone
  }
}

// USER_HZ: the unit of utime/stime in /proc, 100 on every mainstream Linux architecture.
const CLOCK_TICKS = 100;

/** CPU seconds used so far by a process tree, including reaped children of its root. */
function treeCpuSeconds(rootPid: number): number {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const f = statFields(pid);
    if (!f) continue;
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
    if (pid === rootPid) ticks += Number(f[13]) + Number(f[14]); // cutime, cstime (e.g. exited backends)
  }
  return ticks / CLOCK_TICKS;
}

function procStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

/**
 * Samples VmRSS of the app's process tree every 100 ms. Reports the Next.js server process's own
 * peak (VmHWM, the kernel's high-water mark, which no sampling can miss) and the peak of the
 * sampled sum over the whole tree (tsx wrapper + launcher, which hosts PGlite for the embedded
 * engine, + next-server).
 */
class RssSampler {
  private pids: number[] = [];
  private serverPid: number | null = null;
  private peakTreeKb = 0;
  private peakServerKb = 0;
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rootPid: number) {
    this.refresh();
    if (this.serverPid === null) {
      const tree = this.pids.map((p) => `${p}: ${commandLine(p)}`).join("\n  ");
      throw new Error(`no next-server process under the launcher:\n  ${tree}`);
    }
  }

  private refresh(): void {
    this.pids = processTree(this.rootPid);
    // Next names its server process "next-server (vX.Y.Z)".
    this.serverPid = this.pids.find((p) => commandLine(p).startsWith("next-server")) ?? this.serverPid;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (++this.ticks % 10 === 0) this.refresh();
      let sum = 0;
      for (const pid of this.pids) {
        const kb = procStatusKb(pid, "VmRSS");
        sum += kb;
        if (pid === this.serverPid) this.peakServerKb = Math.max(this.peakServerKb, kb);
      }
      this.peakTreeKb = Math.max(this.peakTreeKb, sum);
    }, 100);
    this.timer.unref();
  }

  /** Stops sampling; call while the app still runs (VmHWM dies with the process). */
  finish(): { serverPeakMb: number; serverSampledPeakMb: number; treePeakMb: number; processes: string[] } {
    clearInterval(this.timer);
    return {
      serverPeakMb: procStatusKb(this.serverPid!, "VmHWM") / 1024,
      serverSampledPeakMb: this.peakServerKb / 1024,
      treePeakMb: this.peakTreeKb / 1024,
      processes: this.pids.map((p) => commandLine(p).slice(0, 100)),
    };
  }
}

// ---- payloads ---------------------------------------------------------------------------

interface Template {
  resourceKey: string;
  resource: Resource | undefined;
  scopeKey: string;
  scope: InstrumentationScope | undefined;
  record: LogRecord;
}

/** Every log record of the captured fixtures with its resource and scope. */
function loadTemplates(): Template[] {
  const templates: Template[] = [];
  const fixtures = listFixtureRequests().filter((f) => f.signal === "logs" && f.variant === "http-json");
  fixtures.forEach((f, fi) => {
    const request = f.decoded() as ExportLogsServiceRequest;
    (request.resourceLogs ?? []).forEach((rl, ri) => {
      (rl.scopeLogs ?? []).forEach((sl, si) => {
        for (const record of sl.logRecords ?? []) {
          templates.push({ resourceKey: `${fi}/${ri}`, resource: rl.resource, scopeKey: `${fi}/${ri}/${si}`, scope: sl.scope, record });
        }
      });
    });
  });
  if (templates.length === 0) throw new Error("no log records found in test/fixtures/*/http-json");
  return templates;
}

/**
 * Batch `b`: batchSize records cycling through the templates, one fresh session per batch
 * (session.id), fresh prompt ids, event.sequence 0…n-1 within the session and distinct
 * timestamps spread over the last hour, so every record gets its own event id.
 */
function buildBatch(
  b: number,
  batchSize: number,
  templates: Template[],
  clock: { startNs: bigint; stepNs: bigint },
): ExportLogsServiceRequest {
  const sessionId = randomUUID();
  const prompts = new Map<string, string>();
  const resources = new Map<string, { resource: Resource | undefined; scopes: Map<string, { scope: InstrumentationScope | undefined; records: LogRecord[] }> }>();
  for (let i = 0; i < batchSize; i++) {
    const g = b * batchSize + i;
    const t = templates[g % templates.length];
    const timeNs = clock.startNs + BigInt(g) * clock.stepNs;
    const rewritten = new Map<string, AnyValue>([
      ["session.id", { stringValue: sessionId }],
      ["event.sequence", { intValue: String(i) }],
      ["event.timestamp", { stringValue: new Date(Number(timeNs / 1_000_000n)).toISOString() }],
    ]);
    const attributes: KeyValue[] = (t.record.attributes ?? []).map((kv) => {
      if (kv.key === "prompt.id" && kv.value && "stringValue" in kv.value) {
        const original = `${t.scopeKey}/${kv.value.stringValue}`;
        let fresh = prompts.get(original);
        if (!fresh) prompts.set(original, (fresh = randomUUID()));
        return { key: kv.key, value: { stringValue: fresh } };
      }
      const value = rewritten.get(kv.key);
      return value ? { key: kv.key, value } : kv;
    });
    const record: LogRecord = { ...t.record, timeUnixNano: String(timeNs), observedTimeUnixNano: String(timeNs), attributes };

    let res = resources.get(t.resourceKey);
    if (!res) resources.set(t.resourceKey, (res = { resource: t.resource, scopes: new Map() }));
    let scope = res.scopes.get(t.scopeKey);
    if (!scope) res.scopes.set(t.scopeKey, (scope = { scope: t.scope, records: [] }));
    scope.records.push(record);
  }
  return {
    resourceLogs: [...resources.values()].map((r) => ({
      resource: r.resource,
      scopeLogs: [...r.scopes.values()].map((s) => ({ scope: s.scope, logRecords: s.records })),
    })),
  };
}

// ---- sending ----------------------------------------------------------------------------

interface Sent {
  status: number;
  body: Buffer;
  ms: number;
}

// A request the server never answers is a failure, not a reason to wait forever.
const REQUEST_TIMEOUT_MS = 120_000;

function post(agent: http.Agent, app: RunningApp, payload: Buffer): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: "127.0.0.1",
        port: app.port,
        path: "/api/otlp/v1/logs",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/x-protobuf",
          "content-encoding": "gzip",
          "content-length": payload.length,
          authorization: `Bearer ${app.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no response within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Sends the payloads with `senders` workers pulling from one queue; returns per-request latency. */
async function sendAll(
  app: RunningApp,
  payloads: Buffer[],
  senders: number,
  agent: http.Agent,
): Promise<{ latencies: Float64Array; seconds: number; failures: string[] }> {
  const latencies = new Float64Array(payloads.length);
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      for (let i = next++; i < payloads.length && !isAborted(); i = next++) {
        try {
          const r = await post(agent, app, payloads[i]);
          latencies[i] = r.ms;
          // 200 with an empty ExportLogsServiceResponse = committed, no partial rejection.
          if (r.status !== 200 || r.body.length !== 0) {
            failures.push(`batch ${i}: HTTP ${r.status}, ${r.body.length}-byte body ${JSON.stringify(r.body.toString("latin1").slice(0, 200))}`);
          }
        } catch (err) {
          latencies[i] = performance.now() - started;
          failures.push(`batch ${i}: ${message(err)}`);
        }
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, failures };
}

// ---- COPY rows --------------------------------------------------------------------------

type Cell = string | number | boolean | null;

const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One field of COPY text format; NUL becomes U+FFFD as writer.ts's clean() does. */
function copyField(v: Cell): string {
  if (v === null) return "\\N";
  let s = typeof v === "string" ? v : String(v); // String(): what pg sends for numbers/booleans too
  if (s.includes("\u0000")) s = s.replace(/\u0000/g, "\uFFFD");
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : s;
}

/** The writer hands JSONB and text[] values over as JSON; COPY text wants them as literals. */
function copyValue(type: string, v: JsonValue): Cell {
  if (v === null) return null;
  if (type === "jsonb") return JSON.stringify(v);
  if (type === "text[]" && Array.isArray(v)) return `{${v.map((x) => `"${String(x).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
  return v as Cell;
}

function copyLine(cells: Cell[]): string {
  return `${cells.map(copyField).join("\t")}\n`;
}

// Mirrors of RESOURCE_COLUMNS and IDENTITY_COLUMNS in lib/ingest/writer.ts, which are not
// exported. The cross-database checksum after the COPY proves they load identical values.
const RESOURCE_COPY_COLUMNS: { name: string; get: (r: ResourceRow) => Cell }[] = [
  { name: "id", get: (r) => r.id },
  { name: "service_name", get: (r) => r.serviceName },
  { name: "attributes", get: (r) => JSON.stringify(r.attributes) },
];

const IDENTITY_COPY_COLUMNS: { name: string; get: (r: IdentityRow) => Cell }[] = [
  { name: "id", get: (r) => r.id },
  { name: "source", get: (r) => r.source },
  { name: "user_id", get: (r) => r.userId },
  { name: "user_email", get: (r) => r.userEmail },
  { name: "account_uuid", get: (r) => r.accountUuid },
  { name: "account_id", get: (r) => r.accountId },
  { name: "organization_id", get: (r) => r.organizationId },
  { name: "enduser_id", get: (r) => r.enduserId },
  { name: "first_seen", get: (r) => r.firstSeen.toISOString() },
  { name: "last_seen", get: (r) => r.lastSeen.toISOString() },
];

interface Scope {
  tenantId: string;
  environmentId: string;
  ingestTokenId: string;
}

interface CopyTable {
  table: string;
  columns: string[];
}

const EVENTS_COPY: CopyTable = { table: "events", columns: ["tenant_id", "environment_id", "ingest_token_id", ...EVENT_COLUMNS.map((c) => c.name)] };
const RESOURCES_COPY: CopyTable = { table: "resources", columns: ["tenant_id", ...RESOURCE_COPY_COLUMNS.map((c) => c.name)] };
const IDENTITIES_COPY: CopyTable = {
  table: "identity_observations",
  columns: ["tenant_id", "environment_id", "ingest_token_id", ...IDENTITY_COPY_COLUMNS.map((c) => c.name)],
};

interface CopyData {
  /** COPY text of each batch's events, in payload order. */
  events: Buffer[];
  resources: Buffer;
  identities: Buffer;
  resourceCount: number;
  identityCount: number;
}

/**
 * Decodes and normalizes the payloads exactly as the receiver does (gunzip → protobuf →
 * normalize) and renders the rows writeBatch would have written as COPY text. Resources and
 * identities repeat across batches (writeBatch upserts them), so they are merged into the final
 * state writeBatch leaves behind: one row per key, identities with min(first_seen)/max(last_seen).
 */
function copyData(payloads: Buffer[], scope: Scope): CopyData {
  const events: Buffer[] = [];
  const resources = new Map<string, ResourceRow>();
  const identities = new Map<string, IdentityRow>();
  for (const payload of payloads) {
    const batch = normalize("logs", decodeProtobufRequest("logs", gunzipSync(payload)), new Date());
    if (batch.rejected > 0) throw new Error(`normalize rejected ${batch.rejected} records: ${batch.rejections.join("; ")}`);
    let text = "";
    for (const row of batch.events) {
      text += copyLine([scope.tenantId, scope.environmentId, scope.ingestTokenId, ...EVENT_COLUMNS.map((c) => copyValue(c.type, c.get(row)))]);
    }
    events.push(Buffer.from(text, "utf8"));
    for (const r of batch.resources) if (!resources.has(r.id)) resources.set(r.id, r);
    for (const r of batch.identities) {
      const id = deterministicUuid("identity", r.id, scope.ingestTokenId); // as writeBatch keys them
      const seen = identities.get(id);
      if (!seen) identities.set(id, { ...r, id });
      else {
        if (r.firstSeen < seen.firstSeen) seen.firstSeen = r.firstSeen;
        if (r.lastSeen > seen.lastSeen) seen.lastSeen = r.lastSeen;
      }
    }
  }
  const resourceText = [...resources.values()].map((r) => copyLine([scope.tenantId, ...RESOURCE_COPY_COLUMNS.map((c) => c.get(r))])).join("");
  const identityText = [...identities.values()]
    .map((r) => copyLine([scope.tenantId, scope.environmentId, scope.ingestTokenId, ...IDENTITY_COPY_COLUMNS.map((c) => c.get(r))]))
    .join("");
  return {
    events,
    resources: Buffer.from(resourceText, "utf8"),
    identities: Buffer.from(identityText, "utf8"),
    resourceCount: resources.size,
    identityCount: identities.size,
  };
}

/** Splits items into n contiguous slices of near-equal length. */
function slices<T>(items: T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) => items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
}

const copyStatement = (t: CopyTable, source: string) => `COPY "${t.table}" (${t.columns.map((c) => `"${c}"`).join(", ")}) FROM ${source}`;

/** A COPY baseline target: loads chunks into a table inside one transaction per call. */
interface CopyTarget {
  /** Runs `load` in one transaction; `copy` streams chunks into a table within it. */
  transaction(load: (copy: (t: CopyTable, chunks: Buffer[]) => Promise<void>) => Promise<void>): Promise<void>;
  query(sql: string): Promise<Record<string, string>[]>;
  close(): Promise<void>;
}

const COPY_TIMEOUT_MS = 5 * 60_000;

async function postgresCopyTarget(url: string, connections: number): Promise<CopyTarget> {
  const migrator = new pg.Client({ connectionString: url });
  await migrator.connect();
  await migrate(migrator);
  await migrator.end();
  const sql = postgres(url, { max: connections, onnotice: () => undefined });
  return {
    async transaction(load) {
      await sql.begin(async (tx) => {
        await load(async (t, chunks) => {
          const stream: Writable = await tx.unsafe(copyStatement(t, "STDIN")).writable();
          // postgres.js leaves a COPY the server rejected pending forever: bound it.
          await withTimeout(`COPY into ${t.table}`, COPY_TIMEOUT_MS, pipeline(Readable.from(chunks), stream));
        });
      });
    },
    async query(text) {
      // One reserved connection, so SET and the query share a session.
      const conn = await sql.reserve();
      try {
        const rows: Record<string, string>[] = [];
        for (const statement of text.split(";\n")) {
          const result = await conn.unsafe<Record<string, string>[]>(statement);
          rows.splice(0, rows.length, ...result);
        }
        return rows;
      } finally {
        conn.release();
      }
    },
    close: () => sql.end(),
  };
}

/**
 * The embedded baseline uses PGlite's own COPY path, FROM '/dev/blob', in this process: no socket
 * in between (the app's COPY FROM STDIN reaches the same path through the launcher's socket). The
 * database is created and migrated through openEmbeddedDatabase + migrate like the app's, then reopened.
 */
async function pgliteCopyTarget(dataDir: string): Promise<CopyTarget> {
  const embedded = await openEmbeddedDatabase(dataDir);
  const migrator = new pg.Client({ connectionString: embedded.url });
  await migrator.connect();
  await migrate(migrator);
  await migrator.end();
  await embedded.stop();
  const db = await PGlite.create(path.join(dataDir, "pglite"));
  return {
    async transaction(load) {
      await db.transaction(async (tx) => {
        await load(async (t, chunks) => {
          // new Uint8Array(buffer) copies into a plain ArrayBuffer, which the BlobPart type wants
          // (the Blob copies the bytes anyway; a few MB, negligible next to the COPY).
          const blob = new Blob(chunks.map((c) => new Uint8Array(c)));
          await tx.query(copyStatement(t, "'/dev/blob'"), [], { blob });
        });
      });
    },
    async query(text) {
      let rows: Record<string, string>[] = [];
      for (const statement of text.split(";\n")) rows = (await db.query<Record<string, string>>(statement)).rows;
      return rows;
    },
    close: () => db.close(),
  };
}

// ---- cross-database checksums -----------------------------------------------------------

// The columns both loaders write (received_at / resources.first_seen are server-side defaults).
const CHECKED: CopyTable[] = [EVENTS_COPY, RESOURCES_COPY, IDENTITIES_COPY];

/** Row count and an order-independent hash of every row, rendered in a fixed session format. */
function checksumSql(t: CopyTable): string {
  return [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, MDY'",
    "SET extra_float_digits = 1",
    `SELECT count(*)::text AS n, coalesce(sum(hashtextextended(x::text, 0)::numeric), 0)::text AS h ` +
      `FROM (SELECT ${t.columns.map((c) => `"${c}"`).join(", ")} FROM "${t.table}") x`,
  ].join(";\n");
}

async function checksums(query: (sql: string) => Promise<Record<string, string>[]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of CHECKED) {
    const [row] = await query(checksumSql(t));
    out[t.table] = `${row.n} rows, hash ${row.h}`;
  }
  return out;
}

// ---- CPU accounting ---------------------------------------------------------------------

interface CpuSnapshot {
  app: number | null;
  database: number | null;
  bench: NodeJS.CpuUsage;
  kernel: number;
  machine: number;
}

/** CPU seconds of each party in one phase; `available` is cores × wall time. */
interface CpuSpent {
  app: number | null;
  database: number | null;
  bench: number;
  /** Kernel threads (kthreadd's tree): mostly page-cache writeback of the database's writes. */
  kernelThreads: number;
  /** Everything else on the machine, incl. interrupts (other users' builds and tests skew the figures). */
  others: number;
  available: number;
}

/** Parent of all kernel threads on Linux. */
const KTHREADD_PID = 2;

/** Busy CPU seconds of the whole machine so far (/proc/stat, all but idle and iowait). */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + (ticks[7] ?? 0);
  return busy / CLOCK_TICKS;
}

function cpuSnapshot(appPid: number | null, databasePid: number | null): CpuSnapshot {
  return {
    app: appPid === null ? null : treeCpuSeconds(appPid),
    database: databasePid === null ? null : treeCpuSeconds(databasePid),
    bench: process.cpuUsage(),
    kernel: treeCpuSeconds(KTHREADD_PID),
    machine: machineBusySeconds(),
  };
}

function cpuSpent(before: CpuSnapshot, after: CpuSnapshot, seconds: number): CpuSpent {
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const usage = process.cpuUsage(before.bench);
  const app = diff(before.app, after.app);
  const database = diff(before.database, after.database);
  const bench = (usage.user + usage.system) / 1e6;
  const kernelThreads = after.kernel - before.kernel;
  const others = after.machine - before.machine - (app ?? 0) - (database ?? 0) - bench - kernelThreads;
  return { app, database, bench, kernelThreads, others: Math.max(0, others), available: os.cpus().length * seconds };
}

/** CPU per party; the µs/record figures hold even when other work slows the wall clock. */
function describeCpu(c: CpuSpent, records: number, labels: { app: string; bench: string }): string {
  const perRecord = (s: number) => `${s.toFixed(1)} s = ${((s * 1e6) / records).toFixed(0)} µs/record`;
  const parts = [
    c.app === null ? null : `${labels.app} ${perRecord(c.app)}`,
    c.database === null ? null : `postgres ${perRecord(c.database)}`,
    `${labels.bench} ${perRecord(c.bench)}`,
    `kernel threads ${c.kernelThreads.toFixed(1)} s`,
    `other ${c.others.toFixed(1)} s`,
  ].filter((p): p is string => p !== null);
  return `${parts.join(", ")} of ${c.available.toFixed(1)} core-seconds (${os.cpus().length} cores × wall time)`;
}

/** Records/s the machine's cores allow at the CPU per record measured (see Results). */
function ceilings(ingest: CpuSpent, copy: CpuSpent, records: number): Results["ceilingRecordsPerSecond"] {
  const cores = os.cpus().length;
  const perSecond = (cpuSeconds: number | null) => (cpuSeconds === null || cpuSeconds <= 0 ? null : (cores * records) / cpuSeconds);
  const pipeline = ingest.app === null || ingest.database === null ? null : ingest.app + ingest.database + ingest.bench;
  return { database: perSecond(copy.database), pipeline: perSecond(pipeline) };
}

function describeCeilings(c: Results["ceilingRecordsPerSecond"]): string {
  const cores = os.cpus().length;
  const micros = (perSecond: number) => ((cores * 1e6) / perSecond).toFixed(0);
  const parts = [
    `Postgres alone needs ${micros(c.database!)} µs of CPU per record under COPY: ≤ ${fmtInt(c.database!)} records/s on ${cores} cores even with a client that costs nothing`,
  ];
  if (c.pipeline !== null) parts.push(`ours (app + Postgres + sender, ${micros(c.pipeline)} µs) ≤ ${fmtInt(c.pipeline)}`);
  return parts.join("; ");
}

// ---- main -------------------------------------------------------------------------------

interface Results {
  engine: Engine;
  database: string;
  durability: string;
  records: number;
  batches: number;
  batchSize: number;
  senders: number;
  warmupBatches: number;
  payload: { avgGzipBytes: number; avgProtobufBytes: number };
  ingest: { seconds: number; recordsPerSecond: number; batchesPerSecond: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  peakRssMb: { nextServer: number; nextServerSampled: number; appTree: number; appProcesses: string[] };
  /** CPU seconds during the measured run and the timed COPY; null where not measurable. */
  cpuSeconds: { ingest: CpuSpent; copy: CpuSpent };
  copy: { recordsPerSecond: number; seconds: number; transactions: number; method: string };
  ratio: number;
  /**
   * What the machine allows, from CPU per record: all cores / the database's CPU per record during
   * the COPY (the most any client could get into these tables here), and all cores / everything
   * our ingest spent per record. Null where the database's CPU is not measurable (PGlite).
   */
  ceilingRecordsPerSecond: { database: number | null; pipeline: number | null };
  rowsVerified: Record<string, string>;
  failures: string[];
  appEnv: Record<string, string>;
  host: { cpus: number; node: string; date: string; loadAverageAtStart: number[] };
}

async function main(): Promise<void> {
  const opts = parseOptions();
  // Other work on the machine skews the figures; the load average is recorded with them.
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
  const total = opts.warmup + opts.batches;
  log(`engine ${opts.engine}: ${opts.batches} batches × ${opts.batchSize} records, ${opts.senders} senders, ${opts.warmup} warm-up batches`);

  ensureBuild();

  // Payloads first (not timed): warm-up batches are the first `warmup` ones.
  const templates = loadTemplates();
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const hourNs = 3_600_000_000_000n;
  const clock = { startNs: nowNs - hourNs, stepNs: hourNs / BigInt(total * opts.batchSize) };
  const payloads: Buffer[] = [];
  let protobufBytes = 0;
  for (let b = 0; b < total; b++) {
    const bytes = encodeProtobufRequest("logs", buildBatch(b, opts.batchSize, templates, clock));
    protobufBytes += bytes.length;
    payloads.push(gzipSync(bytes));
  }
  const gzipBytes = payloads.reduce((n, p) => n + p.length, 0);
  log(`built ${total} payloads from ${templates.length} fixture records: avg ${(protobufBytes / total / 1024).toFixed(0)} KiB protobuf, ${(gzipBytes / total / 1024).toFixed(0)} KiB gzipped`);

  // Engine and app.
  const workDir = tempDir("bsb-");
  let setup: EngineSetup;
  if (opts.engine === "postgres") {
    setup = await setupPostgres();
  } else {
    setup = { description: "embedded PGlite (served by the launcher on a Unix socket)", appDatabaseUrl: null, copyDatabaseUrl: null, serverLog: null, serverPid: null };
  }
  log(`database: ${setup.description}`);
  const appDataDir = path.join(workDir, "app");
  mkdirSync(appDataDir, { recursive: true });
  log("starting the app (scripts/start.ts)…");
  mkdirSync(resultsDir, { recursive: true });
  const app = await startApp(appDataDir, setup.appDatabaseUrl, path.join(resultsDir, `ingest-${opts.engine}-app.log`));
  throwIfAborted();
  log(`app healthy on port ${app.port} (log: ${path.relative(root, app.logFile)})`);
  const rss = new RssSampler(app.child.pid!);
  rss.start();

  // Warm-up, then the measured run.
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.senders });
  const warm = await sendAll(app, payloads.slice(0, opts.warmup), opts.senders, agent);
  const cpuBefore = cpuSnapshot(app.child.pid!, setup.serverPid);
  const run = await sendAll(app, payloads.slice(opts.warmup), opts.senders, agent);
  const runCpu = cpuSpent(cpuBefore, cpuSnapshot(app.child.pid!, setup.serverPid), run.seconds);
  agent.destroy();
  const memory = rss.finish();
  throwIfAborted();
  const failures = [...warm.failures.map((f) => `warm-up ${f}`), ...run.failures];
  const records = opts.batches * opts.batchSize;
  log(`sent ${records} records in ${run.seconds.toFixed(2)} s`);

  // What the app stored: exact row count, and checksums to compare with the COPY database.
  const appDb = new pg.Client({ connectionString: setup.appDatabaseUrl ?? urlForSocketDir(path.join(appDataDir, "run")) });
  await appDb.connect();
  const expected = total * opts.batchSize;
  const { rows: countRows } = await appDb.query<{ n: string }>("SELECT count(*)::text AS n FROM events");
  const stored = Number(countRows[0].n);
  if (stored !== expected) failures.push(`events table holds ${stored} rows, expected ${expected}`);
  const { rows: scopeRows } = await appDb.query<{ tenant_id: string; environment_id: string; id: string }>(
    "SELECT tenant_id, environment_id, id FROM ingest_tokens",
  );
  if (scopeRows.length !== 1) throw new Error(`expected one ingest token in the app database, found ${scopeRows.length}`);
  const scope: Scope = { tenantId: scopeRows[0].tenant_id, environmentId: scopeRows[0].environment_id, ingestTokenId: scopeRows[0].id };
  // What "committed" means on this engine (PGlite runs with fsync off).
  const { rows: durabilityRows } = await appDb.query<{ fsync: string; synchronous_commit: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
  );
  const durability = `fsync=${durabilityRows[0].fsync}, synchronous_commit=${durabilityRows[0].synchronous_commit}`;
  const appSums = await checksums(async (sql) => {
    let rows: Record<string, string>[] = [];
    for (const statement of sql.split(";\n")) rows = (await appDb.query<Record<string, string>>(statement)).rows;
    return rows;
  });
  await appDb.end();
  await app.stop(); // the COPY baseline runs alone on the machine

  // COPY baseline: the same rows, a fresh database on the same engine.
  log("normalizing the same payloads for COPY (not timed)…");
  const data = copyData(payloads, scope);
  throwIfAborted();
  const target =
    setup.copyDatabaseUrl !== null ? await postgresCopyTarget(setup.copyDatabaseUrl, opts.senders) : await pgliteCopyTarget(path.join(workDir, "copy"));
  onCleanup("close the COPY database", () => target.close());
  // Warm-up rows load untimed first, as the app received them first.
  await target.transaction((copy) => copy(EVENTS_COPY, data.events.slice(0, opts.warmup)));
  // One transaction per sender slice, in parallel; resources and identities (a handful of rows,
  // already merged) ride in the first. PGlite has one session, so its slices run one after another.
  const copySlices = slices(data.events.slice(opts.warmup), opts.senders);
  const copyCpuBefore = cpuSnapshot(null, setup.serverPid);
  const copyStarted = performance.now();
  await Promise.all(
    copySlices.map((chunks, i) =>
      target.transaction(async (copy) => {
        if (i === 0) {
          await copy(RESOURCES_COPY, [data.resources]);
          await copy(IDENTITIES_COPY, [data.identities]);
        }
        await copy(EVENTS_COPY, chunks);
      }),
    ),
  );
  const copySeconds = (performance.now() - copyStarted) / 1000;
  throwIfAborted();
  const copyCpu = cpuSpent(copyCpuBefore, cpuSnapshot(null, setup.serverPid), copySeconds);
  const copySums = await checksums((sql) => target.query(sql));
  for (const t of CHECKED) {
    if (appSums[t.table] !== copySums[t.table]) {
      failures.push(`${t.table} differs: app database ${appSums[t.table]}, COPY database ${copySums[t.table]}`);
    }
  }

  // Report.
  const sorted = Float64Array.from(run.latencies).sort();
  const recordsPerSecond = records / run.seconds;
  const copyRecordsPerSecond = records / copySeconds;
  const results: Results = {
    engine: opts.engine,
    database: setup.description,
    durability,
    records,
    batches: opts.batches,
    batchSize: opts.batchSize,
    senders: opts.senders,
    warmupBatches: opts.warmup,
    payload: { avgGzipBytes: Math.round(gzipBytes / total), avgProtobufBytes: Math.round(protobufBytes / total) },
    ingest: { seconds: run.seconds, recordsPerSecond, batchesPerSecond: opts.batches / run.seconds },
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1],
      mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    },
    peakRssMb: {
      nextServer: memory.serverPeakMb,
      nextServerSampled: memory.serverSampledPeakMb,
      appTree: memory.treePeakMb,
      appProcesses: memory.processes,
    },
    cpuSeconds: { ingest: runCpu, copy: copyCpu },
    copy: {
      recordsPerSecond: copyRecordsPerSecond,
      seconds: copySeconds,
      transactions: copySlices.length,
      method: opts.engine === "postgres" ? "COPY FROM STDIN (postgres.js), text format" : "COPY FROM '/dev/blob' (PGlite in-process), text format",
    },
    ratio: recordsPerSecond / copyRecordsPerSecond,
    ceilingRecordsPerSecond: ceilings(runCpu, copyCpu, records),
    rowsVerified: appSums,
    failures,
    appEnv: Object.fromEntries(
      ["DB_POOL_SIZE", "BLINDSPOT_INGEST_CONCURRENCY", "BLINDSPOT_INGEST_QUEUE"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
    ),
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart },
  };

  const rows: [string, string][] = [
    ["engine", `${opts.engine} — ${setup.description}`],
    ["records", `${fmtInt(records)} (${opts.batches} batches × ${opts.batchSize}; +${opts.warmup} warm-up batches not counted)`],
    ["payload", `avg ${fmtInt(results.payload.avgProtobufBytes / 1024)} KiB protobuf, ${fmtInt(results.payload.avgGzipBytes / 1024)} KiB gzip per batch`],
    ["senders", String(opts.senders)],
    ["wall time", `${run.seconds.toFixed(2)} s`],
    ["ingest", `${fmtInt(recordsPerSecond)} records/s (${results.ingest.batchesPerSecond.toFixed(1)} batches/s); each 200 after COMMIT with ${durability}`],
    ["latency", `p50 ${fmtMs(results.latencyMs.p50)} ms, p99 ${fmtMs(results.latencyMs.p99)} ms, max ${fmtMs(results.latencyMs.max)} ms`],
    ["peak RSS", `next-server ${fmtInt(memory.serverPeakMb)} MB (VmHWM); app process tree ${fmtInt(memory.treePeakMb)} MB (sampled sum)`],
    ["CPU (ingest)", describeCpu(runCpu, records, { app: opts.engine === "pglite" ? "app incl. PGlite" : "app", bench: "bench process" })],
    ["COPY", `${fmtInt(copyRecordsPerSecond)} records/s (${copySeconds.toFixed(2)} s, ${copySlices.length} transactions; ${results.copy.method})`],
    ["CPU (COPY)", describeCpu(copyCpu, records, { app: "", bench: opts.engine === "pglite" ? "bench process incl. PGlite" : "bench process" })],
    ["ours / COPY", results.ratio.toFixed(2)],
    ...(results.ceilingRecordsPerSecond.database === null ? [] : [["ceiling", describeCeilings(results.ceilingRecordsPerSecond)] as [string, string]]),
    ["rows", `${stored === expected ? "✓" : "✗"} ${fmtInt(stored)} events stored (expected ${fmtInt(expected)}); ${data.resourceCount} resources, ${data.identityCount} identities; COPY database ${failures.some((f) => f.includes(" differs: ")) ? "✗ differs" : "✓ identical"}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot ingest benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);
  if (opts.engine === "postgres") {
    const met = recordsPerSecond >= TARGET_RECORDS_PER_SECOND && results.ratio >= 0.5;
    const database = results.ceilingRecordsPerSecond.database;
    const outOfReach = !met && database !== null && database < TARGET_RECORDS_PER_SECOND ? " (out of reach on this machine: see the ceiling)" : "";
    console.log(`  ${"target".padEnd(width)}  ≥ ${fmtInt(TARGET_RECORDS_PER_SECOND)} records/s and ≥ 0.5 of COPY: ${met ? "met" : "not met"}${outOfReach}`);
  }

  writeResults(`ingest-${opts.engine}`, results);
  reportFailures(failures, { "app log": app.logFile, "server log": setup.serverLog });
}

runBench(main);
