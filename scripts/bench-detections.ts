// `npm run bench:detections`: a backfill of the whole rule pack over 1 M stored events.
//
//   npm run bench:detections -- [--events 1000000] [--days 30]
//
// 1. A Postgres server: BENCH_DATABASE_URL, or a throwaway one (scripts/pg-throwaway.sh; port
//    BENCH_PG_PORT or a free one), with a fresh database.
// 2. Stores N events (the captured Claude Code records, each made unique: fresh sessions and
//    prompts, times spread over the last `days` days) with COPY, as the ingest writer would have
//    stored them, then ANALYZE.
// 3. Times backfill(tenant, "all", now - days, now): every enabled rule of the pack over every
//    stored record, alerts written. Prints records/s, hits, alerts and the budget (≤ 60 s for 1 M).
// Without the Sigma pack in the build (detectionEngine() is null) the stand-in engine of the tests
// runs instead, and the output says so. No timing assertion: the exit code reports correctness.
import { mkdirSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { backfill } from "@/lib/detections/backfill";
import { detectionEngine, setDetectionEngine } from "@/lib/detections/evaluator-contract";
import { closePool, getPool } from "@/lib/db/pool";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import { createTestEngine } from "@/lib/testing/detection-engine";
import { ensureEnvironment, ensureTenant } from "@/lib/tenants";
import { log, resultsDir, runBench, throwIfAborted, writeResults } from "./bench-support";
import { copyData, EVENTS_COPY, postgresCopyTarget } from "./bench-ingest-copy";
import { cpuSnapshot, cpuSpent, describeCpu, fmtInt } from "./bench-ingest-cpu";
import { buildBatch, loadTemplates, setupPostgres } from "./bench-ingest-io";

const BUDGET_SECONDS = 60;
const BATCH = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" }, days: { type: "string", default: "30" } }, strict: true });
  const total = Number(values.events);
  const days = Number(values.days);
  if (!Number.isInteger(total) || total < BATCH) throw new Error(`--events must be an integer ≥ ${BATCH}`);
  if (!(days > 0)) throw new Error("--days must be positive");

  let engineName = "the Sigma pack";
  if (!detectionEngine()) {
    setDetectionEngine(createTestEngine({ burst: true }));
    engineName = "STAND-IN engine of the tests (the Sigma pack is not in this build)";
  }
  const rules = detectionEngine()!.loadPack().rules;

  const setup = await setupPostgres();
  log(`database: ${setup.description}`);
  const url = setup.appDatabaseUrl!;
  const target = await postgresCopyTarget(url, 2); // migrates the database
  process.env.DATABASE_URL = url;
  const tenantId = await ensureTenant("bench", "bench");
  const environmentId = await ensureEnvironment(tenantId, "bench");
  const scope = { tenantId, environmentId, ingestTokenId: "bench" };

  // Store the events, a slice of batches at a time (COPY text of 1 M events does not fit in memory at once).
  const templates = loadTemplates();
  const batches = Math.ceil(total / BATCH);
  const now = Date.now();
  const spanNs = BigInt(Math.round(days * 86_400_000)) * 1_000_000n;
  const clock = { startNs: BigInt(now) * 1_000_000n - spanNs, stepNs: spanNs / BigInt(batches * BATCH) };
  const loadStarted = performance.now();
  for (let first = 0; first < batches; first += 50) {
    throwIfAborted();
    const payloads: Buffer[] = [];
    for (let b = first; b < Math.min(batches, first + 50); b++) payloads.push(gzipSync(encodeProtobufRequest("logs", buildBatch(b, BATCH, templates, clock)), { level: 1 }));
    const data = copyData(payloads, scope);
    await target.transaction((copy) => copy(EVENTS_COPY, data.events));
    if ((first / 50) % 4 === 0) log(`stored ${fmtInt(Math.min(batches, first + 50) * BATCH)} events…`);
  }
  await target.close();
  await getPool().query("ANALYZE");
  const stored = (await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenantId])).rows[0].n;
  log(`stored ${fmtInt(stored)} events in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (not timed)`);

  const from = new Date(now - days * 86_400_000 - 60_000);
  const to = new Date(now + 60_000);
  const cpuBefore = cpuSnapshot(null, setup.serverPid);
  const started = performance.now();
  const report = await backfill(tenantId, "all", from, to);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSpent(cpuBefore, cpuSnapshot(null, setup.serverPid), seconds);
  // What the backfill itself used: this process (the evaluator) and Postgres, whatever else runs on the machine.
  const ownCpu = cpu.bench + (cpu.database ?? 0);
  const alerts = (await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1`, [tenantId])).rows[0].n;
  await closePool();

  const failures: string[] = [];
  if (report.scanned !== stored) failures.push(`backfill scanned ${report.scanned} records, ${stored} are stored`);
  const perMillion = (seconds * 1_000_000) / Math.max(1, report.scanned);
  const rows: [string, string][] = [
    ["database", setup.description],
    ["rules", `${engineName}: ${rules.filter((r) => r.kind === "event").length} single-event, ${rules.filter((r) => r.kind === "correlation").length} correlation`],
    ["records", `${fmtInt(report.scanned)} events over ${days} days`],
    ["backfill", `${seconds.toFixed(1)} s = ${fmtInt(report.scanned / seconds)} records/s; ${fmtInt(report.hits)} hits, ${fmtInt(alerts)} alerts`],
    ["CPU", `${describeCpu(cpu, report.scanned, { app: "", bench: "backfill process" })}; backfill + Postgres ${ownCpu.toFixed(1)} CPU-s; on an idle machine ≈ ${Math.max(cpu.bench, cpu.database ?? 0, ownCpu / os.cpus().length).toFixed(1)} s (the evaluator is one thread; Postgres reads the next slice meanwhile)`],
    ["budget", `≤ ${BUDGET_SECONDS} s per 1 M events: ${perMillion.toFixed(1)} s per 1 M — ${perMillion <= BUDGET_SECONDS ? "met" : "not met"}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot detections benchmark (backfill)\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("detections", { database: setup.description, rules: engineName, records: report.scanned, days, seconds, cpu, hits: report.hits, alerts, perMillionSeconds: perMillion, failures, host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverage: os.loadavg() } });
  for (const f of failures) console.error(`  ✗ ${f}`);
  if (failures.length) process.exitCode = 1;
}

runBench(main);
