// Memory limits of the Next.js server process: the launcher (scripts/start.ts) starts it with
// these V8 heap limits, so that V8 collects garbage before the RSS grows toward its own default
// limit (about 4 GiB on a 64-bit machine with enough RAM). Measured with `npm run bench:soak`
// (24 senders over capacity, 10 minutes, Postgres server): uncapped, next-server peaked at 584
// MB; at 256 MiB old space and 8 MiB semi-space it stayed up, peaked at 361–402 MB, with the same
// throughput (README "Benchmark"). A limit below the server's live heap (70–90 MB after a full
// GC under that load) would kill it ("heap out of memory"), hence the headroom check against the
// ingest memory budget.

/**
 * Heap the server needs besides the requests in flight: measured 50 MB of live heap after start,
 * with the console's pages loaded; the rest is room for console reads and collection.
 */
export const SERVER_HEAP_HEADROOM_MB = 96;

/** Old-space limit when BLINDSPOT_SERVER_HEAP_MB is unset and the budget is the default 128 MiB. */
export const DEFAULT_SERVER_HEAP_MB = 256;

/** Semi-space limit when BLINDSPOT_SERVER_SEMI_SPACE_MB is unset (V8's own is 16 MiB). */
export const DEFAULT_SERVER_SEMI_SPACE_MB = 8;

/**
 * BLINDSPOT_SERVER_HEAP_MB when unset: 256 MiB, more when a larger ingest memory budget needs
 * room above it, and V8's own default (0) when there is no budget to bound the requests in flight.
 */
export function defaultServerHeapMb(budgetMb: number): number {
  if (budgetMb === 0) return 0;
  return Math.max(DEFAULT_SERVER_HEAP_MB, budgetMb + SERVER_HEAP_HEADROOM_MB);
}

interface HeapSettings {
  BLINDSPOT_SERVER_HEAP_MB: number;
  BLINDSPOT_SERVER_SEMI_SPACE_MB: number;
  BLINDSPOT_INGEST_MEMORY_BUDGET_MB: number;
}

/**
 * A heap limit that the ingest memory budget would fill: the server would die of "heap out of
 * memory" under load instead of answering 503. Null when the pair is coherent (or either is off).
 */
export function serverHeapProblem(s: Pick<HeapSettings, "BLINDSPOT_SERVER_HEAP_MB" | "BLINDSPOT_INGEST_MEMORY_BUDGET_MB">): string | null {
  const heap = s.BLINDSPOT_SERVER_HEAP_MB;
  const budget = s.BLINDSPOT_INGEST_MEMORY_BUDGET_MB;
  if (heap === 0) return null;
  if (budget === 0) {
    return `BLINDSPOT_SERVER_HEAP_MB=${heap} needs an ingest memory budget (BLINDSPOT_INGEST_MEMORY_BUDGET_MB > 0): without one, load would exhaust the heap; set BLINDSPOT_SERVER_HEAP_MB=0 to use V8's default`;
  }
  if (budget + SERVER_HEAP_HEADROOM_MB > heap) {
    return `BLINDSPOT_SERVER_HEAP_MB=${heap} leaves no room above BLINDSPOT_INGEST_MEMORY_BUDGET_MB=${budget}: it must be at least ${budget + SERVER_HEAP_HEADROOM_MB} (the budget + ${SERVER_HEAP_HEADROOM_MB} MiB for the rest of the server)`;
  }
  return null;
}

/** The V8 flag's name as written in NODE_OPTIONS, with dashes or underscores. */
function hasFlag(nodeOptions: string, flag: string): boolean {
  const variants = [flag, flag.replace(/-/g, "_").replace(/^__/, "--")];
  return nodeOptions.split(/\s+/).some((opt) => variants.some((v) => opt === v || opt.startsWith(`${v}=`)));
}

/**
 * NODE_OPTIONS for the server process: the inherited options plus the configured heap limits. A
 * limit already given in the inherited NODE_OPTIONS is left as the operator wrote it.
 */
export function serverNodeOptions(s: Pick<HeapSettings, "BLINDSPOT_SERVER_HEAP_MB" | "BLINDSPOT_SERVER_SEMI_SPACE_MB">, inherited: string | undefined): string | undefined {
  const base = (inherited ?? "").trim();
  const added: string[] = [];
  if (s.BLINDSPOT_SERVER_HEAP_MB > 0 && !hasFlag(base, "--max-old-space-size")) added.push(`--max-old-space-size=${s.BLINDSPOT_SERVER_HEAP_MB}`);
  if (s.BLINDSPOT_SERVER_SEMI_SPACE_MB > 0 && !hasFlag(base, "--max-semi-space-size")) added.push(`--max-semi-space-size=${s.BLINDSPOT_SERVER_SEMI_SPACE_MB}`);
  const all = [base, ...added].filter(Boolean).join(" ");
  return all === "" ? undefined : all;
}
