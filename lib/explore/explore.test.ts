import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { parseTimeParam } from "@/lib/time-range";
import { InvalidCursorError } from "@/lib/db/sql";
import type { EventFilter } from "@/lib/queries/event-filter";
import { CSV_COLUMNS, EXPLORE_SORTS, type ExploreRow, type ExploreSort, type SortDir } from "./columns";
import { csvField, exportChunks, exportEventPages, exportFilename } from "./export";
import { exportResponse } from "./export-response";
import { exploreFacets } from "./facets";
import { parseExploreParams, type ExploreQuery } from "./params";
import { exploreEvents } from "./query";

// The Explorer's query against real ingested telemetry: every captured Claude Code request of the
// http-json variants (plus metrics and Office traces, which must not show up as events) goes
// through the real ingest pipeline; the expected answers are computed here from decoded.json.

let db: TestDatabase;
let A: TestTenant;
let B: TestTenant;

// ---- expectations from decoded.json -------------------------------------------------------

type Scalar = string | number | boolean | null;

interface OtlpKeyValue {
  key: string;
  value: Record<string, unknown>;
}

function flat(kvs: OtlpKeyValue[] | undefined): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const kv of kvs ?? []) {
    const v = kv.value;
    if ("stringValue" in v) out[kv.key] = String(v.stringValue);
    else if ("intValue" in v) out[kv.key] = Number(v.intValue);
    else if ("doubleValue" in v) out[kv.key] = Number(v.doubleValue);
    else if ("boolValue" in v) out[kv.key] = Boolean(v.boolValue);
    else out[kv.key] = JSON.stringify(v);
  }
  return out;
}

interface Expected {
  key: string;
  tenant: "A" | "B";
  timeMs: number;
  source: string;
  eventName: string;
  sessionId: string;
  promptId: string | null;
  toolName: string | null;
  mcpServer: string | null;
  decision: string | null;
  decisionSource: string | null;
  success: boolean | null;
  durationMs: number | null;
  costUsd: number | null;
  userEmail: string | null;
  userClaims: string[];
  prompt: string | null;
  error: string | null;
}

const s = (v: Scalar | undefined): string | null => (v === undefined || v === null || v === "" ? null : String(v));
const n = (v: Scalar | undefined): number | null => (v === undefined || v === null || v === "" ? null : Number(v));
const b = (v: Scalar | undefined): boolean | null => (v === true || v === "true" ? true : v === false || v === "false" ? false : null);
const keyOf = (sessionId: string | null, sequence: number | null, name: string) => `${sessionId}#${sequence}#${name}`;

interface LogsRequest {
  resourceLogs: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs: Array<{ scope?: { name: string; version?: string }; logRecords: Array<{ timeUnixNano: string; attributes: OtlpKeyValue[] }> }>;
  }>;
}

function expectationsOf(request: LogsRequest, tenant: "A" | "B"): Expected[] {
  const out: Expected[] = [];
  for (const rl of request.resourceLogs) {
    const res = flat(rl.resource?.attributes);
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const a = flat(r.attributes);
        const name = String(a["event.name"]);
        let params: Record<string, unknown> = {};
        try {
          params = typeof a.tool_parameters === "string" ? (JSON.parse(a.tool_parameters) as Record<string, unknown>) : {};
        } catch {
          params = {};
        }
        const mcpAttr = s(a["mcp_server.name"]);
        const email = s(a["user.email"]) ?? s(res["user.email"]);
        const claims = [email, s(a["user.id"]), s(a["user.account_uuid"]), s(a["user.account_id"]), s(a["enduser.id"]) ?? s(res["enduser.id"])];
        out.push({
          key: keyOf(s(a["session.id"]), n(a["event.sequence"]), name),
          tenant,
          timeMs: Number(BigInt(r.timeUnixNano) / 1_000_000n),
          source: res["service.name"] === "claude-code" ? "claude_code" : "other",
          eventName: name,
          sessionId: String(a["session.id"]),
          promptId: s(a["prompt.id"]),
          toolName: s(a.tool_name),
          mcpServer:
            s(params.mcp_server_name as Scalar) ??
            (mcpAttr && mcpAttr !== "custom" ? mcpAttr : null) ??
            (name === "mcp_server_connection" ? s(a.server_name) : null),
          decision: name === "tool_decision" ? s(a.decision) : name === "tool_result" ? s(a.decision_type) ?? s(a.decision) : null,
          decisionSource: name === "tool_decision" ? s(a.source) : name === "tool_result" ? s(a.decision_source) ?? s(a.source) : null,
          success: b(a.success),
          durationMs: n(a.duration_ms) ?? n(a.total_duration_ms),
          costUsd: n(a.cost_usd),
          userEmail: email,
          userClaims: claims.filter((c): c is string => c !== null),
          prompt: s(a.prompt),
          error: s(a.error),
        });
      }
    }
  }
  return out;
}

