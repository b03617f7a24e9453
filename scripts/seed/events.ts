import { ensurePartitions } from "@/lib/db/partitions";
import type pg from "pg";
import { EVENT_TABLE } from "@/lib/domain/fields/events";
import { SPAN_TABLE } from "@/lib/domain/fields/spans";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { ensureEnvironment, ensureTenant } from "@/lib/tenants";

// A realistic dataset of any size for the read benchmarks (bench:query, the scale issue's
// bench:read): the captured fixtures (Claude Code runs of every scenario, Office agent traces)
// are ingested once through the real pipeline into a template tenant, then copied on the server
// (INSERT … SELECT over generate_series, no rows through Node) into the bench tenant: each copy
// is a new session of one of `people` people at a time spread over `days` days, with fresh ids
// and the text of its prompts and commands as captured.
//
// The caller's pool (lib/db/pool) must point at the target database (DATABASE_URL).

export interface SeedOptions {
  /** Events to create (approximately: whole template copies). */
  events: number;
  people?: number;
  days?: number;
  /** Copies per INSERT statement (one transaction each). */
  copiesPerStatement?: number;
  slug?: string;
  log?: (line: string) => void;
}

export interface SeededDataset {
  tenantId: string;
  environmentId: string;
  events: number;
  spans: number;
  people: number;
  days: number;
  /** Newest possible time (the seed's "now"). */
  now: Date;
  seconds: number;
}

const TEMPLATE_SLUG = "bench-template";

/** Columns copied as they are (everything but the ones the copy rewrites). */
function copiedColumns(table: typeof EVENT_TABLE | typeof SPAN_TABLE, rewritten: readonly string[]): string[] {
  return table.fields.map((f) => f.column).filter((c) => !rewritten.includes(c) && c !== "received_at");
}

async function ensureTemplate(client: pg.Pool): Promise<{ tenantId: string; events: number; spans: number }> {
  const tenantId = await ensureTenant(TEMPLATE_SLUG);
  const environmentId = await ensureEnvironment(tenantId, "template");
  const count = async () => {
    const { rows } = await client.query<{ e: number; s: number }>(
      `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1)::int AS e, (SELECT count(*) FROM spans WHERE tenant_id = $1)::int AS s`,
      [tenantId],
    );
    return rows[0];
  };
  let c = await count();
  if (c.e === 0) {
    const scope = { tenantId, environmentId, ingestTokenId: null };
    for (const f of listFixtureRequests().filter((x) => x.variant === "http-json" && x.signal !== "metrics")) {
      await ingestPayload(f.signal, "json", new Uint8Array(f.body()), scope);
    }
    c = await count();
  }
  return { tenantId, events: c.e, spans: c.s };
}

