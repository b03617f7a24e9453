// What the benchmark scripts (bench-ingest, bench-console) share: an undo list that runs on
// success, failure and Ctrl-C alike, and small helpers. Results go to bench-results/ (git-ignored).
import { mkdtempSync, rmSync } from "node:fs";
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