const expectedA: Expected[] = [];
const expectedB: Expected[] = [];

// A payload made to break spreadsheets and naive CSV writers (ingested into tenant B only).
const TRICKY_SESSION = "5e551011-0000-4000-8000-00000000c5f0";
const TRICKY_PROMPT = 'say "hi", then\nrun =cmd; a,b';
const TRICKY_EMAIL = '=HYPERLINK("http://evil.example","x")';
function trickyPayload(): LogsRequest {
  const t0 = BigInt(Date.UTC(2025, 0, 2, 3, 4, 5)) * 1_000_000n;
  const rec = (seq: number, attrs: Record<string, string | number>) => ({
    timeUnixNano: String(t0 + BigInt(seq) * 1_000_000n),
    body: { stringValue: `claude_code.${attrs["event.name"]}` },
    attributes: Object.entries({ "session.id": TRICKY_SESSION, "event.sequence": seq, "prompt.id": "p-tricky", ...attrs }).map(([key, v]) => ({
      key,
      value: typeof v === "number" ? { intValue: v } : { stringValue: v },
    })),
  });
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events", version: "2.1.197" },
            logRecords: [
              rec(1, { "event.name": "user_prompt", "user.email": TRICKY_EMAIL, "user.id": "+cmd|calc", prompt: TRICKY_PROMPT }),
              rec(2, {
                "event.name": "tool_decision", "user.email": TRICKY_EMAIL, tool_name: "-2+3", source: "@SUM(A1)", decision: "accept",
                tool_parameters: JSON.stringify({ bash_command: "calc", full_command: "\tcalc.exe" }),
              }),
              rec(3, { "event.name": "api_error", "user.email": TRICKY_EMAIL, error: "\r=1+1", model: "claude-opus-4-8", duration_ms: "12" }),
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  db = await startTestDatabase();
  A = await createTestTenant("explore-a");
  B = await createTestTenant("explore-b");
  const scopeA = { tenantId: A.tenantId, environmentId: A.environmentId, ingestTokenId: null };
  const scopeB = { tenantId: B.tenantId, environmentId: B.environmentId, ingestTokenId: null };
  for (const f of listFixtureRequests().filter((x) => x.variant === "http-json")) {
    await ingestPayload(f.signal, "json", new Uint8Array(f.body()), scopeA);
    if (f.signal === "logs") expectedA.push(...expectationsOf(f.decoded() as LogsRequest, "A"));
    // Tenant B holds the same a-bash-allowed run (same event ids!) and the tricky payload.
    if (f.scenario === "a-bash-allowed") {
      await ingestPayload(f.signal, "json", new Uint8Array(f.body()), scopeB);
      if (f.signal === "logs") expectedB.push(...expectationsOf(f.decoded() as LogsRequest, "B"));
    }
  }
  const tricky = trickyPayload();
  await ingestPayload("logs", "json", new Uint8Array(Buffer.from(JSON.stringify(tricky))), scopeB);
  expectedB.push(...expectationsOf(tricky, "B"));
});

afterAll(async () => {
  await db?.stop();
});

// ---- helpers ------------------------------------------------------------------------------

function query(over: Partial<ExploreQuery> = {}): ExploreQuery {
  return { sort: "time", dir: "desc", limit: 100, ...over };
}

