import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { searchActivities } from "./compliance-activities";

// What each role sees of a Compliance activity: analysts every field; managers only known
// metadata (ids, kinds, states, counts), with the other fields' names listed as hidden.

const actor = { type: "user_actor", email_address: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "203.0.113.7", user_agent: "Mozilla/5.0" };
const ACTIVITIES = [
  {
    id: "activity_01TestApiAccessed00000001", created_at: "2026-11-22T02:16:05Z", organization_id: null, organization_uuid: null, actor,
    type: "compliance_api_accessed", request_id: "req_011CApz9tQx4bM7Jc2Lk8sNe", api_key_id: "apikey_01RkiiUHrj9v2Dzq6zcy7YZA",
    url: "https://api.anthropic.com/v1/compliance/apps/chats?user_ids[]=user_01SecretTarget", request_method: "POST",
    request_body: "{\"note\":\"quarterly layoffs list\"}", status_code: 200,
  },
  {
    id: "activity_01TestFileUploaded0000001", created_at: "2026-11-22T02:15:05Z", organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F", organization_uuid: null, actor,
    type: "claude_file_uploaded", claude_file_id: "claude_file_01Abc", filename: "merger-plan-acme.xlsx", claude_chat_id: "claude_chat_01Xyz", claude_project_id: null,
    // A field the API adds later: hidden until someone decides it is metadata.
    future_field: "something new",
  },
];

let db: TestDatabase;
let tenantId: string;

beforeAll(async () => {
  db = await startTestDatabase();
  tenantId = await ensureTenant("activities-roles");
  const r = await withTransaction((tx) => storeActivities(tx, tenantId, ACTIVITIES, "api"));
  expect(r.accepted).toBe(2);
});

afterAll(async () => {
  await db.stop();
});

describe("Compliance activity details by role", () => {
  it("a manager gets only known metadata fields; request URLs and bodies, file names and unknown fields are hidden and listed", async () => {
    const { rows } = await searchActivities(tenantId, {}, { canReadContent: false });
    const byType = Object.fromEntries(rows.map((r) => [r.type, r]));
    expect(byType.compliance_api_accessed.details).toEqual({
      request_id: "req_011CApz9tQx4bM7Jc2Lk8sNe", api_key_id: "apikey_01RkiiUHrj9v2Dzq6zcy7YZA", request_method: "POST", status_code: 200,
    });
    expect(byType.compliance_api_accessed.hiddenKeys.sort()).toEqual(["request_body", "url"]);
    expect(byType.claude_file_uploaded.details).toEqual({ claude_file_id: "claude_file_01Abc", claude_chat_id: "claude_chat_01Xyz", claude_project_id: null });
    expect(byType.claude_file_uploaded.hiddenKeys.sort()).toEqual(["filename", "future_field"]);
    const text = JSON.stringify(rows);
    for (const secret of ["layoffs", "merger-plan", "user_01SecretTarget", "something new"]) expect(text).not.toContain(secret);
  });

  it("an analyst gets every field", async () => {
    const { rows } = await searchActivities(tenantId, {}, { canReadContent: true });
    const file = rows.find((r) => r.type === "claude_file_uploaded")!;
    expect(file.details).toMatchObject({ filename: "merger-plan-acme.xlsx", future_field: "something new" });
    expect(file.hiddenKeys).toEqual([]);
    expect(rows.find((r) => r.type === "compliance_api_accessed")!.details).toMatchObject({ request_body: "{\"note\":\"quarterly layoffs list\"}" });
  });
});
