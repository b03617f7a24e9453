// `npm run bench:soak`: the receivers under sustained overload, watching the server's memory.
//
//   npm run bench:soak -- [--minutes 10] [--senders 24] [--batch-size 512] [--large-every 8]
//                         [--engine postgres|pglite]
//
// Starts the app as `npm start` does, then `senders` keep-alive senders post protobuf+gzip log
// batches back to back for `minutes` — more than 2 cores can store, so the server must push back
// (503/429 + Retry-After) instead of holding more in memory. Every `large-every`-th request is a
// body near the 8 MiB cap (JSON, padded) to load the memory budget too. It samples the
// next-server process's RSS every 10 s and prints the series, the peak, and the growth over the
// second half (least-squares slope), beside the answers it got. It samples every process of the
// app (tsx wrapper, launcher — which hosts PGlite for the embedded engine —, next-server) and
// the Postgres server (PSS summed over its processes, as they share their buffers), prints each
// one's RSS at the start (idle, before the load), the end and its peak, and the sum; a probe
// loaded into each Node process (scripts/bench-memory-probe.cjs) says what of it is V8 heap and
// what external memory. Refused batches are resent after
// their Retry-After, as an exporter does; at the end every acknowledged record must be stored.
// No timing or memory assertion: the exit code reports correctness (acknowledged = stored).
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { urlForSocketDir } from "@/lib/db/embedded";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import { isAborted, log, resultsDir, root, runBench, sleep, tempDir, throwIfAborted, writeResults } from "./bench-support";
import { commandLine, fmtInt, procStatusKb, processTree } from "./bench-ingest-cpu";
import { buildBatch, ensureBuild, loadTemplates, setupPostgres, startApp, type RunningApp } from "./bench-ingest-io";

const USAGE = `usage: npm run bench:soak -- [--minutes 10] [--senders 24] [--batch-size 512] [--large-every 8] [--engine postgres|pglite]`;

interface Options {
  minutes: number;
  senders: number;
  batchSize: number;
  largeEvery: number;
  engine: "postgres" | "pglite";
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "10" },
      senders: { type: "string", default: "24" },
      "batch-size": { type: "string", default: "512" },
      "large-every": { type: "string", default: "8" },
      engine: { type: "string", default: "postgres" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
  if (values.engine !== "postgres" && values.engine !== "pglite") throw new Error(`--engine must be postgres or pglite`);
  return {
    minutes: num("minutes", values.minutes, 0.1),
    senders: Math.round(num("senders", values.senders, 1)),
    batchSize: Math.round(num("batch-size", values["batch-size"], 1)),
    largeEvery: Math.round(num("large-every", values["large-every"], 0)),
    engine: values.engine,
  };
}

const MiB = 1024 * 1024;
const SAMPLE_MS = 10_000;

/** Fields of /proc/PID/smaps_rollup in kB (Rss, Pss, Anonymous, …); empty once the process is gone. */
function smapsRollupKb(pid: number): Record<string, number> {
  try {
    const out: Record<string, number> = {};
    for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").matchAll(/^(\w+):\s+(\d+) kB/gm)) out[m[1]] = Number(m[2]);
    return out;
  } catch {
    return {};
  }
}

const roles = new Map<number, string>();

/**
 * What a process of the app is, from its place and command line; remembered, as a busy process's
 * /proc/PID/cmdline sometimes reads empty (seen for next-server at the end of a soak).
 */
function roleOf(pid: number, rootPid: number): string {
  const known = roles.get(pid);
  if (known) return known;
  const cmd = commandLine(pid);
  if (cmd === "") return String(pid);
  let role: string;
  if (cmd.startsWith("next-server")) role = "next-server";
  // `tsx scripts/start.ts` runs the launcher in a child of its own CLI process; `node --import tsx` does not.
  else if (cmd.includes("scripts/start.ts")) role = /\.bin\/tsx|tsx\/dist\/cli/.test(cmd) ? "tsx wrapper" : "launcher";
  else role = pid === rootPid ? "root" : cmd.split(" ")[0].split("/").pop() || String(pid);
  roles.set(pid, role);
  return role;
}

interface ProcessSample {
  /** MB per role (summed when a role has several processes) and "sum" over the app. */
  rssMb: Record<string, number>;
  /** The Postgres server's PSS summed over its processes; null for PGlite (inside the launcher). */
  postgresPssMb: number | null;
}

