// `npm run bench:read`: the read budgets of the pages (issue #15) on a realistic dataset on a
// Postgres server.
//
//   BENCH_DATABASE_URL=postgresql://… npm run bench:read -- [--events 10000000] [--runs 20] [--database bench_read] [--fresh] [--seed-only] [--only PAGE]
//   npm run bench:read -- --database-url postgresql://…/bench_read --reuse      (a seeded database as it is)
//
// 1. Opens the database `--database` on BENCH_DATABASE_URL's server (created and migrated when
//    absent), or `--database-url` as given. A seeded database is kept: the seed is paid once.
// 2. Seeds it to `--events` events (scripts/seed/read-dataset.ts), unless --reuse, and computes
//    the rollups of the bench tenant from its rows.
// 3. Measures the day's COPY ceiling (rows/s of a plain COPY of event rows into a scratch table,
//    in this run), then times each page's query function `--runs` times after a warm-up and
//    prints p50/p95 beside the budget, with the dataset's size.
// Timing assertions are deliberately absent: the exit code reports only whether it ran.
import { mkdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { closePool, getPool } from "@/lib/db/pool";
import { alertQueueCounts, listAlerts, parseStatusParam, type AlertFilters } from "@/lib/detections/alerts";
import { parseExploreParams } from "@/lib/explore/params";
import { exploreEvents } from "@/lib/explore/query";
import { rebuildRollups } from "@/lib/ingest/rollups";
import { approvalPage, escalations } from "@/lib/queries/approvals";
import { coverage } from "@/lib/queries/coverage";
import { listAgents } from "@/lib/queries/inventory";
import { promptTimeline } from "@/lib/queries/prompts";
import { sessionOverview } from "@/lib/queries/sessions";
import { fmtMs } from "./bench-ingest-cpu";
import { keptDatabase, log, migrateDatabase, resultsDir, runBench, timeRuns, writeResults } from "./bench-support";
import { ensureLongSession, restoreSecondaryIndexes, seedAlerts, seedReadDataset } from "./seed/read-dataset";

const USAGE = `usage: npm run bench:read -- [--events N] [--runs N] [--database NAME | --database-url URL] [--fresh] [--reuse] [--seed-only] [--only PAGE]`;

/** `--database-url` as given (migrated), else the kept database `--database` on BENCH_DATABASE_URL's server. */
async function openDatabase(values: { database?: string; "database-url"?: string; fresh?: boolean }): Promise<string> {
  if (values["database-url"]) {
    await migrateDatabase(values["database-url"]);
    return values["database-url"];
  }
  const admin = process.env.BENCH_DATABASE_URL;
  if (!admin) throw new Error("set BENCH_DATABASE_URL to a Postgres server's admin URL (scripts/pg-throwaway.sh start <dir> <port> prints one), or pass --database-url");
  return keptDatabase(admin, values.database!, values.fresh ?? false);
}

runBench(async () => {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "10000000" },
      runs: { type: "string", default: "20" },
      database: { type: "string", default: "bench_read" },
      "database-url": { type: "string" },
      fresh: { type: "boolean", default: false },
      reuse: { type: "boolean", default: false },
      "seed-only": { type: "boolean", default: false },
      // Times only the pages whose name contains this text (e.g. "inventory"): quicker while working on one.
      only: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = Number(values.events);
  const runs = Number(values.runs);
  if (!Number.isInteger(target) || target < 1 || !Number.isInteger(runs) || runs < 1) throw new Error(USAGE);

  const url = await openDatabase(values);
  process.env.DATABASE_URL = url;
  const pool = getPool();
  // Its own pool: seeding and index builds run longer than the app's statement timeout.
  const longPool = new pg.Pool({ connectionString: url, max: 1, options: "-c statement_timeout=0" });
  let seeded = false;
  try {
    if (!values.reuse) {
      const { rows: have } = await longPool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events e JOIN tenants t ON t.id = e.tenant_id WHERE t.slug = 'bench'`);
      const missing = target - have[0].n;
      if (missing > target * 0.01) {
        log(`seeding ${missing.toLocaleString("en")} events (have ${have[0].n.toLocaleString("en")})…`);
        const d = await seedReadDataset(longPool, { events: missing, log });
        seeded = true;
        log(`seeded: ${d.events.toLocaleString("en")} events, ${d.spans.toLocaleString("en")} spans, ${d.activities.toLocaleString("en")} Compliance activities in ${d.seconds.toFixed(0)} s + indexes ${d.indexSeconds.toFixed(0)} s`);
      }
    }
    // Indexes an interrupted seed left dropped are built (and the tables analyzed) before anything is timed.
    const rebuilt = await restoreSecondaryIndexes(longPool, log);
    if (rebuilt > 0) for (const table of ["events", "spans", "compliance_activities"]) await longPool.query(`VACUUM ANALYZE ${table}`);
    if (values["seed-only"]) return;
    const bench = await benchTenant(pool);
    const long = await ensureLongSession(longPool, bench.tenantId, bench.environmentId, new Date());
    if ((await pool.query(`SELECT 1 FROM alerts WHERE tenant_id = $1 LIMIT 1`, [bench.tenantId])).rowCount === 0) {
      const n = await seedAlerts(longPool, bench.tenantId, log);
      for (const table of ["alerts", "alert_evidence"]) await longPool.query(`VACUUM ANALYZE ${table}`);
      log(`alerts: ${n.toLocaleString("en")}`);
    }
    const { rows: daily } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM decision_rollups_daily WHERE tenant_id = $1`, [bench.tenantId]);
    if (seeded || long.created || daily[0].n === 0) {
      const t = performance.now();
      await rebuildRollups(longPool, bench.tenantId);
      for (const table of ROLLUP_TABLES) await longPool.query(`ANALYZE ${table}`);
      log(`rollups of the bench tenant computed from its rows in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    const ceiling = await copyCeiling(url, bench.tenantId);
    log(`COPY ceiling: ${Math.round(ceiling.rowsPerSecond).toLocaleString("en")} rows/s (${ceiling.rows.toLocaleString("en")} event rows into a copy of events with its indexes)`);
    const dataset = await datasetSize(longPool, bench.tenantId); // counts over 10 M rows outlast the app's statement timeout
    const results = await timePages(pool, bench.tenantId, long.sessionId, runs, values.only);
    const server = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    printTable(results, dataset, ceiling, server, runs);
    mkdirSync(resultsDir, { recursive: true });
    writeResults("bench-read", { server, runs, dataset, ceiling, results, at: new Date().toISOString() });
  } finally {
    await longPool.end();
  }
  await closePool();
});

// ---- the dataset ---------------------------------------------------------------------------

async function benchTenant(pool: pg.Pool): Promise<{ tenantId: string; environmentId: string }> {
  const { rows } = await pool.query<{ tenant_id: string; environment_id: string }>(
    `SELECT t.id AS tenant_id, e.id AS environment_id FROM tenants t JOIN environments e ON e.tenant_id = t.id WHERE t.slug = 'bench' ORDER BY e.id LIMIT 1`,
  );
  if (!rows[0]) throw new Error("no bench tenant: run without --reuse to seed one");
  return { tenantId: rows[0].tenant_id, environmentId: rows[0].environment_id };
}

interface DatasetSize {
  rows: Record<string, number>;
  sizes: { table: string; total: string; bytes: number }[];
}

/** The read rollups the seed computes and analyzes. */
const ROLLUP_TABLES = ["decision_rollups", "decision_rollups_daily", "decision_totals_daily", "decision_totals_hourly", "decision_people_daily", "decision_people_hourly", "decision_people_weekly", "agent_session_rollups", "source_rollups", "record_extents", "compliance_activity_daily", "compliance_actor_daily", "compliance_actor_latest", "agent_days", "agent_session_days", "office_traces", "office_trace_hours"];
const SIZED_TABLES = ["events", "spans", "compliance_activities", "alerts", ...ROLLUP_TABLES];

async function datasetSize(pool: pg.Pool, tenantId: string): Promise<DatasetSize> {
  const rows: Record<string, number> = {};
  for (const t of SIZED_TABLES) rows[t] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE tenant_id = $1`, [tenantId])).rows[0].n;
  // pg_total_relation_size of a partitioned parent is 0: sum its partitions (and itself when plain).
  const { rows: sizes } = await pool.query<{ table: string; bytes: string }>(
    `SELECT t AS table, (SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                         WHERE c.oid = t::regclass OR c.oid IN (SELECT relid FROM pg_partition_tree(t::regclass)))::text AS bytes
     FROM unnest($1::text[]) AS t`,
    [SIZED_TABLES],
  );
  return { rows, sizes: sizes.map((s) => ({ table: s.table, bytes: Number(s.bytes), total: `${(Number(s.bytes) / 1048576).toFixed(0)} MB` })) };
}

/** Rows/s of a plain COPY of the bench's own event rows into an empty copy of events (same columns and indexes), measured now. */
async function copyCeiling(url: string, tenantId: string, rows = 100_000): Promise<{ rows: number; rowsPerSecond: number }> {
  const c = new pg.Client({ connectionString: url, options: "-c statement_timeout=0" });
  await c.connect();
  try {
    const literal = `'${tenantId.replace(/'/g, "''")}'`; // COPY takes no bind parameters
    const chunks: Buffer[] = [];
    for await (const chunk of c.query(copyTo(`COPY (SELECT * FROM events WHERE tenant_id = ${literal} ORDER BY time DESC LIMIT ${rows}) TO STDOUT`))) chunks.push(chunk as Buffer);
    await c.query(`DROP TABLE IF EXISTS bench_copy_probe`);
    await c.query(`CREATE TABLE bench_copy_probe (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const t = performance.now();
    await pipeline(Readable.from(chunks), c.query(copyFrom(`COPY bench_copy_probe FROM STDIN`)));
    const seconds = (performance.now() - t) / 1000;
    const count = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_copy_probe`)).rows[0].n;
    return { rows: count, rowsPerSecond: count / seconds };
  } finally {
    await c.query(`DROP TABLE IF EXISTS bench_copy_probe`).catch(() => undefined);
    await c.end();
  }
}

// ---- the pages -------------------------------------------------------------------------------

interface PageResult {
  page: string;
  what: string;
  budget: number;
  p50: number;
  p95: number;
  note: string;
}

async function timePages(pool: pg.Pool, tenantId: string, longSession: string, runs: number, only?: string): Promise<PageResult[]> {
  const now = new Date();
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const out: PageResult[] = [];
  const add = async (page: string, what: string, budget: number, fn: (i: number) => Promise<unknown>, noteOf: string | (() => string) = "") => {
    if (only && !page.includes(only)) return;
    try {
      const r = await timeRuns(fn, runs);
      const note = typeof noteOf === "string" ? noteOf : noteOf(); // a note may describe what the runs read
      out.push({ page, what, budget, ...r, note });
      log(`${page.padEnd(24)} ${fmtMs(r.p50)} / ${fmtMs(r.p95)} (p50/p95; budget ${budget} ms)${note ? `; ${note}` : ""}`);
    } catch (err) {
      // A query past the app's statement timeout is a result too: printed, and the others still run.
      out.push({ page, what, budget, p50: NaN, p95: NaN, note: `failed: ${err instanceof Error ? err.message : String(err)}` });
      log(`${page.padEnd(24)} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  // Prompt timeline: a different recent prompt each run (a cold prompt is the usual case).
  const { rows: prompts } = await pool.query<{ prompt_id: string }>(
    `SELECT prompt_id FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt' AND time > $2 AND prompt_id IS NOT NULL LIMIT $3`,
    [tenantId, days(3), runs + 1],
  );
  let promptEvents = 0;
  await add("prompt timeline", "promptTimeline", 30, async (i) => {
    const t = await promptTimeline(tenantId, prompts[i % prompts.length].prompt_id, true);
    promptEvents = Math.max(promptEvents, t?.events.length ?? 0);
  }, () => `${prompts.length} prompts, up to ${promptEvents} events`);

  const { rows: sessionSize } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND session_id = $2`, [tenantId, longSession]);
  await add("session", "sessionOverview", 100, () => sessionOverview(tenantId, longSession, true), `${sessionSize[0].n} events`);

  const explore = (q: string) => ({ ...parseExploreParams(new URLSearchParams({ q, range: "30d" })).query, canReadContent: true });
  for (const q of ["tool:Bash decision:reject", "user:person42@bench.example", "event:api_request cost>0.05"]) {
    await add("explorer first page", `exploreEvents ${q}`, 200, () => exploreEvents(tenantId, explore(q), true));
  }

  const approvals = { from: days(30), to: now };
  await add("approvals 30 days", "approvalPage (person)", 300, () => approvalPage(tenantId, approvals, "person"));
  await add("approvals 30 days", "escalations (raw, page)", 300, () => escalations(tenantId, { ...approvals, windowMinutes: 10 }));

  await add("coverage 30 days", "coverage", 300, () => coverage(tenantId, days(30), now));

  let agents = 0;
  await add("inventory 7 days", "listAgents", 300, async () => {
    agents = (await listAgents(tenantId, { from: days(7), to: now })).length;
  }, () => `${agents} agents`);

  // As the queue page opens: open alerts (its default status) of the window, the rule choices and severity counts.
  const alertWindow: AlertFilters = { from: days(30), to: now };
  const openAlerts: AlertFilters = { ...alertWindow, status: parseStatusParam("open") };
  await add("alert queue", "list + rules and severities (page)", 200, () =>
    Promise.all([
      listAlerts(tenantId, openAlerts, { limit: 100, canReadContent: true }),
      alertQueueCounts(tenantId, alertWindow, openAlerts),
    ]));
  return out;
}

function printTable(results: PageResult[], dataset: DatasetSize, ceiling: { rowsPerSecond: number }, server: string, runs: number): void {
  console.log(`\nbench:read — ${dataset.rows.events.toLocaleString("en")} events, Postgres ${server}, ${runs} runs each after a warm-up, ${new Date().toISOString().slice(0, 10)}`);
  console.log(`COPY ceiling today: ${Math.round(ceiling.rowsPerSecond).toLocaleString("en")} event rows/s`);
  console.log(`dataset (bench tenant rows; table size on disk with indexes):`);
  for (const s of dataset.sizes) console.log(`  ${s.table.padEnd(24)}${(dataset.rows[s.table] ?? 0).toLocaleString("en").padStart(14)} rows ${s.total.padStart(10)}`);
  console.log(`${"page".padEnd(22)}${"query".padEnd(40)}${"p50".padStart(10)}${"p95".padStart(10)}${"budget".padStart(9)}  note`);
  for (const r of results) {
    console.log(`${r.page.padEnd(22)}${r.what.slice(0, 39).padEnd(40)}${fmtMs(r.p50).padStart(10)}${fmtMs(r.p95).padStart(10)}${`${r.budget} ms`.padStart(9)}  ${r.p95 <= r.budget ? "ok" : "OVER"}${r.note ? ` — ${r.note}` : ""}`);
  }
}
