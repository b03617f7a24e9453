import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn, watchForProblems } from "./helpers";

// The console's keyboard and navigation feedback (issue #14 §5): the skip link, `/` to search,
// arrow keys in the span tree, the progress bar while a page loads, a title per page.

const office = JSON.parse(readFileSync("test/fixtures/office-traces/http-json/0001-traces.decoded.json", "utf8")) as {
  resourceSpans: { scopeSpans: { spans: { traceId: string; name: string }[] }[] }[];
};
const officeTrace = office.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === "agent.tool_execution")!.traceId;

test("the skip link is the first stop and lands in the page's content", async ({ page }) => {
  await signIn(page, "analyst", "/alerts");
  await expect(page).toHaveTitle("Alerts · Blindspot");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.locator("#main")).toBeFocused();
  // The next stop is inside the content (the alert filters), past the navigation and the header.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.getElementById("main")!.contains(document.activeElement))).toBe(true);
});

test("`/` focuses the search box, but types a slash in a field", async ({ page }) => {
  await signIn(page, "analyst", "/coverage");
  const search = page.getByRole("searchbox").first();
  await expect(search).not.toBeFocused();
  await page.locator("body").press("/");
  await expect(search).toBeFocused();
  await expect(search).toHaveValue("");
  await page.keyboard.type("secrets/prod.env");
  await expect(search).toHaveValue("secrets/prod.env");
});

test("arrow keys walk the span tree, Enter opens a span", async ({ page }) => {
  const check = watchForProblems(page);
  await signIn(page, "analyst", `/traces/${officeTrace}`);
  await expect(page).toHaveTitle(`Trace ${officeTrace.slice(0, 8)}… · Blindspot`);
  const items = page.getByRole("treeitem");
  const opener = (i: number) => items.nth(i).locator("[data-span-open]");
  const all = await items.count();
  expect(all).toBeGreaterThan(3);
  await opener(0).focus();

  await page.keyboard.press("ArrowDown");
  await expect(opener(1)).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(opener(0)).toBeFocused();
  await page.keyboard.press("ArrowUp"); // already the first: stays
  await expect(opener(0)).toBeFocused();

  // ← on the expanded root collapses it; → expands it again, then steps to its first child.
  await page.keyboard.press("ArrowLeft");
  await expect(items).toHaveCount(1);
  await expect(items.first()).toHaveAttribute("aria-expanded", "false");
  await page.keyboard.press("ArrowRight");
  await expect(items).toHaveCount(all);
  await page.keyboard.press("ArrowRight");
  await expect(opener(1)).toBeFocused();

  // End goes to the last span (a leaf); ← from a leaf steps to its parent, one level up.
  await page.keyboard.press("End");
  await expect(opener(all - 1)).toBeFocused();
  const leafLevel = Number(await items.nth(all - 1).getAttribute("aria-level"));
  await page.keyboard.press("ArrowLeft");
  const focusedItem = page.locator("[role=treeitem]:has([data-span-open]:focus)");
  await expect(focusedItem).toHaveAttribute("aria-level", String(leafLevel - 1));
  await page.keyboard.press("Home");
  await expect(opener(0)).toBeFocused();

  // Enter opens the focused span's details.
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await expect(opener(all - 1)).toHaveAttribute("aria-expanded", "true");
  await expect(items.nth(all - 1).getByText("Span id")).toBeVisible();
  check();
});

test("a progress bar shows while the next page loads, and goes when it is in", async ({ page }) => {
  // Every request for /coverage waits until released: the bar's life is decided by the test, not a clock.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route((url) => url.pathname === "/coverage", async (route) => {
    await released;
    await route.continue();
  });
  await signIn(page, "analyst", "/explore");
  const bar = page.getByRole("progressbar", { name: "Loading page" });
  await expect(bar).toHaveCount(0);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Coverage" }).click();
  await expect(bar).toBeVisible();
  release();
  await page.waitForURL((u) => u.pathname === "/coverage");
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  await expect(bar).toHaveCount(0);
});
