import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createUser } from "@/lib/auth/users";
import { getPool } from "@/lib/db/pool";
import { listSavedSearches, MAX_HISTORY, queryHistory, recordQuery, savedSearchParams, type SearchViewer } from "@/lib/explore/saved-searches";
import { asBrowser, form, installNextHeaders, nextControlFlow, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { clearQueryHistoryAction, deleteSavedSearchAction, saveSearchAction } from "./saved-searches";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// Saved searches and query history through the real server actions, as signed-in people of two
// tenants, on a real database.

let db: TestDatabase;
let tenantId: string;
let otherTenant: string;
const jar: Record<string, CookieJar> = {};
const who: Record<string, SearchViewer> = {};
const idle = { status: "idle" } as const;

async function auditRows() {
  const { rows } = await getPool().query(`SELECT actor, action, target FROM audit_log WHERE action LIKE 'saved_search.%' ORDER BY id`);
  return rows;
}

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "saved-searches-test-secret-0123456789";
  process.env.NEXTAUTH_URL = "http://127.0.0.1";
  db = await startTestDatabase();
  installNextHeaders();
  tenantId = await ensureTenant("searches");
  otherTenant = await ensureTenant("elsewhere");
  for (const [name, role, t] of [["ana", "analyst", tenantId], ["bo", "analyst", tenantId], ["adm", "admin", tenantId], ["mgr", "manager", tenantId], ["far", "admin", otherTenant]] as const) {
    const u = await createUser({ tenantId: t, email: `${name}@searches.example`, role, actor: "test" });
    jar[name] = await signedInBrowser(u);
    who[name] = { tenantId: t, id: u.id, email: u.email, isAdmin: role === "admin" };
  }
});

afterAll(async () => {
  await db?.stop();
});

describe("saveSearchAction", () => {
  it("saves a private search with its query and range; only its owner lists it", async () => {
    const r = await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "Bash rejects", q: "tool:Bash -decision:accept", range: "24h" })));
    expect(r).toEqual({ status: "saved", message: "Saved “Bash rejects”." });
    const mine = await listSavedSearches(who.ana);
    expect(mine).toMatchObject([{ name: "Bash rejects", q: "tool:Bash -decision:accept", range: "24h", shared: false, mine: true, canDelete: true }]);
    expect(savedSearchParams(mine[0]).toString()).toBe("q=tool%3ABash+-decision%3Aaccept&range=24h");
    expect(await listSavedSearches(who.bo)).toEqual([]);
    expect(await auditRows()).toEqual([]); // private: not audited
  });

  it("saving again under the same name replaces the search; explicit bounds win over a preset", async () => {
    await asBrowser(jar.ana, () =>
      saveSearchAction(idle, form({ name: "Bash rejects", q: "tool:Bash", range: "7d", from: "2026-11-01 00:00:00", to: "2026-11-02T00:00:00Z" })),
    );
    const [s] = await listSavedSearches(who.ana);
    expect(s).toMatchObject({ q: "tool:Bash", range: null });
    expect(savedSearchParams(s).toString()).toBe("q=tool%3ABash&from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-02T00%3A00%3A00.000Z");
  });

  it("answers bad input with the problem and its field, saving nothing", async () => {
    expect(await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "  ", q: "x" })))).toMatchObject({ status: "error", field: "name" });
    expect(await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "n", q: "x", range: "3y" })))).toMatchObject({ status: "error", field: "range" });
    expect(await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "n", q: "x", from: "yesterday" })))).toMatchObject({ status: "error", field: "from" });
    expect(await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "n", q: "" })))).toMatchObject({ status: "error", field: "q" });
    expect(await asBrowser(jar.ana, () => saveSearchAction(idle, form({ name: "n", q: "x".repeat(2001) })))).toMatchObject({ status: "error", field: "q" });
    expect((await listSavedSearches(who.ana)).map((s) => s.name)).toEqual(["Bash rejects"]);
  });

  it("a shared search is listed for the whole tenant (not another tenant) and its sharing is audited", async () => {
    const r = await asBrowser(jar.bo, () => saveSearchAction(idle, form({ name: "MCP writes", q: "mcp_server:github", range: "7d", shared: "on" })));
    expect(r).toEqual({ status: "saved", message: "Saved “MCP writes”, shared with the tenant." });
    expect((await listSavedSearches(who.ana)).map((s) => [s.name, s.mine, s.canDelete])).toEqual([
      ["Bash rejects", true, true],
      ["MCP writes", false, false],
    ]);
    expect((await listSavedSearches(who.mgr)).map((s) => s.name)).toEqual(["MCP writes"]);
    expect(await listSavedSearches(who.far)).toEqual([]);
    expect(await auditRows()).toEqual([{ actor: "bo@searches.example", action: "saved_search.share", target: "MCP writes" }]);
  });

  it("refuses a visitor without a session (404)", async () => {
    const { CookieJar } = await import("@/lib/testing/console-request");
    expect(await asBrowser(new CookieJar(), () => nextControlFlow(() => saveSearchAction(idle, form({ name: "x", q: "y" }))))).toMatch(/NEXT_REDIRECT|404/);
  });
});

