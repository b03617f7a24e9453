// `npm run bench:console`: how fast the console's investigation pages render on a big dataset.
//
//   npm run bench:console -- [--sessions 20000] [--traces 10000] [--samples 20] [--warmup 3]
//
// Requirement: "the timeline and span pages render in under a second on a dataset with a million
// events". This script measures it end to end, against the production build:
// 1. A Postgres server (BENCH_DATABASE_URL, or a throwaway one from scripts/pg-throwaway.sh) and a
//    fresh database in it, migrated with lib/db/migrate.ts; a tenant, an environment and an admin.
// 2. ≥ 1,000,000 Claude Code / Cowork events and ≥ 100,000 Office agent spans, generated in SQL
//    (INSERT … SELECT FROM generate_series, in chunks) with typed columns and JSON attributes shaped
//    like the captured fixtures (test/fixtures), plus a few deliberately large prompts, sessions
//    and traces. Then VACUUM ANALYZE.
// 3. The app, started with the launcher (scripts/start.ts) exactly as `npm start` runs it, from a
//    private snapshot of the checkout and its production build (others rebuild the shared .next
//    at any time); the admin signs in through next-auth's credentials flow like a browser would.
// 4. Time to last byte of full page HTML responses (/prompts, /sessions, /traces) and of the
//    read API equivalents (/api/v1/…), sequential, after warm-up; the same lib/queries functions
//    are also timed in-process (query + shaping, no rendering) to split database from render
//    time; EXPLAIN ANALYZE of the page queries on the largest targets.
// Prints a table and writes bench-results/console.json. The exit code reports correctness only
// (every response a 200 with the expected content), never slowness.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { log, onCleanup, reportFailures, resultsDir, root, runBench, tempDir, throwIfAborted, writeResults } from "./bench-support";
import { createApiToken } from "@/lib/auth/api-tokens";
import { createUser } from "@/lib/auth/users";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { ensureDefaultScope } from "@/lib/tenants";
import { appSnapshot, startApp } from "./bench-console/app";
import { setupDatabase } from "./bench-console/database";
import { WINDOW_DAYS } from "./bench-console/fixture-sql";
import { type EventBatch, generate, type GenerationStats, type SpanBatch } from "./bench-console/generate";
import { agent, request, signIn } from "./bench-console/http";
import { accessPath, explain, type Explained, measureHttp, measureQueries, pagePath, type Target, type Timing } from "./bench-console/measure";
import { fmtInt, fmtMb, fmtMs, gitHead, type Options, parseOptions, rng } from "./bench-console/options";

interface Results {
  database: string;
  dataset: GenerationStats;
  options: Options;
  pages: Timing[];
  api: Timing[];
  queries: Timing[];
  explain: Explained[];
  thresholdMs: number;
  slowPages: string[];
  /** The build measured; the working tree may differ from the commit (uncommitted edits). */
  build: { id: string; commit: string | null };
  failures: string[];
  host: { cpus: number; node: string; date: string; loadAverageAtStart: number[]; loadAverageAtMeasure: number[] };
}

const THRESHOLD_MS = 1000;

