import type pg from "pg";
import { backfill } from "@/lib/detections/backfill";
import { withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { loadComplianceFixtures } from "@/lib/testing/compliance-stub-fixtures";
import { EVENT_TABLE } from "@/lib/domain/fields/events";
import { ensureTenant } from "@/lib/tenants";
import { seedEvents, type SeededDataset } from "./events";

// The dataset of `npm run bench:read`: scripts/seed/events.ts copies the captured fixtures on the
// server (Claude Code sessions and prompts, Office agent traces) over many people and 30 days;
// this adds Compliance API records (the fixture activities copied the same way, one per 50
// events) and makes the bulk load fast: the secondary indexes of the loaded tables are dropped
// for the load and built again afterwards (a GIN trigram index costs more per row than the row),
// and bench:read then computes the rollups the dashboards read from the loaded rows in one
// set-based pass (rebuildRollups: the same rules ingest applies per batch).
//
// The dropped index definitions are kept in bench_seed_indexes until they are built again, so a
// seed interrupted half-way leaves a database the next run repairs, never one silently without
// indexes.

const LOADED_TABLES = ["events", "spans", "compliance_activities"];
const TEMPLATE_SLUG = "bench-template";

export interface ReadDataset extends SeededDataset {
  activities: number;
  indexSeconds: number;
}

async function dropSecondaryIndexes(pool: pg.Pool, log: (l: string) => void): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_seed_indexes (name text PRIMARY KEY, def text NOT NULL)`);
  // Primary keys and unique indexes stay: the load and ON CONFLICT rely on them.
  const { rows } = await pool.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) AND i.indexdef NOT LIKE 'CREATE UNIQUE %'`,
    [LOADED_TABLES],
  );
  for (const r of rows) {
    await pool.query(`INSERT INTO bench_seed_indexes (name, def) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [r.name, r.def]);
    await pool.query(`DROP INDEX IF EXISTS "${r.name}"`);
  }
  log(`dropped ${rows.length} secondary indexes for the load`);
}

/**
 * Builds every index dropped by a seed (this one or an interrupted earlier one), and any index of
 * the loaded tables left invalid. pg_indexes spells a partitioned table's index `ON ONLY`, which
 * would create only an invalid parent index and none on the partitions: it is built with `ON`, which
 * builds it on every partition (an earlier seed that replayed `ON ONLY` left exactly such indexes).
 */
export async function restoreSecondaryIndexes(pool: pg.Pool, log: (l: string) => void): Promise<number> {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_seed_indexes (name text PRIMARY KEY, def text NOT NULL)`);
  const { rows: invalid } = await pool.query<{ name: string; def: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     WHERE NOT i.indisvalid AND t.relname = ANY($1) AND t.relnamespace = current_schema()::regnamespace`,
    [LOADED_TABLES],
  );
  for (const r of invalid) {
    await pool.query(`INSERT INTO bench_seed_indexes (name, def) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [r.name, r.def]);
    await pool.query(`DROP INDEX IF EXISTS "${r.name}"`);
  }
  if (invalid.length) log(`${invalid.length} invalid secondary indexes dropped, to be built on every partition`);
  const { rows } = await pool.query<{ name: string; def: string }>(`SELECT name, def FROM bench_seed_indexes ORDER BY name`);
  if (rows.length === 0) return 0;
  const started = Date.now();
  await pool.query(`SET maintenance_work_mem = '512MB'`);
  for (const r of rows) {
    const t = Date.now();
    await pool.query(r.def.replace(/^CREATE (UNIQUE )?INDEX /, "CREATE $1INDEX IF NOT EXISTS ").replace(/ ON ONLY /, " ON "));
    await pool.query(`DELETE FROM bench_seed_indexes WHERE name = $1`, [r.name]);
    log(`index ${r.name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return (Date.now() - started) / 1000;
}

async function ensureActivityTemplate(pool: pg.Pool): Promise<{ tenantId: string; count: number }> {
  const tenantId = await ensureTenant(TEMPLATE_SLUG);
  const count = async () =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`, [tenantId])).rows[0].n;
  // In a transaction, as the connector stores them: the detection rules record hits in savepoints.
  if ((await count()) === 0) await withTransaction((c) => storeActivities(c, tenantId, loadComplianceFixtures().activities ?? [], "api"));
  return { tenantId, count: await count() };
}

