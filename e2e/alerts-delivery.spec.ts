import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { urlForSocketDir } from "../lib/db/embedded";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Settings → Alerts delivery in Chromium: an admin points the webhook at a receiver, copies the
// generated secret (shown once), sends a test, and an alert written to the database reaches the
// receiver through the running server's background delivery, signed with that secret; the
// delivery state shows it. Analysts and managers do not get the page.

const RECEIVER_PORT = 3269;

interface Got {
  event: string;
  deliveryId: string;
  raw: Buffer;
  signature: string;
}

const received: Got[] = [];
let server: http.Server;

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        event: String(req.headers["x-blindspot-event"]),
        deliveryId: String(req.headers["x-blindspot-delivery-id"]),
        raw: Buffer.concat(chunks),
        signature: String(req.headers["x-blindspot-signature"]),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(RECEIVER_PORT, "127.0.0.1", resolve));
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function signedWith(got: Got, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(got.raw).digest("hex")}`);
  const given = Buffer.from(got.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** An alert row as the detection engine writes it, in the server's embedded database. */
async function insertAlert(): Promise<string> {
  const client = new pg.Client({ connectionString: urlForSocketDir(path.resolve(E2E.dataDir, "run")) });
  await client.connect();
  try {
    const id = randomUUID();
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'default'`);
    await client.query(
      `INSERT INTO alerts (tenant_id, id, rule_id, rule_title, level, dedup_key, window_start, first_seen, last_seen, service, person, matched)
       VALUES ($1, $2, 'e2e-rule', 'Credential file read', 'high', $3, now(), now(), now(), 'claude_code', 'jon.snow@example.com', '{"file_path":"/home/jon/.aws/credentials"}')`,
      [rows[0].id, id, `e2e-rule|${id}`],
    );
    return id;
  } finally {
    await client.end();
  }
}

test("an admin sets up the webhook, sends a test, and alerts arrive signed", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin", "/settings/alerts-delivery");
  await expect(page.getByTestId("delivery-state")).toHaveText("Not configured");

  await page.getByLabel("Webhook URL").fill(`http://127.0.0.1:${RECEIVER_PORT}/hooks/blindspot`);
  await page.getByRole("button", { name: "Save" }).click();
  const secret = (await page.getByTestId("new-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^bswh_/);

  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText(/^Delivered: HTTP 204 in \d+ ms$/).first()).toBeVisible();
  expect(received.map((r) => r.event)).toEqual(["test"]);
  expect(signedWith(received[0], secret)).toBe(true);

  const alertId = await insertAlert();
  await expect.poll(() => received.filter((r) => r.event === "alert").length, { timeout: 30_000 }).toBe(1);
  const alert = received.find((r) => r.event === "alert")!;
  expect(signedWith(alert, secret)).toBe(true);
  const body = JSON.parse(alert.raw.toString("utf8")) as { alert: { id: string; rule: { title: string }; matched: unknown } };
  expect(body.alert).toMatchObject({ id: alertId, rule: { title: "Credential file read" }, matched: null });

  await page.reload();
  await expect(page.getByTestId("delivery-state")).toHaveText("Up to date");
  const row = page.getByTestId("deliveries").getByRole("row", { name: /Credential file read/ });
  await expect(row).toContainText("delivered");
  await expect(row).toContainText(alert.deliveryId);
  // The secret is not shown again: only its last four characters.
  await expect(page.getByTestId("secret-hint")).toHaveText(`…${secret.slice(-4)}`);
  await expect(page.getByTestId("new-secret")).toHaveCount(0);
  await screenshot(page, "alerts-delivery-1440");
  check();
});

test("analysts and managers do not get the alerts delivery settings", async ({ page }) => {
  for (const role of ["analyst", "manager"] as const) {
    await signIn(page, role, "/explore");
    const res = await page.goto("/settings/alerts-delivery");
    expect(res?.status(), role).toBe(403);
    await page.context().clearCookies();
  }
});
