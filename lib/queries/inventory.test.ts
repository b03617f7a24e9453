import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestPayload } from "@/lib/ingest/pipeline";
import type { AnyValue, ExportLogsServiceRequest, ExportTraceServiceRequest } from "@/lib/otlp/types";
import { attributesToJson, type Attributes, type JsonValue } from "@/lib/otlp/values";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf, listFixtureRequests, type FixtureRequest } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import {
  agentDetail,
  agentKey,
  countHref,
  entityHref,
  listAgents,
  parseAgentKey,
  personDisplayName,
  sortVersions,
  type AgentRef,
  type AgentSummary,
  type InventoryEntity,
} from "./inventory";

// The inventory against a real database: the captured Claude Code and Office fixtures plus
// synthetic Cowork logs and split Office traces, ingested through the real pipeline. Expected
// answers are computed here, independently, from the payloads themselves.

// ---- synthetic payloads --------------------------------------------------------------------

type Attr = string | number | boolean | string[];

function av(v: Attr): AnyValue {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}
const kv = (o: Record<string, Attr>) => Object.entries(o).map(([key, v]) => ({ key, value: av(v) }));
const nanos = (d: Date) => String(BigInt(d.getTime()) * 1_000_000n);

const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * 60_000);

let sequence = 0;
function coworkLogs(
  resource: Record<string, Attr>,
  common: Record<string, Attr>,
  events: [string, Date, Record<string, Attr>][],
): ExportLogsServiceRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: kv({ "service.name": "cowork", "os.type": "darwin", "host.arch": "arm64", ...resource }) },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events", version: "2.1.230" },
            logRecords: events.map(([name, time, attrs]) => ({
              timeUnixNano: nanos(time),
              body: { stringValue: `claude_code.${name}` },
              attributes: kv({ "event.name": name, "event.sequence": sequence++, "terminal.type": "non-interactive", ...common, ...attrs }),
            })),
          },
        ],
      },
    ],
  };
}

const SANSA = "sansa.stark@westeros.example";
const sansaIdentity = {
  "user.email": SANSA,
  "user.account_uuid": "3694c2ac-716d-4201-8ae9-99ace954c4fb",
  "user.account_id": "user_017jv3cPPPCe2UEmi985fzbt",
  "organization.id": "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
  "user.id": "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
};
const mcp = (server: string, tool: string) => JSON.stringify({ mcp_server_name: server, mcp_tool_name: tool });

const coworkSession1 = coworkLogs({ "service.version": "1.2.3" }, {
  ...sansaIdentity,
  "session.id": "cowork-session-1",
  "workspace.host_paths": ["/Users/sansa/Documents/ledgers", "/Users/sansa/Shared/tax"],
}, [
  ["mcp_server_connection", ago(60), { server_name: "ledger_db", status: "connected", transport_type: "http" }],
  ["plugin_loaded", ago(60), { "plugin.name": "finance-tools", "plugin.version": "1.0.0" }],
  ["plugin_loaded", ago(60), { "plugin.name": "third-party", "plugin.version": "0.1.0" }],
  ["user_prompt", ago(59), { "prompt.id": "cw-p1", prompt: "reconcile the ledgers", prompt_length: 21 }],
  ["api_request", ago(59), { "prompt.id": "cw-p1", model: "claude-sonnet-5", cost_usd: 0.01, input_tokens: 10, output_tokens: 20 }],
  ["tool_decision", ago(58), { "prompt.id": "cw-p1", tool_name: "Read", decision: "accept", source: "config" }],
  ["tool_result", ago(58), { "prompt.id": "cw-p1", tool_name: "Read", success: "true", decision_type: "accept", decision_source: "config" }],
  ["tool_decision", ago(57), { "prompt.id": "cw-p1", tool_name: "mcp_tool", decision: "accept", source: "user_temporary", tool_parameters: mcp("ledger_db", "query_rows") }],
  ["tool_result", ago(57), { "prompt.id": "cw-p1", tool_name: "mcp_tool", success: "false", tool_parameters: mcp("ledger_db", "query_rows") }],
  // Without tool details: the server and tool names are withheld.
  ["tool_result", ago(56), { "prompt.id": "cw-p1", tool_name: "mcp_tool", success: "true" }],
  ["tool_decision", ago(56), { "prompt.id": "cw-p1", tool_name: "Bash", decision: "reject", source: "user_reject" }],
  ["skill_activated", ago(55), { "prompt.id": "cw-p1", "skill.name": "xlsx", "skill.source": "bundled" }],
  ["skill_activated", ago(55), { "prompt.id": "cw-p1", "skill.name": "custom_skill", "skill.source": "userSettings" }],
  ["api_request", ago(55), { "prompt.id": "cw-p1", model: "claude-opus-4-8", "mcp_server.name": "third-party", "mcp_tool.name": "third-party" }],
]);

