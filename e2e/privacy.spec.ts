import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { screenshot, signIn, watchForProblems } from "./helpers";

// A person's privacy actions in Chromium: an analyst sees on the person page that export and
// erasure are for admins (and the download answers 403); an admin types a reason and the person
// again, the server's background job erases them, and Settings → Data retention lists the erasure
// under the pseudonym while the person's page and export find nothing left under their email.

const PERSON = `hodor-${Date.now()}@westeros.example`;
const kv = (key: string, v: string | number) => ({ key, value: typeof v === "number" ? { intValue: v } : { stringValue: v } });

test.beforeAll(async ({ request }) => {
  const t = new Date(Date.now() - 60_000);
  const res = await request.post("/api/otlp/v1/logs", {
    headers: { authorization: `Bearer ${E2E.ingestToken}`, "content-type": "application/json" },
    data: {
      resourceLogs: [{
        resource: { attributes: [kv("service.name", "claude-code"), kv("service.version", "2.1.197")] },
        scopeLogs: [{
          scope: { name: "com.anthropic.claude_code.events", version: "2.1.197" },
          logRecords: [{
            timeUnixNano: `${t.getTime()}000000`, body: { stringValue: "claude_code.user_prompt" },
            attributes: [kv("user.email", PERSON), kv("session.id", "e2e-privacy-session"), kv("event.name", "user_prompt"),
              kv("event.timestamp", t.toISOString()), kv("event.sequence", 1), kv("prompt", "hold the door"), kv("prompt_length", 13)],
          }],
        }],
      }],
    },
  });
  expect(res.status()).toBe(200);
});

test("an analyst is told erasure and export are for admins, and the download is refused", async ({ page }) => {
  const ok = watchForProblems(page);
  await signIn(page, "analyst");
  await page.goto(`/people/${encodeURIComponent(PERSON)}`);
  await expect(page.getByRole("heading", { name: PERSON })).toBeVisible();
  await expect(page.getByRole("note")).toHaveText("Only admins may export or erase what is stored about a person.");
  await expect(page.getByRole("button", { name: "Erase this person's content" })).toHaveCount(0);
  const res = await page.request.get(`/api/console/people/export?person=${encodeURIComponent(PERSON)}`);
  expect(res.status()).toBe(403);
  ok();
});

test("an admin erases a person with a reason and a typed confirmation", async ({ page }) => {
  const ok = watchForProblems(page);
  await signIn(page, "admin");
  await page.goto(`/people/${encodeURIComponent(PERSON)}`);
  const exported = await page.request.get(`/api/console/people/export?person=${encodeURIComponent(PERSON)}`);
  expect(exported.status()).toBe(200);
  expect(await exported.text()).toContain("hold the door");

  await page.getByLabel("Reason (goes to the audit log)").fill("e2e erasure request");
  await page.getByLabel(/to confirm$/).fill("someone else");
  await page.getByRole("button", { name: "Erase this person's content" }).click();
  await expect(page.getByRole("status")).toHaveText("Type the person's identifier exactly as shown to confirm.");
  await page.getByLabel(/to confirm$/).fill(PERSON);
  await page.getByRole("button", { name: "Erase this person's content" }).click();
  await expect(page.getByRole("status")).toContainText("Erasure queued: this person's records will carry erased-");
  await screenshot(page, "privacy-erase-queued");

  // The running server's job erases them: nothing is stored under the email any more.
  await expect.poll(async () => (await page.request.get(`/api/console/people/export?person=${encodeURIComponent(PERSON)}`)).text(), { timeout: 30_000 }).toBe("");
  await page.goto("/settings/retention");
  const row = page.getByRole("row").filter({ hasText: "e2e erasure request" });
  await expect(row).toContainText(/erased-[0-9a-f]{12}@pseudonym\.invalid/);
  await expect(row).toContainText("done");
  await expect(page.getByRole("cell", { name: "events", exact: true })).toBeVisible();
  await screenshot(page, "privacy-retention");
  ok();
});
