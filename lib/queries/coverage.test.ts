import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestToken } from "@/lib/auth/ingest-tokens";
import { withTransaction } from "@/lib/db/pool";
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest } from "@/lib/otlp/types";
import { storeActivities, storeSession } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf, type FixtureRequest } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The coverage matrix and its gaps on a dataset with known answers: Claude Code with OAuth
// identity, Office traces, and Compliance records for people with and without telemetry.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;

const claudeCode = fixturesOf("i2-oauth-identity", "http-json");
const office = fixturesOf("office-traces", "http-json");
// The fixtures were captured on 2026-11-22 around 02:00 UTC; judge freshness from then.
const TO = "2026-11-22T04:00:00.000Z";
const FROM = "2026-11-15T04:00:00.000Z";

async function post(f: FixtureRequest) {
  expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("coverage");
  for (const f of [...claudeCode, ...office]) await post(f);
  await createIngestToken({ tenantId: tenant.tenantId, environmentId: tenant.environmentId, name: "never-used" });
  const actor = (email: string, id: string) => ({ type: "user_actor", email_address: email, user_id: id, ip_address: "192.0.2.9", user_agent: "x" });
  await withTransaction(async (c) => {
    await storeActivities(c, tenant.tenantId, [
      { id: "activity_01cov000000000000000001", created_at: "2026-11-22T01:00:00Z", type: "claude_chat_created", organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F", organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", actor: actor("jon.snow@westeros.example", "user_01UTaMiPVYhoQrftgrSD1QE7"), claude_chat_id: "claude_chat_01x" },
      { id: "activity_01cov000000000000000002", created_at: "2026-11-22T01:30:00Z", type: "user_signed_in_sso", organization_id: null, organization_uuid: null, actor: actor("bran.stark@westeros.example", "user_01Bran0000000000000000001") },
    ], "api");
    await storeSession(c, tenant.tenantId, {
      type: "compliance_local_session", id: "clls_01cov00000000000000000001", organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", workspace_id: null,
      user: { id: "user_01UxsCZrmvVRdWronsN3N97p", email_address: "arya.stark@westeros.example" }, product_surface: "cowork", created_at: "2026-11-22T01:40:00Z", updated_at: "2026-11-22T01:50:00Z",
    }, "api");
    await storeSession(c, tenant.tenantId, {
      type: "compliance_local_session", id: "clls_01cov00000000000000000002", organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", workspace_id: null,
      user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "jon.snow@westeros.example" }, product_surface: "claude_code", created_at: "2026-11-22T02:14:00Z", updated_at: "2026-11-22T02:15:00Z",
    }, "api");
  });
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

interface Cell { layer: string; surface: string; status: string; records: number }

