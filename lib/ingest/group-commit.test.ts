import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { closePool, getPool } from "@/lib/db/pool";
import { DataPolicyCache, getDataPolicy } from "@/lib/secrets/policy-store";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { capturedLogBatch } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { groupCommitter, ingestPayload, normalize } from "./pipeline";

// Group commit on the real receiver and the real database: requests that queue while a write is in
// flight share one transaction, and each is answered only after that transaction's COMMIT. Another
// session holds a lock the writers' COPY needs (on the embedded engine, any open transaction holds
// every other connection), so that the requests queue deterministically; the transaction a row was
// written by is its xmin.

const engine = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
const RECORDS = 8;
const WRITERS = 2;

let db: TestDatabase;
let app: RouteServer;
const heal: (() => Promise<void>)[] = [];
const globals = globalThis as unknown as { __blindspotPolicyCache?: DataPolicyCache };
let policyCache: DataPolicyCache | undefined;

beforeAll(async () => {
  process.env.BLINDSPOT_INGEST_GROUP_WRITERS = String(WRITERS);
  db = await startTestDatabase();
  app = await startAppServer();
  // The masking policy is read once per tenant: on the embedded engine a policy check while the
  // lock is held would wait behind it, before the batch reaches the queue.
  policyCache = globals.__blindspotPolicyCache;
  globals.__blindspotPolicyCache = new DataPolicyCache(Number.POSITIVE_INFINITY);
});

afterEach(async () => {
  while (heal.length) await heal.pop()!();
  delete process.env.BLINDSPOT_INGEST_GROUP_MAX_RECORDS;
  resetConfigForTests();
});

afterAll(async () => {
  globals.__blindspotPolicyCache = policyCache;
  delete process.env.BLINDSPOT_INGEST_GROUP_WRITERS;
  resetConfigForTests();
  await app?.close();
  await db?.stop();
  await closePool();
});

