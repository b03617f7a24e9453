import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/api-tokens";
import { withTransaction } from "@/lib/db/pool";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { storeActivities, storeSession, storeSessionMessages, storeUsers } from "@/lib/sources/compliance";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf, type FixtureRequest } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The join of OTel and Compliance records: one person behind OAuth telemetry and Compliance
// activities/directory/transcripts, and the transcript shown beside the prompt it belongs to.

const JON = {
  email: "jon.snow@westeros.example",
  accountUuid: "de5ca38f-139e-4139-b400-a6f7be39a154",
  accountId: "user_01UTaMiPVYhoQrftgrSD1QE7",
  org: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
  orgTagged: "org_01JAS8wDVamuGmbTrUMp3J6F",
};

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let managerToken: string;

const oauthLogs = fixturesOf("i2-oauth-identity", "http-json").find((f) => f.signal === "logs")!;
const apiKeyLogs = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!;
const records = (f: FixtureRequest) =>
  ((f.decoded() as ExportLogsServiceRequest).resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => attributesToJson(r.attributes))));
const oauth = records(oauthLogs);
const promptId = String(oauth.find((r) => r["prompt.id"])!["prompt.id"]);
const prompt = oauth.find((r) => r["event.name"] === "user_prompt")!;
const toolResult = oauth.find((r) => r["event.name"] === "tool_result")!;
const toolUseId = String(toolResult.tool_use_id);
const promptTime = Date.parse(String(prompt["event.timestamp"]));
const at = (ms: number) => new Date(promptTime + ms).toISOString();

async function post(f: FixtureRequest, token: string) {
  expect((await postFixture(app.url, token, f)).status).toBe(200);
}