export async function seedEvents(pool: pg.Pool, opts: SeedOptions): Promise<SeededDataset> {
  const log = opts.log ?? (() => undefined);
  const people = opts.people ?? 2000;
  const days = opts.days ?? 30;
  const started = Date.now();
  const template = await ensureTemplate(pool);
  if (template.events === 0) throw new Error("the fixtures gave no template events");
  const tenantId = await ensureTenant(opts.slug ?? "bench");
  const environmentId = await ensureEnvironment(tenantId, "bench");
  const now = new Date();
  // The days loaded get their own partitions first (the app's upkeep job creates today and ahead
  // only); rows of a day with none would all land in the DEFAULT partition.
  await ensurePartitions({ now, from: new Date(now.getTime() - (days + 1) * 86_400_000) });
  const copies = Math.max(1, Math.round(opts.events / template.events));
  const perStatement = opts.copiesPerStatement ?? Math.max(1, Math.floor(200_000 / template.events));
  log(`template: ${template.events} events, ${template.spans} spans; ${copies} copies → ${copies * template.events} events`);

  // Copies already there are kept (a re-run tops up): copy numbers continue after them.
  const { rows: have } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenantId]);
  const firstCopy = Math.floor(have[0].n / template.events) + 1;

  const eventRewritten = ["tenant_id", "environment_id", "id", "time", "session_id", "prompt_id", "user_email", "account_uuid", "user_id", "trace_id"];
  const eventCols = copiedColumns(EVENT_TABLE, eventRewritten);
  const spanRewritten = ["tenant_id", "environment_id", "trace_id", "span_id", "parent_span_id", "start_time", "end_time", "session_id", "user_email", "account_uuid"];
  const spanCols = copiedColumns(SPAN_TABLE, spanRewritten);

  // Each copy g: a person (g mod people), a start time, fresh ids. Start times go back from now in
  // equal steps as g grows, so rows reach the heap in time order, as ingest appends them: an
  // hour's rows share pages (scattered start times put each row of an hour on a page of its own,
  // which no deployment's tables look like).
  const totalCopies = firstCopy - 1 + copies;
  const shift = `(($4::timestamptz - ((g - 1) * $5::float8 * 86400 / $9::int) * interval '1 second') - t0.first)`;
  for (let g = firstCopy; g < firstCopy + copies; g += perStatement) {
    const last = Math.min(g + perStatement - 1, firstCopy + copies - 1);
    const t = Date.now();
    await pool.query(
      `WITH t0 AS (SELECT max(time) AS first FROM events WHERE tenant_id = $1)
       INSERT INTO events (tenant_id, environment_id, id, time, session_id, prompt_id, user_email, account_uuid, user_id, trace_id, ${eventCols.join(", ")})
       SELECT $2, $3, gen_random_uuid(), e.time + ${shift},
              'bench-' || g || '-' || COALESCE(e.session_id, ''),
              CASE WHEN e.prompt_id IS NULL THEN NULL ELSE md5(e.prompt_id || g)::uuid::text END,
              CASE WHEN e.user_email IS NULL THEN NULL ELSE 'person' || (g % $6) || '@bench.example' END,
              CASE WHEN e.account_uuid IS NULL THEN NULL ELSE md5('acct' || (g % $6))::uuid::text END,
              CASE WHEN e.user_id IS NULL THEN NULL ELSE md5('dev' || (g % $6)) END,
              CASE WHEN e.trace_id IS NULL THEN NULL ELSE md5(e.trace_id || g) END,
              ${eventCols.map((c) => `e.${c}`).join(", ")}
       FROM generate_series($7::int, $8::int) AS g CROSS JOIN events e CROSS JOIN t0
       WHERE e.tenant_id = $1`,
      [template.tenantId, tenantId, environmentId, now, days, people, g, last, totalCopies],
    );
    if (template.spans > 0) {
      await pool.query(
        `WITH t0 AS (SELECT max(time) AS first FROM events WHERE tenant_id = $1)
         INSERT INTO spans (tenant_id, environment_id, trace_id, span_id, parent_span_id, start_time, end_time, session_id, user_email, account_uuid, ${spanCols.join(", ")})
         SELECT $2, $3, md5(s.trace_id || g), substr(md5(s.span_id || g), 1, 16),
                CASE WHEN s.parent_span_id IS NULL THEN NULL ELSE substr(md5(s.parent_span_id || g), 1, 16) END,
                s.start_time + ${shift}, s.end_time + ${shift},
                CASE WHEN s.session_id IS NULL THEN NULL ELSE 'bench-' || g || '-' || s.session_id END,
                CASE WHEN s.user_email IS NULL THEN NULL ELSE 'person' || (g % $6) || '@bench.example' END,
                CASE WHEN s.account_uuid IS NULL THEN NULL ELSE md5('acct' || (g % $6))::uuid::text END,
                ${spanCols.map((c) => `s.${c}`).join(", ")}
         FROM generate_series($7::int, $8::int) AS g CROSS JOIN spans s CROSS JOIN t0
         WHERE s.tenant_id = $1 AND g % 10 = 0`,
        [template.tenantId, tenantId, environmentId, now, days, people, g, last, totalCopies],
      );
    }
    log(`copies ${g}–${last}: ${((last - g + 1) * template.events).toLocaleString("en")} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await pool.query("ANALYZE events");
  await pool.query("ANALYZE spans");
  const { rows } = await pool.query<{ e: number; s: number }>(
    `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1)::int AS e, (SELECT count(*) FROM spans WHERE tenant_id = $1)::int AS s`,
    [tenantId],
  );
  return { tenantId, environmentId, events: rows[0].e, spans: rows[0].s, people, days, now, seconds: (Date.now() - started) / 1000 };
}
