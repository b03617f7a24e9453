// Preloaded (node --require) into the app's processes by `npm run bench:ingest -- --cpu-prof DIR`
// (Node 20 refuses --cpu-prof in NODE_OPTIONS): a V8 CPU profile of the window between two
// SIGUSR2, the first starting it, the second writing it to $BENCH_CPU_PROF_DIR/<pid>-<n>.cpuprofile.
// The benchmark signals only the Next.js server, around the measured run.
"use strict";
const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const { Session } = require("node:inspector");
  const { writeFileSync, mkdirSync } = require("node:fs");
  const path = require("node:path");
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.enable", () => session.post("Profiler.start"));
      return;
    }
    running = false;
    session.post("Profiler.stop", (err, result) => {
      if (err) return console.error(`[cpu-prof] ${err.message}`);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${process.pid}-${++n}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      console.error(`[cpu-prof] wrote ${file}`);
    });
  });
}
