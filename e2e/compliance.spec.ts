import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { loadComplianceFixtures, SCOPES, startComplianceStub, type ComplianceStub } from "../lib/testing/compliance-stub";
import { screenshot, signIn, watchForProblems } from "./helpers";

// An admin connects the tenant to a Compliance API (the stub, serving test/fixtures-compliance),
// saves, asks for a sync, and watches the connector's state reach "records pulled" without errors.

const KEY = "sk-ant-api01-e2e-stub-key-0123456789abcd";
let stub: ComplianceStub;

test.beforeAll(async () => {
  // Port 0: a free port; the app server reaches it on loopback.
  stub = await startComplianceStub({ keys: [KEY], data: loadComplianceFixtures() });
});

test.afterAll(async () => {
  await stub.close();
});

test("an admin connects the Compliance API and syncs", async ({ page }) => {
  const done = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/settings/compliance");
  await expect(page.getByRole("link", { name: "Compliance API" })).toHaveAttribute("aria-current", "page");

  // A mistyped URL is explained, and nothing is saved.
  await page.getByLabel("Base URL").fill("127.0.0.1");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Enter a full URL such as https://api.anthropic.com")).toBeVisible();
  await expect(page.getByText("Enter the Compliance access key")).toBeVisible();

  await page.getByLabel("Base URL").fill(stub.url);
  await page.getByLabel("Access key").fill(KEY);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  // The key is never shown again: only its hint.
  await expect(page.getByText("sk-ant-api01-…abcd")).toBeVisible();
  expect(await page.content()).not.toContain(KEY);

  // Saving queued a first pull; "Sync now" queues another, forced one, and the panel follows it.
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByTestId("sync-progress")).toHaveText(/Queued|Syncing/);
  await expect(page.getByTestId("sync-progress")).toBeEmpty({ timeout: 30_000 });
  await expect(page.getByTestId("records-pulled")).not.toHaveText("0");
  await expect(page.getByTestId("connector-state")).toHaveText("Up to date");
  expect(stub.requestsTo("/v1/compliance/activities").length).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("stream-errors")).toHaveText("0");
  await expect(page.locator('tr[data-stream="activities"] td').nth(2)).toHaveText("4");
  await expect(page.locator('tr[data-stream="sessions_local"] td').nth(2)).toHaveText("5");
  expect(stub.requests.filter((r) => r.status >= 400)).toEqual([]);

  // The same state through the read API, without the key.
  const res = await page.request.get("/api/v1/connectors", { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(res.status()).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(KEY);
  const body = JSON.parse(text) as { connectors: { state: string; recordsPulled: number; settings: { keyHint: string } }[] };
  expect(body.connectors[0]).toMatchObject({ state: "ok", settings: { keyHint: "sk-ant-api01-…abcd" } });
  expect(body.connectors[0].recordsPulled).toBeGreaterThan(0);

  await screenshot(page, "settings-compliance");
  await page.setViewportSize({ width: 1024, height: 900 });
  await screenshot(page, "settings-compliance-1024");
  done();
});

test("a key without the user-data scope: the affected streams say which scope is missing", async ({ page }) => {
  const done = watchForProblems(page);
  stub.setKey(KEY, [SCOPES.activities, SCOPES.orgData]);
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, "admin", "/settings/compliance");
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect(page.getByTestId("connector-state")).toHaveText("Errors", { timeout: 30_000 });
    await expect(page.locator('tr[data-stream="chats"]')).toContainText("The access key lacks the scope read:compliance_user_data");
    await expect(page.locator('tr[data-stream="activities"]')).toContainText("ok");
    await screenshot(page, "settings-compliance-errors");
  } finally {
    stub.setKey(KEY);
  }
  done();
});
