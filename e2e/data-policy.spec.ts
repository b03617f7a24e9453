import { expect, test } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Settings → Data in Chromium: an admin changes the data policy twice (a reason is required),
// sees both versions in the history with who and why, views the older one, and applies the
// current one to stored data through the running server's job queue (a policy that keeps
// everything, so the data other specs read stays as it is). Analysts and managers get the
// console's 403 page (admins only), as on every settings page.

test("an admin edits the data policy, sees version 2 in the history, and re-scans stored data", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/settings/setup");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Data", exact: true }).click();
  await page.waitForURL("**/settings/data");
  await expect(page.getByRole("heading", { name: "Current policy: the default (version 0)" })).toBeVisible();

  await page.getByLabel("Default action").selectOption("keep");
  await page.getByRole("button", { name: "Add rule" }).click();
  await page.getByLabel("Rule 1 target").fill("tool_input");
  await page.getByLabel("Rule 1 action").selectOption("drop");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status")).toHaveText(/Give a reason for the change/);

  await page.getByLabel("Reason for the change").fill("SEC-1: no tool inputs");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved as version 1. It applies to data received from now on.");
  await expect(page.getByRole("heading", { name: "Current policy: version 1" })).toBeVisible();

  // An unknown target is refused with the reason.
  await page.getByLabel("Rule 1 target").fill("tool_inptu");
  await page.getByLabel("Reason for the change").fill("typo");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status")).toHaveText(/Not saved: rules\[0\]\.target: unknown target "tool_inptu"/);

  await page.getByLabel("Rule 1 target").fill("tool_input");
  await page.getByLabel("Rule 1 action").selectOption("keep");
  await page.getByLabel("Reason for the change").fill("SEC-2: legal approved tool inputs");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved as version 2. It applies to data received from now on.");

  const history = page.getByTestId("policy-history");
  await expect(history.getByRole("row")).toHaveCount(3);
  await expect(history.getByRole("row").nth(1)).toContainText("2");
  await expect(history.getByRole("row").nth(1)).toContainText("SEC-2: legal approved tool inputs");
  await expect(history.getByRole("row").nth(1)).toContainText("current");
  await expect(history.getByRole("row").nth(2)).toContainText("SEC-1: no tool inputs");

  await history.getByRole("link", { name: "View" }).click();
  await page.waitForURL("**/settings/data?version=1");
  const v1 = page.getByRole("table", { name: "Rules of version 1" });
  await expect(v1.getByRole("row", { name: /tool_input/ })).toContainText("drop");
  await expect(page.getByRole("table", { name: "Rules of version 2" }).getByRole("row", { name: /tool_input/ })).toContainText("keep");

  await page.getByRole("button", { name: "Apply to stored data" }).click();
  await expect(page.getByText("Re-scan under version 2 queued; progress shows below.")).toBeVisible();
  // The server's background worker runs it; the page refreshes while it runs.
  await expect(page.getByTestId("rescan-state")).toHaveText("done", { timeout: 60_000 });
  await expect(page.getByTestId("rescan-progress")).toContainText(/\d+ records scanned, 0 rewritten/);
  await screenshot(page, "settings-data-1440");
  check();
});

test("analysts and managers get the admins-only page, not the policy", async ({ page }) => {
  for (const role of ["analyst", "manager"] as const) {
    await signIn(page, role, "/explore");
    expect((await page.goto("/settings/data"))?.status(), role).toBe(403);
    await expect(page.getByRole("heading", { name: "Admins only" }), role).toBeVisible();
    await expect(page.getByTestId("policy-view")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Save as a new version" })).toHaveCount(0);
    await page.context().clearCookies();
  }
});