async function getCoverage(to = TO) {
  const res = await fetch(`${app.url}/api/v1/coverage?from=${FROM}&to=${to}`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe("GET /api/v1/coverage", () => {
  it("computes the matrix from the data", async () => {
    const c = await getCoverage();
    const cell = (l: string, s: string) => (c.cells as Cell[]).find((x) => x.layer === l && x.surface === s)!;
    const logRecords = claudeCode.filter((f) => f.signal === "logs").reduce((n, f) => n + ((f.decoded() as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }).resourceLogs[0].scopeLogs[0].logRecords.length), 0);
    const points = claudeCode.filter((f) => f.signal === "metrics").flatMap((f) => (f.decoded() as ExportMetricsServiceRequest).resourceMetrics ?? []).flatMap((r) => r.scopeMetrics ?? []).flatMap((s) => s.metrics ?? []).reduce((n, m) => n + (m.sum?.dataPoints?.length ?? 0), 0);
    const spans = office.flatMap((f) => (f.decoded() as ExportTraceServiceRequest).resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).reduce((n, s) => n + (s.spans?.length ?? 0), 0);
    expect(cell("otel_claude_code", "claude_code")).toMatchObject({ status: "reporting", records: logRecords });
    expect(cell("claude_code_metrics", "claude_code")).toMatchObject({ status: "reporting", records: points });
    expect(cell("office_traces", "office")).toMatchObject({ status: "reporting", records: spans });
    expect(cell("otel_cowork", "cowork_files")).toMatchObject({ status: "silent", records: 0 });
    expect(cell("compliance_activity", "chat")).toMatchObject({ status: "reporting", records: 1 });
    expect(cell("compliance_content", "claude_code")).toMatchObject({ status: "reporting", records: 1 });
    expect(cell("compliance_content", "cowork_files")).toMatchObject({ status: "partial", records: 1 });
    expect(cell("compliance_content", "chat")).toMatchObject({ status: "silent" });
    expect(cell("otel_claude_code", "chat")).toMatchObject({ status: "not_applicable" });
    expect(c.cells).toHaveLength(6 * 8);
  });

  it("tells stale (nothing for longer than expected) from partial (part of the surface), and gives a fix hint to every silent or stale cell", async () => {
    // Three days after the fixtures: everything that reported has gone quiet.
    const c = await getCoverage("2026-11-25T04:00:00.000Z");
    const cell = (l: string, s: string) => (c.cells as (Cell & { hint: string | null })[]).find((x) => x.layer === l && x.surface === s)!;
    expect(cell("otel_claude_code", "claude_code")).toMatchObject({ status: "stale" });
    expect(cell("otel_claude_code", "claude_code").hint).toMatch(/CLAUDE_CODE_ENABLE_TELEMETRY=1/);
    expect(cell("office_traces", "office").status).toBe("stale");
    expect(cell("compliance_content", "cowork_files").status).toBe("stale");
    // Fresh and partial stays partial.
    expect((await getCoverage()).cells.find((x: Cell) => x.layer === "compliance_content" && x.surface === "cowork_files")).toMatchObject({ status: "partial", hint: null });
    for (const x of c.cells as (Cell & { hint: string | null })[]) {
      if (x.status === "silent" || x.status === "stale") expect(x.hint, `${x.layer}:${x.surface}`).toBeTruthy();
      else expect(x.hint).toBeNull();
    }
    expect(cell("otel_cowork", "cowork_files").hint).toMatch(/Network egress/);
    expect(cell("claude_code_metrics", "claude_code").hint).toMatch(/OTEL_METRICS_EXPORTER=otlp/);
    expect(cell("compliance_activity", "api").hint).toMatch(/Settings → Compliance/);
  });

  it("says what each cell counted", async () => {
    const c = await getCoverage();
    for (const x of c.cells as (Cell & { breakdown: { what: string; records: number }[] })[]) {
      expect(x.breakdown.reduce((n, b) => n + b.records, 0), `${x.layer}:${x.surface}`).toBe(x.records);
    }
    const office = (c.cells as (Cell & { breakdown: { what: string }[] })[]).find((x) => x.layer === "office_traces" && x.surface === "office")!;
    expect(office.breakdown.map((b) => b.what)).toContain("span agent.tool_execution");
  });

  it("flags people silent in a surface they use, and quiet tokens", async () => {
    const c = await getCoverage();
    const people = Object.fromEntries((c.people as { person: string; gaps: string[] }[]).map((p) => [p.person, p.gaps.join(" | ")]));
    expect(people["arya.stark@westeros.example"]).toMatch(/no Cowork OpenTelemetry/);
    expect(people["bran.stark@westeros.example"]).toMatch(/sends no execution telemetry/);
    // Jon has Claude Code transcripts and Claude Code telemetry: no gap.
    expect(people["jon.snow@westeros.example"]).toBeUndefined();
    expect(c.quietTokens.map((t: { name: string }) => t.name)).toEqual(["never-used"]);
  });

  it("reports content gates and client versions", async () => {
    const c = await getCoverage();
    const cc = c.contentGates.find((g: { source: string }) => g.source === "claude_code");
    expect(cc).toMatchObject({ promptsCaptured: 1, promptsRedacted: 0, identifiedShare: 1 });
    expect(cc.toolDetailsShare).toBeGreaterThan(0);
    expect(c.versions).toEqual(expect.arrayContaining([expect.objectContaining({ source: "claude_code", version: "2.1.197" })]));
  });
});
