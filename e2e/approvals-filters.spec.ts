import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, watchForProblems } from "./helpers";

// The approvals dashboard's filters apply to the escalations table too (they used to be ignored
// there). A tenant of its own, so the other specs' numbers stay as they are: two people of two
// teams, each with a rejection followed by an automatic approval of the same action.

const TENANT = "approvals-e2e";
const MANAGER = "manager@approvals-e2e.example";

function cli(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["scripts/blindspot.ts", ...args], {
    env: { ...process.env, BLINDSPOT_DATA_DIR: E2E.dataDir, DATABASE_URL: "", BLINDSPOT_USER_PASSWORD: E2E.userPassword },
  }).toString();
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

test.beforeAll(async ({ request }) => {
  cli("tenants", "create", TENANT);
  if (!cli("users", "list", "--tenant", TENANT).includes(MANAGER)) cli("users", "create", "--email", MANAGER, "--role", "manager", "--tenant", TENANT);
  const secret = /Secret \(shown once, store it now\):\s+(\S+)/.exec(cli("tokens", "create", "--name", "approvals-e2e", "--tenant", TENANT))![1];
  const t0 = Date.now() - 2 * 3600_000;
  const decision = (who: string, team: string, minute: number, tool: string, decision: string, source: string, command: string) => ({
    timeUnixNano: String(BigInt(t0 + minute * 60_000) * 1_000_000n),
    body: { stringValue: "claude_code.tool_decision" },
    attributes: [
      str("event.name", "tool_decision"), str("session.id", `e2e-${who}`), str("prompt.id", `e2e-${who}-${minute}`), str("user.email", `${who}@westeros.example`),
      str("department", team), str("tool_name", tool), str("decision", decision), str("source", source), str("tool_parameters", JSON.stringify({ full_command: command })),
    ],
  });
  const res = await request.post("/api/otlp/v1/logs", {
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    data: {
      resourceLogs: [{
        resource: { attributes: [str("service.name", "claude-code")] },
        scopeLogs: [{ logRecords: [
          decision("jon.snow", "night-watch", 0, "Bash", "reject", "user_reject", "rm -rf build"),
          decision("jon.snow", "night-watch", 2, "Bash", "accept", "config", "rm -rf build"),
          decision("sansa.stark", "winterfell", 0, "Write", "reject", "user_reject", "notes.md"),
          decision("sansa.stark", "winterfell", 1, "Write", "accept", "hook", "notes.md"),
        ] }],
      }],
    },
  });
  expect(res.status()).toBe(200);
});

test("the user, team and tool filters apply to the escalations", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/login?callbackUrl=${encodeURIComponent("/approvals?range=24h")}`);
  await page.getByLabel("Email").fill(MANAGER);
  await page.getByLabel("Password").fill(E2E.userPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/approvals");

  const escalations = page.locator("#escalations tbody tr");
  await expect(escalations).toHaveCount(2);
  await screenshot(page, "approvals-filters-1440");
  await page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(page, "approvals-filters-1024");
  await page.setViewportSize({ width: 1440, height: 900 });

  const filters = page.locator("form").filter({ has: page.getByRole("combobox", { name: "User" }) });
  await filters.getByLabel("User").selectOption("jon.snow@westeros.example");
  await filters.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL((u) => u.searchParams.get("user") === "jon.snow@westeros.example");
  await expect(escalations).toHaveCount(1);
  await expect(escalations.first()).toContainText("jon.snow@westeros.example");

  // The escalation window's own form keeps the filters.
  await page.locator("#esc-window").selectOption("30");
  await page.locator("#escalations").getByRole("button", { name: "Apply" }).click();
  await page.waitForURL((u) => u.searchParams.get("window") === "30");
  expect(new URL(page.url()).searchParams.get("user")).toBe("jon.snow@westeros.example");
  await expect(escalations).toHaveCount(1);

  await page.goto("/approvals?range=24h&team=winterfell");
  await expect(escalations).toHaveCount(1);
  await expect(escalations.first()).toContainText("sansa.stark@westeros.example");

  await page.goto("/approvals?range=24h&tool=Bash");
  await expect(escalations).toHaveCount(1);
  await expect(escalations.first()).toContainText("jon.snow@westeros.example");

  // Grouped by team, each team links to the dashboard filtered by it.
  await page.goto("/approvals?range=24h&groupBy=team");
  await page.getByRole("link", { name: "night-watch", exact: true }).click();
  await page.waitForURL((u) => u.searchParams.get("team") === "night-watch");
  await expect(escalations).toHaveCount(1);
  await expect(escalations.first()).toContainText("jon.snow@westeros.example");
  check();
});
