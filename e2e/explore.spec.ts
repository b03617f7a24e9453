import { readFileSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// The Explorer against every captured fixture (ingested by the setup project): filters, sorting,
// cursor paging, column choice, CSV export and row links, as an analyst would use them.
// The fixtures were captured in the past, so the views use the "All time" range.

const ALL = "/explore?range=all";

function filters(page: Page): Locator {
  return page.getByRole("search", { name: "Filter events" });
}

function table(page: Page): Locator {
  return page.getByRole("region", { name: "Events" }).locator("table");
}

/** Text of one column for every row, by header text. */
async function columnValues(page: Page, header: string): Promise<string[]> {
  const headers = await table(page).locator("thead th").allInnerTexts();
  const index = headers.findIndex((h) => h.replace(/[▲▼↕]/g, "").trim() === header);
  expect(index, `column ${header} in ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  return table(page).locator(`tbody tr td:nth-child(${index + 1})`).allInnerTexts();
}

async function rowCount(page: Page): Promise<number> {
  const text = await page.getByText(/rows? on this page/).innerText();
  return Number(/(\d+)\s+rows?/.exec(text)?.[1]);
}

/** RFC 4180 reader (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  return rows;
}

test.describe("Explorer", () => {
  test("filters by event and decision source, sorts by a column, pages forward", async ({ page }) => {
    const check = watchForProblems(page);
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, "analyst", ALL);
    await expect(page.getByRole("heading", { name: "Explore" })).toBeVisible();
    expect(await rowCount(page)).toBe(100);
    await screenshot(page, "explore-1440");

    // Filter: tool decisions made by configuration.
    await filters(page).getByLabel("Event").selectOption("tool_decision");
    await filters(page).getByLabel("Decided by").selectOption("config");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL((u) => u.searchParams.get("name") === "tool_decision" && u.searchParams.get("decisionSource") === "config");
    await expect(table(page)).toBeVisible();
    const n = await rowCount(page);
    expect(n).toBeGreaterThan(5);
    expect(new Set(await columnValues(page, "Event"))).toEqual(new Set(["tool_decision"]));
    // The Decision column shows the decision and who made it.
    for (const d of await columnValues(page, "Decision")) expect(d.replace(/\s+/g, " ").trim()).toMatch(/^(accept|reject) ?config$/);
    expect(page.url()).toContain("range=all");

    // Sort by tool (ascending, then descending), the filter stays.
    await table(page).getByRole("link", { name: "Tool", exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get("sort") === "tool_name" && u.searchParams.get("dir") === "asc");
    await expect(table(page).locator("th[aria-sort=ascending]")).toHaveText(/Tool/);
    const asc = await columnValues(page, "Tool");
    expect(asc.length).toBe(n);
    expect(asc).toEqual([...asc].sort());
    expect(new Set(asc).size).toBeGreaterThan(1);
    await table(page).getByRole("link", { name: "Tool", exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get("dir") === "desc");
    expect(await columnValues(page, "Tool")).toEqual([...asc].sort().reverse());
    expect(new URL(page.url()).searchParams.get("name")).toBe("tool_decision");

    // Page forward through everything with 50 rows per page; back to the first page.
    await page.goto(ALL);
    await filters(page).getByLabel("Rows per page").selectOption("50");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL((u) => u.searchParams.get("limit") === "50");
    expect(await rowCount(page)).toBe(50);
    const firstPageLinks = await table(page).locator("tbody tr td:first-child a").evaluateAll((as) => as.map((a) => a.textContent));
    const seen = new Set<string>();
    const firstTimes = await columnValues(page, "Time (UTC)");
    firstTimes.forEach((t) => seen.add(t));
    await page.getByRole("link", { name: "Next page →" }).first().click();
    await page.waitForURL((u) => u.searchParams.has("cursor"));
    expect(await rowCount(page)).toBe(50);
    const secondTimes = await columnValues(page, "Time (UTC)");
    // Newest first across the page boundary.
    expect(secondTimes[0] <= firstTimes[firstTimes.length - 1]).toBe(true);
    expect(secondTimes.join()).not.toEqual(firstTimes.join());
    await page.getByRole("link", { name: "First page" }).first().click();
    await page.waitForURL((u) => !u.searchParams.has("cursor") && u.searchParams.get("limit") === "50");
    expect(await table(page).locator("tbody tr td:first-child a").evaluateAll((as) => as.map((a) => a.textContent))).toEqual(firstPageLinks);
    check();
  });

  test("chooses columns (kept across reloads) and exports the filtered set as CSV", async ({ page }) => {
    const check = watchForProblems(page);
    await signIn(page, "analyst", `${ALL}&name=tool_decision&decisionSource=config`);
    const n = await rowCount(page);

    const chooser = page.getByRole("group", { name: "Show columns" });
    const headers = table(page).locator("thead th");
    await expect(headers.filter({ hasText: /^Cost/ })).toHaveCount(0);
    await page.locator("summary", { hasText: "Columns" }).click();
    await chooser.getByLabel("Cost").check();
    await chooser.getByLabel("Decided by").check();
    await chooser.getByLabel("MCP").uncheck();
    await expect(headers.filter({ hasText: /^Cost/ })).toHaveCount(1);
    await expect(headers.filter({ hasText: "Decided by" })).toHaveCount(1);
    await expect(headers.filter({ hasText: /^MCP/ })).toHaveCount(0);
    expect(new Set(await columnValues(page, "Decided by"))).toEqual(new Set(["config"]));
    await page.reload();
    await expect(headers.filter({ hasText: /^Cost/ })).toHaveCount(1);
    await expect(headers.filter({ hasText: /^MCP/ })).toHaveCount(0);
    await page.locator("summary", { hasText: "Columns" }).click();
    await page.getByRole("button", { name: "Reset to default columns" }).click();
    await expect(headers.filter({ hasText: /^Cost/ })).toHaveCount(0);
    await expect(headers.filter({ hasText: /^MCP/ })).toHaveCount(1);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^blindspot-events-\d{8}T\d{6}Z\.csv$/);
    const rows = parseCsv(readFileSync((await download.path())!, "utf8"));
    const [header, ...body] = rows;
    expect(header.slice(0, 5)).toEqual(["id", "time", "time_unix_nano", "source", "event_name"]);
    expect(body.length).toBe(n);
    for (const r of body) {
      expect(r[header.indexOf("event_name")]).toBe("tool_decision");
      expect(r[header.indexOf("decision_source")]).toBe("config");
    }
    // Analysts' exports carry content.
    expect(body.some((r) => r[header.indexOf("attributes")].includes("tool_parameters"))).toBe(true);

    const [nd] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export NDJSON" }).click()]);
    const lines = readFileSync((await nd.path())!, "utf8").trim().split("\n");
    expect(lines.length).toBe(n);
    for (const l of lines) expect((JSON.parse(l) as { name: string }).name).toBe("tool_decision");
    check();
  });

  test("links a row to its prompt, and reads well at 1024 px", async ({ page }) => {
    const check = watchForProblems(page);
    await page.setViewportSize({ width: 1024, height: 800 });
    await signIn(page, "analyst", `${ALL}&name=user_prompt`);
    await expect(table(page)).toBeVisible();
    await screenshot(page, "explore-1024");
    const link = table(page).locator("tbody tr").first().getByRole("link", { name: /^\d{4}-\d{2}-\d{2} / });
    // The prompt, at this row's event.
    await expect(link).toHaveAttribute("href", /^\/prompts\/[^/?]+\?event=[^/]+$/);
    check();
    // The prompt page belongs to another part of the console; only the address is asserted here.
    const href = await link.getAttribute("href");
    await link.click();
    await page.waitForURL((u) => `${u.pathname}${u.search}` === href);
  });

  test("hides content from managers and explains an empty result", async ({ page }) => {
    const check = watchForProblems(page);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, "manager", ALL);
    await expect(page.getByText("content hidden for your role")).toBeVisible();
    await screenshot(page, "explore-manager-dark");
    await page.goto(`${ALL}&name=user_prompt`);
    const content = await columnValues(page, "Content");
    expect(content.length).toBeGreaterThan(0);
    expect(new Set(content)).toEqual(new Set(["hidden"]));

    await page.goto("/explore?range=all&user=nobody%40nowhere.example");
    await expect(page.getByText("No events match these filters")).toBeVisible();
    await expect(page.getByRole("link", { name: "clear all filters" })).toBeVisible();
    check();
  });
});
