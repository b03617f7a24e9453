import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { writeBatch } from "@/lib/ingest/writer";
import { createScheduler } from "@/lib/jobs/scheduler";
import { runRetention, setRetention, tableSizes } from "@/lib/privacy/retention";
import { normalizeLogs } from "@/lib/sources/logs";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { defaultMigrationsDir, migrate, readMigrations } from "./migrate";
import { PARTITIONED_TABLES, PARTITION_JOB_KIND, ensurePartitions, listPartitions, partitionJobHandler } from "./partitions";
import { getPool, withTransaction } from "./pool";

// Time partitions on a real database (PGlite, or the Postgres server in TEST_DATABASE_URL): the
// migration converts populated tables in place, the upkeep creates daily partitions ahead
// (idempotent, safe when run twice at once) and moves stray DEFAULT rows, retention drops whole
// old partitions only when every tenant's retention allows it, and a record re-sent without any
// time of its own is stored once even when its two receipts fall on either side of midnight.

const DAY = 86_400_000;
const TODAY = new Date(Math.floor(Date.now() / DAY) * DAY);
const daysFrom = (d: Date, n: number) => new Date(d.getTime() + n * DAY);
const ymd = (d: Date) => d.toISOString().slice(0, 10).replaceAll("-", "");
const PARTITION_MIGRATION = "20261205160000_time_partitions";

