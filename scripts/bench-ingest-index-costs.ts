// `npm run bench:ingest -- --index-costs`: what each secondary index of the telemetry tables
// costs at ingest.
//
// The same unique OTLP log batches go through the receiver's own pipeline (ingestPayload, in this
// process, concurrent senders) into one fresh database on a Postgres server, once per phase: with
// every index ("all"), then with each secondary index of events, spans and metric_points dropped
// in turn, then with all of them dropped (the floor), then with every index again (the spread of
// the two "all" runs is the noise of the day). Before each phase the ingest tables are emptied
// (TRUNCATE) and the dropped index re-created on the empty table, so every phase starts alike.
// An index's cost is what dropping it saves: Postgres CPU per record (which other work on the
// machine skews less than wall time) and wall time. The payloads are logs, so only events'
// indexes see rows; spans' and metric_points' indexes cost nothing here and are listed as such.
import { mkdirSync } from "node:fs";
import os from "node:os";
import { closePool, getPool } from "@/lib/db/pool";
import { log, resultsDir, throwIfAborted, writeResults } from "./bench-support";
import { fmtInt, type CpuSpent } from "./bench-ingest-cpu";
import { freshScope, timedIngest } from "./bench-ingest-inprocess";
import type { EngineSetup } from "./bench-ingest-io";

const TABLES = ["events", "spans", "metric_points"];

/** Every table an ingest writes to; emptied before each phase. */
const INGEST_TABLES = ["events", "spans", "metric_points", "resources", "identity_observations", "decision_rollups", "source_rollups", "alerts"];

interface SecondaryIndex {
  table: string;
  name: string;
  definition: string;
}

interface Phase {
  label: string;
  dropped: string[];
  seconds: number;
  recordsPerSecond: number;
  /** Postgres CPU per record, µs (null on a server whose process this bench cannot see). */
  databaseMicros: number | null;
  /** This process's CPU per record (decode, normalize, mask, encode), µs. */
  pipelineMicros: number;
  failures: string[];
}

async function secondaryIndexes(): Promise<SecondaryIndex[]> {
  const { rows } = await getPool().query<{ table: string; name: string; definition: string }>(
    `SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1) AND NOT x.indisprimary AND NOT x.indisunique
      ORDER BY t.relname, i.relname`,
    [TABLES],
  );
  return rows;
}

const perRecord = (seconds: number | null, records: number) => (seconds === null ? null : (seconds * 1e6) / records);

/** A variant of the schema for one run: indexes dropped, or settings changed and reset after. */
interface Variant {
  label: string;
  drop: SecondaryIndex[];
  set?: string[];
  reset?: string[];
}

async function runPhase(
  v: Variant, scope: Awaited<ReturnType<typeof freshScope>>, payloads: Buffer[],
  opts: { warmup: number; senders: number; batchSize: number; batches: number }, serverPid: number | null,
): Promise<Phase> {
  const pool = getPool();
  const truncate = `TRUNCATE ${INGEST_TABLES.map((t) => `"${t}"`).join(", ")} CASCADE`;
  await pool.query(truncate);
  for (const ix of v.drop) await pool.query(`DROP INDEX "${ix.name}"`);
  for (const sql of v.set ?? []) await pool.query(sql);
  try {
    const timed = await timedIngest(v.label, scope, payloads, { ...opts, serverPid });
    const records = opts.batches * opts.batchSize;
    const cpu: CpuSpent = timed.cpu;
    return {
      label: v.label, dropped: v.drop.map((d) => d.name), seconds: timed.seconds, recordsPerSecond: timed.recordsPerSecond,
      databaseMicros: perRecord(cpu.database, records), pipelineMicros: perRecord(cpu.bench, records)!, failures: timed.failures,
    };
  } finally {
    // Re-created on empty tables (the next phase truncates first): instant.
    await pool.query(truncate);
    for (const ix of v.drop) await pool.query(ix.definition);
    for (const sql of v.reset ?? []) await pool.query(sql);
  }
}

/** GIN settings worth comparing on each GIN index of events (the pending list is where inserts go first). */
function ginVariants(indexes: SecondaryIndex[]): Variant[] {
  return indexes.filter((ix) => ix.table === "events" && / USING gin /.test(ix.definition)).flatMap((ix) => [
    { label: `${ix.name} fastupdate off`, drop: [], set: [`ALTER INDEX "${ix.name}" SET (fastupdate = off)`], reset: [`ALTER INDEX "${ix.name}" RESET (fastupdate)`] },
    { label: `${ix.name} pending list 32 MB`, drop: [], set: [`ALTER INDEX "${ix.name}" SET (gin_pending_list_limit = 32768)`], reset: [`ALTER INDEX "${ix.name}" RESET (gin_pending_list_limit)`] },
  ]);
}

