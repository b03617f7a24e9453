import { expect, test, type Page } from "@playwright/test";
import { signIn, watchForProblems } from "./helpers";

// The Explorer with a query (`q`) over real HTTP on the fixtures the setup project ingested:
// field terms, free text and booleans select rows; a bad query shows where and why (never a
// 500); a manager's free text is refused; the spans dataset lists the Office agent spans.

function explore(q: string, extra = ""): string {
  return `/explore?range=all&q=${encodeURIComponent(q)}${extra}`;
}

async function column(page: Page, header: string): Promise<string[]> {
  const table = page.getByRole("region", { name: "Events" }).locator("table");
  const headers = await table.locator("thead th").allInnerTexts();
  const index = headers.findIndex((h) => h.replace(/[▲▼↕]/g, "").trim() === header);
  expect(index, header).toBeGreaterThanOrEqual(0);
  return table.locator(`tbody tr td:nth-child(${index + 1})`).allInnerTexts();
}

test("field terms, free text and booleans select the rows", async ({ page }) => {
  const done = watchForProblems(page);
  await signIn(page, "analyst");
  await page.goto(explore("tool:Bash -decision:accept event:tool_decision"));
  const decisions = await column(page, "Decision");
  expect(decisions.length).toBeGreaterThan(0);
  expect(decisions.every((d) => d.trim() !== "accept")).toBe(true);
  expect((await column(page, "Tool")).every((t) => t.trim() === "Bash")).toBe(true);

  await page.goto(explore('"rm -rf" and (event:tool_decision or event:tool_result)'));
  const events = await column(page, "Event");
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => /tool_decision|tool_result|Tool decision|Tool result/i.test(e))).toBe(true);
  done();
});

test("a bad query says where and why, with no rows and no 500", async ({ page }) => {
  const done = watchForProblems(page);
  await signIn(page, "analyst");
  const response = await page.goto(explore("tool:Bash nope:x"));
  expect(response?.status()).toBe(200);
  const alert = page.getByRole("alert").filter({ has: page.getByTestId("query-error") });
  await expect(alert).toContainText("unknown field `nope` at 10");
  await expect(alert).toHaveAttribute("data-query-error-position", "10");
  done();
});

test("a manager may not search content", async ({ page }) => {
  await signIn(page, "manager");
  await page.goto(explore("curl"));
  await expect(page.getByRole("alert").filter({ has: page.getByTestId("query-error") })).toContainText("free text searches content");
  await page.goto(explore("tool:Bash"));
  expect((await column(page, "Tool")).length).toBeGreaterThan(0);
});

test("the spans dataset lists Office agent spans with the same language", async ({ page }) => {
  const done = watchForProblems(page);
  await signIn(page, "analyst");
  await page.goto(explore("event:agent.tool_execution", "&dataset=spans"));
  const table = page.getByRole("table", { name: "Spans" });
  const names = await table.locator("tbody tr td:nth-child(2)").allInnerTexts();
  expect(names.length).toBeGreaterThan(0);
  expect(names.every((n) => n.trim() === "agent.tool_execution")).toBe(true);
  await page.getByRole("link", { name: "Events", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Explore", exact: true })).toBeVisible();
  done();
});