const where = async (table: string, condition: string, params: unknown[] = []) =>
  (await getPool().query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM ${table} WHERE ${condition} ORDER BY 1`, params)).rows.map((r) => r.part);

async function insertEvents(tenantId: string, times: Date[], environmentId = "env"): Promise<void> {
  await getPool().query(
    `INSERT INTO events (tenant_id, id, environment_id, source, event_name, time, attributes)
     SELECT $1, gen_random_uuid(), $3, 'claude_code', 'user_prompt', t, '{}'::jsonb FROM unnest($2::timestamptz[]) AS t`,
    [tenantId, times, environmentId],
  );
}

describe("migrating a populated database", () => {
  let db: TestDatabase;
  const dir = mkdtempSync(path.join(os.tmpdir(), "bs-parts-"));
  const fingerprint = `SELECT count(*)::int AS n, md5(string_agg(k, ',' ORDER BY k)) AS digest FROM (SELECT %s AS k FROM %s) x`;
  const keys: Record<string, string> = {
    events: "id::text || time::text", spans: "trace_id || span_id || start_time::text",
    metric_points: "id::text || time::text", compliance_activities: "id || created_at::text",
  };
  const before: Record<string, unknown> = {};
  let indexesBefore: string[] = [];

  beforeAll(async () => {
    // The schema as it was before time partitions.
    for (const m of readMigrations()) if (m.name < PARTITION_MIGRATION) cpSync(path.join(defaultMigrationsDir(), m.name), path.join(dir, m.name), { recursive: true });
    cpSync(path.join(defaultMigrationsDir(), "migration_lock.toml"), path.join(dir, "migration_lock.toml"));
    db = await startTestDatabase({ migrationsDir: dir });
    const pool = getPool();
    const old = Array.from({ length: 40 }, (_, i) => daysFrom(TODAY, -40 + i + 0.5));
    await insertEvents("t-old", [...old, ...old, new Date("1999-01-01T00:00:00Z"), daysFrom(TODAY, 400)]);
    await pool.query(
      `INSERT INTO spans (tenant_id, trace_id, span_id, environment_id, source, name, start_time, attributes)
       SELECT 't-old', md5(i::text), left(md5(i::text), 16), 'env', 'office', 'agent.query', now() - i * interval '1 hour', '{}' FROM generate_series(1, 50) i`);
    await pool.query(
      `INSERT INTO metric_points (tenant_id, id, environment_id, source, metric_name, metric_type, time, attributes)
       SELECT 't-old', gen_random_uuid(), 'env', 'claude_code', 'claude_code.cost.usage', 'sum', now() - i * interval '1 hour', '{}' FROM generate_series(1, 50) i`);
    await pool.query(
      `INSERT INTO compliance_activities (tenant_id, id, created_at, type, raw, origin)
       SELECT 't-old', 'activity_' || i, now() - i * interval '1 day', 'claude_chat_created', '{}', 'pull' FROM generate_series(1, 20) i`);
    for (const t of Object.keys(keys)) before[t] = (await pool.query(fingerprint.replace("%s", keys[t]).replace("%s", t))).rows[0];
    indexesBefore = (await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY 1`, [Object.keys(keys)])).rows.map((r) => r.indexname);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await migrate(client)).applied).toContain(PARTITION_MIGRATION);
    } finally {
      await client.end();
    }
  }, 240_000);

  afterAll(async () => {
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every row and every index name, and the tables are partitioned", async () => {
    const pool = getPool();
    for (const t of Object.keys(keys)) {
      expect((await pool.query(fingerprint.replace("%s", keys[t]).replace("%s", t))).rows[0], t).toEqual(before[t]);
      const kind = await pool.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace`, [t]);
      expect(kind.rows[0].relkind, t).toBe("p");
    }
    const after = (await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY 1`, [Object.keys(keys)])).rows.map((r) => r.indexname);
    // Every index of the old tables is still there (later migrations may add more).
    expect(after).toEqual(expect.arrayContaining(indexesBefore));
  });

  it("the old table is the partition up to the day after its newest record; a far-future row went to DEFAULT", async () => {
    const parts = await listPartitions("events");
    expect(parts.map((p) => p.name)).toEqual(["events_legacy", "events_default"]);
    expect(parts[0].from).toBeNull();
    expect(parts[0].to).toEqual(daysFrom(TODAY, 1));
    expect(await where("events", "time > now() + interval '1 day'")).toEqual(["events_default"]);
    expect(new Set(await where("events", "time < now()"))).toEqual(new Set(["events_legacy"]));
  });

  it("a resent record is still caught by the primary key (ON CONFLICT), in the old partition and in DEFAULT", async () => {
    const res = await getPool().query(`INSERT INTO events SELECT * FROM events ON CONFLICT DO NOTHING`);
    expect(res.rowCount).toBe(0);
    const activities = await getPool().query(`INSERT INTO compliance_activities SELECT * FROM compliance_activities ON CONFLICT DO NOTHING`);
    expect(activities.rowCount).toBe(0);
  });

  it("daily partitions follow the old one without a gap", async () => {
    await ensurePartitions({ daysAhead: 2 });
    const parts = await listPartitions("events");
    expect(parts.map((p) => p.name)).toEqual(["events_legacy", ...[1, 2].map((n) => `events_p${ymd(daysFrom(TODAY, n))}`), "events_default"]);
  });
});