/** Copies the fixture activities `total` times over (fresh ids, the bench people, spread over `days`). */
async function seedActivities(pool: pg.Pool, tenantId: string, total: number, people: number, days: number, now: Date): Promise<void> {
  const template = await ensureActivityTemplate(pool);
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`, [tenantId]);
  const copies = Math.ceil(Math.max(0, total - rows[0].n) / Math.max(1, template.count));
  const first = Math.floor(rows[0].n / Math.max(1, template.count)) + 1;
  for (let g = first; g < first + copies; g += 50_000) {
    const last = Math.min(g + 49_999, first + copies - 1);
    await pool.query(
      `INSERT INTO compliance_activities (tenant_id, id, created_at, type, organization_id, organization_uuid, actor_type,
                                          actor_email, actor_user_id, actor_account_uuid, actor_ip, actor_user_agent, raw, origin)
       SELECT $2, a.id || '-' || g, $3::timestamptz - ((g::bigint * 7919) % ($4::bigint * 86400)) * interval '1 second',
              a.type, a.organization_id, a.organization_uuid, a.actor_type,
              CASE WHEN a.actor_email IS NULL THEN NULL ELSE 'person' || (g % $5) || '@bench.example' END,
              a.actor_user_id, a.actor_account_uuid, a.actor_ip, a.actor_user_agent,
              jsonb_set(a.raw, '{id}', to_jsonb(a.id || '-' || g)), a.origin
       FROM generate_series($6::int, $7::int) AS g CROSS JOIN compliance_activities a
       WHERE a.tenant_id = $1`,
      [template.tenantId, tenantId, now, days, people, g, last],
    );
  }
}

/**
 * Alerts for the queue: the detection pack run for real over the template (the fixtures), then its
 * alerts and their evidence copied onto every 10th copy of the template (run with the indexes in place) (its sessions, prompts,
 * person and time shift), with a mix of statuses. Evidence record ids keep the template's.
 */
async function seedAlerts(pool: pg.Pool, tenantId: string, log: (l: string) => void, people = 2000, days = 30): Promise<number> {
  const templateId = await ensureTenant(TEMPLATE_SLUG);
  const now = new Date();
  const events = async (t: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t])).rows[0].n;
  const copies = Math.round((await events(tenantId)) / Math.max(1, await events(templateId)));
  const count = async (t: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1`, [t])).rows[0].n;
  if ((await count(templateId)) === 0) {
    const report = await backfill(templateId, "all", new Date(now.getTime() - 3650 * 86_400_000), now);
    log(`detection pack over the template: ${JSON.stringify(report).slice(0, 200)}`);
  }
  await pool.query(`DELETE FROM alert_evidence WHERE tenant_id = $1`, [tenantId]);
  await pool.query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenantId]);
  const shift = `(($4::timestamptz - ((g::bigint * 7919) % ($5::bigint * 86400)) * interval '1 second') - t0.first)`;
  const params = [templateId, tenantId, copies, now, days, people];
  await pool.query(
    `WITH t0 AS (SELECT max(time) AS first FROM events WHERE tenant_id = $1)
     INSERT INTO alerts (tenant_id, id, rule_id, rule_title, level, dedup_key, group_key, status, resolution, hits, window_start, first_seen, last_seen,
                         service, person, session_id, prompt_id, trace_id, matched, created_at, updated_at)
     SELECT $2, md5(a.id::text || g)::uuid, a.rule_id, a.rule_title, a.level, a.dedup_key || '/' || g, a.group_key,
            (ARRAY['new', 'new', 'acknowledged', 'closed'])[1 + g % 4], CASE WHEN g % 4 = 3 THEN 'benign' END, a.hits,
            a.window_start + ${shift}, a.first_seen + ${shift}, a.last_seen + ${shift}, a.service,
            CASE WHEN a.person IS NULL THEN NULL ELSE 'person' || (g % $6) || '@bench.example' END,
            CASE WHEN a.session_id IS NULL THEN NULL ELSE 'bench-' || g || '-' || a.session_id END,
            CASE WHEN a.prompt_id IS NULL THEN NULL ELSE md5(a.prompt_id || g)::uuid::text END,
            CASE WHEN a.trace_id IS NULL THEN NULL ELSE md5(a.trace_id || g) END, a.matched, $4, $4
     FROM generate_series(10, $3::int, 10) AS g CROSS JOIN alerts a CROSS JOIN t0 WHERE a.tenant_id = $1`,
    params,
  );
  await pool.query(
    `WITH t0 AS (SELECT max(time) AS first FROM events WHERE tenant_id = $1)
     INSERT INTO alert_evidence (tenant_id, alert_id, kind, record_id, time, session_id, prompt_id, name)
     SELECT $2, md5(e.alert_id::text || g)::uuid, e.kind, e.record_id, e.time + ${shift},
            CASE WHEN e.session_id IS NULL THEN NULL ELSE 'bench-' || g || '-' || e.session_id END,
            CASE WHEN e.prompt_id IS NULL THEN NULL ELSE md5(e.prompt_id || g)::uuid::text END, e.name
     FROM generate_series(10, $3::int, 10) AS g CROSS JOIN alert_evidence e CROSS JOIN t0 WHERE e.tenant_id = $1`,
    params.slice(0, 5),
  );
  return count(tenantId);
}

