import { expect, test } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Manager and admin views in Chromium: the approvals dashboard down to the events behind a bar,
// the coverage matrix with a person silent in a surface, and the Compliance join on a timeline.

const OAUTH_PROMPT = "7156d64a-3878-4755-9871-fae10e536aca"; // i2-oauth-identity

test("a manager opens the approvals dashboard and clicks a bar to the events behind it", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "manager", "/approvals?range=all");
  await expect(page.getByRole("heading", { name: "Approvals", exact: true })).toBeVisible();
  const chart = page.getByRole("img", { name: /Tool decisions per/ });
  await expect(chart).toBeVisible();
  await expect(chart.getByText("config (policy)")).toBeVisible(); // legend with units and names
  await expect(page.getByText("Escalations", { exact: true }).first()).toBeVisible();
  await screenshot(page, "approvals-1440");
  await page.setViewportSize({ width: 1024, height: 800 });
  await screenshot(page, "approvals-1024");
  await page.setViewportSize({ width: 1440, height: 900 });
  await chart.locator(".recharts-bar-rectangle path, path.recharts-rectangle").first().click();
  await page.waitForURL((u) => u.pathname === "/explore" && u.searchParams.get("name") === "tool_decision" && u.searchParams.has("decisionSource"));
  const source = new URL(page.url()).searchParams.get("decisionSource")!;
  await expect(page.getByRole("row").nth(1)).toBeVisible();
  await expect(page.getByRole("main")).toContainText(source);
  check();
});

test("an admin sees a person flagged silent in a surface on the coverage page", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/coverage?range=all");
  await expect(page.getByRole("table", { name: "Coverage matrix" })).toBeVisible();
  await expect(page.locator("[data-cell='otel_claude_code:claude_code']")).not.toContainText("silent");
  await expect(page.locator("[data-cell='office_traces:office']")).not.toContainText("silent");
  const arya = page.locator("tr[data-person='arya.stark@westeros.example']");
  await expect(arya).toContainText("no Cowork OpenTelemetry");
  await screenshot(page, "coverage-1440");
  await page.setViewportSize({ width: 1024, height: 800 });
  await screenshot(page, "coverage-1024");
  await arya.getByRole("link").first().click();
  await expect(page.getByText("Transcripts exist in the Compliance API for cowork")).toBeVisible();
  await screenshot(page, "person");
  check();
});

test("the prompt timeline shows the Compliance conversation beside the tool calls", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", `/prompts/${OAUTH_PROMPT}`);
  const conversation = page.getByRole("region", { name: "Conversation (Compliance API)" });
  // The transcript may come from the import in setup or from the connector's sync (compliance
  // spec): both carry this prompt's tool_use_id, and either is the right match.
  await expect(conversation).toContainText(/Session transcript clls_/);
  await expect(conversation).toContainText("list the ledgers and tell me which one changed last");
  await expect(conversation).toContainText(/Claude · clsm_/);
  await expect(page.getByText("From the Compliance transcript")).toBeVisible();
  await expect(page.getByText(/tool_result in clsm_/)).toBeVisible();
  await screenshot(page, "prompt-joined");
  await page.goto("/compliance?range=all");
  await expect(page.getByRole("cell", { name: "user_signed_in_sso" }).first()).toBeVisible();
  await screenshot(page, "compliance-activity");
  check();
});
