import { prerender } from "react-dom/static";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import ApprovalsPage from "@/app/(console)/approvals/page";
import AuditPage from "@/app/(console)/audit/page";
import CoveragePage from "@/app/(console)/coverage/page";
import SessionPage from "@/app/(console)/sessions/[sessionId]/page";
import { createIngestToken } from "@/lib/auth/ingest-tokens";
import { startConsoleInstance, type ConsoleInstance } from "@/lib/testing/console-instance";
import { asBrowser } from "@/lib/testing/console-request";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import { ensureEnvironment } from "@/lib/tenants";
import type { ExportTraceServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
// Client charts call useRouter() (clicking a bar navigates), the range hint's picker reads the
// current URL; a server render has no app router mounted, and no click happens here.
vi.mock("next/navigation", async (original) => ({
  ...(await original<typeof import("next/navigation")>()),
  useRouter: () => ({ push: () => undefined }),
  usePathname: () => "/",
  useSearchParams: () => new URLSearchParams(),
}));

// The pages managers and admins read, rendered as the signed-in owner sees them, on telemetry
// posted through the real OTLP receivers.

let instance: ConsoleInstance;
let ingestToken: string;

const CODE_SESSION = "code-session-with-a-trace";
const OFFICE_SESSION = "f1d7213d-e7b9-4161-b3c7-846aa28adf0f"; // test/fixtures/office-traces 0001: Sansa in Excel
const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

async function post(signal: "logs" | "traces", body: unknown) {
  const res = await fetch(`${instance.app.url}/api/otlp/v1/${signal}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ingestToken}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/**
 * A page rendered inside the owner's request (the page reads the session cookie), nested async
 * server components (the range hint) included: prerender waits for them.
 */
async function page(render: () => Promise<React.ReactElement>): Promise<string> {
  return asBrowser(instance.owner, async () => {
    const { prelude } = await prerender(await render());
    // Without React's text separators, so that assertions read the text as a browser shows it.
    return (await new Response(prelude).text()).replaceAll("<!-- -->", "");
  });
}

beforeAll(async () => {
  instance = await startConsoleInstance({ name: "manager-pages" });
  const environmentId = await ensureEnvironment(instance.tenantId, "test");
  ingestToken = (await createIngestToken({ tenantId: instance.tenantId, environmentId, name: "pages" })).secret;
  // A Claude Code session: a prompt in the logs and a beta trace carrying the same session.id.
  await post("logs", {
    resourceLogs: [{
      resource: { attributes: [str("service.name", "claude-code")] },
      scopeLogs: [{ logRecords: [{
        timeUnixNano: nanos(T0),
        body: { stringValue: "claude_code.user_prompt" },
        attributes: [str("event.name", "user_prompt"), str("session.id", CODE_SESSION), str("prompt.id", "p-code-1"), str("user.email", "jon.snow@westeros.example"), str("prompt", "build it")],
      }] }],
    }],
  });
  await post("traces", {
    resourceSpans: [{
      resource: { attributes: [str("service.name", "claude-code")] },
      scopeSpans: [{ spans: [{
        traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "claude_code.interaction", kind: 1,
        startTimeUnixNano: nanos(T0), endTimeUnixNano: nanos(T0 + 2000),
        attributes: [str("session.id", CODE_SESSION), str("user.email", "jon.snow@westeros.example")],
      }] }],
    }],
  });
  for (const f of fixturesOf("office-traces", "http-json")) expect((await postFixture(instance.app.url, ingestToken, f)).status).toBe(200);
  // Tool decisions of two teams: each person has a rejection followed by an automatic approval
  // of the same command (an escalation).
  const decision = (who: string, team: string, minute: number, tool: string, decision: string, source: string, command: string) => ({
    timeUnixNano: nanos(T0 + minute * 60_000),
    body: { stringValue: "claude_code.tool_decision" },
    attributes: [
      str("event.name", "tool_decision"), str("session.id", `s-${who}`), str("prompt.id", `p-${who}-${minute}`), str("user.email", `${who}@westeros.example`),
      str("department", team), str("tool_name", tool), str("decision", decision), str("source", source), str("tool_parameters", JSON.stringify({ full_command: command })),
    ],
  });
  await post("logs", {
    resourceLogs: [{
      resource: { attributes: [str("service.name", "claude-code")] },
      scopeLogs: [{ logRecords: [
        decision("jon", "night-watch", 10, "Bash", "reject", "user_reject", "rm -rf build"),
        decision("jon", "night-watch", 12, "Bash", "accept", "config", "rm -rf build"),
        decision("sansa", "winterfell", 10, "Write", "reject", "user_reject", "notes.md"),
        decision("sansa", "winterfell", 11, "Write", "accept", "hook", "notes.md"),
      ] }],
    }],
  });
});

afterAll(async () => {
  await instance?.stop();
});

describe("the session page", () => {
  const session = (id: string) => page(() => SessionPage({ params: Promise.resolve({ sessionId: id }) }));

  it("lists a Claude Code trace as a Claude Code trace, not as an Office agent turn", async () => {
    const html = await session(CODE_SESSION);
    expect(html).toContain("claude_code.interaction");
    expect(html).not.toContain("Office agent turns");
    expect(html).toMatch(/Claude Code traces \(1\)/);
  });

  it("describes an Office session by its traces: the person, the app and the spans", async () => {
    const html = await session(OFFICE_SESSION);
    // Every trace that carries the session, with all its spans (only agent.query and file.upload
    // spans name session.id), counted from the fixture.
    const spansPerTrace = new Map<string, number>();
    const withSession = new Set<string>();
    for (const f of fixturesOf("office-traces", "http-json")) {
      for (const sp of ((f.decoded() as ExportTraceServiceRequest).resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).flatMap((x) => x.spans ?? [])) {
        spansPerTrace.set(sp.traceId!, (spansPerTrace.get(sp.traceId!) ?? 0) + 1);
        if (attributesToJson(sp.attributes)["session.id"] === OFFICE_SESSION) withSession.add(sp.traceId!);
      }
    }
    expect(html).toContain(`Office agent turns (${withSession.size})`);
    for (const traceId of withSession) {
      expect(html).toMatch(new RegExp(`href="/traces/${traceId}">[^<]+</a>(<span>[^<]*</span>)?<span class="text-slate-500">${spansPerTrace.get(traceId)} spans<`));
    }
    expect([...withSession].some((t) => spansPerTrace.get(t)! > 1)).toBe(true);
    expect(html).toContain("sansa.stark@westeros.example");
    expect(html).toMatch(/<dt[^>]*>App<\/dt><dd>Excel<\/dd>/);
    expect(html).not.toMatch(/<dt[^>]*>User<\/dt><dd[^>]*>–<\/dd>/);
  });
});

describe("the approvals page", () => {
  const window = { from: new Date(T0).toISOString(), to: new Date(T0 + 3600_000).toISOString() };
  const approvals = (params: Record<string, string>) => page(() => ApprovalsPage({ searchParams: Promise.resolve({ ...window, ...params }) }));
  const escalationUsers = (html: string) => {
    const section = html.slice(html.indexOf('id="escalations"'));
    return [...section.matchAll(/<td[^>]*title="([^"]+@westeros\.example)"/g)].map((m) => m[1]).sort();
  };

  it("applies the user, team and tool filters to the escalations table", async () => {
    expect(escalationUsers(await approvals({}))).toEqual(["jon@westeros.example", "sansa@westeros.example"]);
    expect(escalationUsers(await approvals({ user: "jon@westeros.example" }))).toEqual(["jon@westeros.example"]);
    expect(escalationUsers(await approvals({ team: "winterfell" }))).toEqual(["sansa@westeros.example"]);
    expect(escalationUsers(await approvals({ tool: "Bash" }))).toEqual(["jon@westeros.example"]);
  });

  it("says so in each table when the window holds no decision", async () => {
    const html = await page(() => ApprovalsPage({ searchParams: Promise.resolve({ from: new Date(T0 - 30 * 86_400_000).toISOString(), to: new Date(T0 - 29 * 86_400_000).toISOString() }) }));
    // Outcome by surface, per person, per tool.
    expect(html.match(/<td[^>]*>No decisions in this window\.<\/td>/g)).toHaveLength(3);
  });

  it("links the automatic approvals of writes and the Office numbers to their evidence", async () => {
    const html = (await approvals({})).replaceAll("&amp;", "&");
    const tile = (label: string) => html.slice(html.indexOf(label)).match(/href="([^"]+)"/)![1];
    const autoWrites = new URL(tile("Automatic approvals of writes"), "http://x");
    expect(autoWrites.pathname).toBe("/explore");
    expect(autoWrites.searchParams.get("decision")).toBe("accept");
    expect(autoWrites.searchParams.get("q")).toBe("(source:config or source:hook) (tool:Bash or tool:Write or tool:Edit or tool:MultiEdit or tool:NotebookEdit or tool:write_file or tool:edit_file or tool:PowerShell)");
    expect(tile("Office tool executions")).toMatch(/^\/approvals\/office\?/);
    expect(html).toMatch(/href="\/approvals\/office\?decision=auto_accept&[^"]*">\d+ auto-accepted/);
    // Per person, the automatic writes and Office auto-accepts are links too.
    expect(html).toMatch(/href="\/explore\?[^"]*user=jon%40westeros\.example[^"]*q=/);
  });

  it("groups by team and compares each group with the period before", async () => {
    const html = await approvals({ groupBy: "team" });
    expect(html).toContain("Per team");
    for (const team of ["night-watch", "winterfell"]) expect(html).toMatch(new RegExp(`<a class="link" href="/approvals\\?[^"]*team=${team}[^"]*">${team}</a>`));
    // The hour before holds nothing: each team's two decisions are all new.
    expect(html).toMatch(/night-watch<\/a><\/td><td[^>]*>(<a[^>]*>)?2(<\/a>)?<\/td><td[^>]*title="0 in the period before"[^>]*>\+2</);
  });
});

describe("the coverage page", () => {
  const coverage = (params: Record<string, string>) => page(() => CoveragePage({ searchParams: Promise.resolve({ range: "all", ...params }) }));
  const unescape = (html: string) => html.replaceAll("&amp;", "&");

  it("makes every cell a link to what it counted", async () => {
    const html = unescape(await coverage({}));
    const cells = [...html.matchAll(/<a [^>]*data-cell="([^"]+)"[^>]*>/g)];
    expect(cells).toHaveLength(6 * 8);
    for (const [tag, id] of cells) expect(tag).toContain(`href="/coverage?cell=${encodeURIComponent(id)}&`);
  });

  it("opens a cell: what was counted, the events behind it, and (stale: the data is weeks old) what to check", async () => {
    const html = unescape(await coverage({ cell: "otel_claude_code:claude_code" }));
    expect(html).toContain('id="cell-detail"');
    expect(html).toContain("OTel · Claude Code × Claude Code: stale");
    expect(html).toMatch(/event tool_decision<\/td><td[^>]*>4<\/td>/);
    expect(html).toMatch(/event user_prompt<\/td><td[^>]*>1<\/td>/);
    expect(html).toMatch(/href="\/explore\?source=claude_code[^"]*">Open Claude Code events in the Explorer/);
    expect(html).toContain("To fix:");
  });

  it("opens a silent cell with what to configure", async () => {
    const html = await coverage({ cell: "otel_cowork:cowork_files" });
    expect(html).toMatch(/To fix:.*Admin settings → Cowork → Monitoring.*Network egress/);
  });
});

describe("the audit page", () => {
  const audit = (params: Record<string, string>) => page(() => AuditPage({ searchParams: Promise.resolve({ range: "all", ...params }) }));

  it("groups content views by reader and kind, and lists the other entries apart", async () => {
    const html = await audit({});
    // The owner opened session pages above: recorded as content views.
    expect(html).toMatch(/data-group="root@example.com\/session"/);
    const others = html.slice(html.indexOf("Other entries"));
    expect(others).not.toContain(">content.view<");
    const listed = await audit({ views: "list" });
    expect(listed).toContain("content.view");
  });

  it("filters by who and shows the first page for a cursor it did not make", async () => {
    expect(await audit({ actor: "nobody-at-all" })).toContain("No entries match these filters");
    const html = await audit({ cursor: "bogus" });
    expect(html).toContain("That page link is not valid for these filters; showing the first page.");
    expect(html).toMatch(/data-entry="\d+"/);
  });
});
