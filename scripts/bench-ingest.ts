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
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { urlForSocketDir } from "@/lib/db/embedded";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import { log, onCleanup, reportFailures, resultsDir, root, runBench, tempDir, throwIfAborted, writeResults } from "./bench-support";
import { CHECKED, checksums, copyData, EVENTS_COPY, IDENTITIES_COPY, pgliteCopyTarget, postgresCopyTarget, RESOURCES_COPY, slices, type Scope } from "./bench-ingest-copy";
import { ceilings, cpuSnapshot, cpuSpent, describeCeilings, describeCpu, fmtInt, fmtMs, percentile, pinTree, RssSampler, type Ceilings, type CpuSpent } from "./bench-ingest-cpu";
import { runIndexCostComparison } from "./bench-ingest-index-costs";
import { runMaskingComparison } from "./bench-ingest-masking";
import { runRulesComparison } from "./bench-ingest-rules";
import { runStageBreakdown } from "./bench-ingest-stages";
import { buildBatch, ensureBuild, loadTemplates, sendAll, setupPostgres, startApp, type EngineSetup } from "./bench-ingest-io";

// ---- options ----------------------------------------------------------------------------

type Engine = "postgres" | "pglite";

interface Options {
  engine: Engine;
  batches: number;
  senders: number;
  batchSize: number;
  warmup: number;
  /** compare: detection rules on vs off (bench-ingest-rules.ts) instead of the app run. */
  rules: "compare" | null;
  /** compare: secret masking on vs off (bench-ingest-masking.ts) instead of the app run. */
  masking: "compare" | null;
  /** each secondary index dropped in turn (bench-ingest-index-costs.ts) instead of the app run. */
  indexCosts: boolean;
  /** the app's CPU per record by stage, in-process, no database (bench-ingest-stages.ts), in this many rounds; 0: off. */
  stages: number;
  /** A directory for V8 CPU profiles of the app's processes (node --cpu-prof), or null. */
  cpuProf: string | null;
  /** Postgres on CPU 0, the app and the sender on CPU 1 (taskset), for both runs. */
  pin: boolean;
}

const USAGE = `usage: npm run bench:ingest -- [--engine postgres|pglite] [--batches N] [--senders N] [--batch-size N] [--warmup N] [--rules compare] [--masking compare] [--index-costs] [--stages [--stage-rounds N]] [--pin] [--cpu-prof DIR]
  --engine      postgres (default; BENCH_DATABASE_URL or a throwaway server) or pglite (embedded)
  --batches     measured batches (default 400)
  --senders     concurrent HTTP senders (default 4)
  --batch-size  log records per batch (default 512)
  --warmup      warm-up batches, sent first and not counted (default 8)
  --rules compare  the receiver's pipeline in-process with the detection rules off, then on, on
                   fresh databases of one Postgres server; prints on/off and the COPY ceiling
  --masking compare  the same with secret masking off, then on (the default policy); prints on/off
  --index-costs  the same pipeline with each secondary index of events/spans/metric_points dropped
                 in turn; prints what each one costs per record
  --stages       the app's CPU per record by stage (gunzip, decode, normalize, mask, COPY text,
                 rollups) on the same payloads, in this process, no database and no HTTP
  --stage-rounds rounds of --stages (default 5); the fastest per stage is printed
  --pin          Postgres on CPU 0, the app and the sender on CPU 1, for ours and for COPY alike
                 (a throwaway server only): the ratio when the app does not share Postgres's core
  --cpu-prof DIR  a V8 CPU profile of the Next.js server during the measured run, written to DIR
                 (scripts/cpu-profile-preload.cjs); summarize it with
                 tsx scripts/cpuprofile-summary.ts FILE --per RECORDS. Profiling costs CPU itself:
                 compare the µs/record of profiled runs only with each other`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      engine: { type: "string", default: "postgres" },
      batches: { type: "string", default: "400" },
      senders: { type: "string", default: "4" },
      "batch-size": { type: "string", default: "512" },
      warmup: { type: "string", default: "8" },
      rules: { type: "string" },
      masking: { type: "string" },
      "index-costs": { type: "boolean", default: false },
      stages: { type: "boolean", default: false },
      "stage-rounds": { type: "string", default: "5" },
      "cpu-prof": { type: "string" },
      pin: { type: "boolean", default: false },
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
    rules: values.rules === undefined ? null : values.rules === "compare" ? "compare" : (() => { throw new Error(`--rules must be compare, got "${values.rules}"`); })(),
    masking: values.masking === undefined ? null : values.masking === "compare" ? "compare" : (() => { throw new Error(`--masking must be compare, got "${values.masking}"`); })(),
    indexCosts: values["index-costs"],
    stages: values.stages ? positive("stage-rounds", values["stage-rounds"], 1) : 0,
    cpuProf: values["cpu-prof"] === undefined ? null : path.resolve(values["cpu-prof"]),
    pin: values.pin,
  };
}


