import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { timeWindow } from "@/lib/time-range";
import { homeOverview, recentRejections, setupProgress, volumeLast24h } from "./home";
import { emptyWindow, newestRecord } from "./newest";

// The home page's read models on real ingested telemetry (posted over HTTP to the real
// receivers): Claude Code logs with a rejected `rm -rf build` (b-tool-denied), Office traces,
// and one Compliance activity. The captures are from 2026-11-22 around 02:00 UTC.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let empty: TestTenant;

const claudeCode = fixturesOf("b-tool-denied", "http-json");
const office = fixturesOf("office-traces", "http-json");
const AT_CAPTURE = new Date("2026-11-22T03:00:00.000Z");
const TWELVE_DAYS_LATER = new Date("2026-12-04T03:00:00.000Z");

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("home");
  empty = await createTestTenant("home-empty");
  for (const f of [...claudeCode, ...office]) expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  await withTransaction((c) =>
    storeActivities(c, tenant.tenantId, [
      { id: "activity_01home00000000000000001", created_at: "2026-11-21T23:00:00Z", type: "user_signed_in_sso", organization_id: null, organization_uuid: null, actor: { type: "user_actor", email_address: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.9", user_agent: "x" } },
    ], "api"),
  );
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("newestRecord", () => {
  it("finds the newest record per kind, and whether a window holds any", async () => {
    const all = await newestRecord(tenant.tenantId);
    const events = await newestRecord(tenant.tenantId, { kinds: ["events"] });
    const compliance = await newestRecord(tenant.tenantId, { kinds: ["compliance"] });
    expect(events.newest?.toISOString()).toBe("2026-11-22T02:12:44.245Z");
    expect(compliance.newest?.toISOString()).toBe("2026-11-21T23:00:00.000Z");
    expect(all.newest!.getTime()).toBeGreaterThanOrEqual(events.newest!.getTime());
    // Twelve days later the default week is empty, the last 30 days are not.
    expect(emptyWindow(all, timeWindow("7d", TWELVE_DAYS_LATER).from)).toBe(true);
    expect(emptyWindow(all, timeWindow("30d", TWELVE_DAYS_LATER).from)).toBe(false);
    // Absolute bounds: only what lies before `to` counts.
    const before = await newestRecord(tenant.tenantId, { kinds: ["events"], before: new Date("2026-11-22T02:12:44.200Z") });
    expect(before.newestBefore?.toISOString()).toBe("2026-11-22T02:12:44.181Z");
    expect(emptyWindow(await newestRecord(tenant.tenantId, { before: new Date("2026-11-20T00:00:00Z") }), new Date("2026-11-19T00:00:00Z"))).toBe(true);
    // Another tenant's data never shows.
    expect(await newestRecord(empty.tenantId)).toEqual({ newest: null, newestBefore: null });
    expect(emptyWindow(await newestRecord(empty.tenantId), timeWindow("7d").from)).toBe(false);
  });
});

describe("recentRejections", () => {
  it("lists rejections newest first with tool, person, time and decider; the command only with content", async () => {
    const w = timeWindow("30d", TWELVE_DAYS_LATER);
    const manager = await recentRejections(tenant.tenantId, { from: w.from, to: w.to, limit: 5, withContent: false });
    expect(manager.total).toBe(1);
    expect(manager.rows).toEqual([
      {
        eventId: expect.any(String),
        time: "2026-11-22T02:12:44.104Z",
        source: "claude_code",
        tool: "Bash",
        mcpServer: null,
        decisionSource: "config",
        promptId: "9c19cadd-fb7d-401c-afbc-afb63378ab9a",
        sessionId: "6161151e-468d-473c-bcf9-08e38d698c6c",
        person: { label: "device 5d41c2a0…", query: "5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04" },
        personPage: null,
        target: null,
      },
    ]);
    const analyst = await recentRejections(tenant.tenantId, { from: w.from, to: w.to, limit: 5, withContent: true });
    expect(analyst.rows[0].target).toBe("rm -rf build");
    const week = timeWindow("7d", TWELVE_DAYS_LATER);
    expect(await recentRejections(tenant.tenantId, { from: week.from, to: week.to, limit: 5, withContent: true })).toEqual({ total: 0, rows: [] });
    expect((await recentRejections(empty.tenantId, { from: undefined, to: undefined, limit: 5, withContent: true })).rows).toEqual([]);
  });
});

describe("volumeLast24h", () => {
  it("counts records per surface in hourly buckets of the last 24 hours, with the last time each was seen", async () => {
    const v = await volumeLast24h(tenant.tenantId, AT_CAPTURE);
    expect(v.map((s) => s.id)).toEqual(["claude_code", "cowork", "office", "compliance"]);
    const code = v.find((s) => s.id === "claude_code")!;
    const events = claudeCode.filter((f) => f.signal === "logs").flatMap((f) => (f.decoded() as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)));
    expect(code.records).toBe(events.length);
    expect(code.hourly[23]).toBe(events.length); // 02:12 lies in the last hour before 03:00
    expect(code.hourly.reduce((a, b) => a + b, 0)).toBe(code.records);
    expect(code.lastSeen).toBe("2026-11-22T02:12:44.250Z"); // the metrics export, just after the last event
    expect(v.find((s) => s.id === "office")!.records).toBeGreaterThan(0);
    const compliance = v.find((s) => s.id === "compliance")!;
    expect(compliance.records).toBe(1);
    expect(compliance.hourly[20]).toBe(1); // 23:00 the day before is 20 hours into the window (03:00 → 03:00)
    expect(v.find((s) => s.id === "cowork")).toMatchObject({ records: 0, lastSeen: null });
    // Twelve days later nothing is recent, but the surfaces still say when they last reported.
    const later = await volumeLast24h(tenant.tenantId, TWELVE_DAYS_LATER);
    expect(later.every((s) => s.records === 0)).toBe(true);
    expect(later.find((s) => s.id === "claude_code")!.lastSeen).toBe("2026-11-22T02:12:44.250Z");
  });
});

describe("setupProgress and homeOverview", () => {
  it("tracks the first run: token, first data, connector, users", async () => {
    expect(await setupProgress(empty.tenantId)).toEqual({ ingestTokens: 1, firstDataAt: null, complianceConfigured: false, users: 0 });
    expect((await setupProgress(tenant.tenantId)).firstDataAt).not.toBeNull();
  });

  it("puts what needs attention together, content only for readers allowed it", async () => {
    const w = timeWindow("30d", TWELVE_DAYS_LATER);
    const manager = await homeOverview(tenant.tenantId, w, { withContent: false, now: TWELVE_DAYS_LATER });
    expect(manager.rejections.rows.map((r) => [r.tool, r.target])).toEqual([["Bash", null]]);
    expect(manager.escalations.rows.every((e) => e.rejected.target === null && e.accepted.target === null)).toBe(true);
    // Claude Code reported in the window but nothing for twelve days: gone silent.
    expect(manager.silentSurfaces).toContainEqual({ layer: "OTel · Claude Code", surface: "Claude Code", records: expect.any(Number), lastSeen: expect.any(String) });
    expect(manager.quietTokens).toEqual([]); // its token sent data just now
    expect(manager.connector).toEqual({ configured: false, state: "not_configured", failing: [] });
    expect(manager.setup.firstDataAt).not.toBeNull();
    const analyst = await homeOverview(tenant.tenantId, w, { withContent: true, now: TWELVE_DAYS_LATER });
    expect(analyst.rejections.rows[0].target).toBe("rm -rf build");
    // At capture time everything is fresh: nothing has gone silent.
    const fresh = await homeOverview(tenant.tenantId, timeWindow("7d", AT_CAPTURE), { withContent: false, now: AT_CAPTURE });
    expect(fresh.silentSurfaces.filter((s) => s.surface === "Claude Code")).toEqual([]);
    expect(fresh.volume.find((s) => s.id === "claude_code")!.records).toBeGreaterThan(0);
    // A tenant that never received anything: its token is quiet, nothing else to report.
    const none = await homeOverview(empty.tenantId, timeWindow("7d"), { withContent: true });
    expect(none.quietTokens.map((t) => t.name)).toEqual(["home-empty-ingest"]);
    expect([none.rejections.total, none.escalations.total, none.silentPeople.length, none.silentSurfaces.length]).toEqual([0, 0, 0, 0]);
    expect(none.setup.firstDataAt).toBeNull();
  });
});
