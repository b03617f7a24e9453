import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ensurePartitions } from "@/lib/db/partitions";
import { rebuildRollups } from "@/lib/ingest/rollups";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { promptTimeline } from "./prompts";
import { sessionOverview } from "./sessions";

// record_extents (the time span of each session, prompt and trace, kept at ingest) equals the
// span of the raw rows, and the session and prompt pages read only the daily partitions that hold
// the records they show (an id lookup without a time bound plans and probes every partition).

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("extents");
  // Daily partitions from today on, as the app keeps them: the captured records (older) go to the
  // DEFAULT partition, so an unbounded read plans more partitions than the one holding them.
  await ensurePartitions();
  for (const f of listFixtureRequests().filter((x) => x.variant === "http-json")) {
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  }
}, 300_000);

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

type ExtentRow = { kind: string; key: string; first_seen: Date; last_seen: Date };

async function kept(): Promise<ExtentRow[]> {
  return (await getPool().query<ExtentRow>(`SELECT kind, key, first_seen, last_seen FROM record_extents WHERE tenant_id = $1 ORDER BY kind, key`, [tenant.tenantId])).rows;
}

/** The extents computed from the raw rows. */
async function raw(): Promise<ExtentRow[]> {
  const { rows } = await getPool().query<ExtentRow>(
    `SELECT 'prompt' AS kind, prompt_id AS key, min(time) AS first_seen, max(time) AS last_seen FROM events WHERE tenant_id = $1 AND prompt_id IS NOT NULL GROUP BY 2
     UNION ALL
     SELECT 'session', session_id, min(t), max(t) FROM (
       SELECT session_id, time AS t FROM events WHERE tenant_id = $1 AND session_id IS NOT NULL
       UNION ALL SELECT session_id, start_time FROM spans WHERE tenant_id = $1 AND session_id IS NOT NULL) s GROUP BY 2
     UNION ALL
     SELECT 'trace', trace_id, min(start_time), max(start_time) FROM spans WHERE tenant_id = $1 GROUP BY 2
     ORDER BY 1, 2`,
    [tenant.tenantId],
  );
  return rows;
}

/**
 * Runs `fn` and returns, for each statement it sent that reads `table`, the partitions of `table`
 * its plan reads (EXPLAIN of the same text and parameters, after plan-time pruning).
 */
