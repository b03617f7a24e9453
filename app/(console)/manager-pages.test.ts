import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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

/** A page rendered inside the owner's request (the page reads the session cookie). */
async function page(render: () => Promise<React.ReactElement>): Promise<string> {
  return renderToStaticMarkup(await asBrowser(instance.owner, render));
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