const coworkSession2 = coworkLogs({ "service.version": "1.3.0" }, {
  ...sansaIdentity,
  "session.id": "cowork-session-2",
  "workspace.host_paths": ["/Users/sansa/Documents/ledgers"],
}, [
  ["user_prompt", ago(20), { "prompt.id": "cw-p2", prompt: "again", prompt_length: 5 }],
  ["tool_result", ago(19), { "prompt.id": "cw-p2", tool_name: "Read", success: "true" }],
  ["tool_result", ago(18), { "prompt.id": "cw-p2", tool_name: "Write", success: "true" }],
]);

// Third-party Cowork: no account attributes, only the device id (and a hostile path).
const coworkDevice = coworkLogs({ "service.version": "1.3.0" }, {
  "user.id": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
  "session.id": "cowork-session-3",
  "workspace.host_paths": ["/tmp/<script>alert(1)</script>"],
}, [
  ["user_prompt", ago(30), { "prompt.id": "cw-p3", prompt_length: 3 }],
  ["tool_result", ago(29), { "prompt.id": "cw-p3", tool_name: "Glob", success: "true" }],
]);

// Someone seen only 40 days ago: outside a 30-day window.
const coworkOld = coworkLogs({ "service.version": "1.0.0" }, {
  "user.email": "old.timer@westeros.example",
  "session.id": "cowork-session-old",
  "workspace.host_paths": ["/Users/old/archive"],
}, [
  ["user_prompt", ago(40 * 24 * 60), { "prompt.id": "cw-old", prompt_length: 3 }],
  ["tool_result", ago(40 * 24 * 60 - 1), { "prompt.id": "cw-old", tool_name: "Read", success: "true" }],
]);

// Another tenant: must never appear in the first tenant's inventory.
const otherTenantLogs = coworkLogs({ "service.version": "9.9.9" }, {
  "user.email": "bran.stark@westeros.example",
  "session.id": "cowork-session-bran",
  "workspace.host_paths": ["/Users/bran/weirwood"],
}, [["tool_result", ago(10), { "prompt.id": "cw-bran", tool_name: "Read", success: "true" }]]);
const otherTenantSansa = coworkLogs({ "service.version": "9.9.9" }, { ...sansaIdentity, "session.id": "cowork-session-b" }, [
  ["tool_result", ago(10), { "prompt.id": "cw-b", tool_name: "WebFetch", success: "true" }],
]);

