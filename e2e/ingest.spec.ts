import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";

// The running product, as a user and a client see it: the front page in Chromium, Claude Code
// and Office telemetry posted over HTTP with the headless-start token, read back via the API.

const fixture = (p: string) => readFileSync(`test/fixtures/${p}`);

test("front page shows status and client settings, with no console errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Blindspot" })).toBeVisible();
  await expect(page.getByText("Database OK")).toBeVisible();
  await expect(page.getByText("POST /v1/logs")).toBeVisible();
  await expect(page.getByText("export OTEL_EXPORTER_OTLP_ENDPOINT=", { exact: false })).toBeVisible();
  // No secret is ever printed on the public page.
  await expect(page.locator("body")).not.toContainText(E2E.ingestToken);
  await page.screenshot({ path: "test-results/screenshots/home-1440.png", fullPage: true });
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.screenshot({ path: "test-results/screenshots/home-1024.png", fullPage: true });
  expect(problems).toEqual([]);
});

test("Claude Code protobuf+gzip logs land and read back through the API", async ({ request }) => {
  const res = await request.post("/api/otlp/v1/logs", {
    headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip", authorization: `Bearer ${E2E.ingestToken}` },
    data: fixture("a-bash-allowed/http-protobuf-gzip/0001-logs.body.pb.gz"),
  });
  expect(res.status()).toBe(200);
  const decoded = JSON.parse(fixture("a-bash-allowed/http-protobuf-gzip/0001-logs.decoded.json").toString());
  const attrs: { key: string; value: { stringValue?: string } }[] = decoded.resourceLogs[0].scopeLogs[0].logRecords[0].attributes;
  const promptId = attrs.find((a) => a.key === "prompt.id")!.value.stringValue!;
  const prompt = await request.get(`/api/v1/prompts/${promptId}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(prompt.status()).toBe(200);
  const body = await prompt.json();
  expect(body.events.map((e: { name: string }) => e.name)).toEqual(
    decoded.resourceLogs[0].scopeLogs[0].logRecords
      .map((r: { attributes: { key: string; value: { stringValue?: string } }[] }) => r.attributes.find((a) => a.key === "event.name")!.value.stringValue)
      .filter((_: string, i: number) => decoded.resourceLogs[0].scopeLogs[0].logRecords[i].attributes.some((a: { key: string }) => a.key === "prompt.id")),
  );
  expect(body.summary.decisionsBySource).toEqual({ config: 2 });
  const unauthorized = await request.get(`/api/v1/prompts/${promptId}`);
  expect(unauthorized.status()).toBe(401);
});

test("Office traces from the task pane origin: CORS preflight, then the span tree", async ({ request }) => {
  const preflight = await request.fetch("/api/otlp/v1/traces", {
    method: "OPTIONS",
    headers: { origin: "https://pivot.claude.ai", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  expect(preflight.status()).toBe(204);
  expect(preflight.headers()["access-control-allow-origin"]).toBe("https://pivot.claude.ai");
  const res = await request.post("/api/otlp/v1/traces", {
    headers: { "content-type": "application/json", origin: "https://pivot.claude.ai", authorization: `Bearer ${E2E.ingestToken}` },
    data: fixture("office-traces/http-json/0001-traces.body.json"),
  });
  expect(res.status()).toBe(200);
  expect(res.headers()["access-control-allow-origin"]).toBe("https://pivot.claude.ai");
  const decoded = JSON.parse(fixture("office-traces/http-json/0001-traces.decoded.json").toString());
  const traceId: string = decoded.resourceSpans[0].scopeSpans[0].spans[0].traceId;
  const tree = await request.get(`/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(tree.status()).toBe(200);
  const t = await tree.json();
  expect(t.roots[0].name).toBe("agent.query");
});