async function allPages(tenantId: string, q: ExploreQuery, canReadContent = true): Promise<{ rows: ExploreRow[]; pages: number }> {
  const rows: ExploreRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await exploreEvents(tenantId, { ...q, cursor }, canReadContent);
    pages += 1;
    expect(page.rows.length).toBeLessThanOrEqual(q.limit);
    if (page.nextCursor) expect(page.rows.length).toBe(q.limit);
    rows.push(...page.rows);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(1000);
  }
  return { rows, pages };
}

const rowKey = (r: ExploreRow) => keyOf(r.sessionId, r.sequence, r.eventName);
const sortedKeys = (xs: Array<{ key: string }>) => xs.map((x) => x.key).sort();

function matches(e: Expected, f: EventFilter): boolean {
  if (f.source && e.source !== f.source) return false;
  if (f.name && e.eventName !== f.name.replace(/^claude_code\./, "")) return false;
  if (f.user && !e.userClaims.includes(f.user)) return false;
  if (f.tool && e.toolName !== f.tool) return false;
  if (f.mcpServer && e.mcpServer !== f.mcpServer) return false;
  if (f.decisionSource && e.decisionSource !== f.decisionSource) return false;
  if (f.decision && e.decision !== f.decision) return false;
  if (f.success !== undefined && e.success !== f.success) return false;
  if (f.from && e.timeMs < f.from.getTime()) return false;
  if (f.to && e.timeMs >= f.to.getTime()) return false;
  return true;
}

/** The database's own order of some strings (collation differs between engines and locales). */
async function collationRank(values: string[]): Promise<Map<string, number>> {
  const { rows } = await getPool().query<{ v: string }>("SELECT v FROM unnest($1::text[]) AS v ORDER BY v", [[...new Set(values)]]);
  return new Map(rows.map((r, i) => [r.v, i]));
}

const SORT_VALUE: Record<ExploreSort, (e: Expected) => string | number | null> = {
  time: (e) => e.timeMs,
  source: (e) => e.source,
  event_name: (e) => e.eventName,
  user_email: (e) => e.userEmail,
  tool_name: (e) => e.toolName,
  mcp_server: (e) => e.mcpServer,
  decision_source: (e) => e.decisionSource,
  duration_ms: (e) => e.durationMs,
  cost_usd: (e) => e.costUsd,
};

/** Expected order: value (NULLs last in both directions), then time, then id, all in `dir`. */
async function expectedOrder(expected: Expected[], sort: ExploreSort, dir: SortDir, idOf: Map<string, string>): Promise<string[]> {
  const get = SORT_VALUE[sort];
  const texts = expected.map(get).filter((v): v is string => typeof v === "string");
  const rank = await collationRank(texts);
  const sign = dir === "asc" ? 1 : -1;
  const cmpScalar = (x: string | number, y: string | number) =>
    typeof x === "number" && typeof y === "number" ? x - y : rank.get(String(x))! - rank.get(String(y))!;
  return [...expected]
    .sort((p, q) => {
      const vp = get(p);
      const vq = get(q);
      if (vp === null && vq !== null) return 1;
      if (vp !== null && vq === null) return -1;
      if (vp !== null && vq !== null && cmpScalar(vp, vq) !== 0) return sign * cmpScalar(vp, vq);
      if (p.timeMs !== q.timeMs) return sign * (p.timeMs - q.timeMs);
      const ip = idOf.get(p.key)!;
      const iq = idOf.get(q.key)!;
      return sign * (ip < iq ? -1 : ip > iq ? 1 : 0);
    })
    .map((e) => e.key);
}

// ---- tests --------------------------------------------------------------------------------