// An Office trace whose children arrive before (and without) their agent.query, plus a
// file.upload of its own trace: surface and identity come through the trace and the session.
const TRACE = "0123456789abcdef0123456789abcdef";
const officeResource = { attributes: kv({ "service.name": "office-agent", "service.version": "1.0.0" }) };
function officeTraces(spans: { id: string; parent?: string; trace?: string; name: string; at: Date; attrs: Record<string, Attr> }[]): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: officeResource,
        scopeSpans: [
          {
            scope: { name: "office-agent" },
            spans: spans.map((s) => ({
              traceId: s.trace ?? TRACE,
              spanId: s.id,
              parentSpanId: s.parent,
              name: s.name,
              kind: 1,
              startTimeUnixNano: nanos(s.at),
              endTimeUnixNano: nanos(new Date(s.at.getTime() + 500)),
              attributes: kv(s.attrs),
            })),
          },
        ],
      },
    ],
  };
}
const officeChildren = officeTraces([
  { id: "1000000000000002", parent: "1000000000000001", name: "agent.stream", at: ago(15), attrs: { model: "claude-haiku-5" } },
  { id: "1000000000000003", parent: "1000000000000002", name: "agent.tool_execution", at: ago(15), attrs: { tool_name: "format_cells", "tool.read_write": "write", "tool.success": true } },
  { id: "1000000000000004", parent: "1000000000000002", name: "agent.tool_execution", at: ago(15), attrs: { tool_name: "mcp_tool", "tool.owner": "third_party", "tool.success": true } },
]);
const officeRoot = officeTraces([
  {
    id: "1000000000000001", name: "agent.query", at: ago(16),
    attrs: { "agent.surface": "sheet", "user.email": SANSA, "session.id": "office-session-x", "office.version": "16.0.99999.1", "office.platform": "Mac", "agent.selected_model": "claude-haiku-5" },
  },
  { id: "2000000000000001", trace: "fedcba9876543210fedcba9876543210", name: "file.upload", at: ago(14), attrs: { "user.email": SANSA, "session.id": "office-session-x", "file.upload.size_bytes": 10 } },
]);

// ---- independent expectations ---------------------------------------------------------------

interface Expected {
  surface: string;
  kind: string;
  person: string;
  events: number;
  sessions: Set<string>;
  versions: Set<string>;
  first: number;
  last: number;
  devices: Set<string>;
}

const s = (v: JsonValue | undefined): string | null => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null);
const SOURCES: Record<string, string> = { "claude-code": "claude_code", "claude-code-desktop": "claude_code", cowork: "cowork", "claude-desktop": "claude_desktop" };
const OFFICE: Record<string, string> = { sheet: "excel", doc: "word", slide: "powerpoint", mail: "outlook" };

function personOf(get: (k: string) => string | null): { kind: string; person: string } {
  const order: [string, string][] = [["user.email", "email"], ["enduser.id", "enduser"], ["user.account_id", "account"], ["user.account_uuid", "account"], ["user.id", "device"]];
  for (const [key, kind] of order) {
    const v = get(key);
    if (v) return { kind, person: v };
  }
  return { kind: "none", person: "" };
}

function bucket(map: Map<string, Expected>, surface: string, who: { kind: string; person: string }, ms: number): Expected {
  const key = `${surface}|${who.kind}|${who.person}`;
  let e = map.get(key);
  if (!e) {
    e = { surface, ...who, events: 0, sessions: new Set(), versions: new Set(), first: ms, last: ms, devices: new Set() };
    map.set(key, e);
  }
  e.events += 1;
  e.first = Math.min(e.first, ms);
  e.last = Math.max(e.last, ms);
  return e;
}

function expectLogs(map: Map<string, Expected>, req: ExportLogsServiceRequest, from?: Date): void {
  for (const rl of req.resourceLogs ?? []) {
    const resource = attributesToJson(rl.resource?.attributes);
    const surface = SOURCES[String(resource["service.name"])];
    if (!surface) continue;
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        const a: Attributes = attributesToJson(r.attributes);
        const ms = Number(BigInt(String(r.timeUnixNano)) / 1_000_000n);
        if (from && ms < from.getTime()) continue;
        const e = bucket(map, surface, personOf((k) => s(a[k]) ?? s(resource[k])), ms);
        const session = s(a["session.id"]);
        if (session) e.sessions.add(session);
        const version = s(resource["service.version"]);
        if (version) e.versions.add(version);
        const device = s(a["user.id"]) ?? s(resource["user.id"]);
        if (device) e.devices.add(device);
      }
    }
  }
}

