import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closePool, getPool } from "@/lib/db/pool";
import { toTaggedId } from "@/lib/identity/tagged-id";
import { faults, loadComplianceFixtures, SCOPES, startComplianceStub, type ComplianceStub, type ComplianceStubData, type Json, type StubSession } from "@/lib/testing/compliance-stub";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { saveConnector } from "./connector-config";
import type { Stream } from "./sync/catalog";
import { runComplianceSync, type SyncOptions } from "./sync/engine";
import { connectorStatus } from "./sync/status";

// The stub Compliance API listens on http://127.0.0.1: allowed only under the test flag.
process.env.BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK = "1";

// The connector against the stub Compliance API on a real database (PGlite, or the server in
// TEST_DATABASE_URL): nothing missed or duplicated across pages, restarts and overlapping
// windows; 429 waits for retry-after; 5xx retries; a crash mid-page resumes where it stopped.

const KEY = "sk-ant-api01-sync-test-key-0123456789abcdef";
const T0 = Date.parse("2026-10-01T00:00:00Z");
const MIN = 60_000;

let db: TestDatabase;
const stubs: ComplianceStub[] = [];

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "sync-test-secret-0123456789";
  db = await startTestDatabase();
});

afterEach(async () => {
  while (stubs.length) await stubs.pop()!.close();
});

afterAll(async () => {
  await db.stop();
});

