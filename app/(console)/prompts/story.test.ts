import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import PromptPage from "@/app/(console)/prompts/[promptId]/page";
import SessionPage from "@/app/(console)/sessions/[sessionId]/page";
import { createIngestToken } from "@/lib/auth/ingest-tokens";
import { getPool } from "@/lib/db/pool";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { promptSummary } from "@/lib/queries/prompts";
import { resolveSearch } from "@/lib/queries/search";
import { startConsoleInstance, type ConsoleInstance } from "@/lib/testing/console-instance";
import { asBrowser } from "@/lib/testing/console-request";
import { FIXTURES_2_1_332_DIR, fixturesOf } from "@/lib/testing/fixtures";
import { createReadStream } from "node:fs";
import { importComplianceFile } from "@/lib/compliance/import";
import PersonPage from "@/app/(console)/people/[key]/page";
import { postFixture } from "@/lib/testing/otlp";
import { ensureEnvironment } from "@/lib/tenants";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// One story per prompt, pivots anywhere: the prompt and session pages rendered by their real
// server components for a signed-in analyst, over telemetry ingested through the real receiver.

let instance: ConsoleInstance;
let ingestToken: string;

const kv = (key: string, v: string | number) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } });

/** One OTLP logs request of `service` (Claude Code or Cowork) with these records, one second apart. */
function logs(service: string, records: { name: string; session: string; prompt: string; attrs?: Record<string, string | number> }[], t0 = 1_796_000_000_000_000_000n): ExportLogsServiceRequest {
  return {
    resourceLogs: [{
      resource: { attributes: [kv("service.name", service), kv("service.version", service === "cowork" ? "1.4.0" : "2.1.332")] },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events", version: "2.1.332" },
        logRecords: records.map((r, i) => ({
          timeUnixNano: String(t0 + BigInt(i) * 1_000_000_000n),
          body: { stringValue: `claude_code.${r.name}` },
          attributes: [
            kv("event.name", r.name), kv("event.sequence", i), kv("session.id", r.session), kv("prompt.id", r.prompt),
            kv("user.email", "jon.snow@westeros.example"), kv("user.account_uuid", "de5ca38f-139e-4139-b400-a6f7be39a154"),
            ...Object.entries(r.attrs ?? {}).map(([k, v]) => kv(k, v)),
          ],
        })),
      }],
    }],
  };
}

