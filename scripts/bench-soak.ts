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
// second half (least-squares slope), beside the answers it got. Refused batches are resent after
// their Retry-After, as an exporter does; at the end every acknowledged record must be stored.
// No timing or memory assertion: the exit code reports correctness (acknowledged = stored).
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { urlForSocketDir } from "@/lib/db/embedded";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import { isAborted, log, resultsDir, runBench, sleep, tempDir, throwIfAborted, writeResults } from "./bench-support";
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
  const app = await startApp(appDataDir, setup.appDatabaseUrl, path.join(resultsDir, "soak-app.log"));
  throwIfAborted();
  const server = processTree(app.child.pid!).find((p) => commandLine(p).startsWith("next-server"));
  if (!server) throw new Error("no next-server process under the launcher");
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

  const samples: { minute: number; rssMb: number; ok: number; refused: number; recordsPerSecond: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const rssMb = procStatusKb(server, "VmRSS") / 1024;
    const minute = (Date.now() - started) / 60_000;
    samples.push({ minute, rssMb, ok: interval.ok, refused: interval.refused, recordsPerSecond: interval.records / (SAMPLE_MS / 1000) });
    log(`${minute.toFixed(1).padStart(5)} min  RSS ${rssMb.toFixed(0).padStart(4)} MB  stored ${String(interval.ok).padStart(4)} batches (${fmtInt(interval.records / (SAMPLE_MS / 1000))} records/s), pushed back ${interval.refused}`);
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
  const peakMb = procStatusKb(server, "VmHWM") / 1024;

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
    largeEvery: opts.largeEvery, answers: Object.fromEntries(counts), connectionErrors: Object.fromEntries(connectionErrors), acknowledgedRecords: acknowledged, storedRecords: stored,
    rss: { peakMb: Math.round(peakMb), lastMb: Math.round(samples.at(-1)?.rssMb ?? 0), secondHalfSlopeMbPerMinute: Number(growth.toFixed(2)) },
    samples, failures: failures.slice(0, 20), host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart },
  };
  writeResults("soak", results);
  console.log("");
  console.log(`answers: ${[...counts].map(([s, n]) => `${s} × ${fmtInt(n)}`).join(", ")}`);
  console.log(`connection errors (resent): ${connectionErrors.size ? [...connectionErrors].map(([c, n]) => `${c} × ${n}`).join(", ") : "none"}`);
  console.log(`records acknowledged ${fmtInt(acknowledged)}, stored ${fmtInt(stored)}`);
  console.log(`next-server RSS: peak ${peakMb.toFixed(0)} MB, last ${results.rss.lastMb} MB, growth over the second half ${growth.toFixed(2)} MB/min (target: peak ≤ 400 MB, no growth)`);
  console.log(`machine: ${os.cpus().length} cores, load average at start ${loadAverageAtStart.join(" ")}`);
  if (failures.length > 0) {
    console.error(`FAIL: ${failures.length} failures, first: ${failures.slice(0, 5).join("; ")}`);
    process.exitCode = 1;
  }
}

runBench(main);