function expectSpans(map: Map<string, Expected>, requests: ExportTraceServiceRequest[]): void {
  const spans = requests.flatMap((req) =>
    (req.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((sp) => ({ sp, a: attributesToJson(sp.attributes) })))),
  );
  // A trace (one user turn) belongs to one agent: values from whichever of its spans carry them.
  const traceInfo = new Map<string, Record<string, string>>();
  const surfaceOfSession = new Map<string, string>();
  for (const { sp, a } of spans) {
    const info = traceInfo.get(String(sp.traceId).toLowerCase()) ?? {};
    for (const key of ["agent.surface", "user.email", "user.account_uuid", "session.id"]) {
      const v = s(a[key]);
      if (v && (!info[key] || v < info[key])) info[key] = v;
    }
    traceInfo.set(String(sp.traceId).toLowerCase(), info);
    const code = s(a["agent.surface"]);
    const session = s(a["session.id"]);
    if (code && session) surfaceOfSession.set(session, code);
  }
  for (const { sp, a } of spans) {
    const t = traceInfo.get(String(sp.traceId).toLowerCase())!;
    const session = t["session.id"] ?? null;
    const code = t["agent.surface"] ?? (session ? surfaceOfSession.get(session) ?? null : null);
    const surface = (code && OFFICE[code]) ?? "office";
    const email = t["user.email"];
    const account = t["user.account_uuid"];
    const who = email ? { kind: "email", person: email } : account ? { kind: "account", person: account } : { kind: "none", person: "" };
    const e = bucket(map, surface, who, Number(BigInt(String(sp.startTimeUnixNano)) / 1_000_000n));
    if (session) e.sessions.add(session);
    const version = s(a["office.version"]);
    if (version) e.versions.add(version);
  }
}

function comparable(list: AgentSummary[]) {
  return list
    .map((a) => ({
      surface: a.surface, kind: a.kind, person: a.person, events: a.events, sessions: a.sessions, versions: [...a.versions].sort(),
      first: a.firstSeen.getTime(), last: a.lastSeen.getTime(), devices: a.devices,
    }))
    .sort((x, y) => `${x.surface}|${x.kind}|${x.person}`.localeCompare(`${y.surface}|${y.kind}|${y.person}`));
}

function expectedComparable(map: Map<string, Expected>, isOffice: (surface: string) => boolean) {
  return [...map.values()]
    .map((e) => ({
      surface: e.surface, kind: e.kind, person: e.person, events: e.events, sessions: e.sessions.size, versions: [...e.versions].sort(),
      first: e.first, last: e.last, devices: isOffice(e.surface) ? 0 : e.devices.size,
    }))
    .sort((x, y) => `${x.surface}|${x.kind}|${x.person}`.localeCompare(`${y.surface}|${y.kind}|${y.person}`));
}

// ---- setup -----------------------------------------------------------------------------------

let db: TestDatabase;
let tenant: TestTenant;
let other: TestTenant;

const claudeCodeLogs = listFixtureRequests().filter((f) => f.variant === "http-json" && f.signal === "logs" && f.scenario !== "office-traces");
const officeFixtures = fixturesOf("office-traces", "http-protobuf-gzip");

async function ingestFixture(f: FixtureRequest, t: TestTenant): Promise<void> {
  const raw = f.body();
  const bytes = f.contentEncoding === "gzip" ? gunzipSync(raw) : raw;
  const encoding = f.contentType.includes("protobuf") ? "protobuf" : "json";
  const out = await ingestPayload(f.signal, encoding, new Uint8Array(bytes), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  expect(out.rejected).toBe(0);
}

async function ingestJson(signal: "logs" | "traces", body: unknown, t: TestTenant): Promise<void> {
  const out = await ingestPayload(signal, "json", new TextEncoder().encode(JSON.stringify(body)), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  expect(out.rejected).toBe(0);
}

const coworkPayloads = [coworkSession1, coworkSession2, coworkDevice, coworkOld];

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("inventory");
  other = await createTestTenant("inventory-other");
  for (const f of claudeCodeLogs) await ingestFixture(f, tenant);
  for (const f of officeFixtures) await ingestFixture(f, tenant);
  for (const p of coworkPayloads) await ingestJson("logs", p, tenant);
  await ingestJson("traces", officeChildren, tenant);
  await ingestJson("traces", officeRoot, tenant);
  await ingestJson("logs", otherTenantLogs, other);
  await ingestJson("logs", otherTenantSansa, other);
  // The same person in another tenant's Excel: must not leak into the first tenant's agent.
  await ingestJson("traces", officeTraces([{ id: "3000000000000001", trace: "11112222333344445555666677778888", name: "agent.query", at: ago(5), attrs: { "agent.surface": "sheet", "user.email": SANSA, "session.id": "office-other" } }]), other);
});