export async function runIndexCostComparison(
  opts: { batches: number; senders: number; batchSize: number; warmup: number }, setup: EngineSetup, payloads: Buffer[],
): Promise<void> {
  if (!setup.appDatabaseUrl) throw new Error("--index-costs needs a Postgres server (--engine postgres)");
  const scope = await freshScope(setup.appDatabaseUrl);
  const indexes = await secondaryIndexes();
  log(`index costs: ${indexes.length} secondary indexes on ${TABLES.join(", ")}; ${indexes.length + 3} runs of ${opts.batches} batches`);

  const phases: Phase[] = [];
  const run = async (v: Variant) => {
    const phase = await runPhase(v, scope, payloads, opts, setup.serverPid);
    phases.push(phase);
    log(`  ${v.label}: ${fmtInt(phase.recordsPerSecond)} records/s, postgres ${phase.databaseMicros?.toFixed(0) ?? "?"} µs/record`);
    throwIfAborted();
  };
  await run({ label: "all indexes", drop: [] });
  for (const ix of indexes) {
    if (ix.table === "events") await run({ label: `without ${ix.name}`, drop: [ix] });
  }
  for (const v of ginVariants(indexes)) await run(v);
  await run({ label: "no secondary index", drop: indexes });
  await run({ label: "all indexes (again)", drop: [] });
  await closePool();

  const baselines = [phases[0], phases[phases.length - 1]];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const baseDb = baselines.every((b) => b.databaseMicros !== null) ? mean(baselines.map((b) => b.databaseMicros!)) : null;
  const baseRate = mean(baselines.map((b) => b.recordsPerSecond));
  const noiseDb = baseDb === null ? null : Math.abs(baselines[0].databaseMicros! - baselines[1].databaseMicros!);
  const noiseRate = Math.abs(baselines[0].recordsPerSecond - baselines[1].recordsPerSecond) / baseRate;

  const header = ["run", "records/s", "vs all", "postgres µs/rec", "saved µs/rec", "pipeline µs/rec"];
  const table: string[][] = phases.map((p) => [
    p.label,
    fmtInt(p.recordsPerSecond),
    `${(((p.recordsPerSecond - baseRate) / baseRate) * 100).toFixed(1)}%`,
    p.databaseMicros === null ? "?" : p.databaseMicros.toFixed(0),
    p.databaseMicros === null || baseDb === null || p.label.startsWith("all indexes") ? "" : (baseDb - p.databaseMicros).toFixed(0),
    p.pipelineMicros.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const untouched = indexes.filter((ix) => ix.table !== "events").map((ix) => ix.name);
  console.log(
    `\nBlindspot ingest benchmark: what each secondary index costs\n` +
      `  engine   ${setup.description}\n` +
      `  records  ${fmtInt(opts.batches * opts.batchSize)} log records per run (${opts.batches} batches × ${opts.batchSize}, ${opts.senders} senders, in-process ingestPayload)\n` +
      `  noise    the two "all indexes" runs differ by ${(noiseRate * 100).toFixed(1)}% in records/s` +
      (noiseDb === null ? "" : `, ${noiseDb.toFixed(0)} µs/record of Postgres CPU`) +
      `\n\n  ${line(header)}\n${table.map((r) => `  ${line(r)}`).join("\n")}\n` +
      (untouched.length ? `\n  not exercised by log records (no rows reach their tables): ${untouched.join(", ")}\n` : ""),
  );
  for (const ix of indexes) console.log(`  ${ix.name}: ${ix.definition.replace(/^CREATE INDEX \S+ ON \S+ /, "")}`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("ingest-index-costs", {
    engine: setup.description, records: opts.batches * opts.batchSize, batches: opts.batches, batchSize: opts.batchSize, senders: opts.senders,
    indexes, phases, host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverage: os.loadavg() },
  });
  const failures = phases.flatMap((p) => p.failures);
  if (failures.length) {
    for (const f of failures.slice(0, 20)) console.error(`  ✗ ${f}`);
    process.exitCode = 1;
  }
}
