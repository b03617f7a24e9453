// `npm run bench:ingest -- --stages`: where the app's CPU per record goes, stage by stage.
//
// The same payloads as the app run (bench:ingest's unique protobuf+gzip log batches) go through
// the receiver's stages in this process, one batch at a time, with the thread's CPU time
// (process.cpuUsage) read between stages: gunzip → protobuf decode → normalize → mask (the default
// policy) → the detection pack's single-event rules (default tuning) → COPY text, as the bytes
// sent → the rollup counters. No database and no HTTP: what is left
// of the app's µs/record in the app run (bench:ingest's "CPU (ingest)") is Next.js, the route,
// the driver's socket writes and the transaction's round trips. Garbage collection lands in the
// stage that triggers it. Repeated `--stage-rounds` times; the fastest round per stage is
// reported (the least disturbed by other work on a shared machine).
import { randomBytes } from "node:crypto";
import os from "node:os";
import { gunzipSync } from "node:zlib";
import { copyBytes } from "@/lib/db/copy-insert";
import { enabledEventRules, matchEventRules, toRecords } from "@/lib/detections/evaluate";
import { detectionEngine } from "@/lib/detections/evaluator-contract";
import { ALLOWLISTS, type TenantTuning } from "@/lib/detections/types";
import { normalize } from "@/lib/ingest/pipeline";
import { updateRollups } from "@/lib/ingest/rollups";
import { EVENT_COLUMNS } from "@/lib/ingest/writer";
import { decodeProtobufRequest } from "@/lib/otlp/proto";
import { RecordMasker, maskBatchWith } from "@/lib/secrets/mask";
import { DEFAULT_DATA_POLICY } from "@/lib/secrets/policy";
import { resultsDir, writeResults } from "./bench-support";
import { fmtInt } from "./bench-ingest-cpu";
import { mkdirSync } from "node:fs";

const STAGES = ["gunzip", "decode", "normalize", "mask", "rules", "copy text", "rollups"] as const;
type Stage = (typeof STAGES)[number];

/** A client for updateRollups that answers every statement with no rows: only our side is timed. */
const NO_DATABASE = { query: async () => ({ rows: [], rowCount: 0 }) } as never;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** One pass over the payloads: CPU µs spent in each stage. */
async function pass(payloads: Buffer[]): Promise<Record<Stage, number>> {
  const engine = detectionEngine();
  if (!engine) throw new Error("no detection engine");
  const tuning: TenantTuning = { settings: new Map(), exceptions: [], allowlists: Object.fromEntries(ALLOWLISTS.map((l) => [l, []])) as never };
  const rules = enabledEventRules(engine, tuning);
  const spent = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const scope = { tenant_id: "bench", environment_id: "bench", ingest_token_id: "bench" };
  const masker = new RecordMasker("bench", { version: 0, policy: DEFAULT_DATA_POLICY });
  for (const payload of payloads) {
    let t = cpuMicros();
    const lap = (stage: Stage) => {
      const now = cpuMicros();
      spent[stage] += now - t;
      t = now;
    };
    const bytes = gunzipSync(payload);
    lap("gunzip");
    const request = decodeProtobufRequest("logs", bytes);
    lap("decode");
    const batch = normalize("logs", request, new Date());
    lap("normalize");
    if (batch.rejected > 0) throw new Error(`normalize rejected ${batch.rejected} records: ${batch.rejections.join("; ")}`);
    maskBatchWith(masker, batch);
    lap("mask");
    matchEventRules(engine, rules, tuning, toRecords(engine, { events: batch.events }).records);
    lap("rules");
    copyBytes(Object.values(scope), EVENT_COLUMNS, batch.events);
    lap("copy text");
    await updateRollups(NO_DATABASE, "bench", { events: batch.events, spans: [], points: [] });
    lap("rollups");
  }
  return spent;
}

export async function runStageBreakdown(opts: { batchSize: number; rounds: number }, payloads: Buffer[]): Promise<void> {
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("hex"); // secret fingerprints are keyed from it
  const records = payloads.length * opts.batchSize;
  await pass(payloads.slice(0, Math.min(8, payloads.length))); // warm-up: compile the hot paths
  const best = Object.fromEntries(STAGES.map((s) => [s, Number.POSITIVE_INFINITY])) as Record<Stage, number>;
  const rounds: Record<Stage, number>[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    const spent = await pass(payloads);
    const perRecord = Object.fromEntries(STAGES.map((s) => [s, spent[s] / records])) as Record<Stage, number>;
    rounds.push(perRecord);
    for (const s of STAGES) best[s] = Math.min(best[s], perRecord[s]);
  }
  const total = STAGES.reduce((n, s) => n + best[s], 0);
  const width = Math.max(...STAGES.map((s) => s.length));
  console.log(
    `\nBlindspot ingest: app CPU per record by stage (${fmtInt(records)} records, ${payloads.length} batches × ${opts.batchSize}; ` +
      `best of ${opts.rounds} rounds; load average ${os.loadavg().map((n) => n.toFixed(1)).join(" ")})`,
  );
  for (const s of STAGES) {
    const all = rounds.map((r) => r[s].toFixed(1)).join(" ");
    console.log(`  ${s.padEnd(width)}  ${best[s].toFixed(1).padStart(6)} µs   (rounds: ${all})`);
  }
  console.log(`  ${"total".padEnd(width)}  ${total.toFixed(1).padStart(6)} µs`);
  mkdirSync(resultsDir, { recursive: true });
  writeResults("ingest-stages", {
    records, batches: payloads.length, batchSize: opts.batchSize, rounds, best, total,
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverage: os.loadavg() },
  });
}
