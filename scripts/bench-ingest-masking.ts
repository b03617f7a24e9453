// `npm run bench:ingest -- --masking compare`: what masking secrets at ingest costs.
//
// The same unique OTLP batches (built from the captured Claude Code fixtures) go through the
// receiver's own pipeline (ingestPayload: decode → normalize → mask → write in one transaction →
// COMMIT), in this process, with concurrent senders, twice, each time into a fresh database on the
// same Postgres server: once with masking switched off for the process (setMaskingForBenchmark,
// which exists for this comparison only), once as shipped (on, the default policy). HTTP and
// Next.js cost the same in both runs and are left out, so the on/off ratio is stricter than the
// app's. Target: on / off ≥ 0.85.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { closePool } from "@/lib/db/pool";
import { setMaskingForBenchmark } from "@/lib/secrets/mask";
import { resultsDir, scratchDatabase, throwIfAborted, writeResults } from "./bench-support";
import { describeCpu, fmtInt, type CpuSpent } from "./bench-ingest-cpu";
import { freshScope, timedIngest } from "./bench-ingest-inprocess";
import type { EngineSetup } from "./bench-ingest-io";

/** The ratio issue #16 asks for. */
const TARGET_RATIO = 0.85;

interface Phase {
  masking: "off" | "on";
  seconds: number;
  recordsPerSecond: number;
  cpu: CpuSpent;
  failures: string[];
}

async function runPhase(masking: "off" | "on", url: string, payloads: Buffer[], warmup: number, senders: number, batchSize: number, serverPid: number | null): Promise<Phase> {
  const scope = await freshScope(url);
  setMaskingForBenchmark(masking === "on");
  try {
    return { masking, ...(await timedIngest(masking, scope, payloads, { warmup, senders, batchSize, serverPid })) };
  } finally {
    setMaskingForBenchmark(true);
  }
}

export async function runMaskingComparison(opts: { batches: number; senders: number; batchSize: number; warmup: number }, setup: EngineSetup, payloads: Buffer[]): Promise<void> {
  if (!setup.adminUrl || !setup.appDatabaseUrl) throw new Error("--masking compare needs a Postgres server (--engine postgres)");
  // Fingerprints are keyed from NEXTAUTH_SECRET (npm start sets it); a value for this process only.
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("hex");
  const onUrl = (await scratchDatabase(setup.adminUrl, `blindspot_bench_masking_${randomBytes(4).toString("hex")}`)).url;
  const off = await runPhase("off", setup.appDatabaseUrl, payloads, opts.warmup, opts.senders, opts.batchSize, setup.serverPid);
  throwIfAborted();
  const on = await runPhase("on", onUrl, payloads, opts.warmup, opts.senders, opts.batchSize, setup.serverPid);
  throwIfAborted();
  await closePool();

  const records = opts.batches * opts.batchSize;
  const ratio = on.recordsPerSecond / off.recordsPerSecond;
  const cpuPerRecord = (c: CpuSpent) => (c.database === null ? null : c.database + c.bench);
  const cpuOff = cpuPerRecord(off.cpu);
  const cpuOn = cpuPerRecord(on.cpu);
  const cpuRatio = cpuOff === null || cpuOn === null ? null : cpuOff / cpuOn;
  const maskingMicros = ((on.cpu.bench - off.cpu.bench) * 1e6) / records;
  const rows: [string, string][] = [
    ["engine", setup.description],
    ["records", `${fmtInt(records)} per run (${opts.batches} batches × ${opts.batchSize}, ${opts.senders} senders, in-process ingestPayload)`],
    ["masking off", `${fmtInt(off.recordsPerSecond)} records/s (${off.seconds.toFixed(2)} s); ${describeCpu(off.cpu, records, { app: "", bench: "bench+pipeline" })}`],
    ["masking on", `${fmtInt(on.recordsPerSecond)} records/s (${on.seconds.toFixed(2)} s); ${describeCpu(on.cpu, records, { app: "", bench: "bench+pipeline" })}`],
    ["on / off", `${ratio.toFixed(2)} by wall time (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? "met" : "not met"}); ${cpuRatio === null ? "" : `${cpuRatio.toFixed(2)} by CPU per record (pipeline + Postgres), which other work on the machine does not skew`}`],
    ["masking", `≈ ${maskingMicros.toFixed(1)} µs of pipeline CPU per record`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot ingest benchmark: secret masking on / off\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("ingest-masking", {
    engine: setup.description, records, batches: opts.batches, batchSize: opts.batchSize, senders: opts.senders,
    off, on, ratio, cpuRatio, maskingMicrosPerRecord: maskingMicros,
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverage: os.loadavg() },
  });
  const failures = [...off.failures, ...on.failures];
  if (failures.length) {
    for (const f of failures.slice(0, 20)) console.error(`  ✗ ${f}`);
    process.exitCode = 1;
  }
}
