// bench:console's command line, number formats and the seeded PRNG that picks its targets.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { root } from "../bench-support";

export interface Options {
  sessions: number;
  traces: number;
  samples: number;
  warmup: number;
}

const USAGE = `usage: npm run bench:console -- [--sessions N] [--traces N] [--samples N] [--warmup N]
  --sessions  regular Claude Code / Cowork sessions of 51 events (default 20000 → 1.02 M events,
              plus 26 k in three large sessions)
  --traces    regular Office agent traces of 10 spans (default 10000 → 100 k spans)
  --samples   measured requests per page (default 20)
  --warmup    warm-up requests per page, not counted (default 3)`;

export function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: "20000" },
      traces: { type: "string", default: "10000" },
      samples: { type: "string", default: "20" },
      warmup: { type: "string", default: "3" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  return {
    sessions: integer("sessions", values.sessions, 10),
    traces: integer("traces", values.traces, 10),
    samples: integer("samples", values.samples, 1),
    warmup: integer("warmup", values.warmup, 0),
  };
}


export function gitHead(): string | null {
  const r = spawnSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const fmtMs = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : n.toFixed(0));
export const fmtMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Seeded PRNG (mulberry32): the same run picks the same targets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
