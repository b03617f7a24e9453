import { expect, test, type Locator, type Page } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// The agent inventory against every captured fixture (ingested by the setup project): Claude Code
// runs of jon.snow's laptop (API-key runs identified by the device only, OAuth runs by email) and
// Office traces of sansa (Excel), arya (Word), samwell (PowerPoint) and jon (Outlook). The
// fixtures were captured in the past, so the views use the "All time" range.

const DEVICE = "5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04";

function agents(page: Page): Locator {
  return page.getByRole("table", { name: /^Agents/ });
}

function agentRow(page: Page, name: string): Locator {
  return agents(page).getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
}

function section(page: Page, title: RegExp): Locator {
  return page.getByRole("region", { name: title });
}

test("lists agents per surface and person, filters them, and links entities to where they were used", async ({ page }) => {
  const done = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", "/inventory?range=all");

  // One agent per surface and person, named Surface/owner, with the full owner identity.
  await expect(agents(page)).toBeVisible();
  const excel = agentRow(page, "Excel/sansa.stark");
  await expect(excel).toHaveCount(1);
  await expect(excel).toContainText("sansa.stark@westeros.example");
  await expect(excel).toContainText("user.email");
  for (const name of ["Word/arya.stark", "PowerPoint/samwell.tarly", "Outlook/jon.snow", "Claude Code/jon.snow", "Claude Code/device 5d41c2a0…"]) {
    await expect(agentRow(page, name), name).toHaveCount(1);
  }
  await expect(agentRow(page, "Claude Code/device 5d41c2a0…")).toContainText(DEVICE);
  await expect(agentRow(page, "Claude Code/jon.snow")).toContainText("2.1.197");
  // Placeholders never become agents or names.
  await expect(agents(page)).not.toContainText("mcp_tool");
  await screenshot(page, "inventory-1440");

  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "inventory-1440-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Filters: surface and text, kept in the URL.
  const filters = page.getByRole("search", { name: "Filter agents" });
  await filters.getByLabel("Surface").selectOption("excel");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/surface=excel/);
  await expect(agents(page).locator("tbody tr")).toHaveCount(1);
  await expect(agentRow(page, "Excel/sansa.stark")).toHaveCount(1);
  await filters.getByLabel("Surface").selectOption("");
  await filters.getByLabel("Agent, owner or version").fill("jon.snow");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=jon.snow/);
  const names = await agents(page).locator("tbody tr td:nth-child(2) a").allInnerTexts();
  expect(names.sort()).toEqual(["Claude Code/jon.snow", "Outlook/jon.snow"]);

  // Sorting by a column header.
  await page.goto("/inventory?range=all&sort=name");
  const sorted = await agents(page).locator("tbody tr td:nth-child(2) a").allInnerTexts();
  expect(sorted).toEqual([...sorted].sort((a, b) => a.localeCompare(b)));
  await expect(agents(page).getByRole("columnheader", { name: /Agent/ })).toHaveAttribute("aria-sort", "ascending");

  // The device agent: MCP servers, server:tool pairs and tools, each linking to the Explorer.
  await page.goto("/inventory?range=all");
  await agents(page).getByRole("link", { name: "Claude Code/device 5d41c2a0…", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Claude Code/device 5d41c2a0…");
  const mcp = section(page, /^MCP servers/);
  const soc = mcp.getByRole("link", { name: "soc_demo", exact: true });
  await expect(soc).toBeVisible();
  const socHref = new URL((await soc.getAttribute("href"))!, "http://x");
  expect(socHref.pathname).toBe("/explore");
  expect(Object.fromEntries(socHref.searchParams)).toEqual({ source: "claude_code", user: DEVICE, mcpServer: "soc_demo", range: "all" });
  await expect(section(page, /^MCP tools/).getByRole("link", { name: "soc_demo:lookup_user" })).toBeVisible();
  await expect(section(page, /^Skills/).getByRole("link", { name: "soc-triage" })).toBeVisible();
  const tools = section(page, /^Tools/);
  await expect(tools.getByRole("link", { name: "mcp_tool" })).toHaveCount(0);
  const bash = tools.getByRole("link", { name: "Bash", exact: true });
  await expect(bash).toBeVisible();
  expect(await bash.getAttribute("href")).toBe(`/explore?source=claude_code&user=${DEVICE}&tool=Bash&range=all`);
  // Rejected runs link to exactly those decisions.
  const rejected = tools.getByRole("link", { name: /^Rejected Bash: \d+, show in Explore$/ });
  expect(new URL((await rejected.getAttribute("href"))!, "http://x").searchParams.get("decision")).toBe("reject");
  await screenshot(page, "inventory-agent-1440");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "inventory-agent-1440-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // The link works: the Explorer opens filtered to the agent and the tool.
  const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === "/explore"), bash.click()]);
  expect(response.status()).toBe(200);
  await expect(page).toHaveURL(/\/explore\?.*tool=Bash/);

  // An Office agent: tools from agent.tool_execution, each linking to the latest session using it.
  await page.goto("/inventory?range=all");
  await agents(page).getByRole("link", { name: "Excel/sansa.stark", exact: true }).click();
  const officeTools = section(page, /^Tools/);
  const cells = officeTools.getByRole("link", { name: "get_cell_ranges", exact: true });
  await expect(cells).toBeVisible();
  expect(await cells.getAttribute("href")).toMatch(/^\/sessions\/[^/?]+$/);
  await expect(officeTools.getByRole("link", { name: "mcp_tool" })).toHaveCount(0);
  await expect(page.getByRole("complementary", { name: "Identity and sessions" })).toContainText("sansa.stark@westeros.example");
  await screenshot(page, "inventory-agent-excel-1440");
  const [sessionResponse] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname.startsWith("/sessions/")), cells.click()]);
  expect(sessionResponse.status()).toBe(200);

  // Usable at 1024 wide.
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto("/inventory?range=all");
  await expect(agentRow(page, "Excel/sansa.stark")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Every column fits: the table does not need its own horizontal scroll either.
  const tableOverflow = await agents(page).evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth);
  expect(tableOverflow).toBeLessThanOrEqual(0);
  await expect(agents(page).getByRole("columnheader", { name: /Events/ })).toBeInViewport();
  await screenshot(page, "inventory-1024");
  done();
});

test("an unknown or malformed agent key is a 404; an idle agent says so", async ({ page }) => {
  await signIn(page, "manager", "/inventory?range=all");
  expect((await page.goto("/inventory/excel.boss.YQ"))!.status()).toBe(404);
  const key = `cowork.email.${Buffer.from("nobody@westeros.example").toString("base64url")}`;
  expect((await page.goto(`/inventory/${key}?range=all`))!.status()).toBe(200);
  await expect(page.getByText("This agent sent nothing in all time.")).toBeVisible();
  // Managers see the inventory too (it is metadata, not content).
  await page.goto("/inventory?range=all");
  await expect(agentRow(page, "Excel/sansa.stark")).toHaveCount(1);
});