async function post(body: ExportLogsServiceRequest): Promise<void> {
  const res = await fetch(`${instance.app.url}/api/otlp/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ingestToken}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/**
 * A pivot is a <details> (flow content): inside a <p> the browser's parser closes the paragraph
 * before it, the DOM no longer matches the server HTML and React's hydration fails.
 */
function valid(html: string): string {
  expect(html).not.toMatch(/<p[ >](?:(?!<\/p>).)*<details/s);
  return html;
}

async function promptHtml(promptId: string, search: Record<string, string> = {}): Promise<string> {
  const page = await asBrowser(instance.owner, () => PromptPage({ params: Promise.resolve({ promptId }), searchParams: Promise.resolve(search) }));
  return valid(renderToStaticMarkup(page));
}

async function sessionHtml(sessionId: string): Promise<string> {
  const page = await asBrowser(instance.owner, () => SessionPage({ params: Promise.resolve({ sessionId }) }));
  return valid(renderToStaticMarkup(page));
}

/** The `<li>` of the timeline that contains this element id. */
function itemContaining(html: string, id: string): string {
  const at = html.indexOf(`id="${id}"`);
  expect(at, `element ${id} on the page`).toBeGreaterThan(-1);
  const start = html.lastIndexOf("<li", at);
  return html.slice(start, html.indexOf("</li>", at));
}

const explore = (q: string) => `/explore?q=${encodeURIComponent(q).replace(/%20/g, "+")}`;

// Cowork: a user-rejected `rm -rf` (Cowork reports the decision on the tool_result) and an accepted `ls`.
const COWORK_SESSION = "c0c0c0c0-0000-4000-8000-000000000001";
const COWORK_PROMPT = "c0c0c0c0-0000-4000-8000-000000000002";
// Claude Code: a prompt that starts a background subagent, then the subagent's report as a user_prompt.
const CC_SESSION = "5ab5ab5a-0000-4000-8000-000000000001";
const STARTER = "5ab5ab5a-0000-4000-8000-000000000002";
const REPORT = "5ab5ab5a-0000-4000-8000-000000000003";

beforeAll(async () => {
  instance = await startConsoleInstance({ name: "story", adminPassword: "a-long-enough-password-42" });
  const environmentId = await ensureEnvironment(instance.tenantId, "test");
  ingestToken = (await createIngestToken({ tenantId: instance.tenantId, environmentId, name: "story" })).secret;
  for (const scenario of ["d2-permission-prompt-tool", "i2-oauth-identity", "f-hook-block"]) {
    for (const f of fixturesOf(scenario, "http-json", FIXTURES_2_1_332_DIR)) expect((await postFixture(instance.app.url, ingestToken, f)).status).toBe(200);
  }
  await post(logs("cowork", [
    { name: "user_prompt", session: COWORK_SESSION, prompt: COWORK_PROMPT, attrs: { prompt: "clean up my documents folder" } },
    { name: "tool_result", session: COWORK_SESSION, prompt: COWORK_PROMPT, attrs: {
      tool_name: "Bash", tool_use_id: "toolu_01CoworkRmRejected00000", success: "false", decision_type: "reject", decision_source: "user_reject",
      tool_input: JSON.stringify({ command: "rm -rf ~/Documents/old" }), duration_ms: "0" } },
    { name: "tool_result", session: COWORK_SESSION, prompt: COWORK_PROMPT, attrs: {
      tool_name: "Bash", tool_use_id: "toolu_01CoworkLsAccepted000000", success: "true", decision_type: "accept", decision_source: "user_temporary",
      tool_input: JSON.stringify({ command: "ls ~/Documents" }), duration_ms: "12" } },
  ]));
  await post(logs("claude-code", [
    { name: "user_prompt", session: CC_SESSION, prompt: STARTER, attrs: { prompt: "audit the ledgers in the background" } },
    { name: "permission_mode_changed", session: CC_SESSION, prompt: STARTER, attrs: { from_mode: "default", to_mode: "bypassPermissions", trigger: "shift_tab" } },
    { name: "tool_decision", session: CC_SESSION, prompt: STARTER, attrs: { tool_name: "Task", tool_use_id: "toolu_01TaskStarter00000000000", decision: "accept", source: "config", permission_mode: "bypassPermissions" } },
    { name: "tool_result", session: CC_SESSION, prompt: STARTER, attrs: { tool_name: "Task", tool_use_id: "toolu_01TaskStarter00000000000", success: "true", duration_ms: "30" } },
    { name: "user_prompt", session: CC_SESSION, prompt: REPORT, attrs: {
      prompt: "<task-notification>\n<task-id>b7d1e2f3</task-id>\n<status>completed</status>\n<summary>Agent \"Audit ledgers\" completed</summary>\n<result>Two ledgers changed since Monday.</result>\n</task-notification>" } },
  ]));
}, 300_000); // a fresh instance and four captures: slow on a loaded machine

const TRACE = "7ace7ace7ace7ace7ace7ace7ace7ace";

/** A Claude Code beta trace of STARTER: the interaction and a Bash call the person rejected, which no log event reports. */
async function postTrace(): Promise<void> {
  const t0 = 1_796_000_000_000_000_000n;
  const span = (spanId: string, name: string, parent: string | undefined, attrs: Record<string, string>) => ({
    traceId: TRACE, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: 1,
    startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 2_000_000_000n),
    attributes: Object.entries({ "session.id": CC_SESSION, "prompt.id": STARTER, "user.email": "jon.snow@westeros.example", ...attrs }).map(([k, v]) => kv(k, v)),
    status: { code: 0 },
  });
  const res = await fetch(`${instance.app.url}/api/otlp/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ingestToken}` },
    body: JSON.stringify({ resourceSpans: [{
      resource: { attributes: [kv("service.name", "claude-code"), kv("service.version", "2.1.332")] },
      scopeSpans: [{ scope: { name: "com.anthropic.claude_code.tracing" }, spans: [
        span("a1a1a1a1a1a1a1a1", "claude_code.interaction", undefined, {}),
        span("b2b2b2b2b2b2b2b2", "claude_code.tool.blocked_on_user", "a1a1a1a1a1a1a1a1", { tool_name: "Bash", tool_use_id: "toolu_01TraceOnlyReject000000", decision: "reject", source: "user_reject" }),
      ] }],
    }] }),
  });
  expect(res.status).toBe(200);
}

afterAll(async () => {
  await instance?.stop();
});

describe("a toolu_ search result", () => {
  it("links the prompt with the call's event, and the prompt page marks that event and scrolls to it", async () => {
    const toolUseId = "toolu_01PMEQUUMHWVwwbuQyaxL6Xd"; // d2: the curl the approver rejected
    const { rows } = await getPool().query<{ id: string; prompt_id: string }>(
      `SELECT id, prompt_id FROM events WHERE tenant_id = $1 AND tool_use_id = $2 AND event_name = 'tool_decision'`, [instance.tenantId, toolUseId]);
    expect(rows).toHaveLength(1);
    const [hit] = await resolveSearch(instance.tenantId, toolUseId);
    expect(hit.href).toBe(`/prompts/${rows[0].prompt_id}?event=${rows[0].id}`);

    const html = await promptHtml(rows[0].prompt_id, { event: rows[0].id });
    const li = itemContaining(html, `event-${rows[0].id}`);
    expect(li).toContain('data-highlighted="event"');
    expect(li).toContain("Linked event");
    expect(li).toContain(toolUseId);
    expect(html.match(/data-highlighted=/g)).toHaveLength(1);
    // Without ?event= nothing is marked; an unknown event id says so.
    expect(await promptHtml(rows[0].prompt_id)).not.toContain("data-highlighted=");
    expect(await promptHtml(rows[0].prompt_id, { event: "00000000-0000-4000-8000-000000000000" })).toContain("The linked event is not among this prompt");
  });
});

describe("pivots on the prompt page", () => {
  it("offer filter for / filter out on the tool, command, MCP server and tool, decision source, mode and model", async () => {
    const { rows } = await getPool().query<{ prompt_id: string }>(
      `SELECT prompt_id FROM events WHERE tenant_id = $1 AND tool_use_id = 'toolu_01PMEQUUMHWVwwbuQyaxL6Xd'`, [instance.tenantId]);
    const html = await promptHtml(rows[0].prompt_id);
    for (const q of ["tool:Bash", "-tool:Bash", "source:user_reject", "source:user_temporary", "mode:default", "mcp_server:soc_demo", "mcp_tool:rotate_key"]) {
      expect(html, q).toContain(`href="${explore(q)}"`);
    }
    expect(html).toMatch(/href="\/explore\?q=model%3Aclaude-[a-z0-9-]+"/);
    expect(html).toMatch(/href="\/explore\?q=command%3A%22curl/);
    expect(html).toContain(`href="${explore(`session:${(await getPool().query<{ session_id: string }>(`SELECT session_id FROM events WHERE prompt_id = $1 LIMIT 1`, [rows[0].prompt_id])).rows[0].session_id}`)}"`);
  });

  it("open the person page from the person who ran the prompt (an email link opens the person page)", async () => {
    const { rows } = await getPool().query<{ prompt_id: string }>(
      `SELECT prompt_id FROM events WHERE tenant_id = $1 AND user_email = 'jon.snow@westeros.example' AND prompt_id IS NOT NULL AND session_id NOT IN ($2, $3) ORDER BY time LIMIT 1`,
      [instance.tenantId, COWORK_SESSION, CC_SESSION]);
    const html = await promptHtml(rows[0].prompt_id);
    expect(html).toContain(`href="/people/jon.snow%40westeros.example"`);
    expect(html).toContain(`href="${explore("user:jon.snow@westeros.example")}"`);
  });
});

describe("API calls and hooks", () => {
  it("fold into a waterfall between the story's rows, opened when a linked event is inside, filterable by type", async () => {
    const { rows } = await getPool().query<{ id: string; prompt_id: string }>(
      `SELECT id, prompt_id FROM events WHERE tenant_id = $1 AND event_name = 'api_request' AND prompt_id IN
         (SELECT prompt_id FROM events WHERE tenant_id = $1 AND event_name = 'hook_execution_complete' AND prompt_id IS NOT NULL)
       ORDER BY time LIMIT 1`, [instance.tenantId]);
    const closed = await promptHtml(rows[0].prompt_id);
    expect(closed).toContain("data-fold");
    expect(closed).toMatch(/<details class="min-w-0 text-xs"><summary[^>]*>[^<]*api request/);
    // The blocking PreToolUse hook decided something: it stays a row of its own, outside any fold.
    expect(closed).toMatch(/<li id="event-[^"]+" data-event-type="hook_execution_complete"[^>]*class="grid scroll-mt-16 grid-cols-\[5\.5rem/);
    const opened = await promptHtml(rows[0].prompt_id, { event: rows[0].id });
    expect(opened).toContain(`<li id="event-${rows[0].id}" data-event-type="api_request" data-highlighted="event"`);
    expect(opened).toMatch(/<details open="" class="min-w-0 text-xs">/);
  });
});

describe("the Compliance transcript", () => {
  const TOOL_USE = "toolu_01PRpJxKL3RgSdzw3G3XAXqf"; // i2 (2.1.197): the Bash call the e2e export's transcript also holds

  beforeAll(async () => {
    for (const f of fixturesOf("i2-oauth-identity", "http-json")) expect((await postFixture(instance.app.url, ingestToken, f)).status).toBe(200);
    const report = await importComplianceFile(createReadStream("e2e/data/compliance-export.ndjson"), { tenantId: instance.tenantId, filename: "export.ndjson", createdBy: "test" });
    expect(report.errors).toEqual([]);
  }, 120_000);

  it("sits beside the timeline on the row of its tool call (its own column on wide screens)", async () => {
    const { rows } = await getPool().query<{ prompt_id: string }>(`SELECT prompt_id FROM events WHERE tenant_id = $1 AND tool_use_id = $2 LIMIT 1`, [instance.tenantId, TOOL_USE]);
    const html = await promptHtml(rows[0].prompt_id);
    expect(html).toContain("What Claude saw (Compliance transcript)");
    const li = itemContaining(html, TOOL_USE);
    expect(li).toContain("xl:grid-cols-[5.5rem_minmax(0,1fr)_minmax(0,1fr)]");
    expect(li).toContain(`data-transcript-for="${TOOL_USE}"`);
    expect(li).toContain("From the Compliance transcript");
  });

  it("is on the person's one timeline with telemetry, linked to the OTel session it overlaps", async () => {
    const { rows } = await getPool().query<{ session_id: string }>(`SELECT session_id FROM events WHERE tenant_id = $1 AND tool_use_id = $2 LIMIT 1`, [instance.tenantId, TOOL_USE]);
    const page = await asBrowser(instance.owner, () => PersonPage({ params: Promise.resolve({ key: "jon.snow@westeros.example" }), searchParams: Promise.resolve({ range: "all" }) }));
    const html = valid(renderToStaticMarkup(page));
    const transcript = html.slice(html.indexOf('data-entry-kind="transcript"'));
    expect(transcript.slice(0, transcript.indexOf("</tr>"))).toContain(`href="/sessions/${rows[0].session_id}"`);
    expect(html).toContain('data-entry-kind="session"');
    expect(html).toContain('data-entry-kind="activity"');
    expect(html).toContain(`href="${explore("user:jon.snow@westeros.example")}"`);
  });
});

describe("a Cowork tool call", () => {
  it("gets the merged card: a rejected call did not run and is a rejection, not a failure", async () => {
    const s = await promptSummary(instance.tenantId, COWORK_PROMPT);
    expect(s).toMatchObject({ toolCalls: 1, failedToolCalls: 0, rejectedDecisions: 1, decisionsBySource: { user_reject: 1, user_temporary: 1 } });
    const html = await promptHtml(COWORK_PROMPT);
    const rm = itemContaining(html, "toolu_01CoworkRmRejected00000");
    expect(rm).toContain("did not run");
    expect(rm).toContain("rejected");
    expect(rm).toContain(`href="${explore("source:user_reject")}"`);
    expect(rm).not.toContain("failed");
    expect(html).not.toContain("1 failed");
    expect(itemContaining(html, "toolu_01CoworkLsAccepted000000")).not.toContain("did not run");
    // The session's prompt list counts the same way.
    const session = await sessionHtml(COWORK_SESSION);
    expect(session).toMatch(/<td[^>]*>1<\/td><td[^>]*font-semibold[^>]*>1<\/td><td[^>]*>0<\/td>/);
  });
});

describe("permission modes", () => {
  it("show from → to with the trigger on the timeline and the session, and each decision's mode", async () => {
    const html = await promptHtml(STARTER);
    const change = html.slice(html.indexOf("data-mode-change"));
    expect(change).toContain(`href="${explore("mode:default")}"`);
    expect(change).toContain(`href="${explore("mode:bypassPermissions")}"`);
    expect(change).toContain("trigger: shift_tab");
    const task = itemContaining(html, "toolu_01TaskStarter00000000000");
    expect(task).toContain("mode bypassPermissions");
    const session = await sessionHtml(CC_SESSION);
    expect(session).toContain("trigger: shift_tab");
    expect(session).toContain(`href="${explore("mode:bypassPermissions")}"`);
  });
});

describe("prompt ⇄ trace", () => {
  it("link both ways, and the prompt warns of a rejection the trace shows and the logs never reported", async () => {
    await postTrace();
    const html = await promptHtml(STARTER);
    expect(html).toContain(`href="/traces/${TRACE}"`);
    expect(html).toContain("The trace and the logs disagree");
    expect(html).toContain(`href="/traces/${TRACE}?highlight=b2b2b2b2b2b2b2b2"`);
    expect(html).toContain("toolu_01TraceOnlyReject000000");
    const TracePage = (await import("@/app/(console)/traces/[traceId]/page")).default;
    const trace = valid(renderToStaticMarkup(await asBrowser(instance.owner, () => TracePage({ params: Promise.resolve({ traceId: TRACE }), searchParams: Promise.resolve({}) }))));
    expect(trace).toContain(`href="/prompts/${STARTER}"`);
    expect(trace).toContain(`href="/people/jon.snow%40westeros.example"`);
    // A prompt whose trace agrees with its logs gets no warning.
    expect(await promptHtml(COWORK_PROMPT)).not.toContain("The trace and the logs disagree");
  });
});

describe("a background subagent's report", () => {
  it("is shown as the subagent's result, linked to the call that started it, not as a typed prompt", async () => {
    const html = await promptHtml(REPORT);
    expect(html).toContain("Subagent report");
    expect(html).toContain("not typed by the person");
    expect(html).toContain("Two ledgers changed since Monday.");
    const { rows } = await getPool().query<{ id: string }>(
      `SELECT id FROM events WHERE prompt_id = $1 AND tool_use_id = 'toolu_01TaskStarter00000000000' ORDER BY sequence LIMIT 1`, [STARTER]);
    expect(html).toContain(`href="/prompts/${STARTER}?event=${rows[0].id}"`);
    // The session lists it as a subagent report, and counts only the typed prompt.
    const session = await sessionHtml(CC_SESSION);
    expect(session).toContain("1 typed");
    expect(session).toMatch(/Subagent report[^<]*<\/span>/);
    expect(await promptHtml(STARTER)).not.toContain("Subagent report");
  });

  it("is not counted as a prompt of the person on the person page", async () => {
    const page = await asBrowser(instance.owner, () => PersonPage({ params: Promise.resolve({ key: "jon.snow@westeros.example" }), searchParams: Promise.resolve({ range: "all" }) }));
    const html = valid(renderToStaticMarkup(page));
    const at = html.indexOf(`href="/sessions/${CC_SESSION}"`);
    expect(at, "the session's row on the person page").toBeGreaterThan(-1);
    const row = html.slice(html.lastIndexOf("<tr", at), html.indexOf("</tr>", at)).replace(/<[^>]+>/g, "");
    expect(row).toContain("1 prompt (+1 subagent report) · 5 records");
  });
});
