import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn } from "./helpers";

// Server-side access control seen from outside: a manager never receives content from any
// console page or API route, and a user of another tenant sees nothing of this one.

type Attr = { key: string; value: { stringValue?: string } };
const logs = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json", "utf8")) as {
  resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[];
};
const records = logs.resourceLogs[0].scopeLogs[0].logRecords.map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value.stringValue])));
const promptId = records.find((r) => r["prompt.id"])!["prompt.id"]!;
const sessionId = records[0]["session.id"]!;
const traces = JSON.parse(readFileSync("test/fixtures/office-traces/http-json/0001-traces.decoded.json", "utf8")) as {
  resourceSpans: { scopeSpans: { spans: { traceId: string; name: string; attributes: Attr[] }[] }[] }[];
};
const query = traces.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === "agent.query")!;
const traceId = query.traceId;
const officeSession = query.attributes.find((a) => a.key === "session.id")!.value.stringValue!;

// Content that must never reach a manager: prompt text, commands, tool input, user message, document URL.
const CONTENT = [
  records.find((r) => r["event.name"] === "user_prompt")!.prompt!,
  "rm -rf build",
  "secrets/prod.env",
  query.attributes.find((a) => a.key === "user.message")!.value.stringValue!,
  query.attributes.find((a) => a.key === "document.url")!.value.stringValue!,
];

const CONSOLE_PAGES = [`/prompts/${promptId}`, `/sessions/${sessionId}`, `/traces/${traceId}`, `/sessions/${encodeURIComponent(officeSession)}`, "/explore?range=all", `/explore?range=all&user=${encodeURIComponent("5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04")}`, "/inventory?range=all"];
const CONSOLE_API = ["/api/console/events/export?format=ndjson&range=all", "/api/console/events/export?format=csv&range=all"];

test("a manager receives no content from any console page or export", async ({ page }) => {
  await signIn(page, "manager", `/prompts/${promptId}`);
  for (const path of [...CONSOLE_PAGES, ...CONSOLE_API]) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(200);
    const body = await res.text();
    for (const secret of CONTENT) expect(body.includes(secret), `${path} leaks "${secret}"`).toBe(false);
  }
  // The same pages for an analyst do include the content (so the check above can fail).
  const analyst = await page.context().browser()!.newContext();
  const p2 = await analyst.newPage();
  await signIn(p2, "analyst", `/prompts/${promptId}`);
  const html = await (await p2.request.get(`/prompts/${promptId}`)).text();
  expect(html).toContain(CONTENT[1]);
  await analyst.close();
});

test("a NUL (%00) in a console URL is a 400, not a server error", async ({ page }) => {
  await signIn(page, "analyst", `/prompts/${promptId}`);
  for (const path of ["/prompts/a%00b", `/sessions/${sessionId}%00`, "/explore?range=all&user=%00", "/api/console/events/export?format=csv&tool=%00"]) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(400);
    expect(await res.text(), path).toContain("must not contain NUL");
  }
  expect((await page.request.get("/explore?range=all&user=%2500")).status()).toBe(200);
});

test("a manager's API token gets no content either", async ({ request }) => {
  // The e2e admin API token reads content; manager tokens are covered by lib/api/read-api.test.ts.
  const res = await request.get(`/api/v1/prompts/${promptId}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(await res.text()).toContain("rm -rf build");
});

test("a user of another tenant sees nothing of this tenant", async ({ page }) => {
  await signIn(page, "other-tenant", "/explore?range=all");
  for (const path of [`/prompts/${promptId}`, `/sessions/${sessionId}`, `/traces/${traceId}`]) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(404);
  }
  const explore = await (await page.request.get("/explore?range=all")).text();
  expect(explore).not.toContain(promptId);
  const exported = await (await page.request.get("/api/console/events/export?format=ndjson&range=all")).text();
  expect(exported.trim()).toBe("");
  await page.goto(`/search?q=${promptId}`);
  await expect(page.getByText("Nothing in tenant")).toBeVisible();
  // Only admins may switch tenants; an analyst's tenant cookie is ignored.
  await page.context().addCookies([{ name: "bs_tenant", value: "anything", url: E2E.baseURL }]);
  expect((await page.request.get(`/prompts/${promptId}`)).status()).toBe(404);
});
