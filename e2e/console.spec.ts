import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// The analyst console in Chromium: sign-in, the search box, a prompt timeline, a session, an
// Office span tree, role-based content hiding with its audit trail, and hostile content.

type Attr = { key: string; value: { stringValue?: string; intValue?: number | string; doubleValue?: number } };
type Decoded = { resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[] };

const denied = JSON.parse(readFileSync("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json", "utf8")) as Decoded;
const deniedRecords = denied.resourceLogs[0].scopeLogs[0].logRecords.map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue])));
const promptId = String(deniedRecords.find((r) => r["prompt.id"])!["prompt.id"]);
const sessionId = String(deniedRecords[0]["session.id"]);
const promptText = String(deniedRecords.find((r) => r["event.name"] === "user_prompt")!.prompt);

const office = JSON.parse(readFileSync("test/fixtures/office-traces/http-json/0001-traces.decoded.json", "utf8")) as {
  resourceSpans: { scopeSpans: { spans: { traceId: string; name: string; attributes: Attr[] }[] }[] }[];
};
const officeTrace = office.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === "agent.tool_execution")!.traceId;

test("sign-in is required, a wrong password is refused, sign-out ends the session", async ({ page }) => {
  await page.goto(`/prompts/${promptId}`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel("Email").fill(E2E.analystEmail);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password")).toBeVisible();
  await screenshot(page, "login");
  await page.getByLabel("Password").fill(E2E.userPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === `/prompts/${promptId}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
  await page.goto(`/prompts/${promptId}`);
  await expect(page).toHaveURL(/\/login/);
});

test("analyst opens a prompt from the search box: tool calls, decisions with sources, cost", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", `/sessions/${sessionId}`);
  await page.getByRole("searchbox").fill(promptId);
  await page.getByRole("searchbox").press("Enter");
  await page.waitForURL((u) => u.pathname === `/prompts/${promptId}`);
  await expect(page.getByText(promptText).first()).toBeVisible();
  const tools = page.locator("li", { hasText: "Tool call" });
  await expect(tools).toHaveCount(deniedRecords.filter((r) => r["event.name"] === "tool_decision").length);
  await expect(page.getByText("rejected", { exact: true })).toBeVisible();
  await expect(page.getByText("by config").first()).toBeVisible();
  await expect(page.getByText("rm -rf build", { exact: true })).toBeVisible();
  await expect(page.getByText("Decisions by source:")).toBeVisible();
  const cost = deniedRecords.filter((r) => r["event.name"] === "api_request").reduce((s, r) => s + Number(r.cost_usd), 0);
  await expect(page.getByText(cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`, { exact: true })).toBeVisible();
  await page.getByText("Raw attributes").first().click();
  await expect(page.locator("pre", { hasText: '"event.name"' }).first()).toBeVisible();
  await screenshot(page, "prompt-1440");
  await page.setViewportSize({ width: 1024, height: 800 });
  await screenshot(page, "prompt-1024");

  await page.getByRole("link", { name: /Session/ }).first().click();
  await page.waitForURL((u) => u.pathname === `/sessions/${sessionId}`);
  await expect(page.getByRole("link", { name: promptText })).toBeVisible();
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, "session-1440");
  check();
});

test("an Office trace: the span tree expands to a tool execution's input, output and decision", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", `/traces/${officeTrace}`);
  await expect(page.getByRole("tree", { name: "Spans" })).toBeVisible();
  await expect(page.getByRole("treeitem").first()).toContainText("agent.query");
  const tool = page.getByRole("treeitem").filter({ hasText: "agent.tool_execution" }).first();
  await tool.getByRole("button", { expanded: false }).last().click();
  await expect(tool.getByText("Accept decision")).toBeVisible();
  await expect(tool.getByText("Input", { exact: true })).toBeVisible();
  await expect(tool.getByText("Output", { exact: true })).toBeVisible();
  // Collapse the root: only the root row stays.
  await page.getByRole("button", { name: /Collapse children of agent.query/ }).first().click();
  await expect(page.getByRole("treeitem")).toHaveCount(1);
  await page.getByRole("button", { name: /Expand children of agent.query/ }).click();
  await screenshot(page, "trace-1440");
  await page.setViewportSize({ width: 1024, height: 800 });
  await screenshot(page, "trace-1024");
  check();
});

