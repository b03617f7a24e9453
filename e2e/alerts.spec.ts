import { execFileSync } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn, watchForProblems } from "./helpers";

// Triage as an analyst lives it: the queue, an alert (what fired and why), its evidence highlighted
// on the prompt timeline, acknowledge, an exception from a matched value, close as a false positive;
// and a manager who sees the same alert without its content. The alerts are written over the
// fixtures the setup project ingested (e2e/seed-alerts.ts).

test.use({ viewport: { width: 1440, height: 900 } });

interface Seeded {
  bash: string;
  office: string;
  compliance: string;
  command: string;
}

function seedTool(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["e2e/seed-alerts.ts", ...args], {
    env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "" },
  }).toString();
}

let seeded: Seeded;

test.beforeAll(() => {
  seeded = JSON.parse(seedTool("alerts").trim().split("\n").pop()!) as Seeded;
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots-triage/${name}.png`, fullPage: true });
}

test("an analyst triages an alert from the queue to a false positive", async ({ page, request }) => {
  const check = watchForProblems(page);
  await signIn(page, "analyst", "/alerts");
  await page.goto("/alerts?range=all");
  const queue = page.getByRole("table", { name: "Alert queue" });
  const row = queue.locator(`tr[data-alert-id="${seeded.bash}"]`);
  await expect(row).toContainText("Destructive command attempted");
  await expect(row.locator("[data-severity]")).toHaveText("High");
  await expect(row.locator("[data-status]")).toHaveText("New");
  // Analysts see what matched, right in the row.
  await expect(row).toContainText(seeded.command);
  // Most severe first: high before medium before low.
  const order = await queue.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-alert-id")));
  expect(order.indexOf(seeded.bash)).toBeLessThan(order.indexOf(seeded.office));
  expect(order.indexOf(seeded.office)).toBeLessThan(order.indexOf(seeded.compliance));
  await shot(page, "queue-analyst");

  await row.getByRole("link", { name: "Destructive command attempted (refused by policy)" }).click();
  await page.waitForURL(`**/alerts/${seeded.bash}`);
  await expect(page.getByTestId("alert-summary")).toContainText("Fired once for");
  const fired = page.getByRole("table", { name: "What fired" });
  await expect(fired.locator('tr[data-field="command"]')).toContainText(seeded.command);
  await shot(page, "alert-analyst");

  // The evidence, highlighted on the prompt's timeline and scrolled into view.
  await page.getByRole("link", { name: "Show on the prompt timeline →" }).click();
  await page.waitForURL(/\/prompts\/.+\?highlight=/);
  const marked = page.locator("[data-highlighted=evidence]");
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText("Evidence");
  await expect(marked).toContainText("rejected");
  await expect(marked).toBeInViewport();
  await page.screenshot({ path: "test-results/screenshots-triage/timeline-highlight.png" });
  await page.goBack();
  await page.waitForURL(`**/alerts/${seeded.bash}`);

  // Acknowledge (and take it: nobody had it).
  await page.getByRole("button", { name: "Acknowledge and take it" }).click();
  await expect(page.locator("h1 [data-status]")).toHaveText("Acknowledged");
  await expect(page.getByText(`${E2E.analystEmail} set it to acknowledged`)).toBeVisible();
  await expect(page.getByText(`assigned to ${E2E.analystEmail}`).first()).toBeVisible();
  await expect(page.getByLabel("Assignee")).toHaveValue(E2E.analystEmail);

  // An exception from the matched command: this prefix is a routine clean-up.
  const prefix = seeded.command.split(" ").slice(0, 2).join(" ");
  await fired.getByRole("button", { name: "Add an exception for command" }).click();
  const form = page.getByRole("form", { name: "Exception for command" });
  await form.getByLabel("Comparison").selectOption("startswith");
  await form.getByLabel("Value").fill(prefix);
  await form.getByLabel("Why is this safe to ignore?").fill("build clean-up in the release job");
  await form.getByRole("button", { name: "Add exception" }).click();
  await expect(page.getByText("Exception added: new hits where command starts with this value are suppressed for this rule.")).toBeVisible();
  const exceptions = JSON.parse(seedTool("exceptions").trim().split("\n").pop()!) as Record<string, string>[];
  expect(exceptions).toEqual([
    { rule_id: "8f1d3c2a-6b0e-4f7d-9a51-3e2c1b0a9d01", field: "command", operator: "startswith", value: prefix, reason: "build clean-up in the release job", created_by: E2E.analystEmail },
  ]);

  // Close as a false positive, with a note.
  const close = page.locator("form").filter({ has: page.getByRole("button", { name: "Close alert" }) });
  await close.getByLabel(/False positive/).check();
  await close.getByLabel(/Note \(optional\)/).fill("Release job clean-up; exception added.");
  await close.getByRole("button", { name: "Close alert" }).click();
  await expect(page.locator("h1 [data-status]")).toHaveText(/Closed\s*· false positive/);
  await expect(page.getByText("Release job clean-up; exception added.")).toBeVisible();
  await expect(page.getByText(`${E2E.analystEmail} closed it as false positive`)).toBeVisible();
  await shot(page, "alert-closed");

  // The API tells automation the same.
  const api = await request.get(`/api/v1/alerts/${seeded.bash}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(await api.json()).toMatchObject({ status: "closed", resolution: "false_positive", assignee: E2E.analystEmail });
  check();
});

