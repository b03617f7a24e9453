// Targets and their timings: full page HTML and read API over HTTP, the lib/queries functions
// in-process, and EXPLAIN ANALYZE of the page queries.
import { performance } from "node:perf_hooks";
import pg from "pg";
import { throwIfAborted } from "../bench-support";
import { EVENT_FROM, EVENT_SELECT } from "@/lib/queries/events";
import { promptNeighbors, promptTimeline } from "@/lib/queries/prompts";
import { sessionOverview } from "@/lib/queries/sessions";
import { MAX_TRACE_SPANS, TRACE_TREE_SQL, traceTree } from "@/lib/queries/traces";
import { request } from "./http";
import { type Options, percentile } from "./options";

type Kind = "prompt" | "session" | "trace";

export interface Target {
  /** What the row in the report is about, e.g. "prompt, 10 events". */
  label: string;
  kind: Kind;
  ids: string[];
  /** Events (spans for traces and Office sessions) per target. */
  size: number;
  /** Office agent sessions have spans, not events. */
  ofSpans?: boolean;
}

export interface Timing {
  label: string;
  kind: Kind;
  what: "page" | "api" | "query";
  path: string;
  samples: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  ttfbP50: number | null;
  bytesP50: number | null;
  /** Of those bytes, the React Server Components payload Next inlines for hydration. */
  flightBytesP50: number | null;
  rows: number;
  /** Requests that were not a 200 with the expected content (their times are still counted). */
  errors: number;
}

