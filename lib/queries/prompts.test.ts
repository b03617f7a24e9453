import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { promptNeighbors, promptTimeline } from "./prompts";
import { SESSION_LIMITS, sessionOverview } from "./sessions";

// The prompt timeline and the session's lists are capped (a runaway prompt or session must not
// load every row into one page), say so when they are, and still count everything.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;

const editLogs = fixturesOf("c-read-write-edit", "http-json").find((f) => f.signal === "logs")!;
const SESSION = "5f0c3a52-6d1e-4b8e-9d57-7a1d1e0b6c11";
const PROMPTS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"];

/** One session: three prompts, four permission-mode changes in the first. */
function modeSession(): ExportLogsServiceRequest {
  const records: { name: string; prompt: string; attrs?: Record<string, string> }[] = [
    { name: "user_prompt", prompt: PROMPTS[0] },
    { name: "permission_mode_changed", prompt: PROMPTS[0], attrs: { from_mode: "default", to_mode: "acceptEdits" } },
    { name: "permission_mode_changed", prompt: PROMPTS[0], attrs: { from_mode: "acceptEdits", to_mode: "plan" } },
    { name: "permission_mode_changed", prompt: PROMPTS[0], attrs: { from_mode: "plan", to_mode: "bypassPermissions" } },
    { name: "permission_mode_changed", prompt: PROMPTS[0], attrs: { from_mode: "bypassPermissions", to_mode: "default" } },
    { name: "user_prompt", prompt: PROMPTS[1] },
    { name: "user_prompt", prompt: PROMPTS[2] },
  ];
  const t0 = 1_796_000_000_000_000_000n;
  const kv = (key: string, v: string | number) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } });
  return {
    resourceLogs: [{
      resource: { attributes: [kv("service.name", "claude-code"), kv("service.version", "2.1.332")] },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events", version: "2.1.332" },
        logRecords: records.map((r, i) => ({
          timeUnixNano: String(t0 + BigInt(i) * 1_000_000_000n),
          body: { stringValue: `claude_code.${r.name}` },
          attributes: [
            kv("event.name", r.name), kv("event.sequence", i), kv("session.id", SESSION), kv("prompt.id", r.prompt),
            ...Object.entries(r.attrs ?? {}).map(([k, v]) => kv(k, v)),
          ],
        })),
      }],
    }],
  };
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("limits");
  expect((await postFixture(app.url, tenant.ingestToken, editLogs)).status).toBe(200);
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` },
    body: JSON.stringify(modeSession()),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("prompt timeline cap", () => {
  const records = ((editLogs.decoded() as ExportLogsServiceRequest).resourceLogs ?? []).flatMap((rl) =>
    (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => attributesToJson(r.attributes))),
  );
  const promptId = String(records.find((r) => r["prompt.id"])!["prompt.id"]);
  const inPrompt = records.filter((r) => r["prompt.id"] === promptId);

  it("returns at most the limit, in order, says it is truncated, and still summarizes every event", async () => {
    expect(inPrompt.length).toBeGreaterThan(5);
    const full = (await promptTimeline(tenant.tenantId, promptId, true))!;
    expect(full.truncated).toBe(false);
    expect(full.events).toHaveLength(inPrompt.length);

    const cut = (await promptTimeline(tenant.tenantId, promptId, true, 5))!;
    expect(cut.truncated).toBe(true);
    expect(cut.eventLimit).toBe(5);
    expect(cut.events.map((e) => e.id)).toEqual(full.events.slice(0, 5).map((e) => e.id));
    expect(cut.summary).toEqual(full.summary);
    expect(cut.summary.eventCount).toBe(inPrompt.length);
    const cost = inPrompt.filter((r) => r["event.name"] === "api_request").reduce((s, r) => s + Number(r.cost_usd), 0);
    expect(cut.summary.costUsd).toBeCloseTo(cost, 12);
    expect(cut.summary.toolCalls).toBe(inPrompt.filter((r) => r["event.name"] === "tool_result").length);

    // Exactly at the limit is not truncated.
    expect((await promptTimeline(tenant.tenantId, promptId, true, inPrompt.length))!.truncated).toBe(false);
  });

  it("finds a prompt's neighbours without listing the session's prompts", async () => {
    expect(await promptNeighbors(tenant.tenantId, SESSION, PROMPTS[1])).toEqual({ previous: PROMPTS[0], next: PROMPTS[2], position: 2, total: 3 });
    expect(await promptNeighbors(tenant.tenantId, SESSION, PROMPTS[0])).toEqual({ previous: null, next: PROMPTS[1], position: 1, total: 3 });
    expect(await promptNeighbors(tenant.tenantId, SESSION, "00000000-0000-4000-8000-000000000000")).toEqual({ previous: null, next: null, position: 0, total: 3 });
  });
});

describe("session overview caps", () => {
  it("caps permission-mode changes, prompts and traces, and says so", async () => {
    const all = (await sessionOverview(tenant.tenantId, SESSION, true))!;
    expect(all.modeChanges.map((e) => e.attributes.to_mode)).toEqual(["acceptEdits", "plan", "bypassPermissions", "default"]);
    expect(all.prompts).toHaveLength(3);
    expect(all.truncated).toEqual({ prompts: false, traces: false, modeChanges: false });

    const cut = (await sessionOverview(tenant.tenantId, SESSION, true, { ...SESSION_LIMITS, modeChanges: 2, prompts: 2 }))!;
    expect(cut.modeChanges.map((e) => e.attributes.to_mode)).toEqual(["acceptEdits", "plan"]);
    expect(cut.prompts.map((p) => p.promptId)).toEqual(PROMPTS.slice(0, 2));
    expect(cut.truncated).toEqual({ prompts: true, traces: false, modeChanges: true });
    expect(cut.eventCount).toBe(all.eventCount);

    const exact = (await sessionOverview(tenant.tenantId, SESSION, true, { ...SESSION_LIMITS, modeChanges: 4, prompts: 3 }))!;
    expect(exact.truncated).toEqual({ prompts: false, traces: false, modeChanges: false });
  });
});
