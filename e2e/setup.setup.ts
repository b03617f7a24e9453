import { execFileSync } from "node:child_process";
import { test as setup, expect } from "@playwright/test";
import { E2E } from "../playwright.config";
import { listFixtureRequests } from "../lib/testing/fixtures";

// Once per run, against the server Playwright started: an analyst and a manager (created with
// the admin CLI, which reaches the embedded database through the running server), and every
// captured client request ingested through the real receivers.

function cli(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", ...args], {
    env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "", BLINDSPOT_USER_PASSWORD: E2E.userPassword },
  }).toString();
}

setup("users and telemetry", async ({ request }) => {
  cli("tenants", "create", "other-tenant");
  const users: [string, string, string][] = [
    [E2E.analystEmail, "analyst", "default"],
    [E2E.managerEmail, "manager", "default"],
    [E2E.otherTenantEmail, "analyst", "other-tenant"],
  ];
  for (const [email, role, tenant] of users) {
    if (cli("users", "list", "--tenant", tenant).includes(email)) continue;
    cli("users", "create", "--email", email, "--role", role, "--tenant", tenant);
  }
  // Compliance records (activities and transcripts) for the join and the coverage gaps.
  expect(cli("compliance", "import", "e2e/data/compliance-export.ndjson")).toContain("0 rejected");
  for (const f of listFixtureRequests()) {
    const headers: Record<string, string> = { "content-type": f.contentType, authorization: `Bearer ${E2E.ingestToken}` };
    if (f.contentEncoding) headers["content-encoding"] = f.contentEncoding;
    const res = await request.post(`/api/otlp/v1/${f.signal}`, { headers, data: f.body() });
    expect(res.status(), `${f.scenario}/${f.variant}/${f.id}`).toBe(200);
  }
});