afterAll(async () => {
  await db?.stop();
});

function expectedAll(from?: Date) {
  const map = new Map<string, Expected>();
  for (const f of claudeCodeLogs) expectLogs(map, f.decoded() as ExportLogsServiceRequest, from);
  for (const p of coworkPayloads) expectLogs(map, p, from);
  const traces = [...officeFixtures.map((f) => f.decoded() as ExportTraceServiceRequest), officeChildren, officeRoot];
  expectSpans(map, traces);
  return map;
}

const isOfficeSurface = (surface: string) => ["excel", "word", "powerpoint", "outlook", "office"].includes(surface);

// ---- tests -----------------------------------------------------------------------------------

describe("listAgents", () => {
  it("lists one agent per surface and person with counts, versions and first/last seen (all time)", async () => {
    const agents = await listAgents(tenant.tenantId, {});
    expect(comparable(agents)).toEqual(expectedComparable(expectedAll(), isOfficeSurface));
    const names = agents.map((a) => a.name);
    // The ones a SOC expects to see, by name.
    expect(names).toContain("Cowork/sansa.stark");
    expect(names).toContain("Excel/sansa.stark");
    expect(names).toContain("Word/arya.stark");
    expect(names).toContain("PowerPoint/samwell.tarly");
    expect(names).toContain("Outlook/jon.snow");
    expect(names).toContain("Claude Code/jon.snow");
    expect(names).toContain("Claude Code/device 5d41c2a0…");
    expect(names).toContain("Cowork/device ab12cd34…");
    // Newest activity first.
    const times = agents.map((a) => a.lastSeen.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it("Office spans take surface and owner from their trace, uploads from their session", async () => {
    const agents = await listAgents(tenant.tenantId, {});
    expect(agents.find((a) => a.surface === "office")).toBeUndefined();
    expect(agents.find((a) => a.kind === "none")).toBeUndefined();
    const excel = agents.find((a) => a.name === "Excel/sansa.stark")!;
    expect(excel.versions).toContain("16.0.99999.1");
    expect(excel.sessions).toBe(2);
  });

  it("keeps only the window: someone seen 40 days ago is not in the last 30 days", async () => {
    const from = new Date(NOW - 30 * 86_400_000);
    const recent = await listAgents(tenant.tenantId, { from });
    expect(recent.map((a) => a.person)).not.toContain("old.timer@westeros.example");
    expect(comparable(recent)).toEqual(expectedComparable(expectedAll(from), isOfficeSurface));
    const all = await listAgents(tenant.tenantId, {});
    expect(all.map((a) => a.person)).toContain("old.timer@westeros.example");
    // An upper bound too.
    const before = await listAgents(tenant.tenantId, { to: new Date(NOW - 30 * 86_400_000) });
    expect(before.map((a) => a.name)).toEqual(["Cowork/old.timer"]);
  });

  it("is scoped to the tenant", async () => {
    const mine = await listAgents(tenant.tenantId, {});
    expect(mine.map((a) => a.person)).not.toContain("bran.stark@westeros.example");
    const cowork = mine.find((a) => a.name === "Cowork/sansa.stark")!;
    expect(cowork.versions).not.toContain("9.9.9");
    const theirs = await listAgents(other.tenantId, {});
    expect(theirs.map((a) => a.name).sort()).toEqual(["Cowork/bran.stark", "Cowork/sansa.stark", "Excel/sansa.stark"]);
    expect(theirs.find((a) => a.name === "Excel/sansa.stark")!.events).toBe(1);
    const ref: AgentRef = { surface: "cowork", kind: "email", person: "bran.stark@westeros.example" };
    expect(await agentDetail(tenant.tenantId, ref, {}, true)).toBeNull();
  });

  it("filters by surface and text", async () => {
    const office = await listAgents(tenant.tenantId, {}, { surface: "excel" });
    expect(office.map((a) => a.name)).toEqual(["Excel/sansa.stark"]);
    const sansa = await listAgents(tenant.tenantId, {}, { q: "SANSA" });
    expect(sansa.map((a) => a.name).sort()).toEqual(["Cowork/sansa.stark", "Excel/sansa.stark"]);
    const byVersion = await listAgents(tenant.tenantId, {}, { q: "2.1.197" });
    expect(byVersion.every((a) => a.surface === "claude_code")).toBe(true);
  });
});

describe("agentDetail", () => {
  const names = (list: InventoryEntity[]) => list.map((e) => (e.tool ? `${e.name}:${e.tool}` : e.name)).sort();

  it("Cowork: working directories, tools, MCP servers and pairs, models, plugins, skills — no placeholders", async () => {
    const ref: AgentRef = { surface: "cowork", kind: "email", person: SANSA };
    const d = (await agentDetail(tenant.tenantId, ref, {}, true))!;
    expect(d).not.toBeNull();
    const events = [coworkSession1, coworkSession2].flatMap((p) => p.resourceLogs![0].scopeLogs![0].logRecords!.map((r) => attributesToJson(r.attributes)));
    expect(d.agent.events).toBe(events.length);
    expect(d.agent.sessions).toBe(2);
    expect(d.agent.versions).toEqual(["1.3.0", "1.2.3"]);

    const paths = new Map<string, number>();
    for (const e of events) for (const p of e["workspace.host_paths"] as string[]) paths.set(p, (paths.get(p) ?? 0) + 1);
    expect(d.entities.directory.map((e) => [e.name, e.uses])).toEqual([...paths.entries()].sort((x, y) => y[1] - x[1]));

    expect(names(d.entities.tool)).toEqual(["Bash", "Read", "Write"]);
    const read = d.entities.tool.find((e) => e.name === "Read")!;
    expect(read.uses).toBe(events.filter((e) => e["event.name"] === "tool_result" && e.tool_name === "Read").length);
    expect(d.entities.tool.find((e) => e.name === "Bash")!.rejected).toBe(1);
    expect(names(d.entities.mcp_server)).toEqual(["ledger_db"]);
    const server = d.entities.mcp_server[0];
    expect(server).toMatchObject({ uses: 1, failed: 1, detail: "http" });
    expect(names(d.entities.mcp_tool)).toEqual(["ledger_db:query_rows"]);
    expect(names(d.entities.model)).toEqual(["claude-opus-4-8", "claude-sonnet-5"]);
    expect(names(d.entities.plugin)).toEqual(["finance-tools"]);
    expect(d.entities.plugin[0].detail).toBe("1.0.0");
    expect(names(d.entities.skill)).toEqual(["xlsx"]);
    expect(d.withheld).toEqual({ mcpCalls: 1, plugins: 1, skills: 1 });

    const shown = Object.values(d.entities).flat().flatMap((e) => [e.name, e.tool, e.detail]);
    for (const placeholder of ["mcp_tool", "third-party", "custom_skill", "custom"]) expect(shown).not.toContain(placeholder);

    expect(d.sessions.map((x) => x.sessionId)).toEqual(["cowork-session-2", "cowork-session-1"]);
    const facts = d.identity.map((f) => `${f.kind}=${f.value}`);
    expect(facts).toEqual(expect.arrayContaining([
      `email=${SANSA}`, "account_id=user_017jv3cPPPCe2UEmi985fzbt", "terminal=non-interactive", "os=darwin arm64", "version=1.2.3",
    ]));
    expect(d.agent.knownSince).toBeInstanceOf(Date);
  });

  it("Claude Code (device identity): tools, MCP servers and pairs from tool_parameters, skills, no directories", async () => {
    const decoded = claudeCodeLogs.map((f) => f.decoded() as ExportLogsServiceRequest);
    const records = decoded.flatMap((req) => (req.resourceLogs ?? []).flatMap((rl) => {
      const resource = attributesToJson(rl.resource?.attributes);
      return (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => ({ a: attributesToJson(r.attributes), resource })));
    }));
    const device = records.filter(({ a, resource }) => !a["user.email"] && !resource["user.email"] && !a["enduser.id"] && !resource["enduser.id"]);
    const deviceId = String(device[0].a["user.id"]);
    const d = (await agentDetail(tenant.tenantId, { surface: "claude_code", kind: "device", person: deviceId }, {}, true))!;
    expect(d.agent.name).toBe(`Claude Code/device ${deviceId.slice(0, 8)}…`);
    expect(d.agent.events).toBe(device.length);

    const tools = new Set(device.filter(({ a }) => ["tool_result", "tool_decision"].includes(String(a["event.name"])) && a.tool_name !== "mcp_tool").map(({ a }) => String(a.tool_name)));
    expect(names(d.entities.tool)).toEqual([...tools].sort());
    const pairs = new Set<string>();
    const servers = new Set<string>();
    for (const { a } of device) {
      if (typeof a.tool_parameters === "string") {
        const p = JSON.parse(a.tool_parameters) as Record<string, string>;
        if (p.mcp_server_name) {
          servers.add(p.mcp_server_name);
          pairs.add(`${p.mcp_server_name}:${p.mcp_tool_name}`);
        }
      }
      if (a["event.name"] === "mcp_server_connection") servers.add(String(a.server_name));
    }
    expect(names(d.entities.mcp_server)).toEqual([...servers].sort());
    expect(names(d.entities.mcp_tool)).toEqual([...pairs].sort());
    expect(names(d.entities.mcp_server)).toContain("soc_demo");
    const models = new Set(device.filter(({ a }) => a.model).map(({ a }) => String(a.model)));
    expect(names(d.entities.model)).toEqual([...models].sort());
    expect(names(d.entities.skill)).toEqual(["soc-triage"]);
    expect(d.entities.directory).toEqual([]);
    expect(d.withheld.mcpCalls).toBe(0);
    // The broken server failed to connect.
    expect(d.entities.mcp_server.find((e) => e.name === "broken")!.failed).toBeGreaterThan(0);

    // Links go to the Explorer, filtered to the agent and the entity.
    const bash = d.entities.tool.find((e) => e.name === "Bash")!;
    const href = new URL(entityHref(d.agent, bash, "7d")!, "http://x");
    expect(href.pathname).toBe("/explore");
    expect(Object.fromEntries(href.searchParams)).toEqual({ source: "claude_code", user: deviceId, tool: "Bash", range: "7d" });
    const soc = new URL(entityHref(d.agent, d.entities.mcp_server.find((e) => e.name === "soc_demo")!, "all")!, "http://x");
    expect(soc.searchParams.get("mcpServer")).toBe("soc_demo");
    // Rejected and failed counts of a tool link to exactly those events.
    const rejects = device.filter(({ a }) => a["event.name"] === "tool_decision" && a.tool_name === "Bash" && a.decision === "reject").length;
    expect(bash.rejected).toBe(rejects);
    const rejected = new URL(countHref(d.agent, bash, "rejected", "all")!, "http://x");
    expect(Object.fromEntries(rejected.searchParams)).toEqual({ source: "claude_code", user: deviceId, name: "tool_decision", tool: "Bash", decision: "reject", range: "all" });
    expect(countHref(d.agent, bash, "failed", "all")).toBeNull(); // no failed Bash runs to show
    expect(countHref(d.agent, d.entities.mcp_server[0], "failed", "all")).toBeNull();
  });

  it("Excel: tools from agent.tool_execution (mcp_tool withheld), models, latest session links", async () => {
    const d = (await agentDetail(tenant.tenantId, { surface: "excel", kind: "email", person: SANSA }, {}, true))!;
    const traces = [...officeFixtures.map((f) => f.decoded() as ExportTraceServiceRequest), officeChildren, officeRoot];
    const spans = traces.flatMap((t) => t.resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!)));
    const excelTraces = new Set(spans.filter((sp) => {
      const a = attributesToJson(sp.attributes);
      return sp.name === "agent.query" && a["agent.surface"] === "sheet" && a["user.email"] === SANSA;
    }).map((sp) => String(sp.traceId).toLowerCase()));
    const executions = spans.filter((sp) => sp.name === "agent.tool_execution" && excelTraces.has(String(sp.traceId).toLowerCase()));
    const toolNames = executions.map((sp) => String(attributesToJson(sp.attributes).tool_name));
    expect(names(d.entities.tool)).toEqual([...new Set(toolNames.filter((t) => t !== "mcp_tool"))].sort());
    expect(names(d.entities.tool)).toContain("format_cells");
    expect(d.withheld.mcpCalls).toBe(toolNames.filter((t) => t === "mcp_tool").length);
    expect(names(d.entities.model)).toContain("claude-haiku-5");
    const format = d.entities.tool.find((e) => e.name === "format_cells")!;
    expect(format).toMatchObject({ uses: 1, detail: "write", latestSessionId: "office-session-x" });
    expect(entityHref(d.agent, format, "7d")).toBe("/sessions/office-session-x");
    expect(d.identity.map((f) => `${f.kind}=${f.value}`)).toEqual(expect.arrayContaining(["platform=Mac", "version=16.0.99999.1"]));
    expect(d.entities.directory).toEqual([]);
    // Same numbers as the list.
    const listed = (await listAgents(tenant.tenantId, {}, { surface: "excel" }))[0];
    expect({ ...d.agent, knownSince: null }).toEqual({ ...listed, knownSince: null, versions: d.agent.versions });
    expect([...d.agent.versions].sort()).toEqual([...listed.versions].sort());
  });

  it("returns null outside the window and for unknown agents", async () => {
    const old: AgentRef = { surface: "cowork", kind: "email", person: "old.timer@westeros.example" };
    expect(await agentDetail(tenant.tenantId, old, { from: new Date(NOW - 30 * 86_400_000) }, true)).toBeNull();
    expect((await agentDetail(tenant.tenantId, old, {}, true))!.entities.directory.map((e) => e.name)).toEqual(["/Users/old/archive"]);
    // Folder paths are content: a manager learns how many, not which.
    const forManager = (await agentDetail(tenant.tenantId, old, {}, false))!;
    expect(forManager.entities.directory).toEqual([]);
    expect(forManager.hiddenDirectories).toBe(1);
    expect(JSON.stringify(forManager)).not.toContain("/Users/old/archive");
    expect(await agentDetail(tenant.tenantId, { surface: "word", kind: "email", person: SANSA }, {}, true)).toBeNull();
  });

  it("keeps hostile values as data", async () => {
    const d = (await agentDetail(tenant.tenantId, { surface: "cowork", kind: "device", person: "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12" }, {}, true))!;
    expect(d.entities.directory.map((e) => e.name)).toEqual(["/tmp/<script>alert(1)</script>"]);
  });
});