describe("exploreEvents", () => {
  it("pages through every event of the tenant exactly once, newest first", async () => {
    expect(expectedA.length).toBeGreaterThan(100);
    const { rows, pages } = await allPages(A.tenantId, query({ limit: 37 }));
    expect(pages).toBe(Math.ceil(expectedA.length / 37));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.map(rowKey).sort()).toEqual(sortedKeys(expectedA));
    for (let i = 1; i < rows.length; i++) {
      const [p, q] = [rows[i - 1], rows[i]];
      expect(p.time > q.time || (p.time === q.time && p.id > q.id), `${i}: ${p.time} ${p.id} / ${q.time} ${q.id}`).toBe(true);
    }
    // Spans (Office traces) and metric points are not events.
    expect(rows.every((r) => r.source === "claude_code")).toBe(true);
  });

  it("returns the typed columns the table shows", async () => {
    const { rows } = await allPages(A.tenantId, query({ limit: 500 }));
    const byKey = new Map(expectedA.map((e) => [e.key, e]));
    for (const r of rows) {
      const e = byKey.get(rowKey(r))!;
      expect(new Date(r.time).getTime()).toBe(e.timeMs);
      expect({ tool: r.toolName, mcp: r.mcpServer, ds: r.decisionSource, d: r.decision, ok: r.success, ms: r.durationMs, cost: r.costUsd, prompt: r.promptId })
        .toEqual({ tool: e.toolName, mcp: e.mcpServer, ds: e.decisionSource, d: e.decision, ok: e.success, ms: e.durationMs, cost: e.costUsd, prompt: e.promptId });
    }
  });

  const someTime = () => {
    const times = [...new Set(expectedA.map((e) => e.timeMs))].sort((x, y) => x - y);
    return { lo: new Date(times[Math.floor(times.length / 4)]), hi: new Date(times[Math.floor((3 * times.length) / 4)]) };
  };

  const FILTERS: Array<[string, () => EventFilter]> = [
    ["source", () => ({ source: "claude_code" })],
    ["source (none)", () => ({ source: "office" })],
    ["event name", () => ({ name: "tool_decision" })],
    ["event name with the claude_code. prefix", () => ({ name: "claude_code.api_request" })],
    ["tool", () => ({ tool: "Bash" })],
    ["MCP server", () => ({ mcpServer: "soc_demo" })],
    ["decision source", () => ({ decisionSource: "config" })],
    ["decision", () => ({ decision: "reject" })],
    ["success=false", () => ({ success: false })],
    ["success=true", () => ({ success: true })],
    ["user by email", () => ({ user: "jon.snow@westeros.example" })],
    ["user by account uuid", () => ({ user: "de5ca38f-139e-4139-b400-a6f7be39a154" })],
    ["user by tagged account id", () => ({ user: "user_01UTaMiPVYhoQrftgrSD1QE7" })],
    ["user by user.id", () => ({ user: "5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04" })],
    ["time window", () => ({ from: someTime().lo, to: someTime().hi })],
    ["from only", () => ({ from: someTime().hi })],
    ["event name + decision source", () => ({ name: "tool_decision", decisionSource: "config" })],
    ["tool + success + decision source (none)", () => ({ tool: "Bash", success: true, decisionSource: "hook" })],
  ];

  for (const [label, make] of FILTERS) {
    it(`filters by ${label}`, async () => {
      const f = make();
      const want = expectedA.filter((e) => matches(e, f));
      const { rows } = await allPages(A.tenantId, query({ ...f, limit: 9 }));
      expect(rows.map(rowKey).sort()).toEqual(sortedKeys(want));
    });
  }

  it("finds something for the filters that should match", async () => {
    for (const f of [{ name: "tool_decision", decisionSource: "config" }, { mcpServer: "soc_demo" }, { success: false }, { user: "user_01UTaMiPVYhoQrftgrSD1QE7" }]) {
      expect(expectedA.filter((e) => matches(e, f)).length, JSON.stringify(f)).toBeGreaterThan(0);
    }
  });

  describe("sorting with keyset paging", () => {
    let idOf: Map<string, string>;
    beforeAll(async () => {
      const { rows } = await allPages(A.tenantId, query({ limit: 500 }));
      idOf = new Map(rows.map((r) => [rowKey(r), r.id]));
    });

    for (const sort of Object.keys(EXPLORE_SORTS) as ExploreSort[]) {
      for (const dir of ["asc", "desc"] as const) {
        it(`${sort} ${dir}: every row once, in order, NULLs last`, async () => {
          // Small pages so that cursors land inside runs of equal values and on the NULL boundary.
          const { rows } = await allPages(A.tenantId, query({ sort, dir, limit: 4 }));
          expect(rows.map(rowKey)).toEqual(await expectedOrder(expectedA, sort, dir, idOf));
        });
      }
    }

    it("sorts and filters together (api_request by cost, most expensive first)", async () => {
      const want = expectedA.filter((e) => e.eventName === "api_request");
      const { rows } = await allPages(A.tenantId, query({ name: "api_request", sort: "cost_usd", dir: "desc", limit: 3 }));
      expect(rows.map(rowKey)).toEqual(await expectedOrder(want, "cost_usd", "desc", idOf));
      expect(rows[0].costUsd).toBe(Math.max(...want.map((e) => e.costUsd!)));
    });

    it("rejects a malformed cursor or one made for another sort", async () => {
      await expect(exploreEvents(A.tenantId, query({ cursor: "not-a-cursor" }), true)).rejects.toBeInstanceOf(InvalidCursorError);
      const first = await exploreEvents(A.tenantId, query({ limit: 2 }), true);
      expect(first.nextCursor).not.toBeNull();
      await expect(exploreEvents(A.tenantId, query({ sort: "cost_usd", cursor: first.nextCursor! }), true)).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(exploreEvents(A.tenantId, query({ dir: "asc", cursor: first.nextCursor! }), true)).rejects.toBeInstanceOf(InvalidCursorError);
      const forged = Buffer.from(JSON.stringify({ s: "time", d: "desc", v: null, t: "2020-01-01T00:00:00Z", id: "x'; DROP TABLE events; --" })).toString("base64url");
      await expect(exploreEvents(A.tenantId, query({ cursor: forged }), true)).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  it("keeps tenants apart (the same run in two tenants has the same event ids)", async () => {
    const a = await allPages(A.tenantId, query({ limit: 500 }));
    const bRows = await allPages(B.tenantId, query({ limit: 500 }));
    expect(bRows.rows.map(rowKey).sort()).toEqual(sortedKeys(expectedB));
    expect(a.rows.map(rowKey).sort()).toEqual(sortedKeys(expectedA));
    expect(a.rows.some((r) => r.sessionId === TRICKY_SESSION)).toBe(false);
    const shared = bRows.rows.filter((r) => r.sessionId !== TRICKY_SESSION);
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.every((r) => a.rows.some((x) => x.id === r.id))).toBe(true);
    // Filters and facets too.
    const bTool = await exploreEvents(B.tenantId, query({ tool: "Edit" }), true);
    expect(bTool.rows).toEqual([]);
    const facetsB = await exploreFacets(B.tenantId, {});
    expect(facetsB.mcpServers).toEqual([]);
    expect(facetsB.tools.sort()).toEqual(["-2+3", "Bash"].sort());
  });

  it("shows analysts a content preview and managers none", async () => {
    const analyst = (await allPages(A.tenantId, query({ limit: 500 }), true)).rows;
    const manager = (await allPages(A.tenantId, query({ limit: 500 }), false)).rows;
    const byKey = new Map(expectedA.map((e) => [e.key, e]));
    const prompts = analyst.filter((r) => r.eventName === "user_prompt");
    expect(prompts.length).toBeGreaterThan(0);
    for (const r of prompts) expect(r.content).toBe(byKey.get(rowKey(r))!.prompt!.slice(0, 300));
    const apiErrors = analyst.filter((r) => r.eventName === "api_error");
    expect(apiErrors.length).toBeGreaterThan(0);
    for (const r of apiErrors) expect(r.content).toBe(byKey.get(rowKey(r))!.error);
    const bash = analyst.find((r) => r.eventName === "tool_decision" && r.toolName === "Bash");
    expect(bash?.content).toMatch(/\S/);

    expect(manager.every((r) => r.content === null)).toBe(true);
    expect(manager.filter((r) => r.eventName === "user_prompt").every((r) => r.contentHidden)).toBe(true);
    expect(manager.filter((r) => r.eventName === "api_error").every((r) => r.contentHidden)).toBe(true);
    expect(manager.filter((r) => r.eventName === "api_request").every((r) => !r.contentHidden)).toBe(true);
    expect(analyst.every((r) => !r.contentHidden)).toBe(true);
    const text = JSON.stringify(manager);
    for (const e of expectedA) {
      if (e.prompt && e.prompt.length > 8) expect(text).not.toContain(e.prompt);
      if (e.error && e.error.length > 8) expect(text).not.toContain(e.error);
    }
  });
});

describe("exploreFacets", () => {
  it("lists the distinct values of the window", async () => {
    const f = await exploreFacets(A.tenantId, {});
    const distinct = (get: (e: Expected) => string | null) => [...new Set(expectedA.map(get).filter((v): v is string => v !== null))].sort();
    expect([...f.sources].sort()).toEqual(distinct((e) => e.source));
    expect([...f.eventNames].sort()).toEqual(distinct((e) => e.eventName));
    expect([...f.tools].sort()).toEqual(distinct((e) => e.toolName));
    expect([...f.mcpServers].sort()).toEqual(distinct((e) => e.mcpServer));
    expect([...f.decisionSources].sort()).toEqual(distinct((e) => e.decisionSource));
    // In the database's order.
    const rank = await collationRank(f.eventNames);
    expect(f.eventNames.map((v) => rank.get(v))).toEqual(f.eventNames.map((_, i) => i));
  });

  it("is bounded by the time window", async () => {
    const latest = Math.max(...expectedA.map((e) => e.timeMs));
    expect(await exploreFacets(A.tenantId, { from: new Date(latest + 1) })).toEqual({
      sources: [], eventNames: [], tools: [], mcpServers: [], decisionSources: [],
    });
    const dScenario = expectedA.filter((e) => e.mcpServer !== null);
    const lo = Math.min(...dScenario.map((e) => e.timeMs));
    const hi = Math.max(...dScenario.map((e) => e.timeMs)) + 1;
    const f = await exploreFacets(A.tenantId, { from: new Date(lo), to: new Date(hi) });
    const inWindow = expectedA.filter((e) => e.timeMs >= lo && e.timeMs < hi);
    expect([...f.eventNames].sort()).toEqual([...new Set(inWindow.map((e) => e.eventName))].sort());
    expect(f.mcpServers).toContain("soc_demo");
  });
});

describe("parseExploreParams", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  it("applies defaults, the range, explicit bounds and limits", () => {
    const d = parseExploreParams(new URLSearchParams(""), now).query;
    expect(d).toMatchObject({ sort: "time", dir: "desc", limit: 100 });
    expect(d.from?.toISOString()).toBe("2026-11-15T12:00:00.000Z");
    expect(parseExploreParams(new URLSearchParams("range=all"), now).query.from).toBeUndefined();
    const q = parseExploreParams(
      new URLSearchParams("range=1h&from=2026-11-01T08:30&to=2026-11-02T00:00:00Z&sort=cost_usd&limit=9999&success=false&tool=%20Bash%20&name="),
      now,
    ).query;
    expect(q.from?.toISOString()).toBe("2026-11-01T08:30:00.000Z");
    expect(q.to?.toISOString()).toBe("2026-11-02T00:00:00.000Z");
    expect(q).toMatchObject({ sort: "cost_usd", dir: "desc", limit: 500, success: false, tool: "Bash", name: undefined });
    expect(parseExploreParams(new URLSearchParams("sort=password_hash&dir=sideways&limit=abc"), now).query).toMatchObject({
      sort: "time", dir: "desc", limit: 100,
    });
    expect(parseExploreParams(new URLSearchParams("sort=tool_name"), now).query.dir).toBe("asc");
    expect(parseExploreParams(new URLSearchParams("limit=0"), now).query.limit).toBe(1);
  });

  it("reads times as the console shows them (UTC), ISO with a zone, or epoch ms", () => {
    expect(parseTimeParam("2026-11-01 08:30:15.5")?.toISOString()).toBe("2026-11-01T08:30:15.500Z");
    expect(parseTimeParam("2026-11-01")?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(parseTimeParam("2026-11-01T10:00:00+02:00")?.toISOString()).toBe("2026-11-01T08:00:00.000Z");
    expect(parseTimeParam("1700000000000")?.toISOString()).toBe("2023-11-14T22:13:20.000Z");
    for (const bad of ["yesterday", "2026-13-45", "2026-11-01 25:00", "", null]) expect(parseTimeParam(bad)).toBeUndefined();
    // An unreadable bound is ignored: the range applies.
    expect(parseExploreParams(new URLSearchParams("from=soon"), now).query.from?.toISOString()).toBe("2026-11-15T12:00:00.000Z");
  });
});

// ---- export -------------------------------------------------------------------------------

/** RFC 4180 reader, written independently of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      i += 1;
    } else if (c === ",") {
      row.push(field);
      field = "";
      i += 1;
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else {
      expect(c, `bare ${JSON.stringify(c)} outside quotes at ${i}`).not.toMatch(/[\r\n"]/);
      field += c;
      i += 1;
    }
  }
  expect(field).toBe("");
  expect(row).toEqual([]);
  return rows;
}

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = "";
  for await (const chunk of gen) out += chunk;
  return out;
}

describe("CSV fields", () => {
  it("neutralises formulas and quotes per RFC 4180", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+cmd")).toBe("'+cmd");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tcalc")).toBe("'\tcalc");
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    expect(csvField('a "quoted", value')).toBe('"a ""quoted"", value"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(-1.5)).toBe("-1.5");
    expect(csvField(false)).toBe("false");
  });
});

describe("export", () => {
  it("writes the filtered set as CSV: header, one row per event, formulas neutralised", async () => {
    const csv = await collect(exportChunks(B.tenantId, query(), "csv", true, { pageSize: 2 }));
    const rows = parseCsv(csv);
    const header = rows[0];
    expect(header).toEqual(CSV_COLUMNS.map(([name]) => name));
    const col = (name: string) => header.indexOf(name);
    const body = rows.slice(1);
    expect(body.length).toBe(expectedB.length);
    expect(new Set(body.map((r) => r[col("id")])).size).toBe(body.length);
    for (const r of body) expect(r.length).toBe(header.length);
    const tricky = body.filter((r) => r[col("session_id")] === TRICKY_SESSION);
    expect(tricky.length).toBe(3);
    for (const r of tricky) expect(r[col("user_email")]).toBe(`'${TRICKY_EMAIL}`);
    const prompt = tricky.find((r) => r[col("event_name")] === "user_prompt")!;
    expect(prompt[col("user_id")]).toBe("'+cmd|calc");
    expect((JSON.parse(prompt[col("attributes")]) as Record<string, unknown>).prompt).toBe(TRICKY_PROMPT);
    const decision = tricky.find((r) => r[col("event_name")] === "tool_decision")!;
    expect(decision[col("tool_name")]).toBe("'-2+3");
    expect(decision[col("decision_source")]).toBe("'@SUM(A1)");
    const error = tricky.find((r) => r[col("event_name")] === "api_error")!;
    expect(error[col("error")]).toBe("'\r=1+1");
    expect(error[col("duration_ms")]).toBe("12");
    // No cell a spreadsheet would evaluate.
    for (const r of body) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("exports only the filtered rows, in the requested order", async () => {
    const csv = await collect(exportChunks(A.tenantId, query({ name: "tool_decision", decisionSource: "config", sort: "tool_name", dir: "asc" }), "csv", true));
    const [header, ...body] = parseCsv(csv);
    const want = expectedA.filter((e) => matches(e, { name: "tool_decision", decisionSource: "config" }));
    expect(body.map((r) => keyOf(r[header.indexOf("session_id")], Number(r[header.indexOf("sequence")]), r[header.indexOf("event_name")])).sort()).toEqual(sortedKeys(want));
    const page = await allPages(A.tenantId, query({ name: "tool_decision", decisionSource: "config", sort: "tool_name", dir: "asc", limit: 500 }));
    expect(body.map((r) => r[header.indexOf("id")])).toEqual(page.rows.map((r) => r.id));
  });

  it("writes NDJSON lines that parse, in pages, without content for managers", async () => {
    const analyst = (await collect(exportChunks(A.tenantId, query(), "ndjson", true, { pageSize: 50 }))).split("\n");
    expect(analyst.pop()).toBe("");
    const events = analyst.map((l) => JSON.parse(l) as { id: string; name: string; attributes: Record<string, unknown>; error: string | null; hiddenKeys: string[] });
    expect(events.length).toBe(expectedA.length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.some((e) => typeof e.attributes.prompt === "string")).toBe(true);

    const manager = (await collect(exportChunks(A.tenantId, query(), "ndjson", false))).trim().split("\n").map((l) => JSON.parse(l) as (typeof events)[number]);
    expect(manager.length).toBe(expectedA.length);
    for (const e of manager) {
      for (const k of ["prompt", "tool_parameters", "tool_input", "error", "response"]) expect(e.attributes).not.toHaveProperty(k);
      expect(e.error).toBeNull();
    }
    expect(manager.find((e) => e.name === "user_prompt")?.hiddenKeys).toContain("prompt");
    const text = JSON.stringify(manager);
    for (const e of expectedA) if (e.prompt && e.prompt.length > 8) expect(text).not.toContain(e.prompt);

    const managerCsv = parseCsv(await collect(exportChunks(B.tenantId, query(), "csv", false)));
    const h = managerCsv[0];
    for (const r of managerCsv.slice(1)) {
      expect(r[h.indexOf("error")]).toBe("");
      expect(JSON.parse(r[h.indexOf("attributes")])).not.toHaveProperty("prompt");
    }
    expect(JSON.stringify(managerCsv)).not.toContain("run =cmd");
  });

  it("reads in bounded pages and stops at the cap", async () => {
    const sizes: number[] = [];
    for await (const page of exportEventPages(A.tenantId, query(), true, { pageSize: 40 })) sizes.push(page.events.length);
    expect(sizes.slice(0, -1).every((x) => x === 40)).toBe(true);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(expectedA.length);

    const capped = (await collect(exportChunks(A.tenantId, query(), "ndjson", true, { maxRows: 5, pageSize: 2 }))).trim().split("\n");
    expect(capped.length).toBe(6);
    expect(JSON.parse(capped[5])).toEqual({ _blindspot: { truncated: true, maxRows: 5 } });
    const cappedCsv = parseCsv(await collect(exportChunks(A.tenantId, query(), "csv", true, { maxRows: 5 })));
    expect(cappedCsv.length).toBe(6);
    // Exactly at the cap is not truncated.
    const exact = (await collect(exportChunks(B.tenantId, query(), "ndjson", true, { maxRows: expectedB.length }))).trim().split("\n");
    expect(exact.length).toBe(expectedB.length);
  });

  it("answers the export route: headers, stream, audit for content readers only", async () => {
    const now = new Date("2026-11-22T10:15:00.123Z");
    expect(exportFilename("csv", now)).toBe("blindspot-events-20261122T101500Z.csv");
    const auditCount = async () =>
      Number((await getPool().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'content.view'", [B.tenantId])).rows[0].n);
    const before = await auditCount();

    const res = await exportResponse(
      { tenantId: B.tenantId, email: "analyst@b.example", canReadContent: true },
      new URLSearchParams("format=ndjson&range=all&name=user_prompt&cursor=ignored"),
      now,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="blindspot-events-20261122T101500Z.ndjson"');
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { name: string });
    expect(lines.length).toBe(expectedB.filter((e) => e.eventName === "user_prompt").length);
    expect(lines.every((l) => l.name === "user_prompt")).toBe(true);
    expect(await auditCount()).toBe(before + 1);
    const { rows } = await getPool().query<{ actor: string; target: string }>(
      "SELECT actor, target FROM audit_log WHERE tenant_id = $1 AND action = 'content.view' ORDER BY id DESC LIMIT 1",
      [B.tenantId],
    );
    expect(rows[0]).toEqual({ actor: "analyst@b.example", target: "export:range=all&name=user_prompt&format=ndjson" });

    const managerRes = await exportResponse({ tenantId: B.tenantId, email: "m@b.example", canReadContent: false }, new URLSearchParams("range=all"), now);
    expect(managerRes.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(parseCsv(await managerRes.text()).length).toBe(expectedB.length + 1);
    expect(await auditCount()).toBe(before + 1);

    const bad = await exportResponse({ tenantId: B.tenantId, email: "a", canReadContent: true }, new URLSearchParams("format=xlsx"), now);
    expect(bad.status).toBe(400);
    expect(await auditCount()).toBe(before + 1);
  });
});