describe("deleteSavedSearchAction", () => {
  it("another analyst cannot delete a shared search; another person's private one does not exist for them", async () => {
    const [shared] = (await listSavedSearches(who.bo)).filter((s) => s.name === "MCP writes");
    expect(await asBrowser(jar.ana, () => deleteSavedSearchAction(idle, form({ id: shared.id })))).toEqual({
      status: "error",
      message: "Only its owner or an admin may delete a shared search.",
    });
    const [priv] = await listSavedSearches(who.ana);
    expect(await asBrowser(jar.bo, () => deleteSavedSearchAction(idle, form({ id: priv.id })))).toEqual({ status: "error", message: "No such saved search." });
    expect(await asBrowser(jar.far, () => deleteSavedSearchAction(idle, form({ id: shared.id })))).toEqual({ status: "error", message: "No such saved search." });
    expect(await asBrowser(jar.bo, () => deleteSavedSearchAction(idle, form({ id: "not-a-uuid" })))).toEqual({ status: "error", message: "No such saved search." });
    expect((await listSavedSearches(who.ana)).length).toBe(2);
  });

  it("an admin deletes a shared search (audited); the owner deletes a private one (not audited)", async () => {
    const [shared] = (await listSavedSearches(who.adm)).filter((s) => s.name === "MCP writes");
    expect(shared.canDelete).toBe(true);
    expect(await asBrowser(jar.adm, () => deleteSavedSearchAction(idle, form({ id: shared.id })))).toEqual({ status: "deleted", message: "Deleted." });
    const [priv] = await listSavedSearches(who.ana);
    expect(await asBrowser(jar.ana, () => deleteSavedSearchAction(idle, form({ id: priv.id })))).toEqual({ status: "deleted", message: "Deleted." });
    expect(await listSavedSearches(who.ana)).toEqual([]);
    expect((await auditRows()).map((r) => [r.actor, r.action, r.target])).toEqual([
      ["bo@searches.example", "saved_search.share", "MCP writes"],
      ["adm@searches.example", "saved_search.delete", "MCP writes"],
    ]);
  });
});

describe("query history", () => {
  it("keeps the last 50 distinct queries per person, most recent first; running one again moves it up", async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, i));
    for (let i = 0; i < MAX_HISTORY + 5; i++) await recordQuery(tenantId, who.ana.id, `tool:T${i}`, at(i));
    await recordQuery(tenantId, who.ana.id, "  tool:T10  ", at(100));
    await recordQuery(tenantId, who.ana.id, "   ");
    const h = (await queryHistory(tenantId, who.ana.id)).map((r) => r.q);
    expect(h.length).toBe(MAX_HISTORY);
    expect(h[0]).toBe("tool:T10");
    expect(h.slice(1, 3)).toEqual(["tool:T54", "tool:T53"]);
    expect(h).not.toContain("tool:T4");
    expect(await queryHistory(tenantId, who.bo.id)).toEqual([]);
  });

  it("clearQueryHistoryAction forgets the caller's history only", async () => {
    await recordQuery(tenantId, who.bo.id, "source:cowork");
    expect(await asBrowser(jar.ana, () => clearQueryHistoryAction(idle, form({})))).toEqual({ status: "cleared", message: "History cleared." });
    expect(await queryHistory(tenantId, who.ana.id)).toEqual([]);
    expect((await queryHistory(tenantId, who.bo.id)).map((r) => r.q)).toEqual(["source:cowork"]);
  });
});
