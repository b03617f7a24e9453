import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// 403 and 404 pages that say what happened (issue #14 §5): an analyst or a manager on an admin
// page gets "Admins only" with status 403; an unknown record gets "No … with this id in this
// tenant" with status 404, inside the console shell.

const ADMIN_PAGES = [
  "/settings", "/settings/setup", "/settings/tokens", "/settings/api-tokens", "/settings/users", "/settings/compliance",
  "/settings/alerts-delivery", "/settings/receiver", "/audit", "/compliance/import",
];

type Attr = { key: string; value: { stringValue?: string } };
const logs = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json", "utf8")) as {
  resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[];
};
const promptId = logs.resourceLogs[0].scopeLogs[0].logRecords.flatMap((r) => r.attributes).find((a) => a.key === "prompt.id")!.value.stringValue!;

for (const role of ["analyst", "manager"] as const) {
  test(`a ${role} on admin pages gets a 403 page that says admins only`, async ({ page }) => {
    await signIn(page, role, "/explore");
    for (const path of ADMIN_PAGES) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: "Admins only" }), path).toBeVisible();
      await expect(page.getByText(`with the role ${role}`), path).toBeVisible();
      await expect(page, path).toHaveTitle("Forbidden · Blindspot");
      // Inside the console: the navigation is there, and it offers no admin pages.
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }), path).toHaveCount(0);
    }
    await page.getByRole("link", { name: "Home" }).last().click();
    await page.waitForURL((u) => u.pathname === "/");
  });
}

test("an admin opens the same pages (no 403 for the role that may)", async ({ page }) => {
  await signIn(page, "admin", "/explore");
  for (const path of ADMIN_PAGES.filter((p) => p !== "/settings")) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await expect(page.getByRole("heading", { name: "Admins only" }), path).toHaveCount(0);
  }
});

test("an unknown prompt is a 404 that names the prompt and the tenant", async ({ page }) => {
  await signIn(page, "analyst", "/explore");
  const missing = "00000000-dead-4bee-8000-000000000000";
  const res = await page.goto(`/prompts/${missing}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "No prompt with this id in this tenant" })).toBeVisible();
  await expect(page.getByRole("main")).toContainText(missing);
  await expect(page.getByRole("main")).toContainText("tenant default");
  await expect(page).toHaveTitle("Prompt not found · Blindspot");
  await page.getByRole("link", { name: "Explore events" }).last().click();
  await page.waitForURL((u) => u.pathname === "/explore");
  // A prompt that exists opens as before.
  expect((await page.goto(`/prompts/${promptId}`))?.status()).toBe(200);
});

test("other unknown records and addresses say what is missing", async ({ page }) => {
  await signIn(page, "analyst", "/explore");
  const cases: [string, string][] = [
    ["/sessions/no-such-session", "No session with this id in this tenant"],
    ["/traces/0123456789abcdef0123456789abcdef", "No trace with this id in this tenant"],
    ["/traces/not-hex", "No trace with this id in this tenant"],
    ["/people/nobody%40nowhere.example", "No person with this id in this tenant"],
    ["/alerts/00000000-0000-4000-8000-000000000000", "No alert with this id in this tenant"],
    ["/rules/no-such-rule", "No rule with this id in this tenant"],
    ["/no-such-page", "This page does not exist"],
  ];
  for (const [path, heading] of cases) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: heading }), path).toBeVisible();
  }
  await expect(page.getByText("nobody@nowhere.example")).toHaveCount(0); // the last page is the site 404
  await page.goto("/people/nobody%40nowhere.example");
  await expect(page.getByRole("main")).toContainText("nobody@nowhere.example");
});