let seq = 0;
function activity(t: number, type = "claude_chat_created"): Json {
  seq += 1;
  return {
    id: toTaggedId("activity", randomUUID()),
    created_at: new Date(t).toISOString(),
    organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F",
    organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
    actor: { type: "user_actor", email_address: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.1", user_agent: "t" },
    type,
    n: seq,
  };
}

/** A tenant whose connector points at a fresh stub holding `data`. */
async function setup(data: ComplianceStubData = {}) {
  const stub = await startComplianceStub({ keys: [KEY], data });
  stubs.push(stub);
  const tenantId = await ensureTenant(`t-${randomUUID().slice(0, 8)}`);
  const saved = await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
  expect(saved.ok).toBe(true);
  return { stub, tenantId };
}

function sync(tenantId: string, nowMs: number, over: Partial<SyncOptions> = {}) {
  return runComplianceSync({
    tenantId,
    force: true,
    now: () => new Date(nowMs),
    settleSeconds: 60,
    pageSize: { activities: 100, chats: 2, sessions_local: 4, sessions_remote: 4 },
    client: { retry: { baseDelayMs: 5, maxDelayMs: 20 } },
    ...over,
  });
}

const activitiesOnly = { streams: ["activities"] as Stream[] };

async function storedActivityIds(tenantId: string): Promise<string[]> {
  const { rows } = await getPool().query<{ id: string }>(`SELECT id FROM compliance_activities WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
  return rows.map((r) => r.id);
}

async function state(tenantId: string, stream: Stream) {
  const { rows } = await getPool().query(`SELECT * FROM compliance_sync_state WHERE tenant_id = $1 AND stream = $2`, [tenantId, stream]);
  return rows[0] as { cursor: { coveredUntil?: string; window?: { afterId: string | null } }; records_pulled: number; last_error: string | null; last_success_at: Date | null };
}

const idsOf = (rows: Json[]) => rows.map((r) => r.id as string).sort();

/** The feed's order: newest first, ties by id. */
function newestFirst(rows: Json[]): string[] {
  const key = (r: Json) => [Date.parse(r.created_at as string), r.id as string] as const;
  return [...rows].sort((a, b) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta !== tb ? tb - ta : ia < ib ? 1 : ia > ib ? -1 : 0;
  }).map((r) => r.id as string);
}

/** 1,234 activities over two hours, every tenth sharing its timestamp with the next nine (ties by id). */
function backlog(): Json[] {
  return Array.from({ length: 1234 }, (_, i) => activity(T0 + Math.floor(i / 10) * 5_000));
}

describe(`activities (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("pulls every activity exactly once across pages, ties included", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now = T0 + 3 * 3600_000;
    const report = await sync(tenantId, now, activitiesOnly);
    expect(report.activities).toMatchObject({ ok: true, pages: 13, fetched: 1234, stored: 1234 });
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
    const st = await state(tenantId, "activities");
    expect(st.records_pulled).toBe(1234);
    expect(st.cursor).toMatchObject({ coveredUntil: new Date(now - MIN).toISOString() });
    expect(st.cursor.window).toBeUndefined();
    // One window, walked newest first, each page after the previous page's last_id.
    const reqs = stub.requestsTo("/v1/compliance/activities");
    expect(reqs).toHaveLength(13);
    for (const r of reqs) {
      expect(r.query["created_at.lt"]).toEqual([new Date(now - MIN).toISOString()]);
      expect(r.query["created_at.gte"]).toBeUndefined();
      expect(r.query.order).toEqual(["desc"]);
    }
    expect(reqs[0].query.after_id).toBeUndefined();
  });

  it("a restart continues from the persisted cursor; overlapping windows never duplicate; late rows inside the overlap arrive", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now1 = T0 + 3 * 3600_000;
    await sync(tenantId, now1, activitiesOnly);
    const covered = now1 - MIN;

    // The process restarts: connections dropped, nothing kept in memory.
    await closePool();

    // New rows, rows that arrived late behind the cursor (inside the 300 s overlap), rows in
    // the overlap that were already pulled, and one row later than the overlap allows.
    const fresh = Array.from({ length: 57 }, (_, i) => activity(covered + 1_000 + i * 1_000));
    const late = [activity(covered - 30_000), activity(covered - 240_000), activity(covered - 1)];
    const tooLate = activity(covered - 400_000);
    stub.addActivities([...fresh, ...late, tooLate]);
    const before = stub.requests.length;
    const now2 = now1 + 10 * MIN;
    const report = await sync(tenantId, now2, activitiesOnly);
    expect(report.activities.ok).toBe(true);
    expect(report.activities.stored).toBe(60);

    const first = stub.requests[before];
    expect(first.query["created_at.gte"]).toEqual([new Date(covered - 300_000).toISOString()]);
    expect(first.query["created_at.lt"]).toEqual([new Date(now2 - MIN).toISOString()]);
    const stored = await storedActivityIds(tenantId);
    expect(stored).toEqual(idsOf([...rows, ...fresh, ...late]));
    // Later than the overlap window: not seen (widen overlap_seconds for slower feeds).
    expect(stored).not.toContain(tooLate.id);
    expect((await state(tenantId, "activities")).records_pulled).toBe(rows.length + 60);

    // A third run with nothing new re-reads only the overlap and stores nothing.
    const again = await sync(tenantId, now2 + MIN, activitiesOnly);
    expect(again.activities).toMatchObject({ ok: true, stored: 0 });
    expect(await storedActivityIds(tenantId)).toHaveLength(rows.length + 60);
  });

  it("a row arriving mid-walk behind the cursor is picked up by the next, overlapping window", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now = T0 + 3 * 3600_000;
    const late = activity(now - MIN - 1_000);
    stub.onRequest((req) => {
      // After the first (newest) page went out, a row lands in the part already walked.
      if (req.query.get("after_id") && !stub.data.activities.includes(late)) stub.addActivities([late]);
    });
    await sync(tenantId, now, activitiesOnly);
    stub.onRequest(null);
    expect(await storedActivityIds(tenantId)).not.toContain(late.id);
    await sync(tenantId, now + MIN, activitiesOnly);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf([...rows, late]));
  });

  it("429 mid-walk waits for retry-after and asks for the same page again", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    stub.inject({ match: (r) => r.path === "/v1/compliance/activities" && r.query.has("after_id"), fault: faults.rateLimited(1) });
    const started = Date.now();
    const report = await sync(tenantId, T0 + 3 * 3600_000, activitiesOnly);
    expect(report.activities.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const reqs = stub.requestsTo("/v1/compliance/activities");
    const i = reqs.findIndex((r) => r.status === 429);
    expect(reqs[i + 1].status).toBe(200);
    expect(reqs[i + 1].query.after_id).toEqual(reqs[i].query.after_id);
    expect(reqs[i + 1].at - reqs[i].at).toBeGreaterThanOrEqual(1000);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
  });

  it("5xx is retried; a 500 with x-should-retry: false stops the stream, keeps the cursor, and the next run resumes", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    let pages = 0;
    const onPage = (r: { path: string; query: URLSearchParams }) => r.path === "/v1/compliance/activities" && ++pages === 2;
    stub.inject({ match: onPage, fault: faults.overloaded() });
    stub.inject({ match: (r) => r.path === "/v1/compliance/activities" && r.query.has("after_id"), times: 1, fault: faults.overloaded() });
    const now = T0 + 3 * 3600_000;
    expect((await sync(tenantId, now, activitiesOnly)).activities.ok).toBe(true);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));

    const second = await setup({ activities: rows });
    let n = 0;
    second.stub.inject({ match: (r) => r.path === "/v1/compliance/activities" && ++n === 3, fault: faults.serverError(false) });
    const failed = await sync(second.tenantId, now, activitiesOnly);
    expect(failed.activities.ok).toBe(false);
    expect(failed.activities.error).toMatch(/500 api_error: Internal server error \(request-id req_stub_/);
    const st = await state(second.tenantId, "activities");
    expect(st.last_error).toMatch(/500 api_error/);
    expect(await storedActivityIds(second.tenantId)).toHaveLength(200);
    const lastOfPage2 = second.stub.requestsTo("/v1/compliance/activities")[2].query.after_id![0];
    expect(st.cursor.window?.afterId).toBe(lastOfPage2);

    const before = second.stub.requests.length;
    const resumed = await sync(second.tenantId, now + 5 * MIN, activitiesOnly);
    expect(resumed.activities.ok).toBe(true);
    // Same window, from the page after the last committed one.
    expect(second.stub.requests[before].query.after_id).toEqual([lastOfPage2]);
    expect(second.stub.requests[before].query["created_at.lt"]).toEqual([new Date(now - MIN).toISOString()]);
    expect(await storedActivityIds(second.tenantId)).toEqual(idsOf(rows));
    const after = await state(second.tenantId, "activities");
    expect(after.last_error).toBeNull();
    expect(after.records_pulled).toBe(1234);
  });

  it("a connection cut mid-page is retried transparently", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    stub.inject({ match: (r) => r.path === "/v1/compliance/activities" && r.query.has("after_id"), fault: faults.cut() });
    stub.inject({ match: (r) => r.path === "/v1/compliance/activities" && r.query.has("after_id"), fault: faults.reset() });
    expect((await sync(tenantId, T0 + 3 * 3600_000, activitiesOnly)).activities.ok).toBe(true);
    expect(stub.requests.filter((r) => r.fault).map((r) => r.fault)).toEqual(["cut", "reset"]);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
  });

  it("a crash before a page commits stores nothing of it; the rerun resumes at that page", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now = T0 + 3 * 3600_000;
    const crashed = await sync(tenantId, now, {
      ...activitiesOnly,
      hooks: {
        beforeCommit: (_s, page) => {
          if (page === 3) throw new Error("simulated crash");
        },
      },
    });
    expect(crashed.activities.ok).toBe(false);
    expect(await storedActivityIds(tenantId)).toHaveLength(200);
    const st = await state(tenantId, "activities");
    expect(st.records_pulled).toBe(200);
    const page3 = stub.requestsTo("/v1/compliance/activities")[2];
    // The cursor is page 2's last row: the 200th newest.
    expect(st.cursor.window?.afterId).toBe(newestFirst(rows)[199]);
    expect(page3.query.after_id).toEqual([newestFirst(rows)[199]]);

    await closePool();
    const before = stub.requests.length;
    await sync(tenantId, now + 2 * MIN, activitiesOnly);
    expect(stub.requests[before].query.after_id).toEqual(page3.query.after_id);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
    expect((await state(tenantId, "activities")).records_pulled).toBe(1234);
  });

  it("a crash between pages resumes after the last committed page", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now = T0 + 3 * 3600_000;
    await sync(tenantId, now, {
      ...activitiesOnly,
      hooks: {
        afterCommit: (_s, page) => {
          if (page === 5) throw new Error("simulated crash");
        },
      },
    });
    expect(await storedActivityIds(tenantId)).toHaveLength(500);
    expect((await state(tenantId, "activities")).cursor.window?.afterId).toBe(newestFirst(rows)[499]);
    const before = stub.requests.length;
    await sync(tenantId, now + MIN, activitiesOnly);
    // The rerun continues after page 5's last row (the 500th newest) and walks only what is left.
    expect(stub.requests[before].query.after_id).toEqual([newestFirst(rows)[499]]);
    expect(stub.requests.length - before).toBe(13 - 5);
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
  });
});

