// What the benchmark scripts (bench-ingest, bench-console) share: an undo list that runs on
// success, failure and Ctrl-C alike, and small helpers. Results go to bench-results/ (git-ignored).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
let cleaningUp: Promise<void> | undefined;
let aborted: NodeJS.Signals | null = null;

export const root = process.cwd();
export const resultsDir = path.join(root, "bench-results");

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function log(text: string): void {
  console.log(`[bench] ${text}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Registers an undo step; steps run in reverse order. */
export function onCleanup(what: string, run: () => Promise<void> | void): void {
  cleanups.push({ what, run });
}

export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop()!;
      try {
        await step.run();
      } catch (err) {
        console.error(`[bench] cleanup (${step.what}) failed: ${message(err)}`);
      }
    }
  })();
  return cleaningUp;
}

/** True once Ctrl-C (or SIGTERM) arrived: loops stop, main() bails out at its next phase. */
export function isAborted(): boolean {
  return aborted !== null;
}

export function throwIfAborted(): void {
  if (aborted) throw new Error(`interrupted by ${aborted}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (aborted) return;
    aborted = signal;
    console.error(`\n[bench] ${signal}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A temporary directory removed at cleanup. Short paths: PGlite's socket path must stay under ~100 bytes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The last lines of a log file, for failure reports. */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Writes bench-results/<name>.json and says where. */
export function writeResults(name: string, results: unknown): void {
  const outFile = path.join(resultsDir, `${name}.json`);
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n  written to ${path.relative(root, outFile)}`);
}

/** Prints failed checks with the tails of the given logs and marks the run failed. */
export function reportFailures(failures: string[], logs: Record<string, string | null | undefined>): void {
  if (failures.length === 0) return;
  console.error(`\n[bench] FAILED (${failures.length}):\n  ${failures.slice(0, 20).join("\n  ")}`);
  if (failures.length > 20) console.error(`  … and ${failures.length - 20} more`);
  for (const [label, file] of Object.entries(logs)) {
    if (file) console.error(`[bench] ${label}: last lines\n${tail(file, 20)}`);
  }
  process.exitCode = 1;
}

/** Runs a benchmark's main, cleans up whatever it registered, and exits (pools and timers must not keep it alive). */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      if (!isAborted()) console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = isAborted() ? 130 : 1;
    })
    .finally(async () => {
      await cleanup();
      process.exit(process.exitCode ?? 0);
    });
}
