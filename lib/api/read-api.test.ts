import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, revokeApiToken } from "@/lib/auth/api-tokens";
import { prisma } from "@/lib/db/prisma";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf, type FixtureRequest } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The read API as automation uses it: ordering, summaries, filters, pagination, errors,
// roles (managers never receive content), and the audit trail of content views.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let managerToken: string;

async function ingest(f: FixtureRequest, token: string): Promise<void> {
  expect((await postFixture(app.url, token, f)).status).toBe(200);
}

async function get(path: string, token: string) {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

function recordsOf(f: FixtureRequest) {
  return ((f.decoded() as ExportLogsServiceRequest).resourceLogs ?? []).flatMap((rl) =>
    (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => attributesToJson(r.attributes))),
  );
}

const deniedLogs = fixturesOf("b-tool-denied", "http-json").find((f) => f.signal === "logs")!;
const errorLogs = fixturesOf("g-api-errors", "http-protobuf").filter((f) => f.signal === "logs");

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("api");
  managerToken = (await createApiToken({ tenantId: tenant.tenantId, name: "manager", role: "manager" })).secret;
  await ingest(deniedLogs, tenant.ingestToken);
  for (const f of errorLogs) await ingest(f, tenant.ingestToken);
  for (const f of fixturesOf("office-traces", "http-json")) await ingest(f, tenant.ingestToken);
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("GET /api/v1/prompts/{promptId}", () => {
  const records = recordsOf(deniedLogs);
  const promptId = String(records.find((r) => r["prompt.id"])!["prompt.id"]);

  it("orders the prompt's events by event.sequence and summarizes them", async () => {
    const { status, body } = await get(`/api/v1/prompts/${promptId}`, tenant.apiToken);
    expect(status).toBe(200);
    const expected = records.filter((r) => r["prompt.id"] === promptId).sort((a, b) => Number(a["event.sequence"]) - Number(b["event.sequence"]));
    expect(body.events.map((e: { sequence: number }) => e.sequence)).toEqual(expected.map((r) => r["event.sequence"]));
    expect(body.events.map((e: { name: string }) => e.name)).toEqual(expected.map((r) => r["event.name"]));
    // Counted independently from the decoded payload.
    const decisions = expected.filter((r) => r["event.name"] === "tool_decision");
    expect(body.summary.rejectedDecisions).toBe(decisions.filter((r) => r.decision === "reject").length);
    expect(body.summary.decisionsBySource).toEqual({ config: decisions.length });
    expect(body.summary.toolCalls).toBe(expected.filter((r) => r["event.name"] === "tool_result").length);
    const cost = expected.filter((r) => r["event.name"] === "api_request").reduce((s, r) => s + Number(r.cost_usd), 0);
    expect(body.summary.costUsd).toBeCloseTo(cost, 12);
    const reject = body.events.find((e: { decision: string }) => e.decision === "reject");
    expect(reject).toMatchObject({ name: "tool_decision", decisionSource: "config", toolName: "Bash" });
    expect(reject.fields.toolParameters.full_command).toContain("rm");
  });

  it("400, not a database error, for a NUL (%00) in the path or the query", async () => {
    for (const path of [
      "/api/v1/prompts/a%00b",
      "/api/v1/sessions/%00",
      "/api/v1/sessions/some-session?cursor=%00",
      "/api/v1/events?user=%00",
      "/api/v1/events?name=x%00&source=claude_code",
      "/api/v1/approvals/summary?user=%00",
      "/api/v1/metrics?name=%00",
    ]) {
      const { status, body } = await get(path, tenant.apiToken);
      expect({ path, status, body }).toEqual({ path, status: 400, body: { error: "the URL must not contain NUL (%00)" } });
    }
    // The text "%00" itself (sent as %2500) is an ordinary value.
    expect((await get("/api/v1/prompts/%2500", tenant.apiToken)).status).toBe(404);
  });

  it("404 for an unknown prompt, 401 without a token, 403 for a revoked token", async () => {
    expect((await get(`/api/v1/prompts/00000000-0000-4000-8000-000000000000`, tenant.apiToken)).status).toBe(404);
    const anon = await fetch(`${app.url}/api/v1/prompts/${promptId}`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toContain("Bearer");
    const { token, secret } = await createApiToken({ tenantId: tenant.tenantId, name: "short-lived", role: "analyst" });
    await revokeApiToken(token.id);
    expect((await get(`/api/v1/prompts/${promptId}`, secret)).status).toBe(403);
    // An ingest token is not a read token.
    expect((await get(`/api/v1/prompts/${promptId}`, tenant.ingestToken)).status).toBe(401);
  });

  it("a manager sees the timeline without content; an analyst's view is audit-logged", async () => {
    const manager = await get(`/api/v1/prompts/${promptId}`, managerToken);
    expect(manager.status).toBe(200);
    const prompt = manager.body.events.find((e: { name: string }) => e.name === "user_prompt");
    expect(prompt.attributes.prompt).toBeUndefined();
    expect(prompt.hiddenKeys).toContain("prompt");
    const decision = manager.body.events.find((e: { name: string }) => e.name === "tool_decision");
    expect(decision.attributes.tool_parameters).toBeUndefined();
    expect(decision.fields.toolParameters).toBeUndefined();
    expect(decision.decisionSource).toBe("config");
    expect(JSON.stringify(manager.body)).not.toContain("rm -rf");

    const before = await prisma().auditLog.count({ where: { tenantId: tenant.tenantId, action: "content.view" } });
    await get(`/api/v1/prompts/${promptId}`, tenant.apiToken);
    const after = await prisma().auditLog.findMany({ where: { tenantId: tenant.tenantId, action: "content.view" }, orderBy: { id: "desc" } });
    expect(after.length).toBe(before + 1);
    expect(after[0].target).toBe(`prompt:${promptId}`);
    expect(after[0].actor).toContain("api_token:api-api");
  });
});

describe("GET /api/v1/sessions/{sessionId}", () => {
  it("lists the session's prompts in order with their events", async () => {
    const records = errorLogs.flatMap(recordsOf);
    const sessionId = String(records[0]["session.id"]);
    const { status, body } = await get(`/api/v1/sessions/${sessionId}`, tenant.apiToken);
    expect(status).toBe(200);
    const inSession = records.filter((r) => r["session.id"] === sessionId);
    expect(body.eventCount).toBe(inSession.length);
    expect(body.prompts.map((p: { promptId: string }) => p.promptId).sort()).toEqual(
      [...new Set(inSession.map((r) => r["prompt.id"]).filter(Boolean))].sort(),
    );
    // Paging through the events returns each exactly once, in order.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { events: { sequence: number }[]; nextCursor: string | null } } = await get(`/api/v1/sessions/${sessionId}?limit=2${cursor ? `&cursor=${cursor}` : ""}`, tenant.apiToken);
      seen.push(...page.body.events.map((e) => e.sequence));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(inSession.map((r) => Number(r["event.sequence"])).sort((a, b) => a - b));
    expect((await get(`/api/v1/sessions/${sessionId}?cursor=nope`, tenant.apiToken)).status).toBe(400);
  });

  it("shows Office traces that share the session.id", async () => {
    const f = fixturesOf("office-traces", "http-json")[0];
    const span = (f.decoded() as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] })
      .resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === "agent.query")!;
    const sessionId = span.attributes.find((a) => a.key === "session.id")!.value.stringValue!;
    const { status, body } = await get(`/api/v1/sessions/${sessionId}`, tenant.apiToken);
    expect(status).toBe(200);
    expect(body.traces.length).toBeGreaterThan(0);
    expect(body.traces.every((t: { rootName: string }) => t.rootName === "agent.query" || t.rootName === "file.upload")).toBe(true);
  });
});