test("a manager sees the timeline with content hidden; the analyst's view is in the audit log", async ({ page, browser }) => {
  await signIn(page, "manager", `/prompts/${promptId}`);
  await expect(page.getByText("is hidden for the manager role")).toBeVisible();
  await expect(page.getByText(promptText)).toHaveCount(0);
  await expect(page.getByText("rm -rf build")).toHaveCount(0);
  await expect(page.getByText("by config").first()).toBeVisible();
  await screenshot(page, "prompt-manager");
  // Managers do not get the audit log.
  const audit = await page.goto("/audit");
  expect(audit?.status()).toBe(403);

  const analyst = await browser.newPage();
  await signIn(analyst, "analyst", `/prompts/${promptId}`);
  await analyst.close();
  const admin = await browser.newPage();
  // Content views are grouped by reader by default; the list shows each one.
  await signIn(admin, "admin", "/audit?views=list");
  const row = admin.locator("tr", { hasText: E2E.analystEmail }).filter({ hasText: `prompt:${promptId}` }).first();
  await expect(row).toContainText("content.view");
  await expect(admin.locator("tr", { hasText: E2E.managerEmail }).filter({ hasText: "content.view" })).toHaveCount(0);
  await screenshot(admin, "audit");
  await admin.close();
});

test("hostile telemetry is shown as text and nothing executes", async ({ page, request }) => {
  const hostilePrompt = "<img src=x onerror=alert(1)>";
  const hostileCommand = "<script>window.__xss=1;alert(2)</script>";
  const pid = "0b5e55ed-0000-4000-8000-000000000001";
  const sid = "0b5e55ed-0000-4000-8000-0000000000aa";
  const attrs = (seq: number, name: string, extra: Record<string, string>) => [
    { key: "event.name", value: { stringValue: name } },
    { key: "session.id", value: { stringValue: sid } },
    { key: "prompt.id", value: { stringValue: pid } },
    { key: "event.sequence", value: { intValue: seq } },
    ...Object.entries(extra).map(([key, v]) => ({ key, value: { stringValue: v } })),
  ];
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
      scopeLogs: [{ logRecords: [
        { timeUnixNano: String(now), body: { stringValue: "claude_code.user_prompt" }, attributes: attrs(1, "user_prompt", { prompt: hostilePrompt, prompt_length: "28" }) },
        { timeUnixNano: String(now + 1_000_000n), body: { stringValue: "claude_code.tool_decision" }, attributes: attrs(2, "tool_decision", { tool_name: "Bash", tool_use_id: "toolu_hostile", decision: "accept", source: "config", tool_parameters: JSON.stringify({ full_command: hostileCommand }) }) },
        { timeUnixNano: String(now + 2_000_000n), body: { stringValue: "claude_code.tool_result" }, attributes: attrs(3, "tool_result", { tool_name: "Bash", tool_use_id: "toolu_hostile", success: "true", duration_ms: "3", tool_input: JSON.stringify({ command: hostileCommand }) }) },
      ] }],
    }],
  };
  const res = await request.post("/api/otlp/v1/logs", { headers: { "content-type": "application/json", authorization: `Bearer ${E2E.ingestToken}` }, data: JSON.stringify(body) });
  expect(res.status()).toBe(200);

  const check = watchForProblems(page);
  await signIn(page, "analyst", `/prompts/${pid}`);
  await expect(page.getByText(hostilePrompt, { exact: true })).toBeVisible();
  await expect(page.getByText(hostileCommand, { exact: true })).toBeVisible();
  await page.getByText("Raw attributes").first().click();
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await expect(page.locator("img[src='x']")).toHaveCount(0);
  await expect(page.locator("main script")).toHaveCount(0);
  await screenshot(page, "prompt-hostile");
  check();
});