/** Seeds (or tops up) the bench tenant to about `events` events; the pool must allow long statements. */
export { seedAlerts };

export async function seedReadDataset(pool: pg.Pool, opts: { events: number; log: (l: string) => void }): Promise<ReadDataset> {
  const { log } = opts;
  // Listed before dropped: a seed that fails below leaves them for restoreSecondaryIndexes.
  await dropSecondaryIndexes(pool, log);
  const seeded = await seedEvents(pool, { events: opts.events, log });
  await seedActivities(pool, seeded.tenantId, Math.round(seeded.events / 50), seeded.people, seeded.days, seeded.now);
  log("building the secondary indexes again…");
  const indexSeconds = await restoreSecondaryIndexes(pool, log);
  for (const table of LOADED_TABLES) await pool.query(`VACUUM ANALYZE ${table}`);
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`, [seeded.tenantId]);
  return { ...seeded, activities: rows[0].n, indexSeconds };
}

/**
 * A session of about 1,000 events (the template's events eight times over, ten minutes apart, in
 * the last day) for the session page's budget: copies of the template are sessions of a hundred
 * or so. Kept when present.
 */
export async function ensureLongSession(pool: pg.Pool, tenantId: string, environmentId: string, now: Date): Promise<{ sessionId: string; created: boolean }> {
  const sessionId = "bench-long-1";
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND session_id = $2`, [tenantId, sessionId]);
  if (rows[0].n > 0) return { sessionId, created: false };
  const templateId = await ensureTenant(TEMPLATE_SLUG);
  const rewritten = ["tenant_id", "environment_id", "id", "time", "session_id", "prompt_id", "received_at"];
  const cols = EVENT_TABLE.fields.map((f) => f.column).filter((c) => !rewritten.includes(c));
  await pool.query(
    `WITH t0 AS (SELECT min(time) AS first FROM events WHERE tenant_id = $1)
     INSERT INTO events (tenant_id, environment_id, id, time, session_id, prompt_id, ${cols.join(", ")})
     SELECT $2, $3, gen_random_uuid(), $4::timestamptz - interval '1 day' + (e.time - t0.first) + i * interval '10 minutes', $5,
            CASE WHEN e.prompt_id IS NULL THEN NULL ELSE md5(e.prompt_id || 'long' || i)::uuid::text END, ${cols.map((c) => `e.${c}`).join(", ")}
     FROM generate_series(0, 7) AS i CROSS JOIN events e CROSS JOIN t0 WHERE e.tenant_id = $1`,
    [templateId, tenantId, environmentId, now, sessionId],
  );
  return { sessionId, created: true };
}