describe("agent keys and names", () => {
  it("round-trip any person value and reject malformed keys", () => {
    for (const ref of [
      { surface: "claude_code", kind: "email", person: "jon.snow@westeros.example" },
      { surface: "excel", kind: "account", person: "a/b?c#d%e.f" },
      { surface: "cowork", kind: "device", person: "\u202Eevil</script>\u0000" },
      { surface: "word", kind: "none", person: "" },
    ] as AgentRef[]) {
      expect(parseAgentKey(agentKey(ref))).toEqual(ref);
      expect(agentKey(ref)).toMatch(/^[a-z_]+\.[a-z]+(\.[A-Za-z0-9_-]+)?$/);
    }
    for (const bad of ["", "x", "teams.email.YQ", "excel.boss.YQ", "excel.email", "excel.email.!!", "excel.none.YQ", "excel.email.YQ.YQ"]) {
      expect(parseAgentKey(bad)).toBeNull();
    }
  });

  it("names people the way a SOC reads them", () => {
    expect(personDisplayName("email", "jon.snow@westeros.example")).toBe("jon.snow");
    expect(personDisplayName("device", "5d41c2a0e7b94f1c8a3e")).toBe("device 5d41c2a0…");
    expect(personDisplayName("none", "")).toBe("(unattributed)");
    expect(sortVersions(["2.1.9", "2.1.10", "1.0.0", "2.1.10"])).toEqual(["2.1.10", "2.1.9", "1.0.0"]);
  });
});
