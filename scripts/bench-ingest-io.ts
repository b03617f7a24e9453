import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { AnyValue, ExportLogsServiceRequest, InstrumentationScope, KeyValue, LogRecord, Resource } from "@/lib/otlp/types";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { freePort, isAborted, launchApp, log, message, onCleanup, root, scratchDatabase, tempDir, type LaunchedApp } from "./bench-support";

// bench:ingest's database engines, the app under test, the OTLP payloads and the senders.

// ---- database engines -------------------------------------------------------------------

/** Where the app and the COPY baseline each get a fresh database. */
export interface EngineSetup {
  description: string;
  /** Environment for the launcher: DATABASE_URL for a server, none for embedded PGlite. */
  appDatabaseUrl: string | null;
  /** Present for a Postgres server: the URL of a second fresh database for the COPY baseline. */
  copyDatabaseUrl: string | null;
  /** Server log, shown when something fails (throwaway server only). */
  serverLog: string | null;
  /** Postmaster pid of a local throwaway server, for CPU accounting. */
  serverPid: number | null;
  /** A Postgres server: where more scratch databases can be made. */
  adminUrl?: string;
}

export async function setupPostgres(): Promise<EngineSetup> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let description = "Postgres server (BENCH_DATABASE_URL)";
  let serverLog: string | null = null;
  let serverPid: number | null = null;
  if (!adminUrl) {
    const dir = tempDir("bspg-");
    const port = Number(process.env.BENCH_PG_PORT) || (await freePort()); // BENCH_PG_PORT: a port of your own on a shared machine
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
  return { description, appDatabaseUrl: appDb.url, copyDatabaseUrl: copyDb.url, serverLog, serverPid, adminUrl };
}

// ---- the app under test -----------------------------------------------------------------

export function ensureBuild(): void {
  if (existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  log("no build yet: npm run build (not timed)…");
  const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("npm run build failed");
}

export interface RunningApp extends LaunchedApp {
  token: string;
}

export async function startApp(dataDir: string, databaseUrl: string | null, logFile: string, extraEnv: Record<string, string> = {}): Promise<RunningApp> {
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
      // The bench measures throughput: the per-token rate limit (429 past 2,000 records/s by default) stays off.
      BLINDSPOT_INGEST_TOKEN_RATE: process.env.BLINDSPOT_INGEST_TOKEN_RATE ?? "0",
      ...extraEnv,
    }),
    logFile,
    // The launcher rebuilds first when sources are newer than the build, hence the long wait.
    healthyWithinMs: 10 * 60_000,
  });
  return { ...app, token };
}

// ---- payloads ---------------------------------------------------------------------------

export interface Template {
  resourceKey: string;
  resource: Resource | undefined;
  scopeKey: string;
  scope: InstrumentationScope | undefined;
  record: LogRecord;
}

/** Every log record of the captured fixtures with its resource and scope. */
export function loadTemplates(): Template[] {
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
export function buildBatch(
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

export interface Sent {
  status: number;
  body: Buffer;
  ms: number;
}

// A request the server never answers is a failure, not a reason to wait forever.
export const REQUEST_TIMEOUT_MS = 120_000;

export function post(agent: http.Agent, app: RunningApp, payload: Buffer): Promise<Sent> {
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
export async function sendAll(
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