test("the Office alert's evidence is highlighted and opened in the span tree", async ({ page }) => {
  const check = watchForProblems(page);
  await signIn(page, "analyst", "/alerts");
  await page.goto(`/alerts/${seeded.office}`);
  await page.getByRole("link", { name: "agent.tool_execution" }).click();
  await page.waitForURL(/\/traces\/[0-9a-f]{32}\?highlight=/);
  const marked = page.locator("[data-highlighted=evidence]");
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText("Evidence");
  await expect(marked.getByText("Read / write")).toBeVisible();
  await expect(marked).toBeInViewport();
  check();
});

test("a manager sees the alert without its content and cannot triage it", async ({ page }) => {
  const check = watchForProblems(page);
  await signIn(page, "manager", "/alerts");
  await page.goto("/alerts?range=all&status=any");
  const row = page.locator(`tr[data-alert-id="${seeded.bash}"]`);
  await expect(row).toContainText("Destructive command attempted");
  await expect(page.getByText("matched values hidden for your role")).toBeVisible();
  expect(await page.content()).not.toContain(seeded.command);
  await shot(page, "queue-manager");

  await row.getByRole("link", { name: /Destructive command attempted/ }).click();
  await page.waitForURL(`**/alerts/${seeded.bash}`);
  await expect(page.getByText("are hidden for the manager role")).toBeVisible();
  await expect(page.getByText("Analysts and admins triage alerts; the manager role reads them.")).toBeVisible();
  await expect(page.getByRole("button", { name: /Acknowledge|Close alert|Add exception/ })).toHaveCount(0);
  await expect(page.getByText("Note text hidden for your role.")).toBeVisible();
  expect(await page.content()).not.toContain(seeded.command);
  await shot(page, "alert-manager");
  check();
});

