import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit, recordContentView } from "@/lib/audit";
import { createApiToken } from "@/lib/auth/api-tokens";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// GET /api/v1/audit over real HTTP: filters by who, action, object and time; keyset pages that
// add up to the whole log; content views grouped; admins only; bad input is a 400.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let other: TestTenant;
const SIGN_INS = 120;

async function get(path: string, token = tenant.apiToken) {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

interface Entry { id: string; at: string; actor: string; action: string; target: string | null }

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("audit-log");
  other = await createTestTenant("audit-other");
  const t = tenant.tenantId;
  for (let i = 0; i < SIGN_INS; i++) await recordAudit({ tenantId: t, actor: "ana@example.com", action: "user.sign_in" });
  await recordAudit({ tenantId: t, actor: "root@example.com", action: "user.invite", target: "ana@example.com" });
  await recordAudit({ tenantId: t, actor: "root@example.com", action: "token.create", target: "soc_50%_off" });
  await recordContentView(t, "ana@example.com", "session:s-1");
  await recordContentView(t, "ana@example.com", "session:s-2");
  await recordContentView(t, "ana@example.com", "session:s-1");
  await recordContentView(t, "bob@example.com", "prompt:p-1");
  await recordContentView(other.tenantId, "eve@example.com", "session:s-1");
  await recordAudit({ tenantId: null, actor: "root@example.com", action: "instance.settings" });
  // Last year's entry, for the time filter.
  await getPool().query(`INSERT INTO audit_log (tenant_id, at, actor, action, target) VALUES ($1, '2025-06-01T10:00:00Z', 'old@example.com', 'user.invite', 'x@example.com')`, [t]);
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

async function all(query: string, limit = 50): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await get(`/api/v1/audit?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(status).toBe(200);
    expect(body.entries.length).toBeLessThanOrEqual(limit);
    out.push(...body.entries);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

describe("GET /api/v1/audit", () => {
  it("pages through the tenant's whole log, newest first, each entry once", async () => {
    const entries = await all("");
    // Everything recorded above, and what creating the tenant's tokens recorded.
    const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(rows[0].n).toBeGreaterThanOrEqual(SIGN_INS + 2 + 4 + 1);
    expect(entries).toHaveLength(rows[0].n);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    const ids = entries.map((e) => BigInt(e.id));
    expect(ids.every((id, i) => i === 0 || id < ids[i - 1])).toBe(true);
    // Another tenant's entries and instance entries are not this tenant's.
    expect(entries.some((e) => e.actor === "eve@example.com" || e.action === "instance.settings")).toBe(false);
  });

  it("filters by who (any case, part), action (or family), object (part, wildcards literal) and time", async () => {
    expect((await all("actor=ANA%40")).every((e) => e.actor === "ana@example.com")).toBe(true);
    expect(await all("actor=bob")).toHaveLength(1);
    const users = await all("action=user");
    expect(new Set(users.map((e) => e.action))).toEqual(new Set(["user.sign_in", "user.invite"]));
    expect(await all("action=user.invite")).toHaveLength(2);
    expect(await all("action=use")).toHaveLength(0);
    expect((await all("object=session%3A")).map((e) => e.target)).toEqual(["session:s-1", "session:s-2", "session:s-1"]);
    expect((await all("object=50%25_")).map((e) => e.target)).toEqual(["soc_50%_off"]);
    expect(await all("object=5_%25")).toHaveLength(0); // % and _ match themselves only
    expect((await all("from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z")).map((e) => e.actor)).toEqual(["old@example.com"]);
  });

  it("groups content views by reader and kind of object", async () => {
    const { body } = await get("/api/v1/audit?views=grouped&limit=1000");
    expect(body.entries.some((e: Entry) => e.action === "content.view")).toBe(false);
    expect(body.contentViews.map((g: { actor: string; kind: string; views: number; objects: number }) => ({ actor: g.actor, kind: g.kind, views: g.views, objects: g.objects }))).toEqual([
      { actor: "bob@example.com", kind: "prompt", views: 1, objects: 1 },
      { actor: "ana@example.com", kind: "session", views: 3, objects: 2 },
    ]);
  });

  it("answers 400 for a cursor it did not make and bad parameters, 403 for non-admin tokens", async () => {
    for (const path of [
      "/api/v1/audit?cursor=not-a-cursor",
      `/api/v1/audit?cursor=${Buffer.from(JSON.stringify({ k: "alerts", p: { id: 1 } })).toString("base64url")}`,
      `/api/v1/audit?cursor=${Buffer.from(JSON.stringify({ k: "audit", p: { id: "1; DROP TABLE audit_log" } })).toString("base64url")}`,
      "/api/v1/audit?limit=0",
      "/api/v1/audit?from=yesterday",
      "/api/v1/audit?views=all",
      `/api/v1/audit?actor=${"a".repeat(501)}`,
    ]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.error).toBeTruthy();
    }
    for (const role of ["manager", "analyst"] as const) {
      const token = (await createApiToken({ tenantId: tenant.tenantId, name: role, role })).secret;
      expect((await get("/api/v1/audit", token)).status).toBe(403);
    }
  });
});
