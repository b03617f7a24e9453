import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// First run, as a new person lives it: the front page signed out, Sign in, the home page with its
// setup checklist, then telemetry from twelve days ago arrives (a rejected `rm -rf build`) and
// the home page offers the range that holds it; the chosen range sticks across pages.
// The person has a tenant of their own, so what other specs post (the Claude Code CLI sends
// fresh events) cannot fill their last seven days.

const TENANT = "first-run";
const EMAIL = "new.analyst@first-run.example";
const DAY_NS = 86_400_000_000_000n;

function cli(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", ...args], {
    env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "", BLINDSPOT_USER_PASSWORD: E2E.userPassword },
  }).toString();
}

/** The b-tool-denied capture with every timestamp moved so its newest record is 12 days and an hour old. */
function capturedTwelveDaysAgo(): string {
  const body = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.body.json", "utf8")) as unknown;
  let newest = 0n;
  const visit = (v: unknown, fn: (key: string, value: string) => string | undefined, key = ""): unknown => {
    if (Array.isArray(v)) return v.map((x) => visit(x, fn));
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      // Attributes: { key: "event.timestamp", value: { stringValue } }
      if (typeof o.key === "string" && o.value && typeof o.value === "object" && typeof (o.value as { stringValue?: unknown }).stringValue === "string") {
        const s = (o.value as { stringValue: string }).stringValue;
        return { ...o, value: { stringValue: fn(o.key, s) ?? s } };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, visit(x, fn, k)]));
    }
    return typeof v === "string" ? (fn(key, v) ?? v) : v;
  };
  visit(body, (k, v) => {
    if (k.endsWith("UnixNano") && BigInt(v) > newest) newest = BigInt(v);
    return undefined;
  });
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const shift = nowNs - 12n * DAY_NS - 3_600_000_000_000n - newest;
  const shifted = visit(body, (k, v) => {
    if (k.endsWith("UnixNano")) return String(BigInt(v) + shift);
    if (k === "event.timestamp") return new Date(Date.parse(v) + Number(shift / 1_000_000n)).toISOString();
    return undefined;
  });
  return JSON.stringify(shifted);
}

async function rangeShown(page: Page): Promise<string> {
  return page.locator("#range-preset").inputValue();
}