async function partitionsRead<T>(table: "events" | "spans", fn: () => Promise<T>): Promise<{ result: T; plans: string[][] }> {
  const pool = getPool();
  const sent: { text: string; values: unknown[] }[] = [];
  const original = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = (text: unknown, values?: unknown) => {
    if (typeof text === "string") sent.push({ text, values: (values as unknown[]) ?? [] });
    return original(text, values);
  };
  let result: T;
  try {
    result = await fn();
  } finally {
    delete (pool as unknown as { query?: unknown }).query;
  }
  const plans: string[][] = [];
  for (const s of sent.filter((x) => new RegExp(`\\b${table}\\b`).test(x.text))) {
    const { rows } = await pool.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${s.text}`, s.values);
    const names = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === "object") {
        const rel = (n as Record<string, unknown>)["Relation Name"];
        if (typeof rel === "string" && rel.startsWith(`${table}_`)) names.add(rel);
        Object.values(n).forEach(walk);
      }
    };
    walk(rows[0]["QUERY PLAN"]);
    plans.push([...names].sort());
  }
  return { result: result!, plans };
}

/** The day (or DEFAULT) of a partition of events or spans: both tables are cut the same way. */
const day = (partition: string) => partition.replace(/^(events|spans)_/, "");

/** The days (partitions) that hold the rows of `table` matching `where` ($1: tenant, $2: the id, $3: ids). */
async function holding(table: "events" | "spans", where: string, id: string, ids: string[] = []): Promise<string[]> {
  const { rows } = await getPool().query<{ p: string }>(
    `SELECT DISTINCT tableoid::regclass::text AS p FROM ${table} WHERE tenant_id = $1 AND ${where} AND $3::text[] IS NOT NULL ORDER BY 1`, [tenant.tenantId, id, ids]);
  return rows.map((r) => day(r.p));
}

describe("record extents", () => {
  it("equal the time span of the raw rows of every session, prompt and trace, and the set-based rebuild gives the same", async () => {
    const expected = await raw();
    expect(new Set(expected.map((r) => r.kind))).toEqual(new Set(["session", "prompt", "trace"]));
    expect(await kept()).toEqual(expected);
    await rebuildRollups(getPool(), tenant.tenantId);
    expect(await kept()).toEqual(expected);
  });

  it("a re-sent batch (stored rows: nothing new) leaves them equal to the raw span", async () => {
    const f = listFixtureRequests().find((x) => x.variant === "http-json" && x.signal === "logs")!;
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
    expect(await kept()).toEqual(await raw());
  });
});

describe("pages bounded by the extents", () => {
  it("the prompt timeline reads only the partitions holding the prompt (and its session), with the same result as without an extent", async () => {
    const { rows } = await getPool().query<{ prompt_id: string }>(
      `SELECT prompt_id FROM events WHERE tenant_id = $1 AND prompt_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [tenant.tenantId]);
    const promptId = rows[0].prompt_id;
    const { result, plans } = await partitionsRead("events", () => promptTimeline(tenant.tenantId, promptId, true));
    expect(result?.events.length).toBeGreaterThan(0);
    const sessionId = result!.sessionId!;
    const allowed = new Set([...(await holding("events", "prompt_id = $2", promptId)), ...(await holding("events", "session_id = $2", sessionId))]);
    expect(plans.length).toBeGreaterThanOrEqual(3); // the events, the totals, the decisions
    for (const p of plans) expect(p.filter((x) => !allowed.has(day(x)))).toEqual([]);

    // Without extents (records written outside ingest) the page reads unbounded and finds the same.
    await getPool().query(`DELETE FROM record_extents WHERE tenant_id = $1 AND key IN ($2, $3)`, [tenant.tenantId, promptId, sessionId]);
    expect(await promptTimeline(tenant.tenantId, promptId, true)).toEqual(result);
    await rebuildRollups(getPool(), tenant.tenantId);
  });

  it("the session overview reads only the partitions holding the session's events and its traces' spans, with the same result as without an extent", async () => {
    // A session with Office traces and one with Claude Code events.
    const { rows } = await getPool().query<{ session_id: string }>(
      `(SELECT session_id FROM spans WHERE tenant_id = $1 AND session_id IS NOT NULL LIMIT 1)
       UNION ALL (SELECT session_id FROM events WHERE tenant_id = $1 AND session_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)`,
      [tenant.tenantId],
    );
    expect(rows.length).toBe(2);
    for (const { session_id: sessionId } of rows) {
      const events = await partitionsRead("events", () => sessionOverview(tenant.tenantId, sessionId, true));
      const spans = await partitionsRead("spans", () => sessionOverview(tenant.tenantId, sessionId, true));
      const result = events.result!;
      expect(result.eventCount + result.traces.length).toBeGreaterThan(0);
      // The days of its events, its spans and its traces' spans.
      const traceIds = result.traces.map((t) => t.traceId);
      const days = new Set([
        ...(await holding("events", "session_id = $2", sessionId)),
        ...(await holding("spans", "(session_id = $2 OR trace_id = ANY($3::text[]))", sessionId, traceIds)),
      ]);
      expect(events.plans.length).toBeGreaterThanOrEqual(7);
      for (const p of [...events.plans, ...spans.plans]) expect(p.filter((x) => !days.has(day(x)))).toEqual([]);

      await getPool().query(`DELETE FROM record_extents WHERE tenant_id = $1 AND (key = $2 OR key = ANY($3::text[]))`, [tenant.tenantId, sessionId, traceIds]);
      expect(await sessionOverview(tenant.tenantId, sessionId, true)).toEqual(result);
      await rebuildRollups(getPool(), tenant.tenantId);
    }
  });
});
