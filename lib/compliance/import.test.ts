import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant } from "@/lib/testing/tenants";
import { importComplianceFile } from "./import";

// Importing exported files: JSON and NDJSON, every record kind, bad lines reported with their
// line numbers, and idempotency with itself and with records the connector already pulled.

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

const activity = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `activity_01Import${String(n).padStart(18, "0")}`,
  created_at: new Date(Date.UTC(2026, 10, 20, 10, 0, n % 60)).toISOString(),
  type: n % 2 ? "claude_chat_created" : "user_signed_in_sso",
  organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F",
  organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
  actor: { type: "user_actor", email_address: "Jon.Snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.1", user_agent: "x" },
  ...extra,
});

const chat = {
  id: "claude_chat_01ImportChat000000000001", name: "Q3 numbers", created_at: "2026-11-20T10:00:00Z", updated_at: "2026-11-20T10:05:00Z",
  organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", project_id: null, user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "jon.snow@westeros.example" },
  chat_messages: [
    { id: "claude_chat_msg_01Import0000000000001", role: "user", created_at: "2026-11-20T10:00:00Z", content: [{ type: "text", text: "tidy up the Q3 numbers" }], files: null },
    { id: "claude_chat_msg_01Import0000000000002", role: "assistant", created_at: "2026-11-20T10:00:05Z", content: [{ type: "text", text: "Done." }], files: null },
  ],
};

const sessionPage = {
  session: { type: "compliance_local_session", id: "clls_01ImportSession0000000001", organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", workspace_id: null,
    user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: null }, product_surface: "cowork", created_at: "2026-11-20T11:00:00Z", updated_at: "2026-11-20T11:01:00Z" },
  data: [
    { type: "compliance_local_session_message", id: "clsm_01Import000000000000001", role: "user", model: null, created_at: "2026-11-20T11:00:00Z", content: [{ type: "text", text: "read q3.xlsx" }] },
    { type: "compliance_local_session_message", id: "clsm_01Import000000000000002", role: "assistant", model: "claude-sonnet-5", created_at: "2026-11-20T11:00:02Z", content: [{ type: "tool_use", id: "toolu_01ImportTool", name: "read_file", input: "{\"path\":\"q3.xlsx\"}" }] },
  ],
  next_page: null,
};

