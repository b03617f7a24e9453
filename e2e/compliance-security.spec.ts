import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn } from "./helpers";

// Compliance routes seen from outside: the import only from the console's own origin and only
// for admins (progress included); activity details a manager may not read stay on the server;
// the connector's error text is for admins.

const FILENAME = "merger-plan-e2e-7f3a.xlsx";
const REQUEST_BODY = "quarterly-layoffs-e2e-7f3a";
const actor = { type: "user_actor", email_address: "jon.snow@westeros.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.10", user_agent: "Mozilla/5.0" };
// Old timestamps: other specs count recent activity.
const EXPORT = [
  { id: "activity_01e2eSecFileUpload000000001", created_at: "2025-06-01T10:00:00Z", organization_id: "org_01JAS8wDVamuGmbTrUMp3J6F", organization_uuid: null, actor, type: "claude_file_uploaded", claude_file_id: "claude_file_01e2eSec7f3a", filename: FILENAME, claude_chat_id: null, claude_project_id: null },
  { id: "activity_01e2eSecApiAccessed00000001", created_at: "2025-06-01T10:01:00Z", organization_id: null, organization_uuid: null, actor, type: "compliance_api_accessed", request_id: "req_01e2eSec7f3a", url: `https://api.anthropic.com/v1/compliance/x?q=${REQUEST_BODY}`, request_method: "POST", request_body: REQUEST_BODY, status_code: 200 },
]
  .map((r) => JSON.stringify(r))
  .join("\n");

const importUrl = (name: string) => `/api/console/compliance/import?filename=${encodeURIComponent(name)}`;

async function asRole(page: Page, role: "analyst" | "manager"): Promise<Page> {
  const context = await page.context().browser()!.newContext({ baseURL: E2E.baseURL });
  const p = await context.newPage();
  await signIn(p, role, "/compliance");
  return p;
}

test("the Compliance import takes posts only from the console's own origin, and only admins see imports", async ({ page }) => {
  await signIn(page, "admin", "/compliance/import");
  const headers = { "content-type": "application/x-ndjson" };

  // A page on another site posting with the admin's cookie: refused, nothing stored.
  for (const extra of [{ origin: "https://evil.example" }, { origin: "null" }, {}] as Record<string, string>[]) {
    const res = await page.request.post(importUrl("forged.ndjson"), { headers: { ...headers, ...extra }, data: EXPORT });
    expect(res.status(), JSON.stringify(extra)).toBe(403);
  }
  const list = await page.request.get("/api/console/compliance/import");
  expect(list.status()).toBe(200);
  expect(await list.text()).not.toContain("forged.ndjson");

  // The upload form itself (the browser sends its own Origin).
  await page.locator('input[type="file"]').setInputFiles({ name: "details.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(EXPORT) });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "rejected" })).toContainText(/\d+ new, \d+ already stored, 0 rejected/);
  expect(await (await page.request.get("/api/console/compliance/import")).text()).toContain("details.ndjson");

  // Import progress (file names, who imported) is for admins only.
  for (const role of ["analyst", "manager"] as const) {
    const other = await asRole(page, role);
    const res = await other.request.get("/api/console/compliance/import");
    expect(res.status(), role).toBe(403);
    expect(await res.text()).not.toContain("details.ndjson");
    const post = await other.request.post(importUrl("as-role.ndjson"), { headers: { ...headers, origin: E2E.baseURL }, data: EXPORT });
    expect(post.status(), role).toBe(403);
    await other.context().close();
  }
});

test("a manager sees a Compliance activity's metadata, not its request body or file name", async ({ page }) => {
  await signIn(page, "admin", "/compliance");
  const res = await page.request.post(importUrl("details-again.ndjson"), { headers: { "content-type": "application/x-ndjson", origin: E2E.baseURL }, data: EXPORT });
  expect(res.status()).toBe(200);

  const manager = await asRole(page, "manager");
  for (const path of ["/compliance?range=all", "/compliance?range=all&type=claude_file_uploaded", "/people/jon.snow%40westeros.example?range=all"]) {
    const html = await (await manager.request.get(path)).text();
    for (const secret of [FILENAME, REQUEST_BODY]) expect(html.includes(secret), `${path} leaks ${secret}`).toBe(false);
  }
  await manager.goto("/compliance?range=all&type=claude_file_uploaded");
  const row = manager.locator("tr", { hasText: "claude_file_uploaded" }).first();
  await expect(row).toContainText("claude_file_id=claude_file_01e2eSec7f3a");
  await expect(row.getByTestId("activity-hidden")).toHaveText("Hidden: filename");
  await manager.context().close();

  // An analyst reads them (so the check above can fail).
  const analyst = await asRole(page, "analyst");
  const html = await (await analyst.request.get("/compliance?range=all&type=claude_file_uploaded")).text();
  expect(html).toContain(FILENAME);
  await analyst.context().close();
});

test("the connector's state with error text is for admins: the console route refuses managers", async ({ page }) => {
  const manager = await asRole(page, "manager");
  const res = await manager.request.get("/api/console/connectors");
  expect(res.status()).toBe(403);
  expect(await res.text()).not.toMatch(/lastError|baseUrl/);
  await manager.context().close();
});
