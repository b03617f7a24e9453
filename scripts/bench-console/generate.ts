// Fills the scratch database: the fixture SQL in parallel chunks, then indexes, VACUUM ANALYZE and
// the sizes of what was written.
import { performance } from "node:perf_hooks";
import pg from "pg";
import { log, throwIfAborted } from "../bench-support";
import type { TenantScope } from "@/lib/tenants";
import { COMMANDS, EVENTS_SQL, FILES, FIRST_NAMES, LAST_NAMES, OFFICE_MESSAGES, ORGANIZATION_ID, PROMPTS, REPOS, RESPONSES, SPANS_SQL, WINDOW_DAYS } from "./fixture-sql";
import { fmtInt } from "./options";

export interface EventBatch {
  label: string;
  sessions: number;
  perSession: number;
  perPrompt: number;
  startup: number;
  /** Where in the 30-day window these sessions live, as fractions [from, to). */
  window: [number, number];
}

export interface SpanBatch {
  label: string;
  traces: number;
  perTrace: number;
  window: [number, number];
}

export interface GenerationStats {
  events: number;
  spans: number;
  prompts: number;
  sessions: number;
  traces: number;
  eventsSeconds: number;
  spansSeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
  tables: Record<string, { rows: number; totalBytes: number; heapBytes: number; indexBytes: number; toastBytes: number }>;
  avgAttributesBytes: { events: number; spans: number };
  avgFieldsBytes: { events: number };
}

/** Runs the given SQL jobs on `workers` connections at once; both cores get busy. */
async function runParallel(url: string, workers: number, jobs: { sql: string; params: unknown[] }[], onDone: () => void): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // Bulk load settings for this connection only: the rows are a benchmark fixture, losing
        // them in a crash costs nothing, and sorting 100 k wide rows wants memory.
        await c.query("SET synchronous_commit = off");
        await c.query("SET work_mem = '256MB'");
        for (let job = queue.shift(); job; job = queue.shift()) {
          throwIfAborted();
          await c.query(job.sql, job.params);
          onDone();
        }
      } finally {
        await c.end();
      }
    }),
  );
}

