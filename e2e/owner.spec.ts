import { execFileSync } from "node:child_process";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Tenants in the browser: the first-start admin owns the instance and switches tenants with the
// picker; an admin of another tenant gets no picker, and a tenant cookie set by hand changes
// nothing. Every role changes its own password on the Account page.

const TENANT_ADMIN = "admin@other-tenant.example";
const PASSWORD_CHANGER = "password-change@other-tenant.example";

function cli(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", ...args], {
    env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "", BLINDSPOT_USER_PASSWORD: E2E.userPassword },
  }).toString();
}

function ensureUser(email: string, role: string): void {
  if (!cli("users", "list", "--tenant", "other-tenant").includes(email)) cli("users", "create", "--email", email, "--role", role, "--tenant", "other-tenant");
}

async function signInAs(browser: Browser, email: string, password: string, next = "/explore"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`/login?callbackUrl=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === next);
  return page;
}

test("the owner switches tenants; a tenant admin has no picker and stays in its tenant whatever cookie it sends", async ({ page, browser }) => {
  ensureUser(TENANT_ADMIN, "admin");
  const check = watchForProblems(page);
  await signIn(page, "admin", "/explore");
  const picker = page.locator("#tenant-picker");
  await expect(picker).toBeVisible();
  const tenantIds = Object.fromEntries(
    await picker.locator("option").evaluateAll((options) => options.map((o) => [o.textContent ?? "", (o as HTMLOptionElement).value])),
  ) as Record<string, string>;
  expect(Object.keys(tenantIds)).toEqual(expect.arrayContaining(["default", "other-tenant"]));
  await picker.selectOption({ label: "other-tenant" });
  // The picker posts a server action, which sets the cookie and redirects.
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Switch" }).click()]);
  await page.goto("/settings/api-tokens");
  await expect(page.getByText("Tenant other-tenant")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Receiver" })).toBeVisible();
  await screenshot(page, "owner-in-other-tenant");
  check();

  const admin = await signInAs(browser, TENANT_ADMIN, E2E.userPassword);
  await expect(admin.getByText("Tenant:", { exact: false })).toContainText("other-tenant");
  await expect(admin.locator("#tenant-picker")).toHaveCount(0);
  // The cookie the picker would set, forged: still its own tenant, and no instance settings.
  await admin.context().addCookies([{ name: "bs_tenant", value: tenantIds.default, url: E2E.baseURL }]);
  await admin.goto("/settings/api-tokens");
  await expect(admin.getByText("Tenant other-tenant")).toBeVisible();
  await expect(admin.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Receiver" })).toHaveCount(0);
  expect((await admin.goto("/settings/receiver"))?.status()).toBe(403);
  await screenshot(admin, "tenant-admin-no-picker");
  await admin.context().close();
});

test("anyone changes their own password on the Account page; their other sessions end", async ({ browser }) => {
  ensureUser(PASSWORD_CHANGER, "manager");
  const elsewhere = await signInAs(browser, PASSWORD_CHANGER, E2E.userPassword);
  const page = await signInAs(browser, PASSWORD_CHANGER, E2E.userPassword);
  const check = watchForProblems(page);
  await page.getByRole("link", { name: PASSWORD_CHANGER }).click();
  await page.waitForURL((u) => u.pathname === "/account");
  await page.getByLabel("Current password").fill("not-the-password-0000");
  await page.getByLabel("New password (at least 12 characters)").fill("a-brand-new-password-77");
  await page.getByLabel("New password again").fill("a-brand-new-password-77");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toHaveText("The current password is not right.");

  await page.getByLabel("Current password").fill(E2E.userPassword);
  await page.getByLabel("New password (at least 12 characters)").fill("a-brand-new-password-77");
  await page.getByLabel("New password again").fill("a-brand-new-password-77");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toHaveText("Password changed. Your other sessions have ended.");
  await screenshot(page, "account-password-changed");
  // This session continues; the other browser is sent to sign in.
  await page.goto("/explore");
  await expect(page).toHaveURL(/\/explore/);
  await elsewhere.goto("/explore");
  await expect(elsewhere).toHaveURL(/\/login/);
  check();

  const again = await signInAs(browser, PASSWORD_CHANGER, "a-brand-new-password-77");
  await expect(again).toHaveURL(/\/explore/);
  for (const p of [page, elsewhere, again]) await p.context().close();
});