test("a new user signs in from the front page, is offered the older data in one click, and the range sticks", async ({ page }) => {
  const done = watchForProblems(page);
  cli("tenants", "create", TENANT);
  if (!cli("users", "list", "--tenant", TENANT).includes(EMAIL)) cli("users", "create", "--email", EMAIL, "--role", "analyst", "--tenant", TENANT);
  const token = /Secret \(shown once, store it now\):\s+(\S+)/.exec(cli("tokens", "create", "--name", "first-run-laptops", "--tenant", TENANT))![1];

  // Signed out: what Blindspot is, and Sign in. No tenant data, no secrets.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Blindspot", level: 1 })).toBeVisible();
  await expect(page.getByText("Database OK")).toBeVisible();
  const body = page.locator("body");
  for (const secret of [token, E2E.ingestToken, E2E.apiToken]) await expect(body).not.toContainText(secret);
  await expect(body).not.toContainText("rm -rf build");
  await screenshot(page, "home-signed-out-1440");

  await page.getByRole("link", { name: "Sign in" }).click();
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(E2E.userPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/");

  // The console's home, with the setup checklist while nothing has arrived.
  await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /Set up Blindspot/ })).toBeVisible();
  await expect(page.getByTestId("range-hint")).toHaveCount(0);
  expect(await rangeShown(page)).toBe("7d");

  // Telemetry captured twelve days ago arrives through the real receiver.
  const res = await page.request.post("/api/otlp/v1/logs", {
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    data: capturedTwelveDaysAgo(),
  });
  expect(res.status()).toBe(200);
  await page.reload();
  await expect(page.getByRole("heading", { name: /Set up Blindspot/ })).toHaveCount(0);
  const hint = page.getByTestId("range-hint");
  await expect(hint).toContainText("Nothing in the last 7 days.");
  await expect(hint).toContainText("Newest event: 12 days ago");
  await expect(page.getByText("No tool call was rejected in the last 7 days.")).toBeVisible();
  await screenshot(page, "home-older-data-hint-1440");

  // One click to the range that holds it.
  await hint.getByRole("button", { name: "Show the last 30 days" }).click();
  await page.waitForURL((u) => u.pathname === "/" && u.searchParams.get("range") === "30d");
  await expect(page.getByTestId("range-hint")).toHaveCount(0);
  expect(await rangeShown(page)).toBe("30d");
  const rejections = page.getByRole("table", { name: "Newest rejections" });
  await expect(rejections).toContainText("Bash");
  await expect(rejections).toContainText("rm -rf build"); // an analyst reads content
  await expect(page.getByTestId("tile-Rejections")).toContainText("1");
  await screenshot(page, "home-first-run-analyst-1440");

  // Open the prompt from the home page, at the rejected call: its URL names no range, the chosen one still applies.
  await rejections.getByRole("link", { name: /UTC$/ }).first().click();
  await page.waitForURL((u) => u.pathname === "/prompts/9c19cadd-fb7d-401c-afbc-afb63378ab9a" && !!u.searchParams.get("event") && !u.searchParams.has("range"));
  await expect(page.locator('[data-highlighted="event"]')).toContainText("rejected");
  await expect(page.getByText("rm -rf build").first()).toBeVisible();
  expect(await rangeShown(page)).toBe("30d");

  // Links between pages and search results keep it too.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Explore" }).click();
  await page.waitForURL((u) => u.pathname === "/explore");
  expect(await rangeShown(page)).toBe("30d");
  await expect(page.getByText("All events of this tenant, last 30 days")).toBeVisible();
  await expect(page.getByTestId("range-hint")).toHaveCount(0);
  await page.getByRole("searchbox", { name: /^Search: a prompt, session or trace id/ }).fill("9c19cadd-fb7d-401c-afbc-afb63378ab9a");
  await page.getByRole("button", { name: "Go" }).click();
  await page.waitForURL(/\/prompts\/9c19cadd/);
  expect(await rangeShown(page)).toBe("30d");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  expect(await rangeShown(page)).toBe("30d");
  await expect(page.getByRole("table", { name: "Newest rejections" })).toContainText("Bash");

  // Absolute bounds beside the presets: they apply and stick the same way.
  await page.locator("#range-preset").selectOption("custom");
  const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 16);
  const [from, to] = [day(14), day(10)];
  await page.getByLabel("From (UTC)").fill(from);
  await page.getByLabel("To (UTC)").fill(to);
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL((u) => u.searchParams.has("from") && u.searchParams.has("to"));
  await expect(page.getByRole("table", { name: "Newest rejections" })).toContainText("Bash");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Coverage" }).click();
  await page.waitForURL((u) => u.pathname === "/coverage");
  expect(await rangeShown(page)).toBe("custom");
  await expect(page.getByLabel("From (UTC)")).toHaveValue(from);

  // A preset from the picker replaces the bounds, here and on the next page.
  await page.locator("#range-preset").selectOption("90d");
  await page.waitForURL((u) => u.pathname === "/coverage" && u.searchParams.get("range") === "90d" && !u.searchParams.has("from"));
  await page.goto("/inventory");
  expect(await rangeShown(page)).toBe("90d");
  await expect(page.getByText("Agents seen in", { exact: false })).toContainText("last 90 days");

  // Bad bounds in a URL: a clear message and a fallback, never an error page.
  const bad = await page.goto("/approvals?from=2026-11-30T00:00Z&to=2026-11-20T00:00Z");
  expect(bad!.status()).toBe(200);
  await expect(page.getByTestId("range-hint")).toContainText("From must be before To");
  done();
});

test("home page of the shared tenant: admin and manager (no content for the manager)", async ({ page }) => {
  const done = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "manager", "/?range=all");
  await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
  await expect(page.getByText("content hidden for your role")).toBeVisible();
  const rejections = page.getByRole("table", { name: "Newest rejections" });
  await expect(rejections).toContainText("Bash");
  await expect(page.locator("main")).not.toContainText("rm -rf build");
  await expect(rejections.getByRole("columnheader", { name: "Command or target" })).toHaveCount(0);
  await screenshot(page, "home-manager-1440");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);

  await signIn(page, "admin", "/?range=all");
  await expect(page.getByRole("table", { name: "Newest rejections" })).toContainText("rm -rf build");
  await expect(page.getByRole("heading", { name: /Set up Blindspot/ })).toHaveCount(0);
  await screenshot(page, "home-admin-1440");
  done();
});