async function get(path: string, token = tenant.apiToken) {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("join");
  managerToken = (await createApiToken({ tenantId: tenant.tenantId, name: "mgr", role: "manager" })).secret;
  await post(oauthLogs, tenant.ingestToken);
  await post(apiKeyLogs, tenant.ingestToken);
  const fullInput = JSON.stringify({ command: "ls -lt ledgers", description: "List the ledgers, newest first", extra: "x".repeat(600) });
  await withTransaction(async (c) => {
    await storeActivities(c, tenant.tenantId, [
      { id: "activity_01join0000000000000001", created_at: at(-3600_000), type: "user_signed_in_sso", organization_id: null, organization_uuid: null,
        actor: { type: "user_actor", email_address: JON.email, user_id: JON.accountId, ip_address: "192.0.2.10", user_agent: "Mozilla/5.0" } },
    ], "import");
    // The directory knows a second email for the same account; the join must find it too.
    await storeUsers(c, tenant.tenantId, JON.org, [{ id: JON.accountId, email: "lord.commander@nightswatch.example", full_name: "Jon Snow", organization_role: "user", created_at: at(-86_400_000) }]);
    await storeSession(c, tenant.tenantId, {
      type: "compliance_local_session", id: "clls_01JoinSession00000000001", organization_uuid: JON.org, workspace_id: null,
      user: { id: JON.accountId, email_address: JON.email }, product_surface: "claude_code", created_at: at(-1000), updated_at: at(5000),
    }, "import");
    await storeSessionMessages(c, tenant.tenantId, "clls_01JoinSession00000000001", [
      { type: "compliance_local_session_message", id: "clsm_01JoinMsg000000000000001", role: "user", model: null, created_at: at(0), content: [{ type: "text", text: String(prompt.prompt), truncated: false }] },
      { type: "compliance_local_session_message", id: "clsm_01JoinMsg000000000000002", role: "assistant", model: "claude-sonnet-5", created_at: at(80), content: [{ type: "tool_use", id: toolUseId, name: "Bash", input: fullInput, truncated: false }] },
      { type: "compliance_local_session_message", id: "clsm_01JoinMsg000000000000003", role: "user", model: null, created_at: at(130), content: [{ type: "tool_result", tool_use_id: toolUseId, name: "Bash", is_error: false, content: [{ type: "text", text: "q3.xlsx  q2.xlsx" }], truncated: false }] },
      { type: "compliance_local_session_message", id: "clsm_01JoinMsg000000000000004", role: "assistant", model: "claude-sonnet-5", created_at: at(160), content: [{ type: "text", text: "q3.xlsx changed last.", truncated: false }] },
    ]);
  });
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("GET /api/v1/identities", () => {
  it("finds the same person by email, account UUID or tagged id, with every id and source", async () => {
    const byEmail = await get(`/api/v1/identities?email=${encodeURIComponent(JON.email)}`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.accountUuids).toEqual([JON.accountUuid]);
    expect(byEmail.body.accountIds).toEqual([JON.accountId]);
    expect(byEmail.body.emails).toEqual(["jon.snow@westeros.example", "lord.commander@nightswatch.example"]);
    expect(byEmail.body.organizationIds).toContain(JON.org);
    expect(byEmail.body.displayName).toBe("Jon Snow");
    expect(byEmail.body.sources.map((s: { source: string }) => s.source)).toEqual(
      expect.arrayContaining(["otel:claude_code", "compliance:activities", "compliance:sessions", "compliance:directory"]),
    );
    // Device ids are listed but not followed: the API-key run on the same laptop is not merged.
    expect(byEmail.body.deviceIds).toEqual([String(oauth[0]["user.id"])]);
    for (const q of [`accountUuid=${JON.accountUuid}`, `accountId=${JON.accountId}`, "email=lord.commander%40nightswatch.example"]) {
      const other = await get(`/api/v1/identities?${q}`);
      expect(other.body.emails, q).toEqual(byEmail.body.emails);
      expect(other.body.accountIds, q).toEqual(byEmail.body.accountIds);
    }
  });

  it("400 without an identifier, 404 for a stranger", async () => {
    expect((await get(`/api/v1/identities`)).status).toBe(400);
    expect((await get(`/api/v1/identities?email=nobody%40example.com`)).status).toBe(404);
  });
});

describe("the prompt timeline with its transcript", () => {
  it("GET /api/v1/prompts/{id} includes the user message, Claude's reply and the tool call's full input", async () => {
    const { status, body } = await get(`/api/v1/prompts/${promptId}`);
    expect(status).toBe(200);
    const c = body.compliance;
    expect(c.matched).toBe(true);
    expect(c.session).toEqual({ id: "clls_01JoinSession00000000001", kind: "local", productSurface: "claude_code" });
    expect(c.userMessage).toMatchObject({ id: "clsm_01JoinMsg000000000000001", text: prompt.prompt });
    expect(c.reply.map((m: { id: string }) => m.id)).toEqual(["clsm_01JoinMsg000000000000004"]);
    expect(c.tools).toHaveLength(1);
    expect(c.tools[0].toolUseId).toBe(toolUseId);
    expect(JSON.parse(c.tools[0].toolUse.input).extra).toHaveLength(600);
    expect(c.tools[0].toolResult.content).toEqual([{ type: "text", text: "q3.xlsx  q2.xlsx" }]);
  });

  it("a manager gets the ids without the texts", async () => {
    const { body } = await get(`/api/v1/prompts/${promptId}`, managerToken);
    expect(body.compliance.matched).toBe(true);
    expect(body.compliance.userMessage.id).toBe("clsm_01JoinMsg000000000000001");
    expect(body.compliance.userMessage.text).toBeNull();
    expect(body.compliance.tools[0].toolUse.input).toBeNull();
    expect(JSON.stringify(body)).not.toContain("q3.xlsx changed last");
  });

  it("says why when there is no match", async () => {
    const apiKeyPrompt = String(records(apiKeyLogs).find((r) => r["prompt.id"])!["prompt.id"]);
    const { body } = await get(`/api/v1/prompts/${apiKeyPrompt}`);
    expect(body.compliance).toMatchObject({ matched: false, reason: "no_identity" });
    const empty = await createTestTenant("join-empty");
    await post(oauthLogs, empty.ingestToken);
    const none = await get(`/api/v1/prompts/${promptId}`, empty.apiToken);
    expect(none.body.compliance).toMatchObject({ matched: false, reason: "no_compliance_data" });
  });
});