/** Issue #15's target with a Postgres server: a ratio to COPY of the same rows, since these machines' speed varies from day to day. */
const TARGET_RATIO = 0.7;


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
  /** Transactions that wrote the events (distinct xmin), warm-up batches included. */
  writeTransactions: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  peakRssMb: { nextServer: number; nextServerSampled: number; appTree: number; appProcesses: string[] };
  /** CPU seconds during the measured run and the timed COPY; null where not measurable. */
  cpuSeconds: { ingest: CpuSpent; copy: CpuSpent };
  copy: { recordsPerSecond: number; seconds: number; transactions: number; method: string };
  ratio: number;
  /** See Ceilings (bench-ingest-cpu.ts). */
  ceilingRecordsPerSecond: Ceilings;
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

  if (!opts.rules && !opts.masking && !opts.indexCosts && !opts.stages) ensureBuild();

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

  if (opts.stages) return runStageBreakdown({ batchSize: opts.batchSize, rounds: opts.stages }, payloads);

  // Engine and app.
  const workDir = tempDir("bsb-");
  let setup: EngineSetup;
  if (opts.engine === "postgres") {
    setup = await setupPostgres();
  } else {
    setup = { description: "embedded PGlite (served by the launcher on a Unix socket)", appDatabaseUrl: null, copyDatabaseUrl: null, serverLog: null, serverPid: null };
  }
  log(`database: ${setup.description}`);
  if (opts.rules === "compare") return runRulesComparison(opts, setup, payloads);
  if (opts.masking === "compare") return runMaskingComparison(opts, setup, payloads);
  if (opts.indexCosts) return runIndexCostComparison(opts, setup, payloads);
  const appDataDir = path.join(workDir, "app");
  mkdirSync(appDataDir, { recursive: true });
  log("starting the app (scripts/start.ts)…");
  mkdirSync(resultsDir, { recursive: true });
  const profiling: Record<string, string> =
    opts.cpuProf === null
      ? {}
      : { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${path.join(root, "scripts", "cpu-profile-preload.cjs")}`.trim(), BENCH_CPU_PROF_DIR: opts.cpuProf };
  const app = await startApp(appDataDir, setup.appDatabaseUrl, path.join(resultsDir, `ingest-${opts.engine}-app.log`), profiling);
  throwIfAborted();
  log(`app healthy on port ${app.port} (log: ${path.relative(root, app.logFile)})`);
  const rss = new RssSampler(app.child.pid!);
  rss.start();
  if (opts.pin) {
    if (setup.serverPid === null) throw new Error("--pin needs a throwaway Postgres server (unset BENCH_DATABASE_URL)");
    pinTree(setup.serverPid, 0);
    pinTree(app.child.pid!, 1);
    pinTree(process.pid, 1);
    log("pinned: Postgres on CPU 0, the app and this sender on CPU 1");
  }

  // Warm-up, then the measured run.
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.senders });
  const warm = await sendAll(app, payloads.slice(0, opts.warmup), opts.senders, agent);
  const profile = opts.cpuProf === null ? null : path.join(opts.cpuProf, `${rss.server}-1.cpuprofile`);
  if (profile !== null) process.kill(rss.server!, "SIGUSR2"); // starts the profiler (scripts/cpu-profile-preload.cjs)
  const cpuBefore = cpuSnapshot(app.child.pid!, setup.serverPid);
  const run = await sendAll(app, payloads.slice(opts.warmup), opts.senders, agent);
  const runCpu = cpuSpent(cpuBefore, cpuSnapshot(app.child.pid!, setup.serverPid), run.seconds);
  if (profile !== null) {
    process.kill(rss.server!, "SIGUSR2"); // writes the profile
    for (let i = 0; i < 600 && !existsSync(profile); i++) await new Promise((r) => setTimeout(r, 100));
    log(existsSync(profile) ? `CPU profile of the Next.js server: ${profile}` : `no CPU profile at ${profile} after 60 s`);
  }
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
  // The transactions that wrote the events (a row's xmin), warm-up included: fewer than the
  // requests when group commit coalesced them.
  const { rows: xactRows } = await appDb.query<{ n: number }>("SELECT count(DISTINCT xmin::text)::int AS n FROM events");
  const writeTransactions = xactRows[0].n;
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
    writeTransactions,
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
      ["DB_POOL_SIZE", "BLINDSPOT_INGEST_CONCURRENCY", "BLINDSPOT_INGEST_QUEUE", "BLINDSPOT_INGEST_TOKEN_RATE", "BLINDSPOT_INGEST_GROUP_MAX_RECORDS", "BLINDSPOT_INGEST_GROUP_WRITERS"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
    ),
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart },
  };

  const rows: [string, string][] = [
    ["engine", `${opts.engine} — ${setup.description}${opts.pin ? "; pinned: Postgres on CPU 0, app and sender on CPU 1 (ours and COPY)" : ""}`],
    ["records", `${fmtInt(records)} (${opts.batches} batches × ${opts.batchSize}; +${opts.warmup} warm-up batches not counted)`],
    ["payload", `avg ${fmtInt(results.payload.avgProtobufBytes / 1024)} KiB protobuf, ${fmtInt(results.payload.avgGzipBytes / 1024)} KiB gzip per batch`],
    ["senders", String(opts.senders)],
    ["wall time", `${run.seconds.toFixed(2)} s`],
    ["ingest", `${fmtInt(recordsPerSecond)} records/s (${results.ingest.batchesPerSecond.toFixed(1)} batches/s); each 200 after COMMIT with ${durability}`],
    ["latency", `p50 ${fmtMs(results.latencyMs.p50)} ms, p99 ${fmtMs(results.latencyMs.p99)} ms, max ${fmtMs(results.latencyMs.max)} ms`],
    ["peak RSS", `next-server ${fmtInt(memory.serverPeakMb)} MB (VmHWM); app process tree ${fmtInt(memory.treePeakMb)} MB (sampled sum)`],
    ["CPU (ingest)", describeCpu(runCpu, records, { app: opts.engine === "pglite" ? "app incl. PGlite" : "app", bench: "bench process" })],
    ["transactions", `${fmtInt(writeTransactions)} wrote the ${fmtInt(total)} requests' events (${(total / writeTransactions).toFixed(2)} requests per transaction; ${(writeTransactions * opts.batches / total / run.seconds).toFixed(1)}/s in the measured run)`],
    ["COPY", `${fmtInt(copyRecordsPerSecond)} records/s (${copySeconds.toFixed(2)} s, ${copySlices.length} transactions; ${results.copy.method})`],
    ["CPU (COPY)", describeCpu(copyCpu, records, { app: "", bench: opts.engine === "pglite" ? "bench process incl. PGlite" : "bench process" })],
    ["ours / COPY", results.ratio.toFixed(2)],
    ...(results.ceilingRecordsPerSecond.database === null ? [] : [["ceiling", describeCeilings(results.ceilingRecordsPerSecond)] as [string, string]]),
    ["rows", `${stored === expected ? "✓" : "✗"} ${fmtInt(stored)} events stored (expected ${fmtInt(expected)}); ${data.resourceCount} resources, ${data.identityCount} identities; COPY database ${failures.some((f) => f.includes(" differs: ")) ? "✗ differs" : "✓ identical"}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot ingest benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);
  if (opts.engine === "postgres") {
    const met = results.ratio >= TARGET_RATIO;
    console.log(`  ${"target".padEnd(width)}  ≥ ${TARGET_RATIO} of COPY: ${met ? "met" : "not met (the CPU lines show where the time goes)"}`);
  }

  writeResults(`ingest-${opts.engine}`, results);
  reportFailures(failures, { "app log": app.logFile, "server log": setup.serverLog });
}

runBench(main);