describe("GET /api/v1/events", () => {
  it("filters by name, source and user, newest first", async () => {
    const { body } = await get(`/api/v1/events?name=api_error&source=claude_code`, tenant.apiToken);
    const expected = errorLogs.flatMap(recordsOf).filter((r) => r["event.name"] === "api_error");
    expect(body.events).toHaveLength(expected.length);
    const times = body.events.map((e: { timestamp: string }) => e.timestamp);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(body.events.map((e: { statusCode: number }) => e.statusCode))).toEqual(new Set(expected.map((r) => r.status_code ?? null)));
    const byUser = await get(`/api/v1/events?user=5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04&limit=1000`, tenant.apiToken);
    expect(byUser.body.events.length).toBe(recordsOf(deniedLogs).length + errorLogs.flatMap(recordsOf).length);
  });

  it("pages with a cursor without gaps or repeats", async () => {
    const all = await get(`/api/v1/events?limit=1000`, tenant.apiToken);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { events: { id: string }[]; nextCursor: string | null } } = await get(`/api/v1/events?limit=7${cursor ? `&cursor=${cursor}` : ""}`, tenant.apiToken);
      seen.push(...page.body.events.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.events.map((e: { id: string }) => e.id));
  });

  it("400 for a bad cursor, limit or time", async () => {
    expect((await get(`/api/v1/events?cursor=garbage`, tenant.apiToken)).status).toBe(400);
    expect((await get(`/api/v1/events?limit=0`, tenant.apiToken)).status).toBe(400);
    expect((await get(`/api/v1/events?from=yesterday`, tenant.apiToken)).status).toBe(400);
  });

  it("time window", async () => {
    const all = (await get(`/api/v1/events?limit=1000`, tenant.apiToken)).body.events as { timestamp: string }[];
    const mid = all[Math.floor(all.length / 2)].timestamp;
    const newer = (await get(`/api/v1/events?limit=1000&from=${encodeURIComponent(mid)}`, tenant.apiToken)).body.events as { timestamp: string }[];
    expect(newer.length).toBe(all.filter((e) => e.timestamp >= mid).length);
  });
});

describe("GET /api/v1/traces/{traceId}", () => {
  it("hides Office content from managers but keeps the decision and read/write", async () => {
    const f = fixturesOf("office-traces", "http-json")[0];
    const traceId: string = (f.decoded() as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans[0].traceId;
    type S = { name: string; decision: string | null; readWrite: string | null; attributes: Record<string, unknown>; fields: Record<string, unknown>; hiddenKeys: string[]; children: S[] };
    const flat = (roots: S[]): S[] => roots.flatMap((r) => [r, ...flat(r.children)]);
    const manager = await get(`/api/v1/traces/${traceId}`, managerToken);
    expect(manager.status).toBe(200);
    const spans = flat(manager.body.roots);
    for (const s of spans) {
      for (const key of ["tool.input", "tool.output", "user.message", "document.url"]) expect(s.attributes[key]).toBeUndefined();
      expect(s.fields.toolInput).toBeUndefined();
    }
    const tool = spans.find((s) => s.name === "agent.tool_execution")!;
    expect(tool.hiddenKeys).toEqual(expect.arrayContaining(["tool.input", "tool.output"]));
    expect(tool.decision).not.toBeNull();
    expect(tool.readWrite).not.toBeNull();
    const analyst = flat((await get(`/api/v1/traces/${traceId}`, tenant.apiToken)).body.roots);
    expect(analyst.find((s) => s.name === "agent.query")!.attributes["user.message"]).toEqual(expect.any(String));
    expect((await get(`/api/v1/traces/not-hex`, tenant.apiToken)).status).toBe(400);
  });
});
