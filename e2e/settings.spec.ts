import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Admin settings in the browser: an ingest token's whole life (create, send, revoke, refused),
// the setup page's live check, users and roles, and that non-admins cannot reach settings.

const body = readFileSync("test/fixtures/k-skill-slash-mention/http-protobuf/0001-logs.body.pb");

/** A Claude Code event never sent before (fixtures are already stored by the setup project). */
function freshEvent(): string {
  const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const session = `e2e-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [attr("service.name", "claude-code"), attr("service.version", "2.1.330")] },
      scopeLogs: [{ logRecords: [{
        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        body: { stringValue: "claude_code.user_prompt" },
        attributes: [attr("event.name", "user_prompt"), attr("session.id", session), { key: "event.sequence", value: { intValue: 0 } }, attr("prompt_length", "5")],
      }] }],
    }],
  });
}

test("an admin creates an ingest token, sends with it, revokes it, and the next send gets 403", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/settings/tokens");
  await page.getByLabel("Name", { exact: true }).fill("e2e-laptops");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(/^bsi_/);
  await screenshot(page, "settings-tokens-1440");

  const send = () =>
    page.request.post("/api/otlp/v1/logs", { headers: { "content-type": "application/x-protobuf", authorization: `Bearer ${secret}` }, data: body });
  expect((await send()).status()).toBe(200);

  await page.reload();
  const row = page.locator("tr[data-token-name='e2e-laptops']");
  await expect(row).not.toContainText("never"); // last used is set
  await row.getByRole("button", { name: "Revoke e2e-laptops" }).click();
  await expect(row).toContainText("revoked");
  const refused = await send();
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain("revoked");
  await page.setViewportSize({ width: 1024, height: 800 });
  await screenshot(page, "settings-tokens-1024");
  check();
});

test("the setup page prints Claude Code settings and sees the first event arrive", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/settings/setup");
  await page.getByRole("button", { name: /Create a token for Claude Code/ }).click();
  const secret = (await page.getByTestId("new-secret").textContent())!.trim();
  await expect(page.getByText(`OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${secret}"`)).toBeVisible();
  await expect(page.getByText(`export OTEL_EXPORTER_OTLP_ENDPOINT=${E2E.baseURL}/api/otlp`)).toBeVisible();
  await expect(page.getByText("Waiting for the first event")).toBeVisible();
  const res = await page.request.post("/api/otlp/v1/logs", { headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, data: freshEvent() });
  expect(res.status()).toBe(200);
  await expect(page.getByText("Received: event user_prompt from claude_code")).toBeVisible({ timeout: 10_000 });
  await screenshot(page, "settings-setup");
  await page.getByText("Cowork", { exact: true }).click();
  await expect(page.getByText("Network egress")).toBeVisible();
  check();
});

test("users: invite with a one-time password, change the role, deactivate", async ({ page, browser }) => {
  await signIn(page, "admin", "/settings/users");
  const email = `invited-${Date.now()}@e2e.example`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Invite" }).click();
  const password = (await page.getByTestId("new-secret").textContent())!.trim();
  await screenshot(page, "settings-users");

  const other = await browser.newPage();
  await other.goto("/login?callbackUrl=%2Fcompliance");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(password);
  await other.getByRole("button", { name: "Sign in" }).click();
  await other.waitForURL((u) => u.pathname === "/compliance");
  // Analysts do not get settings.
  expect((await other.goto("/settings/tokens"))?.status()).toBe(403);

  await page.reload();
  const row = page.locator("tr", { hasText: email });
  await row.getByLabel(`Role of ${email}`).selectOption("manager");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue("manager");
  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(row).toContainText("deactivated");
  // The deactivated user's next request is sent to sign in.
  await other.goto("/compliance");
  await expect(other).toHaveURL(/\/login/);
  await other.close();
});