test("the queue narrows by severity chip and groups by rule and by person", async ({ page }) => {
  const check = watchForProblems(page);
  await signIn(page, "analyst", "/alerts");
  await page.goto("/alerts?range=all&status=any");
  // The fixtures the setup ingested raise real alerts too, and correlation jobs may still raise some while the
  // test runs: compare with the chip's count on the page that lists them, not with a fixed number.
  await page.getByTestId("severity-count-medium").click();
  await page.waitForURL(/severity=medium/);
  const mediumCount = Number((await page.getByTestId("severity-count-medium").locator(".tabular-nums").innerText()).replace(/,/g, ""));
  expect(mediumCount).toBeGreaterThanOrEqual(1);
  const queueRows = page.locator("table[aria-label='Alert queue'] tbody tr");
  await expect(queueRows).toHaveCount(Math.min(mediumCount, 100));
  await expect(queueRows.locator("[data-severity]")).toHaveText(new Array(Math.min(mediumCount, 100)).fill("Medium"));
  await expect(page.locator(`tr[data-alert-id="${seeded.office}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-alert-id="${seeded.bash}"]`)).toHaveCount(0);
  await expect(page.locator(`tr[data-alert-id="${seeded.compliance}"]`)).toHaveCount(0);

  await page.goto("/alerts?range=all&status=any");
  await page.getByLabel("Group by").selectOption("person");
  await page.getByRole("button", { name: "Apply" }).click();
  const byPerson = page.getByRole("table", { name: "Alerts grouped by person" });
  // Arya has the Office and the Compliance alert (the Bash alert names nobody), and whatever the real
  // rules raised on her fixtures: her queue lists at least her row's count, and only hers.
  const arya = byPerson.getByRole("row", { name: /arya\.stark@westeros\.example/ });
  const aryaAlerts = Number((await arya.getByRole("cell").nth(2).innerText()).replace(/,/g, ""));
  expect(aryaAlerts).toBeGreaterThanOrEqual(2);
  await byPerson.getByRole("link", { name: "arya.stark@westeros.example" }).click();
  await page.waitForURL(/person=arya/);
  // Every row is hers, and none is missing (more only if a correlation job raised one since).
  await expect(page.locator(`tr[data-alert-id="${seeded.office}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-alert-id="${seeded.compliance}"]`)).toBeVisible();
  const aryaRows = page.locator("table[aria-label='Alert queue'] tbody tr");
  const listed = await aryaRows.count();
  expect(listed).toBeGreaterThanOrEqual(Math.min(aryaAlerts, 100));
  await expect(aryaRows.getByRole("link", { name: "arya.stark@westeros.example", exact: true })).toHaveCount(listed);
  await expect(page.locator(`tr[data-alert-id="${seeded.bash}"]`)).toHaveCount(0);

  await page.goto("/alerts?range=all&status=any&group=rule");
  await expect(page.getByRole("table", { name: "Alerts grouped by rule" }).getByRole("link", { name: "Destructive command attempted (refused by policy)" })).toBeVisible();
  await shot(page, "queue-grouped-by-rule");
  check();
});

test("the home page shows open alerts by severity", async ({ page }) => {
  const check = watchForProblems(page);
  await signIn(page, "analyst", "/");
  const open = page.getByRole("region", { name: "Open alerts" });
  // The seeded Office (medium) and Compliance (low) alerts are open, besides what the shipped rules raised.
  const countOf = async (testId: string) => Number((await open.getByTestId(testId).innerText()).match(/([\d,]+)\s*$/)?.[1]?.replace(/,/g, "") ?? NaN);
  const medium = await countOf("open-alerts-medium");
  expect(medium).toBeGreaterThanOrEqual(1);
  expect(await countOf("open-alerts-low")).toBeGreaterThanOrEqual(1);
  await open.getByTestId("open-alerts-medium").click();
  await page.waitForURL(/\/alerts\?status=open&severity=medium/);
  await expect(page.locator(`tr[data-alert-id="${seeded.office}"]`)).toBeVisible();
  // The queue it opens lists those open medium alerts (more only if a correlation job raised one since).
  const rows = page.locator("table[aria-label='Alert queue'] tbody tr");
  const listed = await rows.count();
  expect(listed).toBeGreaterThanOrEqual(Math.min(medium, 100));
  await expect(rows.locator("[data-severity]")).toHaveText(new Array(listed).fill("Medium"));
  await expect(rows.locator("[data-status]")).not.toContainText(["Closed"]);
  check();
});
