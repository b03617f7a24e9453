import { execFileSync } from "node:child_process";
import { test as setup, expect } from "@playwright/test";
import { E2E } from "../playwright.config";
import { listFixtureRequests } from "../lib/testing/fixtures";

// Once per run, against the server Playwright started: an analyst and a manager (created with
// the admin CLI, which reaches the embedded database through the running server), and every
// captured client request ingested through the real receivers.

setup("users and telemetry", async ({ request }) => {
  for (const [email, role] of [[E2E.analystEmail, "analyst"], [E2E.managerEmail, "manager"]] as const) {
    const existing = execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", "users", "list"], {
      env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "" },
    }).toString();
    if (existing.includes(email)) continue;
    execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", "users", "create", "--email", email, "--role", role], {
      env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "", BLINDSPOT_USER_PASSWORD: E2E.userPassword },
    });
  }
  for (const f of listFixtureRequests()) {
    const headers: Record<string, string> = { "content-type": f.contentType, authorization: `Bearer ${E2E.ingestToken}` };
    if (f.contentEncoding) headers["content-encoding"] = f.contentEncoding;
    const res = await request.post(`/api/otlp/v1/${f.signal}`, { headers, data: f.body() });
    expect(res.status(), `${f.scenario}/${f.variant}/${f.id}`).toBe(200);
  }
});