describe("partition upkeep and retention by partition", () => {
  let db: TestDatabase;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    db = await startTestDatabase();
    a = await createTestTenant("parts-a");
    b = await createTestTenant("parts-b");
  }, 120_000);
  afterAll(async () => db?.stop());

  it("creates a partition per day from today to N days ahead, for every table; a second run creates none", async () => {
    const first = await ensurePartitions({ now: TODAY, daysAhead: 3 });
    for (const t of PARTITIONED_TABLES) {
      expect(first.created[t.table], t.table).toEqual([0, 1, 2, 3].map((n) => `${t.table}_p${ymd(daysFrom(TODAY, n))}`));
    }
    expect((await ensurePartitions({ now: TODAY, daysAhead: 3 })).created).toEqual({});
  });

  it("two instances at once: each day is created once, neither fails", async () => {
    const [x, y] = await Promise.all([ensurePartitions({ now: TODAY, daysAhead: 5 }), ensurePartitions({ now: TODAY, daysAhead: 5 })]);
    const made = [...(x.created.events ?? []), ...(y.created.events ?? [])].sort();
    expect(made).toEqual([4, 5].map((n) => `events_p${ymd(daysFrom(TODAY, n))}`));
    expect((await listPartitions("spans")).length).toBe(6 + 1);
  });

  it("rows land in their day's partition; far past and far future in DEFAULT", async () => {
    await insertEvents(a.tenantId, [daysFrom(TODAY, 1.5), new Date("2999-01-01T00:00:00Z"), new Date("1990-01-01T00:00:00Z")]);
    expect(await where("events", "tenant_id = $1 AND time = $2", [a.tenantId, daysFrom(TODAY, 1.5)])).toEqual([`events_p${ymd(daysFrom(TODAY, 1))}`]);
    expect(await where("events", "tenant_id = $1 AND (time > '2900-01-01' OR time < '2000-01-01')", [a.tenantId])).toEqual(["events_default", "events_default"]);
  });

  it("a day's rows that reached DEFAULT before its partition existed move into it", async () => {
    await insertEvents(a.tenantId, [daysFrom(TODAY, 10.25), daysFrom(TODAY, 10.75)]);
    expect(await where("events", "time >= $1 AND time < $2", [daysFrom(TODAY, 10), daysFrom(TODAY, 11)])).toEqual(["events_default", "events_default"]);
    const report = await ensurePartitions({ now: TODAY, daysAhead: 10 });
    expect(report.created.events).toContain(`events_p${ymd(daysFrom(TODAY, 10))}`);
    expect(await where("events", "time >= $1 AND time < $2", [daysFrom(TODAY, 10), daysFrom(TODAY, 11)])).toEqual(Array(2).fill(`events_p${ymd(daysFrom(TODAY, 10))}`));
  });

  it("retention drops whole partitions only once they are older than every tenant's metadata retention", async () => {
    const old = daysFrom(TODAY, -100);
    await ensurePartitions({ now: old, daysAhead: 2 }); // days -100, -99, -98
    const oldParts = [-100, -99, -98].map((n) => `events_p${ymd(daysFrom(TODAY, n))}`);
    expect((await listPartitions("events")).map((p) => p.name)).toEqual(expect.arrayContaining(oldParts));
    for (const t of [a, b]) await insertEvents(t.tenantId, [daysFrom(TODAY, -99.5), daysFrom(TODAY, -50), daysFrom(TODAY, 0.5)], t.environmentId);
    const all = await getPool().query<{ id: string }>(`SELECT id FROM tenants`);
    // Every other tenant (the default one) allows it; b keeps its records forever.
    for (const { id } of all.rows) if (id !== b.tenantId) await setRetention(id, { contentDays: null, metadataDays: 30 }, "test");

    const first = await runRetention(a.tenantId);
    expect(first.droppedPartitions).toBeUndefined();
    expect((await listPartitions("events")).map((p) => p.name)).toEqual(expect.arrayContaining(oldParts));
    const count = async (t: TestTenant) => (await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND time < $2`, [t.tenantId, daysFrom(TODAY, -20)])).rows[0].n;
    expect(await count(a)).toBe(0); // a's own cutoff: batched DELETE
    expect(await count(b)).toBe(2);

    await setRetention(b.tenantId, { contentDays: null, metadataDays: 60 }, "test");
    const second = await runRetention(a.tenantId);
    // Older than 60 days for everyone: days -100, -99 and -98 of every table go whole.
    expect(second.droppedPartitions?.events).toEqual(oldParts);
    expect(second.droppedPartitions?.spans).toHaveLength(3);
    const names = (await listPartitions("events")).map((p) => p.name);
    expect(names.filter((n) => oldParts.includes(n))).toEqual([]);
    expect(names).toContain(`events_p${ymd(TODAY)}`);
    expect(names).toContain("events_default");
    // b's row aged 50 days (DEFAULT partition) and everyone's rows of today are kept.
    expect(await count(b)).toBe(1);
    expect((await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE time >= $1 AND time < $2`, [TODAY, daysFrom(TODAY, 1)])).rows[0].n).toBe(2);
  });

  it("Settings sizes sum a partitioned table's partitions and give its partition count and range", async () => {
    const events = (await tableSizes()).find((s) => s.table === "events")!;
    expect(events.bytes).toBeGreaterThan(0);
    const parts = await listPartitions("events");
    expect(events.partitions).toMatchObject({ count: parts.length, hasDefault: true, from: TODAY });
    expect(events.partitions?.to).toEqual(daysFrom(TODAY, 11));
  });

  it("a recent day's rows in DEFAULT (late records, a backfill) get their day's partition", async () => {
    const aged = `events_p${ymd(daysFrom(TODAY, -50))}`;
    expect(await where("events", "tenant_id = $1 AND time = $2", [b.tenantId, daysFrom(TODAY, -50)])).toEqual(["events_default"]);
    expect((await ensurePartitions({ now: TODAY, daysAhead: 10 })).created).toEqual({ events: [aged] });
    expect(await where("events", "tenant_id = $1 AND time = $2", [b.tenantId, daysFrom(TODAY, -50)])).toEqual([aged]);
    // A bulk load of history asks for its days first.
    const made = await ensurePartitions({ now: TODAY, daysAhead: 10, from: daysFrom(TODAY, -3) });
    expect(made.created.spans).toEqual([-3, -2, -1].map((n) => `spans_p${ymd(daysFrom(TODAY, n))}`));
  });

  it("a record without any time, re-sent across midnight, is stored once (its time is its first receipt)", async () => {
    const request = {
      resourceLogs: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
        scopeLogs: [{
          scope: { name: "com.anthropic.claude_code.events" },
          logRecords: [{ body: { stringValue: "claude_code.user_prompt" }, attributes: [{ key: "event.name", value: { stringValue: "user_prompt" } }, { key: "prompt_length", value: { stringValue: "7" } }] }],
        }],
      }],
    };
    await ensurePartitions({ now: TODAY, daysAhead: 1 });
    const ctx = { tenantId: b.tenantId, environmentId: b.environmentId, ingestTokenId: null };
    const first = normalizeLogs(request, new Date(daysFrom(TODAY, 1).getTime() - 1));
    const again = normalizeLogs(request, new Date(daysFrom(TODAY, 1).getTime() + 1));
    expect(first.events[0].id).toBe(again.events[0].id);
    expect(first.events[0].time).not.toEqual(again.events[0].time);
    const one = await withTransaction((tx) => writeBatch(tx, ctx, first, "copy"));
    const two = await withTransaction((tx) => writeBatch(tx, ctx, again, "copy"));
    const three = await withTransaction((tx) => writeBatch(tx, ctx, again, "insert"));
    expect([one.inserted, two.inserted, three.inserted]).toEqual([1, 0, 0]);
    expect(two.duplicates).toBe(1);
    const stored = await getPool().query<{ time: Date; part: string }>(`SELECT time, tableoid::regclass::text AS part FROM events WHERE tenant_id = $1 AND id = $2`, [b.tenantId, first.events[0].id]);
    expect(stored.rows).toEqual([{ time: first.events[0].time, part: `events_p${ymd(TODAY)}` }]);
  });

  it("the scheduler queues the instance's partition job, which keeps BLINDSPOT_PARTITION_DAYS_AHEAD days ahead", async () => {
    process.env.BLINDSPOT_PARTITION_DAYS_AHEAD = "12";
    resetConfigForTests();
    try {
      const scheduler = createScheduler({ handlers: { [PARTITION_JOB_KIND]: partitionJobHandler }, log: () => undefined });
      await scheduler.tick();
      await scheduler.idle();
      await scheduler.stop();
    } finally {
      delete process.env.BLINDSPOT_PARTITION_DAYS_AHEAD;
      resetConfigForTests();
    }
    const jobs = await getPool().query<{ tenant_id: string | null; status: string; progress: unknown }>(`SELECT tenant_id, status, progress FROM jobs WHERE kind = $1`, [PARTITION_JOB_KIND]);
    expect(jobs.rows).toEqual([{ tenant_id: null, status: "done", progress: { created: Object.fromEntries(PARTITIONED_TABLES.map((t) => [t.table, [11, 12].map((n) => `${t.table}_p${ymd(daysFrom(TODAY, n))}`)])) } }]);
  });
});
