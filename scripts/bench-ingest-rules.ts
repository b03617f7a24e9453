// `npm run bench:ingest -- --rules compare`: what evaluating the detection rules at ingest costs.
//
// The same unique OTLP batches go through the receiver's own pipeline (ingestPayload: decode →
// normalize → write in one transaction → single-event rules on the fresh rows → COMMIT), in this
// process, with concurrent senders, twice, each time into a fresh database on the same Postgres
// server: once with every rule of the pack switched off for the tenant (detection_rule_settings,
// as an admin would), once with the pack as shipped. HTTP and Next.js cost the same in both runs
// and are left out, so the on/off ratio printed here is stricter than the app's. The machine's
// COPY ceiling (Postgres CPU per record under a plain COPY of the same rows) is printed beside it.
// Without the Sigma pack in the build (detectionEngine() is null) the stand-in engine of the tests
// runs instead, and the output says so.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { detectionEngine, setDetectionEngine } from "@/lib/detections/evaluator-contract";
import { closePool, getPool } from "@/lib/db/pool";
import { createTestEngine } from "@/lib/testing/detection-engine";
import { log, resultsDir, scratchDatabase, throwIfAborted, writeResults } from "./bench-support";
import { copyData, EVENTS_COPY, IDENTITIES_COPY, postgresCopyTarget, RESOURCES_COPY, slices } from "./bench-ingest-copy";
import { ceilings, cpuSnapshot, cpuSpent, describeCeilings, describeCpu, fmtInt, type CpuSpent } from "./bench-ingest-cpu";
import type { EngineSetup } from "./bench-ingest-io";
import { freshScope, timedIngest } from "./bench-ingest-inprocess";

interface Phase {
  rules: "off" | "on";
  seconds: number;
  recordsPerSecond: number;
  cpu: CpuSpent;
  alerts: number;
  failures: string[];
}

async function runPhase(rules: "off" | "on", url: string, payloads: Buffer[], warmup: number, senders: number, batchSize: number, serverPid: number | null): Promise<Phase> {
  const scope = await freshScope(url);
  const engine = detectionEngine()!;
  if (rules === "off") {
    // Every rule switched off for the tenant, as an admin would on the rules page.
    for (const r of engine.loadPack().rules) {
      await getPool().query(
        `INSERT INTO detection_rule_settings (tenant_id, rule_id, enabled, updated_by) VALUES ($1, $2, false, 'bench')`, [scope.tenantId, r.id]);
    }
  }
  const timed = await timedIngest(rules, scope, payloads, { warmup, senders, batchSize, serverPid });
  const alerts = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1`, [scope.tenantId]);
  return { rules, ...timed, alerts: alerts.rows[0].n };
}

export async function runRulesComparison(opts: { batches: number; senders: number; batchSize: number; warmup: number }, setup: EngineSetup, payloads: Buffer[]): Promise<void> {
  if (!setup.adminUrl || !setup.appDatabaseUrl || !setup.copyDatabaseUrl) throw new Error("--rules compare needs a Postgres server (--engine postgres)");
  let engineName = "the Sigma pack";
  if (!detectionEngine()) {
    setDetectionEngine(createTestEngine({ burst: true }));
    engineName = "STAND-IN engine of the tests (the Sigma pack is not in this build)";
  }
  const pack = detectionEngine()!.loadPack();
  const eventRules = pack.rules.filter((r) => r.kind === "event").length;
  log(`rules compare: ${engineName}, ${eventRules} single-event rules, ${pack.rules.length - eventRules} correlations (jobs, not at ingest)`);

  const onUrl = (await scratchDatabase(setup.adminUrl, `blindspot_bench_rules_${randomBytes(4).toString("hex")}`)).url;
  const off = await runPhase("off", setup.appDatabaseUrl, payloads, opts.warmup, opts.senders, opts.batchSize, setup.serverPid);
  throwIfAborted();
  const on = await runPhase("on", onUrl, payloads, opts.warmup, opts.senders, opts.batchSize, setup.serverPid);
  throwIfAborted();
  const scope = await freshScope(setup.copyDatabaseUrl);
  await closePool();

  // The machine's COPY ceiling: the same rows loaded with COPY, Postgres CPU per record.
  const data = copyData(payloads, { ...scope, ingestTokenId: "bench-copy" });
  const target = await postgresCopyTarget(setup.copyDatabaseUrl, opts.senders);
  const records = opts.batches * opts.batchSize;
  let copyCpu: CpuSpent;
  try {
    await target.transaction((copy) => copy(EVENTS_COPY, data.events.slice(0, opts.warmup)));
    const before = cpuSnapshot(null, setup.serverPid);
    const started = performance.now();
    await Promise.all(slices(data.events.slice(opts.warmup), opts.senders).map((chunks, i) => target.transaction(async (copy) => {
      if (i === 0) {
        await copy(RESOURCES_COPY, [data.resources]);
        await copy(IDENTITIES_COPY, [data.identities]);
      }
      await copy(EVENTS_COPY, chunks);
    })));
    copyCpu = cpuSpent(before, cpuSnapshot(null, setup.serverPid), (performance.now() - started) / 1000);
  } finally {
    await target.close();
  }
  const ceiling = ceilings(on.cpu, copyCpu, records);

  const ratio = on.recordsPerSecond / off.recordsPerSecond;
  const cpuPerRecord = (c: CpuSpent) => (c.database === null ? null : c.database + c.bench);
  const cpuOff = cpuPerRecord(off.cpu);
  const cpuOn = cpuPerRecord(on.cpu);
  const cpuRatio = cpuOff === null || cpuOn === null ? null : cpuOff / cpuOn;
  const rows: [string, string][] = [
    ["engine", `${setup.description}; rules: ${engineName}`],
    ["records", `${fmtInt(records)} per run (${opts.batches} batches × ${opts.batchSize}, ${opts.senders} senders, in-process ingestPayload)`],
    ["rules off", `${fmtInt(off.recordsPerSecond)} records/s (${off.seconds.toFixed(2)} s); ${describeCpu(off.cpu, records, { app: "", bench: "bench+pipeline" })}`],
    ["rules on", `${fmtInt(on.recordsPerSecond)} records/s (${on.seconds.toFixed(2)} s), ${on.alerts} alerts raised; ${describeCpu(on.cpu, records, { app: "", bench: "bench+pipeline" })}`],
    ["on / off", `${ratio.toFixed(2)} by wall time (budget ≥ 0.90: ${ratio >= 0.9 ? "met" : "not met"}); ${cpuRatio === null ? "" : `${cpuRatio.toFixed(2)} by CPU per record (pipeline + Postgres), which other work on the machine does not skew`}`],
    ...(ceiling.database === null ? [] : [["ceiling", describeCeilings(ceiling)] as [string, string]]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot ingest benchmark: detection rules on / off\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("ingest-rules", {
    engine: setup.description, rules: engineName, records, batches: opts.batches, batchSize: opts.batchSize, senders: opts.senders,
    off, on, ratio, cpuRatio, ceilingRecordsPerSecond: ceiling, host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverage: os.loadavg() },
  });
  const failures = [...off.failures, ...on.failures];
  if (failures.length) {
    for (const f of failures.slice(0, 20)) console.error(`  ✗ ${f}`);
    process.exitCode = 1;
  }
}
