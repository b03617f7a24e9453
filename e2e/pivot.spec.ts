import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { screenshot, signIn, watchForProblems } from "./helpers";

// Pivot anywhere, one story per prompt: from a value on the prompt timeline to the filtered
// Explorer and back to the prompt through a row's prompt link, landing on that event, marked.

type Attr = { key: string; value: { stringValue?: string; intValue?: number | string } };
type Decoded = { resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[] };

function records(file: string): Record<string, string | number | undefined>[] {
  const d = JSON.parse(readFileSync(file, "utf8")) as Decoded;
  return d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue]))))); 
}

const denied = records("test/fixtures/b-tool-denied/http-json/0001-logs.decoded.json");
const deniedPrompt = String(denied.find((r) => r["prompt.id"])!["prompt.id"]);
// i2: a Claude Enterprise seat whose Bash call the e2e Compliance export's transcript also holds.
const seat = records("test/fixtures/i2-oauth-identity/http-json/0001-logs.decoded.json");
const seatPrompt = String(seat.find((r) => r["prompt.id"])!["prompt.id"]);

test("a timeline value filters the Explorer, and a row's prompt link comes back to that event, marked", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", `/prompts/${deniedPrompt}`);

  const tool = page.locator('details[data-pivot-field="tool"]').first();
  await tool.locator("summary").click();
  await tool.getByRole("menuitem", { name: "Filter for tool" }).click();
  await page.waitForURL((u) => u.pathname === "/explore");
  expect(new URL(page.url()).searchParams.get("q")).toBe("tool:Bash");
  await expect(page.getByRole("heading", { name: "Explore", level: 1 })).toBeVisible();

  // The captures are older than the default window: widen it (and keep Bash with the filter the
  // Explorer has always had, so the rows are Bash calls with or without the query language).
  const url = new URL(page.url());
  url.searchParams.set("range", "all");
  url.searchParams.set("tool", "Bash");
  await page.goto(url.pathname + url.search);
  const back = page.locator('table a[href*="/prompts/"][href*="?event="]').first();
  await expect(back).toBeVisible();
  const href = (await back.getAttribute("href"))!;
  const eventId = new URL(href, "http://x").searchParams.get("event")!;
  await back.click();
  await page.waitForURL((u) => u.pathname.startsWith("/prompts/") && u.searchParams.get("event") === eventId);
  const marked = page.locator('[data-highlighted="event"]');
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText("Linked event");
  await expect(marked.locator(`[id="event-${eventId}"]`).or(page.locator(`li[id="event-${eventId}"][data-highlighted="event"]`)).first()).toBeAttached();
  await expect(marked).toBeInViewport();
  check();
});

test("the prompt and person pages: transcript beside the timeline, one timeline per person (screenshots)", async ({ page }) => {
  const check = watchForProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "analyst", `/prompts/${seatPrompt}`);
  await expect(page.getByText("What Claude saw (Compliance transcript)")).toBeVisible();
  // Wide: the transcript's side of the call sits level with the call, in a column of its own.
  const call = page.locator("li", { has: page.locator("[data-transcript-for]") }).first();
  const [card, transcript] = [await call.locator("> div").nth(1).boundingBox(), await call.locator("[data-transcript-for]").boundingBox()];
  expect(transcript!.x).toBeGreaterThan(card!.x + card!.width - 1);
  // Hooks and API calls can be hidden by type.
  await page.locator('[data-type-filter="api_request"]').uncheck();
  await expect(page.locator('li[data-event-type="api_request"]').first()).toBeHidden();
  await page.locator('[data-type-filter="api_request"]').check();
  await screenshot(page, "prompt-story-1440");
  await page.setViewportSize({ width: 1024, height: 768 });
  // Narrow: stacked below the call.
  const [card2, transcript2] = [await call.locator("> div").nth(1).boundingBox(), await call.locator("[data-transcript-for]").boundingBox()];
  expect(transcript2!.y).toBeGreaterThan(card2!.y + card2!.height - 1);
  await screenshot(page, "prompt-story-1024");

  const person = page.locator('details[data-pivot-field="user"]').first();
  await person.locator("summary").click();
  await person.getByRole("menuitem", { name: "Open person" }).click();
  await page.waitForURL((u) => u.pathname === `/people/${encodeURIComponent("jon.snow@westeros.example")}`);
  await page.goto(`/people/${encodeURIComponent("jon.snow@westeros.example")}?range=all`);
  await expect(page.locator('tr[data-entry-kind="transcript"]').first()).toBeVisible();
  await expect(page.locator('tr[data-entry-kind="session"]').first()).toBeVisible();
  await screenshot(page, "person-1024");
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, "person-1440");
  check();
});