const body = (from: number) => new TextEncoder().encode(JSON.stringify(capturedLogBatch(RECORDS, from)));
const idsOf = (from: number) => normalize("logs", capturedLogBatch(RECORDS, from), new Date()).events.map((e) => e.id);
const scopeOf = (t: TestTenant) => ({ tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
const ingest = (t: TestTenant, from: number) => ingestPayload("logs", "json", body(from), scopeOf(t));

function post(t: TestTenant, from: number): Promise<Response> {
  return fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` },
    body: body(from),
  });
}

/** Another session holds the events table until the returned release (or the test's end). */
async function holdEvents(): Promise<() => Promise<void>> {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
  let held = true;
  const release = async () => {
    if (!held) return;
    held = false;
    await holder.query("ROLLBACK");
    await holder.end();
  };
  heal.push(release);
  return release;
}

/** Waits until every writer holds a transaction (stuck on the lock) and `queued` batches wait behind them. */
async function untilQueued(queued: number): Promise<void> {
  const committer = groupCommitter();
  while (committer.writers !== WRITERS || committer.queued !== queued) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function storedOf(t: TestTenant, ids: string[]): Promise<number> {
  const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [t.tenantId, ids]);
  return rows[0].n;
}

/** The transactions that wrote these events. */
async function transactionsOf(t: TestTenant, ids: string[]): Promise<number> {
  const { rows } = await getPool().query<{ n: number }>(
    `SELECT count(DISTINCT xmin::text)::int AS n FROM events WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
    [t.tenantId, ids],
  );
  return rows[0].n;
}

/** A new tenant whose masking policy is cached (see beforeAll). */
async function newTenant(slug: string): Promise<TestTenant> {
  const t = await createTestTenant(slug);
  await getDataPolicy(t.tenantId);
  return t;
}

/** Starts `froms`' writes once the writers hold one batch each and the rest wait; returns the pending ones. */
async function queuedBehindWriters<T>(start: (from: number) => Promise<T>, froms: number[]): Promise<{ pending: Promise<T>[]; release: () => Promise<void> }> {
  const release = await holdEvents();
  const pending = froms.map(start);
  await untilQueued(froms.length - WRITERS);
  return { pending, release };
}

describe(`group commit (${engine})`, () => {
  it("concurrent requests share transactions, and each is answered only after its rows are readable", async () => {
    const tenant = await newTenant("gcshare");
    expect((await post(tenant, 0)).status).toBe(200); // the token and origins are cached from here on
    const froms = [100, 200, 300, 400, 500, 600];
    const { pending, release } = await queuedBehindWriters(async (from) => {
      const res = await post(tenant, from);
      // Read from another connection the moment the answer arrives.
      return { status: res.status, storedWhenAnswered: await storedOf(tenant, idsOf(from)) };
    }, froms);
    await release();
    const answers = await Promise.all(pending);
    expect(answers).toEqual(froms.map(() => ({ status: 200, storedWhenAnswered: RECORDS })));
    // Two writers with one request each, then the four that waited, together.
    expect(await transactionsOf(tenant, froms.flatMap(idsOf))).toBe(WRITERS + 1);
  });

  it("BLINDSPOT_INGEST_GROUP_MAX_RECORDS=0: one transaction per request", async () => {
    process.env.BLINDSPOT_INGEST_GROUP_MAX_RECORDS = "0";
    resetConfigForTests();
    const tenant = await newTenant("gcoff");
    const froms = [100, 200, 300, 400];
    const release = await holdEvents();
    const pending = froms.map((from) => ingest(tenant, from));
    await release();
    await Promise.all(pending);
    expect(await transactionsOf(tenant, froms.flatMap(idsOf))).toBe(froms.length);
  });

  it("a group takes at most BLINDSPOT_INGEST_GROUP_MAX_RECORDS records, and only batches of its own scope", async () => {
    process.env.BLINDSPOT_INGEST_GROUP_MAX_RECORDS = String(2 * RECORDS);
    resetConfigForTests();
    const [a, b] = [await newTenant("gccapa"), await newTenant("gccapb")];
    const release = await holdEvents();
    const blockers = [ingest(a, 10), ingest(a, 20)];
    await untilQueued(0);
    // Queued in this order: a a b a b a → a group of two of a (the cap), then b's two, then a's last two.
    const queued = [ingest(a, 30), ingest(a, 40), ingest(b, 50), ingest(a, 60), ingest(b, 70), ingest(a, 80)];
    await untilQueued(queued.length);
    await release();
    await Promise.all([...blockers, ...queued]);
    expect(await transactionsOf(a, [30, 40].flatMap(idsOf))).toBe(1);
    expect(await transactionsOf(a, [60, 80].flatMap(idsOf))).toBe(1);
    expect(await transactionsOf(a, [30, 60].flatMap(idsOf))).toBe(2);
    expect(await transactionsOf(b, [50, 70].flatMap(idsOf))).toBe(1);
    expect(await storedOf(a, [10, 20, 30, 40, 60, 80].flatMap(idsOf))).toBe(6 * RECORDS);
    expect(await storedOf(b, [50, 70].flatMap(idsOf))).toBe(2 * RECORDS);
  });

  it("a poisoned batch among good ones fails alone (500); its neighbours are stored (200)", async () => {
    const tenant = await newTenant("gcpoison");
    expect((await post(tenant, 0)).status).toBe(200);
    const poisoned = idsOf(3000)[3];
    // A deterministic failure of one batch's rows: feature_not_supported, which the receiver answers 500.
    await sql(`CREATE FUNCTION poison_inject() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = '${poisoned}' THEN RAISE EXCEPTION 'poisoned' USING ERRCODE = '0A000'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER poison_inject BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION poison_inject();`);
    heal.push(() => sql(`DROP TRIGGER poison_inject ON events; DROP FUNCTION poison_inject();`));

    const release = await holdEvents();
    const blockers = [post(tenant, 1000), post(tenant, 2000)];
    await untilQueued(0);
    const retriedBefore = groupCommitter().stats.retriedAlone;
    const queued = [post(tenant, 4000), post(tenant, 3000), post(tenant, 5000)];
    await untilQueued(queued.length);
    await release();
    const statuses = await Promise.all([...blockers, ...queued].map(async (p) => (await p).status));
    expect(statuses).toEqual([200, 200, 200, 500, 200]);
    expect(groupCommitter().stats.retriedAlone - retriedBefore).toBe(3);
    expect(await storedOf(tenant, [1000, 2000, 4000, 5000].flatMap(idsOf))).toBe(4 * RECORDS);
    expect(await storedOf(tenant, idsOf(3000))).toBe(0);
  });

  it("a re-sent batch among new ones counts as duplicates while the new rows are stored, once each, and counted once by the rollups", async () => {
    const tenant = await newTenant("gcresent");
    expect(await ingest(tenant, 100)).toMatchObject({ inserted: RECORDS, duplicates: 0 });
    const release = await holdEvents();
    const blockers = [ingest(tenant, 1000), ingest(tenant, 2000)];
    await untilQueued(0);
    // The re-sent batch, two new ones, and a new one sent twice at once.
    const queued = [ingest(tenant, 200), ingest(tenant, 100), ingest(tenant, 300), ingest(tenant, 400), ingest(tenant, 400)];
    await untilQueued(queued.length);
    await release();
    await Promise.all(blockers);
    expect((await Promise.all(queued)).map(({ inserted, duplicates }) => ({ inserted, duplicates }))).toEqual([
      { inserted: RECORDS, duplicates: 0 },
      { inserted: 0, duplicates: RECORDS },
      { inserted: RECORDS, duplicates: 0 },
      { inserted: RECORDS, duplicates: 0 },
      { inserted: 0, duplicates: RECORDS },
    ]);
    expect(await transactionsOf(tenant, [200, 300, 400].flatMap(idsOf))).toBe(1);
    const all = [100, 200, 300, 400, 1000, 2000].flatMap(idsOf);
    expect(await storedOf(tenant, all)).toBe(all.length);
    const { rows } = await getPool().query<{ n: number }>(`SELECT sum(events)::int AS n FROM agent_session_rollups WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(rows[0].n).toBe(all.length);
  });
});

async function sql(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