const run = (tenantId: string, text: string, filename = "export.ndjson") =>
  importComplianceFile(Readable.from([Buffer.from(text)]), { tenantId, filename, createdBy: "test", organizationUuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94" });

describe("Compliance import", () => {
  it("imports NDJSON of every kind and reports bad lines by number", async () => {
    const t = await createTestTenant("import-ndjson");
    const lines = [
      JSON.stringify(activity(1)),
      JSON.stringify(activity(2)),
      "{ not json",
      JSON.stringify(activity(1)), // duplicate in the same file
      JSON.stringify({ id: "activity_01bad", type: "x", actor: { type: "user_actor" }, created_at: "yesterday" }),
      JSON.stringify(chat),
      JSON.stringify(sessionPage),
      JSON.stringify({ id: "user_01UTaMiPVYhoQrftgrSD1QE7", email: "jon.snow@westeros.example", full_name: "Jon Snow", organization_role: "user", created_at: "2025-01-01T00:00:00Z" }),
      JSON.stringify({ uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", name: "Westeros", created_at: "2025-01-01T00:00:00Z" }),
      JSON.stringify({ hello: "world" }),
      "",
    ];
    const report = await run(t.tenantId, lines.join("\n"));
    expect(report.kinds).toEqual({ activity: 4, chat: 1, session_messages: 1, user: 1, organization: 1 });
    // 2 activities + chat + session + user + org (messages are counted apart from their parent).
    expect(report.accepted).toBe(6);
    expect(report.duplicates).toBe(1);
    expect(report.rejected).toBe(3);
    expect(report.errors.join("\n")).toMatch(/line 3: not valid JSON/);
    expect(report.errors.join("\n")).toMatch(/created_at/);
    expect(report.errors.join("\n")).toMatch(/line 10: not a Compliance API record/);
    const pool = getPool();
    const q = async (sql: string) => (await pool.query(sql, [t.tenantId])).rows[0].n as number;
    expect(await q(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`)).toBe(2);
    expect(await q(`SELECT count(*)::int AS n FROM compliance_chat_messages WHERE tenant_id = $1`)).toBe(2);
    expect(await q(`SELECT count(*)::int AS n FROM compliance_session_messages WHERE tenant_id = $1`)).toBe(2);
    expect(await q(`SELECT count(*)::int AS n FROM compliance_tool_blocks WHERE tenant_id = $1 AND tool_use_id = 'toolu_01ImportTool'`)).toBe(1);
    const actor = await pool.query(`SELECT actor_email, actor_account_uuid FROM compliance_activities WHERE tenant_id = $1 LIMIT 1`, [t.tenantId]);
    expect(actor.rows[0]).toEqual({ actor_email: "jon.snow@westeros.example", actor_account_uuid: "de5ca38f-139e-4139-b400-a6f7be39a154" });

    // The same file again: nothing new.
    const again = await run(t.tenantId, lines.join("\n"));
    expect(again.accepted).toBe(0);
    expect(again.duplicates).toBe(7);
    const row = await pool.query(`SELECT status, accepted, rejected FROM compliance_imports WHERE id = $1`, [again.id]);
    expect(row.rows[0]).toEqual({ status: "done", accepted: 0, rejected: 3 });
  });

  it("stores content Postgres refuses (NUL, lone surrogates) with U+FFFD in its place, in text and jsonb columns alike", async () => {
    const t = await createTestTenant("import-hostile");
    const hostile = "a\u0000\u0000b \ud800c";
    const stored = "a\uFFFD\uFFFDb \uFFFDc";
    const lines = [
      JSON.stringify({ ...chat, name: hostile, chat_messages: [{ ...chat.chat_messages[0], content: [{ type: "text", text: hostile }] }] }),
      JSON.stringify({ ...sessionPage, session: { ...sessionPage.session, product_surface: hostile } }),
      JSON.stringify({ id: "user_01UTaMiPVYhoQrftgrSD1QE7", email: "jon.snow@westeros.example", full_name: hostile, organization_role: "user", created_at: "2025-01-01T00:00:00Z" }),
      JSON.stringify({ uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", name: hostile, created_at: "2025-01-01T00:00:00Z" }),
      JSON.stringify(activity(1, { note: hostile })),
    ];
    const report = await run(t.tenantId, lines.join("\n"));
    expect(report.errors).toEqual([]);
    expect(report).toMatchObject({ accepted: 5, rejected: 0 });
    const pool = getPool();
    const one = async (sql: string) => (await pool.query(sql, [t.tenantId])).rows[0];
    expect(await one(`SELECT name, raw->>'name' AS raw_name FROM compliance_chats WHERE tenant_id = $1`)).toEqual({ name: stored, raw_name: stored });
    expect(await one(`SELECT product_surface, raw->>'product_surface' AS raw_surface FROM compliance_sessions WHERE tenant_id = $1`)).toEqual({
      product_surface: stored,
      raw_surface: stored,
    });
    expect(await one(`SELECT full_name, raw->>'full_name' AS raw_name FROM compliance_users WHERE tenant_id = $1`)).toEqual({ full_name: stored, raw_name: stored });
    expect(await one(`SELECT name, raw->>'name' AS raw_name FROM compliance_organizations WHERE tenant_id = $1`)).toEqual({ name: stored, raw_name: stored });
    expect(await one(`SELECT raw->>'note' AS note FROM compliance_activities WHERE tenant_id = $1`)).toEqual({ note: stored });
  });

  it("rejects, line by line, times Postgres cannot store, and stores the rest", async () => {
    const t = await createTestTenant("import-times");
    const good = ["2026-11-20T10:00:00Z", "2026-11-20T10:00:00.123456+02:00", "2016-12-31t23:59:59z", "2024-02-29 08:00:00-15:59"];
    const bad = ["2026-02-30T00:00:00Z", "2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "+275760-09-13T00:00:00.000Z", "1", "2026-11-20", "2026-11-20T10:00:00", "2026-11-20T24:00:00Z", "2026-11-20T10:00:00+16:00"];
    const lines = [...good, ...bad].map((when, i) => JSON.stringify(activity(100 + i, { created_at: when })));
    const report = await run(t.tenantId, lines.join("\n"));
    expect(report).toMatchObject({ accepted: good.length, rejected: bad.length });
    expect(report.errors.every((e) => e.includes("created_at: must be an RFC 3339 time"))).toBe(true);
    const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM compliance_activities WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(good.length);
  });

  it("imports JSON documents: an API page, an array, a pretty-printed record", async () => {
    const t = await createTestTenant("import-json");
    expect((await run(t.tenantId, JSON.stringify({ data: [activity(10), activity(11)], has_more: false, first_id: "a", last_id: "b" }), "page.json")).accepted).toBe(2);
    expect((await run(t.tenantId, JSON.stringify([activity(12), activity(10)]), "array.json"))).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await run(t.tenantId, JSON.stringify(chat, null, 2), "chat.json"))).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it("is idempotent with what the connector stored, and reports progress on large files", async () => {
    const t = await createTestTenant("import-big");
    await withTransaction((c) => storeActivities(c, t.tenantId, [activity(5)], "api"));
    const many = Array.from({ length: 1200 }, (_, i) => JSON.stringify(activity(i))).join("\n");
    const progress: number[] = [];
    const report = await importComplianceFile(Readable.from([Buffer.from(many)]), {
      tenantId: t.tenantId, filename: "big.ndjson", createdBy: "test", onProgress: (r) => progress.push(r.accepted + r.duplicates),
    });
    expect(report.accepted).toBe(1199);
    expect(report.duplicates).toBe(1);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const origin = await getPool().query(`SELECT origin FROM compliance_activities WHERE tenant_id = $1 AND id = $2`, [t.tenantId, activity(5).id]);
    expect(origin.rows[0].origin).toBe("api");
  });
});