async function main(): Promise<void> {
  const opts = parseOptions();
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
  mkdirSync(resultsDir, { recursive: true });
  // The app runs from a private snapshot of the checkout and its build (see appSnapshot).
  const snapshot = await appSnapshot();
  log(`app snapshot with build ${snapshot.buildId} in ${snapshot.dir}`);

  const db = await setupDatabase();
  log(`database: ${db.description}`);
  process.env.DATABASE_URL = db.url; // lib/ (Prisma, pool) reads it
  onCleanup("close this process's pool", () => closePool());

  const migrator = new pg.Client({ connectionString: db.url });
  await migrator.connect();
  try {
    const m = await migrate(migrator);
    log(`migrated: ${m.applied.join(", ")}`);
  } finally {
    await migrator.end();
  }
  const scope = await ensureDefaultScope();
  const adminEmail = "bench-admin@blindspot.local";
  const adminPassword = randomBytes(18).toString("base64url");
  await createUser({ tenantId: scope.tenantId, email: adminEmail, role: "admin", name: "Bench admin", password: adminPassword, actor: "bench-console" });
  const api = await createApiToken({ tenantId: scope.tenantId, name: "bench-console", role: "admin", createdBy: "bench-console" });
  throwIfAborted();

  // The regular population plus a few deliberately large targets, placed mid-window.
  const batches: { events: EventBatch[]; spans: SpanBatch[] } = {
    events: [
      { label: "main", sessions: opts.sessions, perSession: 51, perPrompt: 10, startup: 1, window: [0, 1] },
      // 5 prompts of 200 events each (a long agentic turn): one 1,001-event session.
      { label: "big", sessions: 1, perSession: 1001, perPrompt: 200, startup: 1, window: [0.5, 0.51] },
      // A day-long session: 200 prompts, 5,001 events.
      { label: "huge", sessions: 1, perSession: 5001, perPrompt: 25, startup: 1, window: [0.45, 0.46] },
      // A runaway session at the session page's cap (MAX_SESSION_EVENTS = 20,000, lib/queries/sessions.ts).
      { label: "runaway", sessions: 1, perSession: 20_001, perPrompt: 25, startup: 1, window: [0.55, 0.56] },
    ],
    spans: [
      { label: "office", traces: opts.traces, perTrace: 10, window: [0, 1] },
      { label: "bigtrace", traces: 3, perTrace: 1000, window: [0.5, 0.51] },
    ],
  };
  const dataset = await generate(db.url, scope, batches);
  throwIfAborted();
  log(
    `generated ${fmtInt(dataset.events)} events and ${fmtInt(dataset.spans)} spans in ${dataset.totalSeconds.toFixed(1)} s ` +
      `(events ${dataset.eventsSeconds.toFixed(1)} s, spans ${dataset.spansSeconds.toFixed(1)} s, indexes ${dataset.indexSeconds.toFixed(1)} s, ` +
      `VACUUM ANALYZE ${dataset.vacuumSeconds.toFixed(1)} s)`,
  );

  // Targets: random ones from the middle of the data (sessions 40–60 % of the regular range),
  // and the large ones. Ids are computed by the same expressions the generator used.
  const random = rng(20261122);
  const pick = (n: number, from: number, to: number) => {
    const set = new Set<number>();
    while (set.size < Math.min(n, to - from)) set.add(from + Math.floor(random() * (to - from)));
    return [...set];
  };
  const distinct = opts.warmup + opts.samples;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  onCleanup("close the bench client", () => client.end());
  const ids = async (sql: string, params: unknown[]): Promise<string[]> => (await client.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
  const midSessions = pick(distinct, Math.floor(opts.sessions * 0.4), Math.ceil(opts.sessions * 0.6));
  const midTraces = pick(distinct, Math.floor(opts.traces * 0.4), Math.ceil(opts.traces * 0.6));
  const targets: Target[] = [
    {
      label: "prompt, 10 events",
      kind: "prompt",
      ids: await ids(`SELECT md5('main:p:' || s || ':' || (s * 7 % 5))::uuid::text AS id FROM unnest($1::int[]) AS s`, [midSessions]),
      size: 10,
    },
    {
      label: "prompt, 200 events",
      kind: "prompt",
      ids: await ids(`SELECT md5('big:p:0:' || p)::uuid::text AS id FROM generate_series(0, 4) AS p`, []),
      size: 200,
    },
    { label: "session, 51 events", kind: "session", ids: await ids(`SELECT md5('main:s:' || s)::uuid::text AS id FROM unnest($1::int[]) AS s`, [midSessions]), size: 51 },
    { label: "session, 1,001 events", kind: "session", ids: await ids(`SELECT md5('big:s:0')::uuid::text AS id`, []), size: 1001 },
    { label: "session, 5,001 events", kind: "session", ids: await ids(`SELECT md5('huge:s:0')::uuid::text AS id`, []), size: 5001 },
    { label: "session, 20,001 events", kind: "session", ids: await ids(`SELECT md5('runaway:s:0')::uuid::text AS id`, []), size: 20_001 },
    {
      label: "Office session, 5 traces",
      kind: "session",
      // Five consecutive Office traces share a session (SPANS_SQL).
      ids: await ids(`SELECT md5('office:osession:' || (t / 5))::uuid::text AS id FROM unnest($1::int[]) AS t`, [[...new Set(midTraces.map((t) => t - (t % 5)))]]),
      size: 50,
      ofSpans: true,
    },
    { label: "trace, 10 spans", kind: "trace", ids: await ids(`SELECT md5('office:trace:' || t) AS id FROM unnest($1::int[]) AS t`, [midTraces]), size: 10 },
    { label: "trace, 1,000 spans", kind: "trace", ids: await ids(`SELECT md5('bigtrace:trace:' || t) AS id FROM generate_series(0, 2) AS t`, []), size: 1000 },
  ];
  // Every target must exist with the expected size, or the figures would be about 404s.
  for (const t of targets) {
    const table = t.kind === "trace" || t.ofSpans ? "spans" : "events";
    const column = t.kind === "prompt" ? "prompt_id" : t.kind === "session" ? "session_id" : "trace_id";
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND ${column} = $2`, [scope.tenantId, t.ids[0]]);
    if (rows[0].n !== t.size) throw new Error(`target "${t.label}" ${t.ids[0]} has ${rows[0].n} rows, expected ${t.size}`);
  }

  log("starting the app (scripts/start.ts)…");
  const workDir = tempDir("bscon-");
  const app = await startApp(snapshot.dir, db.url, workDir, path.join(resultsDir, "console-app.log"));
  throwIfAborted();
  log(`app healthy on port ${app.port} (log: ${path.relative(root, app.logFile)})`);

  const cookie = await signIn(app.port, adminEmail, adminPassword);
  const check = await request(app.port, "GET", pagePath("prompt", targets[0].ids[0]), { cookie });
  if (check.status !== 200 || !check.body.toString("utf8").includes(targets[0].ids[0])) {
    throw new Error(`signed-in check failed: GET /prompts/${targets[0].ids[0]} → ${check.status}${check.headers.location ? ` → ${check.headers.location}` : ""}`);
  }
  log(`signed in as ${adminEmail}; measuring ${opts.samples} requests per page after ${opts.warmup} warm-up requests…`);

  const loadAverageAtMeasure = os.loadavg().map((n) => Number(n.toFixed(2)));
  const failures: string[] = [];
  const pages: Timing[] = [];
  const apiTimings: Timing[] = [];
  for (const t of targets) {
    pages.push(await measureHttp(app.port, t, "page", { cookie }, opts, failures));
    log(`  page ${t.label}: p50 ${fmtMs(pages[pages.length - 1].p50)} ms`);
  }
  for (const t of targets) {
    apiTimings.push(await measureHttp(app.port, t, "api", { authorization: `Bearer ${api.secret}` }, opts, failures));
  }
  agent.destroy();
  // In-process data layer, on this process's pool (same database, same queries).
  const queries: Timing[] = [];
  for (const t of targets) queries.push(await measureQueries(scope.tenantId, t, opts));
  const explained = await explain(client, scope.tenantId, targets);

  const slowPages = pages.filter((p) => p.p95 >= THRESHOLD_MS).map((p) => p.label);
  const results: Results = {
    database: db.description,
    dataset,
    options: opts,
    pages,
    api: apiTimings,
    queries,
    explain: explained,
    thresholdMs: THRESHOLD_MS,
    slowPages,
    build: { id: snapshot.buildId, commit: gitHead() },
    failures,
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart, loadAverageAtMeasure },
  };

  // ---- report ----
  const d = dataset;
  const rows: [string, string][] = [
    ["database", db.description],
    ["events", `${fmtInt(d.events)} (${fmtInt(d.sessions)} sessions, ${fmtInt(d.prompts)} prompts, 500 users, claude_code + cowork, ${WINDOW_DAYS} days)`],
    ["spans", `${fmtInt(d.spans)} (${fmtInt(d.traces)} Office agent traces)`],
    ["generation", `${d.totalSeconds.toFixed(1)} s: events ${d.eventsSeconds.toFixed(1)} s, spans ${d.spansSeconds.toFixed(1)} s, indexes ${d.indexSeconds.toFixed(1)} s, VACUUM ANALYZE ${d.vacuumSeconds.toFixed(1)} s`],
    ["events table", `${fmtMb(d.tables.events.totalBytes)} total (heap ${fmtMb(d.tables.events.heapBytes)}, TOAST ${fmtMb(d.tables.events.toastBytes)}, indexes ${fmtMb(d.tables.events.indexBytes)}); attributes avg ${d.avgAttributesBytes.events} B, fields avg ${d.avgFieldsBytes.events} B as JSON text`],
    ["spans table", `${fmtMb(d.tables.spans.totalBytes)} total (heap ${fmtMb(d.tables.spans.heapBytes)}, TOAST ${fmtMb(d.tables.spans.toastBytes)}, indexes ${fmtMb(d.tables.spans.indexBytes)}); attributes avg ${d.avgAttributesBytes.spans} B`],
    ["load average", `${loadAverageAtStart.join(" ")} at start, ${loadAverageAtMeasure.join(" ")} when measuring (${os.cpus().length} cores)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot console benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);

  const header = ["target", "page p50", "p95", "max", "TTFB p50", "HTML (RSC)", "API p50", "p95", "query p50", `p95 < ${THRESHOLD_MS / 1000} s`];
  const table = targets.map((t, i) => {
    const p = pages[i];
    const a = apiTimings[i];
    const q = queries[i];
    return [
      t.label,
      `${fmtMs(p.p50)} ms`,
      `${fmtMs(p.p95)} ms`,
      `${fmtMs(p.max)} ms`,
      `${fmtMs(p.ttfbP50 ?? NaN)} ms`,
      `${((p.bytesP50 ?? 0) / 1024).toFixed(0)} KiB (${((p.flightBytesP50 ?? 0) / 1024).toFixed(0)})`,
      `${fmtMs(a.p50)} ms`,
      `${fmtMs(a.p95)} ms`,
      `${fmtMs(q.p50)} ms`,
      p.errors + a.errors > 0 ? `ERRORS ${p.errors}+${a.errors}` : p.p95 < THRESHOLD_MS ? "yes" : "NO",
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")}`;
  console.log(`\n  Time to last byte, ${opts.samples} sequential requests per row after ${opts.warmup} warm-up (keep-alive, warm cache):`);
  console.log(line(header));
  for (const r of table) console.log(line(r));
  console.log(`  page = full HTML of /prompts|/sessions|/traces/<id> signed in as admin; API = /api/v1/… with an admin API token;`);
  console.log(`  HTML (RSC) = response size (of which the inline React Server Components payload);`);
  console.log(`  query = the page's lib/queries call(s) in this process (SQL + shaping, no rendering).`);

  console.log(`\n  EXPLAIN ANALYZE (first id of each target):`);
  for (const e of explained) {
    console.log(`    ${e.query.padEnd(40)} ${e.target.padEnd(22)} ${fmtMs(e.executionMs).padStart(6)} ms  ${accessPath(e.plan)}`);
  }
  if (slowPages.length > 0) {
    console.log(`\n  Pages at or over ${THRESHOLD_MS} ms (p95): ${slowPages.join(", ")}. Plans of their queries:`);
    for (const e of explained.filter((x) => slowPages.includes(x.target))) console.log(`\n  -- ${e.query} (${e.target})\n${e.plan.replace(/^/gm, "    ")}`);
  }

  writeResults("console", results);
  reportFailures(failures, { "app log": app.logFile, "server log": db.serverLog });
}

runBench(main);
