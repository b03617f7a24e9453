import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidCursorError } from "@/lib/db/sql";
import { withTransaction } from "@/lib/db/pool";
import { exploreEvents } from "@/lib/explore/query";
import { searchActivities } from "@/lib/queries/compliance-activities";
import { storeActivities } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// A cursor is the client's to send back, so it may come back tampered with, cut short, edited by
// hand or taken from another endpoint. Every paged read route answers all of these the same way:
// 400 with { error } naming the cursor, never a database error (500). The console pages that page
// (Explorer, Compliance activity) get the same InvalidCursorError from their queries.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const UUID = "0b6c5f7e-2f1a-4b8e-9a55-3d1c2b7a9e01";
const TIME = "2026-11-22T10:15:03.123Z";

/** Garbled cursors, each a different way of being wrong (`kind`: the endpoint's cursor tag). */
function garbled(kind: string): Array<[string, string]> {
  const forged = (p: unknown) => b64({ k: kind, p });
  return [
    ["garbage", "garbage"],
    ["not base64url", "eyJ0Ijo+/w=="],
    ["JSON null", b64(null)],
    ["JSON number", b64(42)],
    ["id that is no UUID", forged({ t: TIME, s: 1, id: "x'; DROP TABLE events; --", v: null, d: "desc" })],
    ["30 February", forged({ t: "2026-02-30T00:00:00Z", s: 1, id: UUID, v: null, d: "desc" })],
    ["fractional sequence", forged({ t: TIME, s: 1.5, id: UUID })],
    ["sequence beyond bigint", forged({ t: TIME, s: 1e30, id: UUID })],
    ["NUL in a value", forged({ t: TIME, s: 1, id: `${UUID}\u0000` })],
    ["an unknown field", forged({ t: TIME, s: 1, id: UUID, x: 1 })],
  ];
}

/** A real cursor changed: cut short, one character replaced, or made by the other endpoint. */
function tamperedFrom(real: string, other: string): Array<[string, string]> {
  return [
    ["truncated", real.slice(0, Math.floor(real.length / 2))],
    ["one character changed", `${real.slice(0, 5)}${real[5] === "A" ? "B" : "A"}${real.slice(6)}`],
    ["another endpoint's cursor", other],
  ];
}

/** Paged read routes with a cursor= parameter. The test below fails when a new one is not listed. */
const CURSOR_ROUTES = ["app/api/v1/events/route.ts", "app/api/v1/sessions/[sessionId]/route.ts", "app/api/v1/alerts/route.ts", "app/api/v1/audit/route.ts"];

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : /route\.ts$/.test(name) ? [p] : [];
  });
}

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let sessionId: string;

async function get(p: string) {
  const res = await fetch(`${app.url}${p}`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("cursors");
  for (const f of fixturesOf("g-api-errors", "http-json").filter((x) => x.signal === "logs")) {
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  }
  sessionId = (await get("/api/v1/events?limit=1")).body.events[0].sessionId;
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("a garbled or tampered cursor", () => {
  it("the list of paged routes is complete", () => {
    const withCursor = routeFiles("app/api").filter((f) => /["']cursor["']/.test(readFileSync(f, "utf8")));
    expect(withCursor.sort()).toEqual([...CURSOR_ROUTES].sort());
  });

  it("is 400 with one error shape on every paged read route", async () => {
    const events = await get("/api/v1/events?limit=1");
    const session = await get(`/api/v1/sessions/${sessionId}?limit=1`);
    const eventsCursor: string = events.body.nextCursor;
    const sessionCursor: string = session.body.nextCursor;
    expect(eventsCursor).toEqual(expect.any(String));
    expect(sessionCursor).toEqual(expect.any(String));
    const expected = { status: 400, type: expect.stringContaining("application/json"), body: { error: new InvalidCursorError().message } };

    const cases: Array<[string, string, string]> = [
      ...[...garbled("events"), ...tamperedFrom(eventsCursor, sessionCursor)].map(([what, c]): [string, string, string] => ["/api/v1/events?limit=1&cursor=", what, c]),
      ...[...garbled("session-events"), ...tamperedFrom(sessionCursor, eventsCursor)].map(([what, c]): [string, string, string] => [`/api/v1/sessions/${sessionId}?limit=1&cursor=`, what, c]),
      ...[...garbled("audit"), ["another endpoint's cursor", eventsCursor] as [string, string]].map(([what, c]): [string, string, string] => ["/api/v1/audit?limit=1&cursor=", what, c]),
    ];
    for (const [route, what, cursor] of cases) {
      const res = await get(`${route}${encodeURIComponent(cursor)}`);
      expect({ route, what, ...res }).toEqual({ route, what, ...expected });
    }
    // The real cursors still work.
    expect((await get(`/api/v1/events?limit=1&cursor=${eventsCursor}`)).status).toBe(200);
    expect((await get(`/api/v1/sessions/${sessionId}?limit=1&cursor=${sessionCursor}`)).status).toBe(200);
  });

  it("is InvalidCursorError for the Explorer's and the Compliance page's queries", async () => {
    await withTransaction((tx) =>
      storeActivities(tx, tenant.tenantId, [
        { id: "activity_01A", created_at: "2026-11-22T02:16:05Z", type: "claude_chat_viewed", actor: { type: "user_actor", email_address: "a@b.example" } },
        { id: "activity_01B", created_at: "2026-11-22T02:15:05Z", type: "claude_chat_viewed", actor: { type: "user_actor", email_address: "a@b.example" } },
      ], "api"),
    );
    const explore = (cursor?: string) => exploreEvents(tenant.tenantId, { sort: "time", dir: "desc", limit: 1, cursor }, false);
    const activities = (cursor?: string) => searchActivities(tenant.tenantId, { limit: 1, cursor }, { canReadContent: false });
    const exploreCursor = (await explore()).nextCursor!;
    const activityCursor = (await activities()).nextCursor!;
    for (const [what, cursor] of [...garbled("explore"), ...tamperedFrom(exploreCursor, activityCursor)]) {
      await expect(explore(cursor), what).rejects.toBeInstanceOf(InvalidCursorError);
    }
    for (const [what, cursor] of [...garbled("compliance-activities"), ...tamperedFrom(activityCursor, exploreCursor)]) {
      await expect(activities(cursor), what).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });
});