export async function generate(url: string, scope: TenantScope, batches: { events: EventBatch[]; spans: SpanBatch[] }): Promise<GenerationStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const windowSeconds = WINDOW_DAYS * 86_400;
    const windowStart = Math.floor(Date.now() / 1000) - windowSeconds;

    // A handful of resources, as the ingest writer would have stored them (one per distinct
    // resource attribute set).
    const resources = {
      ccLinux: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a01",
      ccMac: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a02",
      ccWindows: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a03",
      cowork: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a04",
      office: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a05",
    };
    const resourceRows: [string, string, Record<string, string>][] = [
      [resources.ccLinux, "claude-code", { "host.arch": "amd64", "os.type": "linux", "os.version": "6.18.44", "service.name": "claude-code", "service.version": "2.1.197" }],
      [resources.ccMac, "claude-code", { "host.arch": "arm64", "os.type": "darwin", "os.version": "25.1.0", "service.name": "claude-code", "service.version": "2.1.197" }],
      [resources.ccWindows, "claude-code", { "host.arch": "amd64", "os.type": "windows", "os.version": "10.0.26100", "service.name": "claude-code", "service.version": "2.1.190" }],
      [resources.cowork, "cowork", { "host.arch": "arm64", "os.type": "darwin", "os.version": "25.1.0", "service.name": "cowork", "service.version": "1.0.4" }],
      [resources.office, "office-agent", { "service.name": "office-agent", "service.version": "1.0.0", "telemetry.sdk.language": "webjs", "telemetry.sdk.name": "opentelemetry" }],
    ];
    for (const [id, service, attributes] of resourceRows) {
      await client.query(`INSERT INTO resources (tenant_id, id, service_name, attributes) VALUES ($1, $2, $3, $4)`, [scope.tenantId, id, service, JSON.stringify(attributes)]);
    }

    // Secondary indexes go away during the load and come back from their own definitions
    // afterwards: one sorted build per index is several times faster than maintaining a dozen
    // btrees row by row, and the end state is the same schema. Primary keys stay.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
       WHERE i.schemaname = current_schema() AND i.tablename IN ('events', 'spans')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    );
    for (const ix of indexes) await client.query(`DROP INDEX "${ix.name}"`);

    const eventJobs: { sql: string; params: unknown[] }[] = [];
    let expectedEvents = 0;
    let prompts = 0;
    let sessions = 0;
    for (const b of batches.events) {
      // ~100 k rows per statement: big enough to amortise, small enough to sort in memory.
      const chunk = Math.max(1, Math.floor(100_000 / b.perSession));
      for (let from = 0; from < b.sessions; from += chunk) {
        const to = Math.min(b.sessions, from + chunk);
        eventJobs.push({
          sql: EVENTS_SQL,
          params: [
            scope.tenantId, scope.environmentId, from, to, b.perSession, b.perPrompt, b.startup, b.label,
            windowStart + b.window[0] * windowSeconds, (b.window[1] - b.window[0]) * windowSeconds, b.sessions,
            [resources.ccLinux, resources.ccMac, resources.ccWindows, resources.cowork],
            PROMPTS, RESPONSES, FIRST_NAMES, LAST_NAMES, COMMANDS, FILES, REPOS, ORGANIZATION_ID,
          ],
        });
      }
      expectedEvents += b.sessions * b.perSession;
      prompts += b.sessions * Math.ceil((b.perSession - b.startup) / b.perPrompt);
      sessions += b.sessions;
    }
    log(`generating ${fmtInt(expectedEvents)} events in ${eventJobs.length} statements on 2 connections…`);
    let done = 0;
    const progress = (total: number, what: string) => () => {
      done += 1;
      if (done % 4 === 0 || done === total) log(`  ${what}: ${done}/${total} statements (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    };
    const eventsStarted = performance.now();
    await runParallel(url, 2, eventJobs, progress(eventJobs.length, "events"));
    const eventsSeconds = (performance.now() - eventsStarted) / 1000;

    const spanJobs: { sql: string; params: unknown[] }[] = [];
    let expectedSpans = 0;
    let traces = 0;
    for (const b of batches.spans) {
      const chunk = Math.max(1, Math.floor(50_000 / b.perTrace));
      for (let from = 0; from < b.traces; from += chunk) {
        const to = Math.min(b.traces, from + chunk);
        spanJobs.push({
          sql: SPANS_SQL,
          params: [
            scope.tenantId, scope.environmentId, from, to, b.perTrace, b.label,
            windowStart + b.window[0] * windowSeconds, (b.window[1] - b.window[0]) * windowSeconds, b.traces,
            resources.office, FIRST_NAMES, LAST_NAMES, OFFICE_MESSAGES, ORGANIZATION_ID,
          ],
        });
      }
      expectedSpans += b.traces * b.perTrace;
      traces += b.traces;
    }
    log(`generating ${fmtInt(expectedSpans)} spans in ${spanJobs.length} statements…`);
    done = 0;
    const spansStarted = performance.now();
    await runParallel(url, 2, spanJobs, progress(spanJobs.length, "spans"));
    const spansSeconds = (performance.now() - spansStarted) / 1000;

    log(`recreating ${indexes.length} secondary indexes…`);
    const indexStarted = performance.now();
    await runParallel(
      url,
      2,
      indexes.map((ix) => ({ sql: ix.def, params: [] })),
      () => undefined,
    );
    const indexSeconds = (performance.now() - indexStarted) / 1000;

    // VACUUM as well as ANALYZE: a table that has been live for a while has been autovacuumed
    // (hint bits set, visibility map current); a freshly loaded one has not.
    const vacuumStarted = performance.now();
    await client.query("VACUUM (ANALYZE) events, spans, resources");
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    const totalSeconds = (performance.now() - started) / 1000;

    const { rows: counts } = await client.query<{ events: number; spans: number }>(
      "SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM spans)::int AS spans",
    );
    if (counts[0].events !== expectedEvents) throw new Error(`events table holds ${counts[0].events} rows, expected ${expectedEvents}`);
    if (counts[0].spans !== expectedSpans) throw new Error(`spans table holds ${counts[0].spans} rows, expected ${expectedSpans}`);

    const tables: GenerationStats["tables"] = {};
    for (const table of ["events", "spans"]) {
      const { rows } = await client.query<{ total: string; heap: string; indexes: string; toast: string; rows: number }>(
        `SELECT pg_total_relation_size($1::regclass)::text AS total, pg_relation_size($1::regclass)::text AS heap,
                pg_indexes_size($1::regclass)::text AS indexes,
                COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)::text AS toast,
                c.reltuples::int AS rows
         FROM pg_class c WHERE c.oid = $1::regclass`,
        [table],
      );
      tables[table] = {
        rows: table === "events" ? counts[0].events : counts[0].spans,
        totalBytes: Number(rows[0].total),
        heapBytes: Number(rows[0].heap),
        indexBytes: Number(rows[0].indexes),
        toastBytes: Number(rows[0].toast),
      };
    }
    const { rows: sizes } = await client.query<{ ev_attr: number; ev_fields: number; sp_attr: number }>(
      `SELECT (SELECT avg(length(attributes::text)) FROM events TABLESAMPLE SYSTEM (2))::float8 AS ev_attr,
              (SELECT avg(length(fields::text)) FROM events TABLESAMPLE SYSTEM (2))::float8 AS ev_fields,
              (SELECT avg(length(attributes::text)) FROM spans TABLESAMPLE SYSTEM (5))::float8 AS sp_attr`,
    );
    return {
      events: counts[0].events,
      spans: counts[0].spans,
      prompts,
      sessions,
      traces,
      eventsSeconds,
      spansSeconds,
      indexSeconds,
      vacuumSeconds,
      totalSeconds,
      tables,
      avgAttributesBytes: { events: Math.round(sizes[0].ev_attr), spans: Math.round(sizes[0].sp_attr) },
      avgFieldsBytes: { events: Math.round(sizes[0].ev_fields) },
    };
  } finally {
    await client.end();
  }
}
