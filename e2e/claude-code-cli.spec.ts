import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";

// The real Claude Code CLI (native build from npm, installed by scripts/test-all.sh), pointed at
// the running Blindspot with nothing but the documented environment variables. A scripted
// stand-in answers its Messages API calls, since this machine has no route to Anthropic.

const CLAUDE_BIN =
  process.env.CLAUDE_BIN ?? path.join(".cache", "claude-code", "node_modules", "@anthropic-ai", "claude-code-linux-x64", "claude");
const STUB_PORT = 13999;

let stub: ChildProcess | undefined;

test.beforeAll(async () => {
  stub = spawn("node_modules/.bin/tsx", ["scripts/stub-messages-api.ts", String(STUB_PORT)], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${STUB_PORT}/`).then(() => true, () => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("stub Messages API did not start");
});

test.afterAll(() => {
  stub?.kill();
});

function runClaude(prompt: string, protocol: "http/protobuf" | "http/json"): Promise<{ code: number | null; out: string }> {
  const home = mkdtempSync(path.join(os.tmpdir(), "cc-home-"));
  return new Promise((resolve) => {
    const child = spawn(path.resolve(CLAUDE_BIN), ["-p", prompt, "--output-format", "json"], {
      cwd: home,
      env: {
        NODE_ENV: "production",
        PATH: "/usr/bin:/bin",
        HOME: home,
        // Exactly the settings the README gives, plus where the stand-in API lives.
        CLAUDE_CODE_ENABLE_TELEMETRY: "1",
        OTEL_LOGS_EXPORTER: "otlp",
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${E2E.baseURL}/api/otlp`,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${E2E.ingestToken}`,
        OTEL_LOG_USER_PROMPTS: "1",
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${STUB_PORT}`,
        ANTHROPIC_API_KEY: "sk-ant-stub",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

for (const protocol of ["http/protobuf", "http/json"] as const) {
  test(`claude -p with ${protocol} lands its events and metrics`, async ({ request }) => {
    test.setTimeout(120_000);
    expect(existsSync(CLAUDE_BIN), `Claude Code binary at ${CLAUDE_BIN} (installed by scripts/test-all.sh)`).toBe(true);
    const prompt = `say hello over ${protocol}`;
    const { code, out } = await runClaude(prompt, protocol);
    expect(code, out).toBe(0);
    const sessionId: string = JSON.parse(out).session_id;
    // Claude Code exports on exit; the receiver answered 200 only after committing.
    const session = await request.get(`/api/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
    expect(session.status()).toBe(200);
    const body = await session.json();
    const names: string[] = body.events.map((e: { name: string }) => e.name);
    expect(names).toEqual(expect.arrayContaining(["user_prompt", "api_request", "assistant_response"]));
    const userPrompt = body.events.find((e: { name: string }) => e.name === "user_prompt");
    expect(userPrompt.attributes.prompt).toBe(prompt);
    expect(userPrompt.source).toBe("claude_code");
    const metrics = await request.get(`/api/v1/metrics?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
    const points: { name: string }[] = (await metrics.json()).points;
    expect(points.map((p) => p.name)).toContain("claude_code.session.count");
  });
}
