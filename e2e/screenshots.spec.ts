import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn } from "./helpers";

// Every console page at 1440×900 and 1024×768, as the admin, on the data the setup project
// ingested (plus the alerts of e2e/seed-alerts.ts): PNGs under test-results/screenshots for a
// person to look at, and no horizontal overflow of the document at either width.

const WIDTHS = [
  { width: 1440, height: 900 },
  { width: 1024, height: 768 },
];

type Attr = { key: string; value: { stringValue?: string } };
const logs = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json", "utf8")) as {
  resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[];
};
const records = logs.resourceLogs[0].scopeLogs[0].logRecords.map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value.stringValue])));
const promptId = records.find((r) => r["prompt.id"])!["prompt.id"]!;
const sessionId = records[0]["session.id"]!;
const office = JSON.parse(readFileSync("test/fixtures/office-traces/http-json/0001-traces.decoded.json", "utf8")) as {
  resourceSpans: { scopeSpans: { spans: { traceId: string; name: string }[] }[] }[];
};
const traceId = office.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === "agent.tool_execution")!.traceId;

/** Pages by name; a function finds its address on the running console (an id from a list page). */
const PAGES: [string, string | ((page: Page) => Promise<string>)][] = [
  ["home", "/?range=all"],
  ["alerts", "/alerts?range=all"],
  ["alert", (page) => firstLink(page, "/alerts?range=all", /^\/alerts\/[0-9a-f-]{36}$/)],
  ["explore", "/explore?range=all"],
  ["prompt", `/prompts/${promptId}`],
  ["session", `/sessions/${sessionId}`],
  ["trace", `/traces/${traceId}`],
  ["person", "/people/jon.snow%40westeros.example?range=all"],
  ["inventory", "/inventory?range=all"],
  ["inventory-agent", (page) => firstLink(page, "/inventory?range=all", /^\/inventory\/[^/?]+$/)],
  ["approvals", "/approvals?range=all"],
  ["approvals-office", "/approvals/office?range=all"],
  ["rules", "/rules"],
  ["rule", (page) => firstLink(page, "/rules", /^\/rules\/[^/?]+$/)],
  ["coverage", "/coverage?range=all"],
  ["compliance", "/compliance?range=all"],
  ["compliance-import", "/compliance/import"],
  ["search", "/search?q=no-such-identifier"],
  ["audit", "/audit"],
  ["account", "/account"],
  ["settings-setup", "/settings/setup"],
  ["settings-tokens", "/settings/tokens"],
  ["settings-api-tokens", "/settings/api-tokens"],
  ["settings-users", "/settings/users"],
  ["settings-compliance", "/settings/compliance"],
  ["settings-alerts-delivery", "/settings/alerts-delivery"],
  ["settings-receiver", "/settings/receiver"],
  ["not-found-prompt", "/prompts/00000000-dead-4bee-8000-000000000000"],
  ["not-found-page", "/no-such-page"],
];

async function firstLink(page: Page, list: string, href: RegExp): Promise<string> {
  await page.goto(list);
  const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  const found = hrefs.map((h) => h.split("#")[0]).find((h) => href.test(h.split("?")[0]));
  if (!found) throw new Error(`no link matching ${href} on ${list}`);
  return found;
}

/** Captures the page at both widths and checks that the document never scrolls sideways. */
async function capture(page: Page, name: string): Promise<void> {
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    // Layout settles on the next frame after a resize.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect.soft(overflow, `${name} at ${size.width}px: the document is ${overflow}px wider than the viewport`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screenshots/${name}-${size.width}.png`, fullPage: true });
  }
}

test.describe("screenshots of every page", () => {
  test.describe.configure({ mode: "serial" });
  let context: BrowserContext;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext({ viewport: WIDTHS[0] });
    page = await context.newPage();
    await signIn(page, "admin", "/alerts?range=all");
    // Alerts to show (e2e/alerts.spec.ts seeds the same when it runs first).
    if ((await page.locator("main a[href^='/alerts/']").count()) === 0) {
      execFileSync("node_modules/.bin/tsx", ["e2e/seed-alerts.ts", "alerts"], { env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "" } });
    }
  });

  test.afterAll(async () => {
    await context?.close();
  });

  for (const [name, target] of PAGES) {
    test(name, async () => {
      await page.setViewportSize(WIDTHS[0]);
      const path = typeof target === "string" ? target : await target(page);
      await page.goto(path);
      await expect(page.locator("main")).toBeVisible();
      await capture(page, name);
    });
  }

  test("login (signed out)", async ({ browser }) => {
    const signedOut = await browser.newPage();
    await signedOut.goto("/login");
    await capture(signedOut, "login");
    await signedOut.goto("/");
    await capture(signedOut, "front-signed-out");
    await signedOut.close();
  });

  test("forbidden (an analyst on settings)", async ({ browser }) => {
    const analyst = await browser.newPage();
    await signIn(analyst, "analyst", "/explore");
    await analyst.goto("/settings/users");
    await expect(analyst.getByRole("heading", { name: "Admins only" })).toBeVisible();
    await capture(analyst, "forbidden");
    await analyst.close();
  });
});