describe("time budget", () => {
  it("a stream out of time stops at a page boundary and the next runs finish the window", async () => {
    const rows = backlog();
    const { stub, tenantId } = await setup({ activities: rows });
    const now = T0 + 3 * 3600_000;
    const first = await sync(tenantId, now, { ...activitiesOnly, streamBudgetMs: 0 });
    expect(first.activities).toMatchObject({ ok: true, pages: 1, stored: 100 });
    let runs = 1;
    while ((await state(tenantId, "activities")).cursor.window) {
      await sync(tenantId, now + runs * MIN, { ...activitiesOnly, streamBudgetMs: 0 });
      runs += 1;
    }
    expect(runs).toBe(13);
    // Every run stayed in the first window (same created_at.lt) until it was done.
    expect(new Set(stub.requestsTo("/v1/compliance/activities").map((r) => r.query["created_at.lt"][0]))).toEqual(new Set([new Date(now - MIN).toISOString()]));
    expect(await storedActivityIds(tenantId)).toEqual(idsOf(rows));
  });
});

describe("authentication and scopes", () => {
  it("a rejected key stops the run and says so on every stream; cursors stay", async () => {
    const { stub, tenantId } = await setup({ activities: [activity(T0)] });
    stub.removeKey(KEY);
    const report = await sync(tenantId, T0 + 3600_000);
    for (const r of Object.values(report)) expect(r.error).toMatch(/rejected the access key \(401 authentication_error: The API key provided is invalid or has been revoked\.\)/);
    // One request: the first stream's; the others did not try.
    expect(stub.requests).toHaveLength(1);
    const st = await state(tenantId, "activities");
    expect(st.cursor).toEqual({});
    expect(JSON.stringify(report)).not.toContain(KEY);
  });

  it("a key without user-data or org-data scope pulls activities and names the missing scope elsewhere", async () => {
    const { stub, tenantId } = await setup({ ...loadComplianceFixtures() });
    stub.setKey(KEY, [SCOPES.activities]);
    const report = await sync(tenantId, Date.parse("2026-11-22T03:00:00Z"));
    expect(report.activities).toMatchObject({ ok: true, stored: 4 });
    expect(report.chats.error).toMatch(/lacks the scope read:compliance_user_data \(403 permission_error: Missing required scopes/);
    expect(report.sessions_local.error).toMatch(/read:compliance_user_data/);
    expect(report.organizations.error).toMatch(/lacks the scope read:compliance_org_data/);
  });
});

describe("chats, sessions and the directory", () => {
  const NOW = Date.parse("2026-11-22T03:00:00Z");

  it("pulls the fixtures: chats with messages, a Claude Code transcript with its tool blocks, organizations and users", async () => {
    const { stub, tenantId } = await setup(loadComplianceFixtures());
    const report = await sync(tenantId, NOW);
    for (const [stream, r] of Object.entries(report)) expect(r.error, stream).toBeUndefined();
    const q = async (sql: string) => (await getPool().query(sql, [tenantId])).rows;
    expect(await q(`SELECT id, user_email, name FROM compliance_chats WHERE tenant_id = $1`)).toEqual([
      { id: "claude_chat_017GL4cCc7nQ3Ld3hNGcxn24", user_email: "jon.snow@westeros.example", name: "Q4 ledger variance" },
    ]);
    expect((await q(`SELECT role, ordinal FROM compliance_chat_messages WHERE tenant_id = $1 ORDER BY ordinal`)).map((r) => r.role)).toEqual(["user", "assistant"]);
    const [session] = await q(`SELECT id, product_surface, user_email, user_id FROM compliance_sessions WHERE tenant_id = $1`);
    expect(session).toEqual({ id: "clls_01Pr7axQ3qtaajtL5WrqJSG2", product_surface: "claude_code", user_email: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7" });
    const messages = await q(`SELECT role, text FROM compliance_session_messages WHERE tenant_id = $1 ORDER BY ordinal`);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(messages[0].text).toBe("list the ledgers and tell me which one changed last");
    const blocks = await q(`SELECT tool_use_id, kind, name, input, is_error FROM compliance_tool_blocks WHERE tenant_id = $1 ORDER BY kind DESC`);
    expect(blocks).toEqual([
      { tool_use_id: "toolu_01PRpJxKL3RgSdzw3G3XAXqf", kind: "tool_use", name: "Bash", input: '{"command":"ls -lt ledgers","description":"List the ledgers, newest first"}', is_error: null },
      { tool_use_id: "toolu_01PRpJxKL3RgSdzw3G3XAXqf", kind: "tool_result", name: "Bash", input: null, is_error: false },
    ]);
    expect(await q(`SELECT tagged_id FROM compliance_organizations WHERE tenant_id = $1`)).toEqual([{ tagged_id: "org_01JAS8wDVamuGmbTrUMp3J6F" }]);
    expect((await q(`SELECT email FROM compliance_users WHERE tenant_id = $1 ORDER BY email`)).map((r) => r.email)).toEqual([
      "jon.snow@westeros.example",
      "sansa.stark@westeros.example",
    ]);
    // Full tool input and results were asked for, not the 10 kB default.
    const transcriptReq = stub.requests.find((r) => r.path.endsWith("/messages") && r.path.includes("/sessions/local/"))!;
    expect(transcriptReq.query).toMatchObject({ tool_use_input_max_bytes: ["-1"], tool_result_max_bytes: ["-1"] });

    // A second run fetches no transcript that did not change.
    const before = stub.requests.length;
    const again = await sync(tenantId, NOW + MIN);
    expect(Object.values(again).every((r) => r.ok)).toBe(true);
    expect(stub.requests.slice(before).filter((r) => r.path.endsWith("/messages"))).toEqual([]);
    expect((await q(`SELECT count(*)::int AS n FROM compliance_session_messages WHERE tenant_id = $1`))[0].n).toBe(4);
  });

  it("a transcript that grows is fetched again and only its new messages are added, in order", async () => {
    const data = loadComplianceFixtures();
    const { stub, tenantId } = await setup(data);
    await sync(tenantId, NOW, { streams: ["sessions_local"] });
    const s = stub.data.localSessions[0];
    const bigInput = JSON.stringify({ command: `echo ${"x".repeat(20_000)}` });
    s.messages.push(
      { type: "compliance_local_session_message", id: "clsm_01extra1", role: "assistant", model: "claude-sonnet-5", created_at: "2026-11-22T02:20:00.000Z", provenance: null, content: [{ type: "tool_use", id: "toolu_01big", name: "Bash", input: bigInput, truncated: false }] },
      { type: "compliance_local_session_message", id: "clsm_01extra2", role: "user", model: null, created_at: "2026-11-22T02:20:01.000Z", provenance: null, content: [{ type: "text", text: "thanks", truncated: false }] },
    );
    s.session.updated_at = new Date(NOW + 30_000).toISOString();
    const report = await sync(tenantId, NOW + 2 * MIN, { streams: ["sessions_local"] });
    expect(report.sessions_local.stored).toBe(2);
    const rows = (await getPool().query(`SELECT id, ordinal FROM compliance_session_messages WHERE tenant_id = $1 ORDER BY ordinal`, [tenantId])).rows;
    expect(rows.map((r) => r.ordinal)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows[5].id).toBe("clsm_01extra2");
    const big = (await getPool().query(`SELECT input FROM compliance_tool_blocks WHERE tenant_id = $1 AND tool_use_id = 'toolu_01big'`, [tenantId])).rows[0];
    expect(big.input).toBe(bigInput);
  });

  function localSession(i: number): StubSession {
    const id = toTaggedId("clls", randomUUID());
    const t = new Date(NOW - 3600_000 + i * 60_000).toISOString();
    return {
      session: { type: "compliance_local_session", id, organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", workspace_id: null, user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "jon.snow@westeros.example" }, product_surface: i % 2 ? "cowork" : "claude_code", created_at: t, updated_at: t },
      messages: [{ type: "compliance_local_session_message", id: toTaggedId("clsm", randomUUID()), role: "user", model: null, created_at: t, provenance: null, content: [{ type: "text", text: `prompt ${i}`, truncated: false }] }],
    };
  }

  it("walks local sessions by page token (no has_more); a crash mid-walk and an expired token restart cleanly", async () => {
    const sessions = Array.from({ length: 25 }, (_, i) => localSession(i));
    const { stub, tenantId } = await setup({ localSessions: sessions });
    await sync(tenantId, NOW, {
      streams: ["sessions_local"],
      hooks: {
        afterCommit: (_s, page) => {
          if (page === 3) throw new Error("simulated crash");
        },
      },
    });
    const count = async () => (await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM compliance_sessions WHERE tenant_id = $1`, [tenantId])).rows[0].n;
    expect(await count()).toBe(12);
    // The stored page token has expired by the time the connector comes back.
    stub.expirePageTokens();
    const before = stub.requests.length;
    const report = await sync(tenantId, NOW + MIN, { streams: ["sessions_local"] });
    expect(report.sessions_local.ok).toBe(true);
    const rerun = stub.requests.slice(before);
    expect(rerun[0].status).toBe(400);
    expect(rerun[1].query.page).toBeUndefined();
    expect(await count()).toBe(25);
    // Transcripts already stored were not fetched again.
    expect(rerun.filter((r) => r.path.endsWith("/messages"))).toHaveLength(13);
    expect((await getPool().query(`SELECT count(*)::int AS n FROM compliance_session_messages WHERE tenant_id = $1`, [tenantId])).rows[0].n).toBe(25);
    // Covered up to the start of the (resumed) walk, minus the settle time.
    const st = await state(tenantId, "sessions_local");
    expect(st.cursor.coveredUntil).toBe(new Date(NOW - MIN).toISOString());

    // The next walk asks only for sessions updated since then (minus the overlap).
    const n = stub.requests.length;
    await sync(tenantId, NOW + 5 * MIN, { streams: ["sessions_local"] });
    expect(stub.requests[n].query["updated_at.gte"]).toEqual([new Date(NOW - MIN - 300_000).toISOString()]);
  });

  it("remote sessions: a pending session is stored without transcript and fetched once it completes", async () => {
    const remote = (status: string): StubSession => ({
      session: { type: "compliance_remote_session", id: "cse_01remote", organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "jon.snow@westeros.example" }, product_surface: "cowork_remote", status, created_at: "2026-11-22T02:00:00Z", updated_at: "2026-11-22T02:00:00Z" },
      messages: [{ type: "compliance_remote_session_message", id: "clsm_01r1", role: "user", model: null, created_at: "2026-11-22T02:00:01Z", provenance: null, content: [{ type: "text", text: "book the ravens", truncated: false }] }],
    });
    const { stub, tenantId } = await setup({ remoteSessions: [remote("pending")] });
    expect((await sync(tenantId, NOW, { streams: ["sessions_remote"] })).sessions_remote.ok).toBe(true);
    expect(stub.requests.filter((r) => r.path.endsWith("/messages"))).toHaveLength(0);
    stub.data.remoteSessions[0] = { ...remote("completed"), session: { ...remote("completed").session, updated_at: "2026-11-22T02:30:00Z" } };
    await sync(tenantId, NOW + MIN, { streams: ["sessions_remote"] });
    const rows = (await getPool().query(`SELECT s.status, (SELECT count(*)::int FROM compliance_session_messages m WHERE m.tenant_id = s.tenant_id AND m.session_id = s.id) AS n FROM compliance_sessions s WHERE s.tenant_id = $1`, [tenantId])).rows;
    expect(rows).toEqual([{ status: "completed", n: 1 }]);
  });

  it("reports state and lag for the status view", async () => {
    const { tenantId } = await setup(loadComplianceFixtures());
    await sync(tenantId, NOW);
    const status = await connectorStatus(tenantId, new Date(NOW + 30_000));
    expect(status.state).toBe("ok");
    expect(status.settings.keyHint).toBe("sk-ant-api01-…cdef");
    const a = status.streams.find((s) => s.stream === "activities")!;
    expect(a).toMatchObject({ recordsPulled: 4, lastError: null, coveredUntil: new Date(NOW - MIN).toISOString(), lagSeconds: 90 });
    expect(a.newestRecordAt).toBe("2026-11-22T02:16:05.118Z");
    expect(status.recordsPulled).toBe(4 + 3 + 5 + 1 + 2);
  });
});
