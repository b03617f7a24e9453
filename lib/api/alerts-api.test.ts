import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/api-tokens";
import { createUser } from "@/lib/auth/users";
import { getPool } from "@/lib/db/pool";
import { insertTestAlert } from "@/lib/testing/alerts";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// /api/v1/alerts over real HTTP: the queue and one alert for every role (managers never get the
// matched values), filters and the cursor, and PATCH's triage workflow, roles, bad input and audit.
// The alerts are written with SQL over a real ingested fixture (the engine is tested on its own).

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let other: TestTenant;
let analyst: { id: string; secret: string };
let manager: string;
let rejectEventId: string;
let promptId: string;
let sessionId: string;
let denied: string;
let bypass: string;
let theirs: string;
const RULE_DENIED = "5b0a4a1e-3c47-4e0e-8f4e-1d1f7e1a0b01";
const RULE_BYPASS = "5b0a4a1e-3c47-4e0e-8f4e-1d1f7e1a0b02";

async function call(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

async function audit(action: string) {
  const r = await getPool().query<{ actor: string; target: string; details: Record<string, unknown> | null }>(
    `SELECT actor, target, details FROM audit_log WHERE tenant_id = $1 AND action = $2 ORDER BY id`, [tenant.tenantId, action]);
  return r.rows;
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("alerts-api");
  other = await createTestTenant("alerts-api-other");
  const a = await createApiToken({ tenantId: tenant.tenantId, name: "soar", role: "analyst" });
  analyst = { id: a.token.id, secret: a.secret };
  await createUser({ tenantId: tenant.tenantId, email: "ana@example.com", role: "analyst", actor: "test" });
  manager = (await createApiToken({ tenantId: tenant.tenantId, name: "board", role: "manager" })).secret;
  for (const f of fixturesOf("b-tool-denied", "http-json")) expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  const ev = await getPool().query<{ id: string; time: Date; session_id: string; prompt_id: string; user_email: string | null }>(
    `SELECT id, time, session_id, prompt_id, user_email FROM events WHERE tenant_id = $1 AND event_name = 'tool_decision' AND decision = 'reject' ORDER BY time LIMIT 1`,
    [tenant.tenantId]);
  const e = ev.rows[0];
  rejectEventId = e.id;
  promptId = e.prompt_id;
  sessionId = e.session_id;
  const evidence = [{ kind: "event" as const, id: e.id, time: e.time, sessionId, promptId, name: "tool_decision" }];
  denied = await insertTestAlert(tenant.tenantId, {
    ruleId: RULE_DENIED, ruleTitle: "Destructive command refused by policy", level: "high", person: e.user_email, sessionId, promptId,
    firstSeen: e.time, matched: { command: "rm -rf build", decision_source: "config" }, evidence,
  });
  bypass = await insertTestAlert(tenant.tenantId, {
    ruleId: RULE_BYPASS, ruleTitle: "Permission mode set to bypassPermissions", level: "critical", person: e.user_email, sessionId, promptId,
    firstSeen: new Date(e.time.getTime() - 60_000), matched: { to_mode: "bypassPermissions" },
  });
  theirs = await insertTestAlert(other.tenantId, { ruleId: RULE_BYPASS, ruleTitle: "x", level: "critical", firstSeen: e.time });
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("GET /api/v1/alerts", () => {
  it("lists the tenant's alerts, most severe first, with rule, status, times, hits, person, ids and evidence", async () => {
    const { status, body } = await call("GET", "/api/v1/alerts", analyst.secret);
    expect(status).toBe(200);
    expect(body.alerts.map((a: { id: string }) => a.id)).toEqual([bypass, denied]);
    expect(body.nextCursor).toBeNull();
    const d = body.alerts[1];
    expect(d).toMatchObject({
      id: denied, rule: { id: RULE_DENIED, title: "Destructive command refused by policy", level: "high" }, status: "new", hits: 1,
      sessionId, promptId, traceId: null, matched: { command: "rm -rf build", decision_source: "config" },
      evidence: [{ kind: "event", id: rejectEventId, sessionId, promptId, name: "tool_decision" }],
    });
    for (const key of ["createdAt", "lastSeen", "firstSeen", "updatedAt"]) expect(Number.isNaN(Date.parse(d[key]))).toBe(false);
    expect((await audit("content.view")).map((r) => r.target)).toContain("alerts:");
  });

  it("gives managers the alerts without the matched values, and audits no content view", async () => {
    const before = (await audit("content.view")).length;
    const { status, body, text } = await call("GET", "/api/v1/alerts", manager);
    expect(status).toBe(200);
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts.every((a: { matched: unknown }) => a.matched === null)).toBe(true);
    expect(text).not.toContain("rm -rf");
    const one = await call("GET", `/api/v1/alerts/${denied}`, manager);
    expect(one.status).toBe(200);
    expect(one.body.matched).toBeNull();
    expect(one.body.evidence).toHaveLength(1);
    expect((await audit("content.view")).length).toBe(before);
  });

  it("filters by status, rule, severity and time, and pages with the cursor", async () => {
    const ids = async (q: string) => (await call("GET", `/api/v1/alerts?${q}`, analyst.secret)).body.alerts.map((a: { id: string }) => a.id);
    expect(await ids("severity=high")).toEqual([denied]);
    expect(await ids("severity=high,critical&status=new")).toEqual([bypass, denied]);
    expect(await ids(`rule=${RULE_BYPASS}`)).toEqual([bypass]);
    expect(await ids("status=closed")).toEqual([]);
    expect(await ids("service=office_agent")).toEqual([]);
    expect(await ids("from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")).toEqual([]);
    const first = await call("GET", "/api/v1/alerts?limit=1", analyst.secret);
    expect(first.body.alerts.map((a: { id: string }) => a.id)).toEqual([bypass]);
    const second = await call("GET", `/api/v1/alerts?limit=1&cursor=${first.body.nextCursor}`, analyst.secret);
    expect(second.body).toMatchObject({ alerts: [{ id: denied }], nextCursor: null });
  });

  it("answers bad input with 400 and a reason, a missing token with 401", async () => {
    for (const q of ["severity=urgent", "status=open,new", "status=resolved", "service=slack", "limit=0", "limit=201", "cursor=xyz", "from=yesterday", "from=2026-12-02&to=2026-12-01"]) {
      const r = await call("GET", `/api/v1/alerts?${q}`, analyst.secret);
      expect(r.status, q).toBe(400);
      expect(typeof r.body.error, q).toBe("string");
    }
    expect((await call("GET", "/api/v1/alerts", null)).status).toBe(401);
  });
});

describe("GET /api/v1/alerts/{id}", () => {
  it("returns one alert of the tenant and 404 for any other id", async () => {
    const r = await call("GET", `/api/v1/alerts/${denied}`, analyst.secret);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: denied, matched: { command: "rm -rf build" } });
    for (const id of [theirs, "00000000-0000-0000-0000-000000000000", "not-an-id"]) expect((await call("GET", `/api/v1/alerts/${id}`, analyst.secret)).status).toBe(404);
  });
});

