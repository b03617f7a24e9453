// `npm run bench:query`: the query language on a realistic dataset on a Postgres server.
//
//   BENCH_DATABASE_URL=postgresql://… npm run bench:query -- [--events 10000000] [--runs 20] [--database bench_query] [--fresh]
//
// 1. Opens BENCH_DATABASE_URL (a server's admin URL, e.g. from scripts/pg-throwaway.sh) and the
//    database `--database` in it, created and migrated when absent. A seeded database is kept for the next run (--fresh drops it first).
// 2. Seeds it to `--events` events with scripts/seed/events.ts (the fixtures copied on the server
//    over many people, sessions and prompts across 30 days) and prints how long that took.
// 3. Runs each query `--runs` times as the Explorer does (first page of 100, newest first, last
//    30 days; the count and the histogram) and prints p50/p95 per query with the dataset size.
// Budgets (issue #14): a text query's first page ≤ 500 ms p95, filters on indexed fields ≤ 200 ms.
// Timing assertions are deliberately absent: the exit code reports only whether it ran.
import { parseArgs } from "node:util";
import pg from "pg";
import { closePool, getPool } from "@/lib/db/pool";
import { parseExploreParams } from "@/lib/explore/params";
import { exploreEvents } from "@/lib/explore/query";
import { exploreCount, exploreHistogram } from "@/lib/explore/stats";
import { fmtMs } from "./bench-ingest-cpu";
import { mkdirSync } from "node:fs";
import { keptDatabase, log, resultsDir, runBench, timeRuns, writeResults } from "./bench-support";
import { seedEvents } from "./seed/events";

const USAGE = `usage: npm run bench:query -- [--events N] [--runs N] [--database NAME] [--fresh]`;

/** What an analyst types: free text (trigram index) and filters on indexed fields. */
export const TEXT_QUERIES = ['"rm -rf"', "*curl*", "rm -rf", "zzqx-absent-term", "command:*curl*"];
export const FILTER_QUERIES = [
  "tool:Bash",
  "tool:Bash decision:reject",
  "source:user_reject",
  "user:person42@bench.example",
  "event:api_request cost>0.05",
  "session:bench-7-*",
];

runBench(async () => {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "10000000" },
      runs: { type: "string", default: "20" },
      database: { type: "string", default: "bench_query" },
      fresh: { type: "boolean", default: false },
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

  const admin = process.env.BENCH_DATABASE_URL;
  if (!admin) throw new Error("set BENCH_DATABASE_URL to a Postgres server's admin URL (scripts/pg-throwaway.sh start <dir> <port> prints one)");
  const url = await keptDatabase(admin, values.database!, values.fresh!);
  process.env.DATABASE_URL = url;
  const pool = getPool();
  const { rows: server } = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  const { rows: have } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events e JOIN tenants t ON t.id = e.tenant_id WHERE t.slug = 'bench'`);
  const missing = target - have[0].n;
  let seedSeconds = 0;
  // A partitioned table or index has no storage of its own: its size is the sum over its partitions.
  const treeSize = `(SELECT COALESCE(sum(pg_relation_size(relid)), pg_relation_size(c.oid)) FROM pg_partition_tree(c.oid))`;
  const bytesBefore = (await pool.query<{ b: string }>(`SELECT ${treeSize}::text AS b FROM pg_class c WHERE c.relname = 'events_search_text_trgm_idx'`)).rows[0].b;
  if (missing > target * 0.01) {
    log(`seeding ${missing.toLocaleString("en")} events (have ${have[0].n.toLocaleString("en")})…`);
    // Its own pool: the seeding statements run longer than the app's statement timeout.
    const seedPool = new pg.Pool({ connectionString: url, max: 1, options: "-c statement_timeout=0" });
    const seeded = await seedEvents(seedPool, { events: missing, log }).finally(() => seedPool.end());
    seedSeconds = seeded.seconds;
  }
  const { rows: t } = await pool.query<{ id: string; e: number; s: number }>(
    `SELECT t.id, (SELECT count(*) FROM events WHERE tenant_id = t.id)::int AS e, (SELECT count(*) FROM spans WHERE tenant_id = t.id)::int AS s FROM tenants t WHERE t.slug = 'bench'`,
  );
  const tenantId = t[0].id;
  const sizes = (
    await pool.query<{ name: string; size: string }>(
      `SELECT c.relname AS name, pg_size_pretty(${treeSize}) AS size FROM pg_class c
       WHERE c.relname IN ('events', 'events_search_text_trgm_idx', 'events_tenant_id_time_idx')`,
    )
  ).rows;
  log(`Postgres ${server[0].v}; ${t[0].e.toLocaleString("en")} events, ${t[0].s.toLocaleString("en")} spans in the bench tenant` +
    `${seedSeconds ? `; seeded in ${seedSeconds.toFixed(0)} s` : ""}; ${sizes.map((s) => `${s.name} ${s.size}`).join(", ")} (index before: ${bytesBefore} bytes)`);

  const query = (q: string) => ({ ...parseExploreParams(new URLSearchParams({ q, range: "30d" })).query, canReadContent: true });
  const results: Array<{ kind: string; q: string; what: string; p50: number; p95: number; rows?: number }> = [];
  for (const [kind, list] of [["text", TEXT_QUERIES], ["filter", FILTER_QUERIES]] as const) {
    for (const q of list) {
      let rows = 0;
      const page = await timeRuns(async () => {
        rows = (await exploreEvents(tenantId, query(q), true)).rows.length;
      }, runs);
      results.push({ kind, q, what: "first page", ...page, rows });
      results.push({ kind, q, what: "count", ...(await timeRuns(() => exploreCount(tenantId, query(q)), Math.max(3, Math.floor(runs / 4)))) });
      results.push({ kind, q, what: "histogram", ...(await timeRuns(() => exploreHistogram(tenantId, query(q)), Math.max(3, Math.floor(runs / 4)))) });
      log(`${kind.padEnd(6)} ${q.padEnd(32)} first page ${fmtMs(page.p50)} / ${fmtMs(page.p95)} (p50/p95, ${rows} rows)`);
    }
  }
  console.log(`\nbench:query — ${t[0].e.toLocaleString("en")} events, Postgres ${server[0].v}, ${runs} runs per query (range 30d)`);
  console.log(`${"kind".padEnd(7)}${"query".padEnd(34)}${"what".padEnd(12)}${"p50".padStart(10)}${"p95".padStart(10)}`);
  for (const r of results) console.log(`${r.kind.padEnd(7)}${r.q.padEnd(34)}${r.what.padEnd(12)}${fmtMs(r.p50).padStart(10)}${fmtMs(r.p95).padStart(10)}`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("bench-query", { events: t[0].e, spans: t[0].s, server: server[0].v, runs, seedSeconds, sizes, results });
  await closePool();
});
