import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

// The security headers over real HTTP from the built app (proxy.ts + next.config.js), and the
// Content-Security-Policy in Chromium: the main pages render, hydrate and run their scripts with
// no CSP violation reported.

type Attr = { key: string; value: { stringValue?: string } };
const decoded = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json", "utf8")) as {
  resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[];
};
const attrs = decoded.resourceLogs[0].scopeLogs[0].logRecords.map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value.stringValue])));
const promptId = attrs.find((r) => r["prompt.id"])!["prompt.id"]!;
const sessionId = attrs[0]["session.id"]!;

const FIXED = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

test("a page: the fixed headers, a nonce CSP whose nonce is on every script, no HSTS over http", async ({ request }) => {
  const res = await request.get("/login");
  expect(res.status()).toBe(200);
  const h = res.headers();
  expect(h).toMatchObject(FIXED);
  expect(h["permissions-policy"]).toContain("camera=()");
  expect(h["permissions-policy"]).toContain("geolocation=()");
  expect(h["strict-transport-security"]).toBeUndefined();
  const nonce = /script-src 'self' 'nonce-([^']+)' 'strict-dynamic'/.exec(h["content-security-policy"])?.[1];
  expect(nonce).toBeTruthy();
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
});

test("API routes: the fixed headers; the OTLP receivers keep their CORS for pivot.claude.ai", async ({ request }) => {
  const health = await request.get("/api/health");
  expect(health.headers()).toMatchObject(FIXED);
  const preflight = await request.fetch("/api/otlp/v1/traces", {
    method: "OPTIONS",
    headers: { origin: "https://pivot.claude.ai", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  expect(preflight.status()).toBeLessThan(300);
  expect(preflight.headers()["access-control-allow-origin"]).toBe("https://pivot.claude.ai");
  const post = await request.post("/api/otlp/v1/traces", {
    headers: { origin: "https://pivot.claude.ai", "content-type": "application/json" },
    data: "{}",
  });
  expect(post.status()).toBe(401);
  expect(post.headers()["access-control-allow-origin"]).toBe("https://pivot.claude.ai");
  expect(post.headers()).toMatchObject(FIXED);
});

/** Collects CSP violations the page reports, as events and as console messages. */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("__reportCspViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation(v: string): void }).__reportCspViolation(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  return violations;
}

test("no CSP violation on the main pages, which render and run their scripts", async ({ page }) => {
  const violations = await watchCsp(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Blindspot" })).toBeVisible();
  // The login form signs in from its client-side submit handler: this works only if the page's
  // scripts ran under the policy.
  await signIn(page, "admin", "/explore");
  for (const path of [`/prompts/${promptId}`, `/sessions/${sessionId}`, "/approvals?range=all", "/coverage?range=all", "/inventory", "/compliance?range=all", "/settings/users", "/audit"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await page.waitForLoadState("networkidle");
  }
  // Charts (inline styles) on the approvals dashboard.
  await page.goto("/approvals?range=all");
  await expect(page.locator(".recharts-wrapper").first()).toBeVisible();
  expect(violations).toEqual([]);

  // The watch does see a violation: an injected inline event handler is blocked and reported.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", `<img src="data:," onerror="document.title='pwned'">`));
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(await page.title()).not.toBe("pwned");
});
