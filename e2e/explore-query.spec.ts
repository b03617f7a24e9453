import { expect, test, type Locator, type Page } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// The Explorer's query bar, row panel, saved searches and layout, as an analyst uses them, on the
// captured fixtures (ingested by the setup project; they lie in the past, hence "All time").

function table(page: Page): Locator {
  return page.getByRole("region", { name: "Events" }).locator("table");
}

async function columnValues(page: Page, header: string): Promise<string[]> {
  const headers = await table(page).locator("thead th").allInnerTexts();
  const index = headers.findIndex((h) => h.replace(/[▲▼↕]/g, "").trim() === header);
  expect(index, `column ${header} in ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  return table(page).locator(`tbody tr td:nth-child(${index + 1})`).allInnerTexts();
}

function queryInput(page: Page): Locator {
  return page.getByRole("combobox", { name: "Query" });
}

async function runQuery(page: Page, q: string): Promise<void> {
  await queryInput(page).fill(q);
  await queryInput(page).press("Escape"); // close the suggestions, so Enter runs the query
  await queryInput(page).press("Enter");
  await page.waitForURL((u) => u.searchParams.get("q") === q);
}

test.describe("Explorer query", () => {
  test("a query with text, field and boolean parts returns the expected rows; a bad one says where", async ({ page }) => {
    const check = watchForProblems(page);
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, "analyst", "/explore?range=all");

    // Free text (a phrase of the command) AND a field AND an or-group.
    await runQuery(page, '"rm -rf" tool:Bash (source:config or source:hook)');
    const both = (await columnValues(page, "Decision")).map((d) => d.replace(/\s+/g, " ").trim());
    expect(both.length).toBeGreaterThan(1);
    for (const d of both) expect(d).toMatch(/^reject (config|hook)$/);
    expect(new Set(both)).toEqual(new Set(["reject config", "reject hook"]));
    for (const t of await columnValues(page, "Tool")) expect(t).toBe("Bash");
    await expect(page.getByTestId("explore-count")).toHaveText(new RegExp(`^${both.length} events?`));
    await screenshot(page, "explore-query-1440");

    // The same with a negation: only the hook's rejections are left.
    await runQuery(page, '"rm -rf" tool:Bash -source:config');
    const hookOnly = (await columnValues(page, "Decision")).map((d) => d.replace(/\s+/g, " ").trim());
    expect(hookOnly.length).toBeGreaterThan(0);
    expect(new Set(hookOnly)).toEqual(new Set(["reject hook"]));

    // An invalid query: the message and a caret, and the page does not navigate.
    const before = page.url();
    await queryInput(page).fill("tool:Bash and (decision:reject");
    await queryInput(page).press("Escape");
    await queryInput(page).press("Enter");
    await expect(page.getByTestId("query-error")).toBeVisible();
    await expect(page.getByTestId("query-error-caret")).toContainText("^");
    expect(page.url()).toBe(before);
    check();
  });

  test("completes field names and values with the keyboard", async ({ page }) => {
    const check = watchForProblems(page);
    await signIn(page, "analyst", "/explore?range=all");
    const input = queryInput(page);
    await input.click();
    await input.pressSequentially("mcp_se");
    const list = page.getByRole("listbox");
    await expect(list.getByRole("option").first()).toContainText("mcp_server");
    await input.press("Enter"); // takes the suggestion
    await expect(input).toHaveValue("mcp_server:");
    await expect(page.getByRole("listbox", { name: "Values of mcp_server" }).getByRole("option").first()).toBeVisible();
    await input.press("ArrowDown");
    await input.press("ArrowUp");
    await input.press("Enter");
    await expect(input).toHaveValue(/^mcp_server:\S+ $/);
    await input.press("Escape");
    await expect(page.getByRole("listbox")).toHaveCount(0);
    check();
  });

  test("a row opens its panel (in the URL, Esc closes), whose link lands on the prompt at that event", async ({ page }) => {
    const check = watchForProblems(page);
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, "analyst", "/explore?range=all&q=tool%3ABash%20decision%3Areject");
    const row = table(page).locator("tbody tr").first();
    const eventId = await row.getAttribute("data-event-id");
    expect(eventId).toBeTruthy();
    await row.locator("td").nth(7).click(); // the Result cell: no link or pivot in it
    await page.waitForURL((u) => u.searchParams.get("event") === eventId);
    const panel = page.getByRole("dialog");
    await expect(panel).toBeVisible();
    await expect(panel.getByText("tool_decision").first()).toBeVisible();
    await expect(panel.locator("details.pivot[data-pivot-field=tool]").first()).toBeVisible();
    // The view under the panel is rendered once (no duplicated filter bar after the navigation).
    await expect(page.getByRole("search", { name: "Filter events" })).toHaveCount(1);
    await screenshot(page, "explore-panel-1440");

    await page.keyboard.press("Escape");
    await page.waitForURL((u) => !u.searchParams.has("event"));
    await expect(page.getByRole("dialog")).toHaveCount(0);

    // Keyboard: Enter on a focused row opens it too.
    await row.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.searchParams.get("event") === eventId);
    const open = page.getByRole("dialog").getByRole("link", { name: "Open in prompt" });
    const href = await open.getAttribute("href");
    expect(href).toMatch(new RegExp(`^/prompts/[^/?]+\\?event=${eventId}$`));
    await open.click();
    await page.waitForURL((u) => u.pathname.startsWith("/prompts/") && u.searchParams.get("event") === eventId);
    check();
  });

  test("filter for in a cell narrows the current query", async ({ page }) => {
    await signIn(page, "analyst", "/explore?range=all&q=decision%3Areject");
    const cell = table(page).locator("tbody tr").first().locator("details.pivot[data-pivot-field=tool]");
    await cell.locator("summary").click();
    const tool = (await cell.locator("summary").innerText()).trim();
    await cell.getByRole("menuitem", { name: /Filter for/ }).click();
    await page.waitForURL((u) => u.searchParams.get("q") === `decision:reject tool:${tool}`);
    for (const t of await columnValues(page, "Tool")) expect(t).toBe(tool);
  });

  test("a saved search is saved, listed and reopened", async ({ page }) => {
    const check = watchForProblems(page);
    await signIn(page, "analyst", "/explore?range=all&q=tool%3ABash%20decision%3Areject");
    const menu = page.getByTestId("search-menu");
    await menu.locator("summary").click();
    await menu.getByLabel("Save this query and time range as").fill("Rejected Bash calls");
    await menu.getByRole("button", { name: "Save" }).click();
    await expect(menu.getByRole("status")).toHaveText("Saved “Rejected Bash calls”.");
    await expect(menu.getByRole("list", { name: "Saved searches" }).getByRole("link", { name: /Rejected Bash calls/ })).toBeVisible();

    await page.goto("/explore?range=24h");
    await page.getByTestId("search-menu").locator("summary").click();
    await page.getByRole("list", { name: "Saved searches" }).getByRole("link", { name: /Rejected Bash calls/ }).click();
    await page.waitForURL((u) => u.searchParams.get("q") === "tool:Bash decision:reject" && u.searchParams.get("range") === "all");
    await expect(queryInput(page)).toHaveValue("tool:Bash decision:reject");
    expect(new Set(await columnValues(page, "Tool"))).toEqual(new Set(["Bash"]));
    // Recent queries list it too.
    await page.getByTestId("search-menu").locator("summary").click();
    await expect(page.getByRole("list", { name: "Recent queries" }).getByRole("link", { name: "tool:Bash decision:reject" })).toBeVisible();
    check();
  });

  test("the top search box opens the Explorer for text, and the Explorer fits 1024 and 1440 px", async ({ page }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await signIn(page, "analyst", "/explore?range=all");
    await page.keyboard.press("/");
    await expect(page.locator("#console-search")).toBeFocused();
    await page.keyboard.type("secrets/prod.env");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/explore" && u.searchParams.get("q") === "secrets/prod.env");
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: width === 1024 ? 768 : 900 });
      await page.goto("/explore?range=all");
      await expect(table(page)).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
      await screenshot(page, `explore-query-${width}`);
    }
  });
});
