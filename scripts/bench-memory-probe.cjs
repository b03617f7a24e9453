// Loaded by `npm run bench:soak` into every Node process of the app (NODE_OPTIONS=--require):
// appends the process's own view of its memory (V8 heap vs. external/array buffers) to
// BENCH_MEMORY_PROBE_FILE every few seconds, so the soak can say where the RSS goes. Measurement
// only; the app never loads it.
"use strict";
const { appendFileSync } = require("node:fs");

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
