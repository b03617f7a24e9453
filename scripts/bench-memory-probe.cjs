// Loaded by `npm run bench:soak` into every Node process of the app (NODE_OPTIONS=--require):
// appends the process's own view of its memory (V8 heap vs. external/array buffers) to
// BENCH_MEMORY_PROBE_FILE every few seconds, so the soak can say where the RSS goes. With
// BENCH_HEAP_PROFILE_DIR set, it also runs V8's sampling heap profiler and, every
// BENCH_HEAP_PROFILE_MS, writes the next-server's live samples (after a full GC) as a
// .heapprofile there: comparing two says which allocation sites hold more and more.
// Measurement only; the app never loads it.
"use strict";
const { appendFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const file = process.env.BENCH_MEMORY_PROBE_FILE;
if (file) {
  const everyMs = Number(process.env.BENCH_MEMORY_PROBE_MS) || 5000;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const line = { pid: process.pid, title: process.title, at: Date.now(), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // the bench went away: nothing to report to
    }
  }, everyMs);
  timer.unref();
}

const profileDir = process.env.BENCH_HEAP_PROFILE_DIR;
if (profileDir) {
  const inspector = require("node:inspector");
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  const started = Date.now();
  post("HeapProfiler.startSampling", { samplingInterval: 64 * 1024 }).catch(() => {});
  const timer = setInterval(async () => {
    if (!process.title.startsWith("next-server")) return;
    try {
      await post("HeapProfiler.collectGarbage");
      const { profile } = await post("HeapProfiler.getSamplingProfile");
      const s = Math.round((Date.now() - started) / 1000);
      writeFileSync(path.join(profileDir, `next-server-${process.pid}-${String(s).padStart(5, "0")}s.heapprofile`), JSON.stringify(profile));
    } catch {
      // measurement only
    }
  }, Number(process.env.BENCH_HEAP_PROFILE_MS) || 60_000);
  timer.unref();
}