function sampleProcesses(rootPid: number, postgresPid: number | null): ProcessSample {
  const rssMb: Record<string, number> = {};
  let sum = 0;
  for (const pid of processTree(rootPid)) {
    const mb = procStatusKb(pid, "VmRSS") / 1024;
    const role = roleOf(pid, rootPid);
    rssMb[role] = (rssMb[role] ?? 0) + mb;
    sum += mb;
  }
  rssMb.sum = sum;
  const postgresPssMb = postgresPid === null ? null : processTree(postgresPid).reduce((s, pid) => s + (smapsRollupKb(pid).Pss ?? 0), 0) / 1024;
  return { rssMb, postgresPssMb };
}

interface ProbeLine {
  pid: number;
  title: string;
  at: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function readProbe(file: string): ProbeLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as ProbeLine);
}

const mb = (bytes: number) => Math.round(bytes / MiB);

interface Payload {
  body: Buffer;
  contentType: string;
  gzip: boolean;
  records: number;
}

interface Answer {
  status: number;
  retryAfter: number | null;
}

function post(agent: http.Agent, app: RunningApp, p: Payload): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1", port: app.port, path: "/api/otlp/v1/logs", method: "POST", agent,
        headers: {
          "content-type": p.contentType,
          ...(p.gzip ? { "content-encoding": "gzip" } : {}),
          "content-length": p.body.length,
          authorization: `Bearer ${app.token}`,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] ? Number(res.headers["retry-after"]) : null }));
        res.on("error", reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error("no response within 120 s")));
    req.on("error", reject);
    req.end(p.body);
  });
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  ensureBuild();
  const templates = loadTemplates();
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));

  const workDir = tempDir("bss-");
  const setup = opts.engine === "postgres"
    ? await setupPostgres()
    : { description: "embedded PGlite", appDatabaseUrl: null, copyDatabaseUrl: null, serverLog: null, serverPid: null };
  log(`database: ${setup.description}`);
  const appDataDir = path.join(workDir, "app");
  mkdirSync(appDataDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const probeFile = path.join(workDir, "memory-probe.jsonl");
  const app = await startApp(appDataDir, setup.appDatabaseUrl, path.join(resultsDir, "soak-app.log"), {
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${path.join(root, "scripts", "bench-memory-probe.cjs")}`].filter(Boolean).join(" "),
    BENCH_MEMORY_PROBE_FILE: probeFile,
  });
  throwIfAborted();
  const rootPid = app.child.pid!;
  const server = processTree(rootPid).find((p) => commandLine(p).startsWith("next-server"));
  if (!server) throw new Error("no next-server process under the launcher");
  // Idle, after start-up and the health check, before any load.
  await sleep(6000);
  const idle = sampleProcesses(rootPid, setup.serverPid);
  const idleSmaps = smapsRollupKb(server);
  const idleAt = Date.now();
  log(`idle: ${Object.entries(idle.rssMb).map(([r, v]) => `${r} ${v.toFixed(0)} MB`).join(", ")}${idle.postgresPssMb === null ? "" : `, Postgres server ${idle.postgresPssMb.toFixed(0)} MB (PSS)`}`);
  log(`app healthy on port ${app.port}; soaking for ${opts.minutes} min with ${opts.senders} senders`);

  // Batches are built as they are needed (each one new: fresh session and ids), so the database
  // keeps growing as it would in production.
  const hourNs = 3_600_000_000_000n;
  const clock = { startNs: BigInt(Date.now()) * 1_000_000n - 24n * hourNs, stepNs: 1_000_000n };
  let nextBatch = 0;
  const build = (): Payload => {
    const b = nextBatch++;
    const request = buildBatch(b, opts.batchSize, templates, clock);
    if (opts.largeEvery > 0 && b % opts.largeEvery === opts.largeEvery - 1) {
      // A JSON body near the 8 MiB cap: the same records, padded with white space JSON ignores.
      const json = Buffer.from(JSON.stringify(request));
      const body = Buffer.concat([json, Buffer.alloc(Math.max(0, 8 * MiB - 4096 - json.length), " ")]);
      return { body, contentType: "application/json", gzip: false, records: opts.batchSize };
    }
    return { body: gzipSync(encodeProtobufRequest("logs", request)), contentType: "application/x-protobuf", gzip: true, records: opts.batchSize };
  };

  const counts = new Map<string, number>();
  const connectionErrors = new Map<string, number>();
  const interval = { ok: 0, refused: 0, records: 0 };
  let acknowledged = 0;
  const failures: string[] = [];
  const deadline = Date.now() + opts.minutes * 60_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.senders });

  const samples: { minute: number; rssMb: number; processes: ProcessSample; ok: number; refused: number; recordsPerSecond: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const processes = sampleProcesses(rootPid, setup.serverPid);
    const rssMb = processes.rssMb["next-server"] ?? 0;
    const minute = (Date.now() - started) / 60_000;
    samples.push({ minute, rssMb, processes, ok: interval.ok, refused: interval.refused, recordsPerSecond: interval.records / (SAMPLE_MS / 1000) });
    const pgText = processes.postgresPssMb === null ? "" : `  Postgres ${processes.postgresPssMb.toFixed(0).padStart(4)} MB`;
    log(`${minute.toFixed(1).padStart(5)} min  RSS next-server ${rssMb.toFixed(0).padStart(4)} MB, app ${processes.rssMb.sum.toFixed(0).padStart(4)} MB${pgText}  stored ${String(interval.ok).padStart(4)} batches (${fmtInt(interval.records / (SAMPLE_MS / 1000))} records/s), pushed back ${interval.refused}`);
    interval.ok = interval.refused = interval.records = 0;
  }, SAMPLE_MS);

  await Promise.all(
    Array.from({ length: opts.senders }, async () => {
      while (Date.now() < deadline && !isAborted()) {
        const p = build();
        // Like an exporter: a pushed-back batch waits its Retry-After and is sent again.
        for (let attempt = 0; attempt < 50 && !isAborted(); attempt++) {
          let a: Answer;
          try {
            a = await post(agent, app, p);
          } catch (err) {
            // A keep-alive socket closed under the request: exporters resend, and so does this.
            const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            connectionErrors.set(code, (connectionErrors.get(code) ?? 0) + 1);
            await sleep(500);
            continue;
          }
          counts.set(String(a.status), (counts.get(String(a.status)) ?? 0) + 1);
          if (a.status === 200) {
            acknowledged += p.records;
            interval.ok += 1;
            interval.records += p.records;
            break;
          }
          if ((a.status === 503 || a.status === 429) && a.retryAfter !== null) {
            interval.refused += 1;
            await sleep(a.retryAfter * 1000 * (0.5 + Math.random()));
            continue;
          }
          failures.push(`HTTP ${a.status}`);
          break;
        }
      }
    }),
  );
  clearInterval(sampler);
  agent.destroy();
  // Acknowledged records per second over the load (the figure to compare runs by, with the machine's load).
  const recordsPerSecond = Math.round(acknowledged / ((Date.now() - started) / 1000));
  const peakMb = procStatusKb(server, "VmHWM") / 1024;
  // Per process: idle, end of load, peak (the kernel's high-water mark, which sampling cannot miss).
  const endSmaps = smapsRollupKb(server);
  const perProcess = processTree(rootPid).map((pid) => {
    const role = roleOf(pid, rootPid);
    return { role, pid, idleMb: Math.round(idle.rssMb[role] ?? 0), endMb: Math.round(samples.at(-1)?.processes.rssMb[role] ?? 0), peakMb: Math.round(procStatusKb(pid, "VmHWM") / 1024) };
  });
  const sumPeakSampled = Math.max(idle.rssMb.sum, ...samples.map((s) => s.processes.rssMb.sum));
  const pgSeries = samples.map((s) => s.processes.postgresPssMb).filter((v): v is number => v !== null);
  // The probe's view: V8 heap against external memory, idle and at the server's largest RSS.
  const probeAll = readProbe(probeFile);
  const probe = probeAll.filter((l) => l.pid === server);
  const probeIdle = probe.filter((l) => l.at <= idleAt).at(-1);
  const probePeak = probe.filter((l) => l.at > idleAt).reduce<ProbeLine | undefined>((best, l) => (!best || l.rss > best.rss ? l : best), undefined);
  const breakdown = (l: ProbeLine | undefined) =>
    l && { rssMb: mb(l.rss), heapTotalMb: mb(l.heapTotal), heapUsedMb: mb(l.heapUsed), externalMb: mb(l.external), arrayBuffersMb: mb(l.arrayBuffers), restMb: mb(l.rss - l.heapTotal - l.external) };
  const idleBreakdown = (pid: number) => breakdown(probeAll.filter((l) => l.pid === pid && l.at <= idleAt).at(-1));
  const smapsBreakdown = (k: Record<string, number>) => ({ anonymousMb: Math.round((k.Anonymous ?? 0) / 1024), fileBackedMb: Math.round(((k.Rss ?? 0) - (k.Anonymous ?? 0)) / 1024) });

  // Acknowledged = stored.
  const url = setup.appDatabaseUrl ?? urlForSocketDir(path.join(appDataDir, "run"));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const stored = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM events")).rows[0].n);
  await client.end();
  if (stored !== acknowledged) failures.push(`acknowledged ${acknowledged} records, stored ${stored}`);

  const secondHalf = samples.filter((s) => s.minute >= opts.minutes / 2).map((s) => ({ x: s.minute, y: s.rssMb }));
  const growth = slope(secondHalf);
  const results = {
    engine: opts.engine, database: setup.description, minutes: opts.minutes, senders: opts.senders, batchSize: opts.batchSize,
    largeEvery: opts.largeEvery, answers: Object.fromEntries(counts), connectionErrors: Object.fromEntries(connectionErrors), acknowledgedRecords: acknowledged, storedRecords: stored, recordsPerSecond,
    rss: { peakMb: Math.round(peakMb), lastMb: Math.round(samples.at(-1)?.rssMb ?? 0), secondHalfSlopeMbPerMinute: Number(growth.toFixed(2)) },
    processes: perProcess, appSumMb: { idle: Math.round(idle.rssMb.sum), end: Math.round(samples.at(-1)?.processes.rssMb.sum ?? 0), sampledPeak: Math.round(sumPeakSampled) },
    postgresServerPssMb: idle.postgresPssMb === null ? null : { idle: Math.round(idle.postgresPssMb), end: Math.round(pgSeries.at(-1) ?? 0), sampledPeak: Math.round(Math.max(idle.postgresPssMb, ...pgSeries)) },
    nextServerMemory: { idle: { ...breakdown(probeIdle), ...smapsBreakdown(idleSmaps) }, atPeak: breakdown(probePeak), end: smapsBreakdown(endSmaps) },
    samples, failures: failures.slice(0, 20), host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart },
  };
  writeResults("soak", results);
  console.log("");
  console.log(`answers: ${[...counts].map(([s, n]) => `${s} × ${fmtInt(n)}`).join(", ")}`);
  console.log(`connection errors (resent): ${connectionErrors.size ? [...connectionErrors].map(([c, n]) => `${c} × ${n}`).join(", ") : "none"}`);
  console.log(`records acknowledged ${fmtInt(acknowledged)} (${fmtInt(recordsPerSecond)} records/s), stored ${fmtInt(stored)}`);
  console.log(`next-server RSS: peak ${peakMb.toFixed(0)} MB (${(peakMb / 400).toFixed(2)} × the 400 MB target), last ${results.rss.lastMb} MB, growth over the second half ${growth.toFixed(2)} MB/min (target: peak ≤ 400 MB, no growth)`);
  console.log("RSS per process (MB):   idle    end   peak");
  for (const p of perProcess) {
    const b = idleBreakdown(p.pid);
    const idleText = b ? `   idle: V8 heap ${b.heapTotalMb} (used ${b.heapUsedMb}), external ${b.externalMb}, rest ${b.restMb}` : "";
    console.log(`  ${`${p.role} (${p.pid})`.padEnd(22)}${String(p.idleMb).padStart(5)}  ${String(p.endMb).padStart(5)}  ${String(p.peakMb).padStart(5)}${idleText}`);
  }
  console.log(`  ${"sum of the app".padEnd(22)}${String(results.appSumMb.idle).padStart(5)}  ${String(results.appSumMb.end).padStart(5)}  ${String(results.appSumMb.sampledPeak).padStart(5)} (sampled)`);
  if (results.postgresServerPssMb) {
    const pgm = results.postgresServerPssMb;
    console.log(`  ${"Postgres server (PSS)".padEnd(22)}${String(pgm.idle).padStart(5)}  ${String(pgm.end).padStart(5)}  ${String(pgm.sampledPeak).padStart(5)} (sampled)`);
  }
  const nm = results.nextServerMemory;
  const show = (b: ReturnType<typeof breakdown>) => (b ? `RSS ${b.rssMb}: V8 heap ${b.heapTotalMb} (used ${b.heapUsedMb}), external ${b.externalMb} (array buffers ${b.arrayBuffersMb}), rest (code, stacks, malloc) ${b.restMb}` : "no probe data");
  console.log(`next-server idle:    ${show(nm.idle as ReturnType<typeof breakdown>)}; anonymous ${nm.idle.anonymousMb}, file-backed ${nm.idle.fileBackedMb}`);
  console.log(`next-server at peak: ${show(nm.atPeak)}; at the end anonymous ${nm.end.anonymousMb}, file-backed ${nm.end.fileBackedMb}`);
  console.log(`machine: ${os.cpus().length} cores, load average at start ${loadAverageAtStart.join(" ")}`);
  if (failures.length > 0) {
    console.error(`FAIL: ${failures.length} failures, first: ${failures.slice(0, 5).join("; ")}`);
    process.exitCode = 1;
  }
}

runBench(main);