function summarizeTimes(values: number[]): { p50: number; p95: number; max: number; mean: number } {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

export function pagePath(kind: Kind, id: string): string {
  return `/${kind}s/${encodeURIComponent(id)}`;
}

export async function measureHttp(
  port: number,
  t: Target,
  what: "page" | "api",
  headers: Record<string, string>,
  opts: Options,
  failures: string[],
): Promise<Timing> {
  const times: number[] = [];
  const ttfb: number[] = [];
  const bytes: number[] = [];
  const flight: number[] = [];
  const total = opts.warmup + opts.samples;
  let shownPath = "";
  let errors = 0;
  for (let i = 0; i < total; i++) {
    throwIfAborted();
    // Warm-up and measured requests walk the target list, so a list of distinct targets is
    // measured on targets the server has not served before.
    const id = t.ids[i % t.ids.length];
    const p = (what === "api" ? "/api/v1" : "") + pagePath(t.kind, id);
    shownPath ||= p;
    const res = await request(port, "GET", p, headers);
    const text = res.body.toString("utf8");
    const before = failures.length;
    if (res.status !== 200) failures.push(`${what} ${p}: HTTP ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ""}`);
    else if (!text.includes(t.kind === "trace" ? id.toLowerCase() : id)) failures.push(`${what} ${p}: 200 but the response does not mention ${id}`);
    errors += failures.length - before;
    if (i < opts.warmup) continue;
    times.push(res.ttlbMs);
    ttfb.push(res.ttfbMs);
    bytes.push(res.body.length);
    if (what === "page") flight.push(flightBytes(text));
  }
  const s = summarizeTimes(times);
  return {
    label: t.label,
    kind: t.kind,
    what,
    path: shownPath,
    samples: times.length,
    ...s,
    ttfbP50: percentile(ttfb, 50),
    bytesP50: percentile(bytes, 50),
    flightBytesP50: what === "page" ? percentile(flight, 50) : null,
    rows: t.size,
    errors,
  };
}

/** Bytes of the inline <script>self.__next_f.push(…)</script> chunks (the RSC payload). */
function flightBytes(html: string): number {
  let n = 0;
  for (const m of html.matchAll(/<script>self\.__next_f\.push\([\s\S]*?\)<\/script>/g)) n += Buffer.byteLength(m[0]);
  return n;
}

/** The page's data layer in this process: SQL + row shaping, no React, no HTTP. */
export async function measureQueries(tenantId: string, t: Target, opts: Options): Promise<Timing> {
  const times: number[] = [];
  const total = opts.warmup + opts.samples;
  for (let i = 0; i < total; i++) {
    const id = t.ids[i % t.ids.length];
    const started = performance.now();
    if (t.kind === "prompt") {
      const timeline = await promptTimeline(tenantId, id, true);
      if (!timeline) throw new Error(`promptTimeline(${id}) found nothing`);
      // The prompt page also reads the neighbours.
      if (timeline.sessionId) await promptNeighbors(tenantId, timeline.sessionId, id);
    } else if (t.kind === "session") {
      if (!(await sessionOverview(tenantId, id, true))) throw new Error(`sessionOverview(${id}) found nothing`);
    } else if (!(await traceTree(tenantId, id, true))) {
      throw new Error(`traceTree(${id}) found nothing`);
    }
    if (i >= opts.warmup) times.push(performance.now() - started);
  }
  return {
    label: t.label,
    kind: t.kind,
    what: "query",
    path: t.kind === "prompt" ? "promptTimeline + promptNeighbors" : t.kind === "session" ? "sessionOverview" : "traceTree",
    samples: times.length,
    ...summarizeTimes(times),
    ttfbP50: null,
    bytesP50: null,
    flightBytesP50: null,
    rows: t.size,
    errors: 0,
  };
}

// ---- EXPLAIN ----------------------------------------------------------------------------

export interface Explained {
  target: string;
  query: string;
  executionMs: number;
  planningMs: number;
  plan: string;
}

// The page queries, copied from lib/queries/{prompts,sessions,traces}.ts (the SELECT lists come
// from lib/queries/events.ts itself). Keep them in step with those files.
const EXPLAINED_QUERIES: Record<string, { kind: Kind; sql: string; params: (tenant: string, id: string) => unknown[] }> = {
  promptTimeline: {
    kind: "prompt",
    sql: `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
     WHERE e.tenant_id = $1 AND e.prompt_id = $2
     ORDER BY e.sequence ASC NULLS LAST, e.time ASC, e.id ASC`,
    params: (tenant, id) => [tenant, id],
  },
  sessionEvents_firstPage: {
    kind: "session",
    sql: `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
       WHERE e.tenant_id = $1 AND e.session_id = $2
       ORDER BY e.time, COALESCE(e.sequence, -1), e.id LIMIT $3`,
    params: (tenant, id) => [tenant, id, 1_001],
  },
  promptNeighbors: {
    kind: "session",
    sql: `SELECT prompt_id FROM events
     WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL
     GROUP BY prompt_id ORDER BY min(time), prompt_id`,
    params: (tenant, id) => [tenant, id],
  },
  sessionOverview_traces: {
    kind: "session",
    sql: `SELECT trace_id, (array_agg(name ORDER BY (parent_span_id IS NULL) DESC, start_time))[1] AS root_name,
              min(start_time) AS start, count(*)::int AS span_count
       FROM spans WHERE tenant_id = $1 AND session_id = $2
       GROUP BY trace_id ORDER BY min(start_time)`,
    params: (tenant, id) => [tenant, id],
  },
  traceTree: {
    kind: "trace",
    sql: TRACE_TREE_SQL,
    params: (tenant, id) => [tenant, id.toLowerCase(), MAX_TRACE_SPANS],
  },
};

export async function explain(client: pg.Client, tenantId: string, targets: Target[]): Promise<Explained[]> {
  const out: Explained[] = [];
  for (const [name, q] of Object.entries(EXPLAINED_QUERIES)) {
    for (const t of targets.filter((x) => x.kind === q.kind)) {
      const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params(tenantId, t.ids[0]));
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      const exec = /Execution Time: ([\d.]+) ms/.exec(plan);
      const planning = /Planning Time: ([\d.]+) ms/.exec(plan);
      out.push({ target: t.label, query: name, executionMs: exec ? Number(exec[1]) : NaN, planningMs: planning ? Number(planning[1]) : NaN, plan });
    }
  }
  return out;
}

/** The access path of a plan in a few words: which index (or a sequential scan) it reads. */
export function accessPath(plan: string): string {
  const scans = [...plan.matchAll(/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+))? on (\S+)/g)].map(
    (m) => `${m[1]}${m[2] ? ` ${m[2]}` : ""} on ${m[3]}`,
  );
  return [...new Set(scans)].join("; ") || "(no scan node)";
}