describe("PATCH /api/v1/alerts/{id}", () => {
  it("acknowledges, assigns, notes and closes with a resolution; each change audited with the token as actor", async () => {
    const ack = await call("PATCH", `/api/v1/alerts/${denied}`, analyst.secret, { status: "acknowledged" });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: denied, status: "acknowledged", resolution: null, matched: { command: "rm -rf build" } });

    const assigned = await call("PATCH", `/api/v1/alerts/${denied}`, analyst.secret, { assignee: "Ana@Example.com" });
    expect(assigned.body).toMatchObject({ status: "acknowledged", assignee: "ana@example.com" });

    const noResolution = await call("PATCH", `/api/v1/alerts/${denied}`, analyst.secret, { status: "closed" });
    expect(noResolution.status).toBe(400);
    expect(noResolution.body.error).toMatch(/closing needs a resolution/);
    const backToNew = await call("PATCH", `/api/v1/alerts/${denied}`, analyst.secret, { status: "new" });
    expect(backToNew.status).toBe(409);
    expect(backToNew.body.error).toMatch(/cannot go back to new/);

    const closed = await call("PATCH", `/api/v1/alerts/${denied}`, analyst.secret, { status: "closed", resolution: "false_positive", note: "build dir cleanup, expected" });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: "closed", resolution: "false_positive" });
    const got = await call("GET", `/api/v1/alerts?status=closed`, analyst.secret);
    expect(got.body.alerts.map((a: { id: string }) => a.id)).toEqual([denied]);

    const actor = `api_token:soar (${analyst.id})`;
    expect((await audit("alert.status")).map((r) => [r.actor, r.target, r.details])).toEqual([
      [actor, denied, { from: "new", to: "acknowledged" }],
      [actor, denied, { from: "acknowledged", to: "closed", resolution: "false_positive" }],
    ]);
    expect((await audit("alert.assign")).map((r) => [r.actor, r.details])).toEqual([[actor, { assignee: "ana@example.com" }]]);
    expect((await audit("alert.note")).map((r) => [r.actor, r.target])).toEqual([[actor, denied]]);
    const note = await getPool().query(`SELECT author, body FROM alert_notes WHERE tenant_id = $1 AND alert_id = $2`, [tenant.tenantId, denied]);
    expect(note.rows).toEqual([{ author: actor, body: "build dir cleanup, expected" }]);
  });

  it("refuses manager tokens (403) and leaves the alert as it was", async () => {
    const r = await call("PATCH", `/api/v1/alerts/${bypass}`, manager, { status: "acknowledged" });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/analyst or admin/);
    expect((await call("GET", `/api/v1/alerts/${bypass}`, analyst.secret)).body.status).toBe("new");
    expect((await call("PATCH", `/api/v1/alerts/${bypass}`, null, { status: "acknowledged" })).status).toBe(401);
  });

  it("answers bad bodies with 400, 413 or 415, unknown alerts with 404, never 500", async () => {
    const cases: [unknown, Record<string, string>, number, RegExp][] = [
      ["{not json", {}, 400, /not valid JSON/],
      [{ status: "acknowledged" }, { "content-type": "text/plain" }, 415, /application\/json/],
      [{ note: "x".repeat(70_000) }, {}, 413, /larger than/],
      [{}, {}, 400, /nothing to change/],
      [[], {}, 400, /./],
      [null, {}, 400, /./],
      [{ status: "acknowledged", owner: "me" }, {}, 400, /owner/],
      [{ note: "a\u0000b" }, {}, 400, /NUL/],
      [{ status: "closed", resolution: "maybe" }, {}, 400, /resolution/],
      [{ assignee: "nobody@example.com" }, {}, 400, /not an active analyst or admin/],
    ];
    for (const [body, headers, status, message] of cases) {
      const r = await call("PATCH", `/api/v1/alerts/${bypass}`, analyst.secret, body, headers);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(r.body.error).toMatch(message);
    }
    expect((await call("PATCH", `/api/v1/alerts/${theirs}`, analyst.secret, { status: "acknowledged" })).status).toBe(404);
    expect((await call("PATCH", "/api/v1/alerts/nope", analyst.secret, { status: "acknowledged" })).status).toBe(404);
    expect((await call("GET", `/api/v1/alerts/${bypass}`, analyst.secret)).body).toMatchObject({ status: "new", assignee: null });
  });
});
