import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { EVENT_SURFACES } from "@/lib/queries/inventory/agent-ref";
import { PERSON_SQL } from "@/lib/queries/inventory/sql";
import { listAgents } from "@/lib/queries/inventory";
import { approvalGroups, approvalSummary, approvalTotals, teamSql, type ApprovalFilters } from "@/lib/queries/approvals";
import { rebuildRollups } from "@/lib/ingest/rollups";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The rollups behind the read budgets (decision_rollups_daily for long approval windows,
// agent_session_rollups for the inventory) give exactly the figures computed from the raw rows,
// on windows whose edges cut through hours and days; and the set-based rebuild the read
// benchmark's seed uses gives the same tables as ingest.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Synthetic decisions over six days (the captures span minutes): every 97 minutes, four people.
const START = Date.UTC(2026, 10, 10, 5, 13);
const SYNTHETIC = Math.floor((6 * 24 * 60) / 97);

function syntheticDecisions(): string {
  const tools = ["Bash", "Read", "Write", "Edit"];
  const sources: [string, string][] = [["accept", "config"], ["accept", "user_permanent"], ["reject", "user_reject"], ["accept", "hook"], ["accept", "user_temporary"]];
  const records = Array.from({ length: SYNTHETIC }, (_, i) => {
    const [decision, source] = sources[i % sources.length];
    return {
      timeUnixNano: String(BigInt(START + i * 97 * 60_000) * 1_000_000n),
      body: { stringValue: "claude_code.tool_decision" },
      attributes: [
        { key: "event.name", value: { stringValue: "tool_decision" } },
        { key: "session.id", value: { stringValue: `synthetic-${Math.floor(i / 7)}` } },
        { key: "event.sequence", value: { intValue: i } },
        { key: "user.email", value: { stringValue: `Person${i % 4}@X.example` } },
        ...(i % 3 === 0 ? [{ key: "team.id", value: { stringValue: "blue" } }] : []),
        { key: "tool_name", value: { stringValue: tools[i % tools.length] } },
        { key: "decision", value: { stringValue: decision } },
        { key: "source", value: { stringValue: source } },
      ],
    };
  });
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }, { key: "service.version", value: { stringValue: "2.1.99" } }] },
      scopeLogs: [{ logRecords: records }],
    }],
  });
}

/**
 * A later batch that changes earlier days' agent rows: a day added before an existing session's
 * (out of order), a session with events two days apart and none between (a gap day), and a
 * person whose sessions cross midnight.
 */
function laterSessions(): string {
  const at = (ms: number, session: string, email: string, i: number) => ({
    timeUnixNano: String(BigInt(ms) * 1_000_000n),
    body: { stringValue: "claude_code.api_request" },
    attributes: [
      { key: "event.name", value: { stringValue: "api_request" } },
      { key: "session.id", value: { stringValue: session } },
      { key: "event.sequence", value: { intValue: 100_000 + i } },
      { key: "user.email", value: { stringValue: email } },
      { key: "user.id", value: { stringValue: `device-${i % 3}` } },
    ],
  });
  const day0 = Math.floor(START / DAY) * DAY;
  const records = [
    at(START - 2 * DAY, "synthetic-2", "Person0@X.example", 0), // synthetic-2 already has Person0 events on START's day
    at(day0 + DAY + 5 * HOUR, "gappy", "gap@x.example", 1),
    at(day0 + 3 * DAY + 7 * HOUR, "gappy", "gap@x.example", 2),
    ...Array.from({ length: 8 }, (_, i) => at(day0 + (i + 1) * DAY - 30 * 60_000 + (i % 2) * 50 * 60_000, `midnight-${Math.floor(i / 2)}`, "night@x.example", 3 + i)),
  ];
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }, { key: "service.version", value: { stringValue: "2.1.100" } }] },
      scopeLogs: [{ logRecords: records }],
    }],
  });
}

/**
 * One Office trace of the captures (its agent.query names the owner and session; its child spans
 * carry neither), moved so that it crosses an hour boundary, as three batches: the child spans
 * before the boundary, then the agent.query, then the children after it. The trace's first hour
 * row is written before anything resolves it; the last one after.
 */
const SPLIT_TRACE_BOUNDARY = Date.UTC(2026, 10, 20, 9);
function splitOfficeTrace(): string[] {
  const f = listFixtureRequests().find((x) => x.scenario === "office-traces" && x.variant === "http-json" && x.id === "0002")!;
  const body = JSON.parse(f.body().toString("utf8")) as { resourceSpans: { scopeSpans: { spans: { traceId: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[] }[] };
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const root = spans.find((s) => s.name === "agent.query")!;
  // The root starts 3 s before the boundary; its children (up to 6 s later) cross it.
  const shift = BigInt(SPLIT_TRACE_BOUNDARY - 3_000) * 1_000_000n - BigInt(root.startTimeUnixNano);
  const moved = (s: (typeof spans)[number]) => ({
    ...s, traceId: `5717${s.traceId.slice(4)}`,
    startTimeUnixNano: String(BigInt(s.startTimeUnixNano) + shift), endTimeUnixNano: String(BigInt(s.endTimeUnixNano) + shift),
  });
  const trace = spans.filter((s) => s.traceId === root.traceId).map(moved);
  const before = trace.filter((s) => s.name !== "agent.query" && BigInt(s.startTimeUnixNano) < BigInt(SPLIT_TRACE_BOUNDARY) * 1_000_000n);
  const after = trace.filter((s) => s.name !== "agent.query" && BigInt(s.startTimeUnixNano) >= BigInt(SPLIT_TRACE_BOUNDARY) * 1_000_000n);
  const batch = (only: typeof trace) => JSON.stringify({ resourceSpans: body.resourceSpans.map((r) => ({ ...r, scopeSpans: r.scopeSpans.map((s) => ({ ...s, spans: only })) })) });
  expect(before.length).toBeGreaterThan(0);
  expect(after.length).toBeGreaterThan(0);
  return [batch(before), batch(trace.filter((s) => s.name === "agent.query")), batch(after)];
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("read-rollups");
  for (const f of listFixtureRequests().filter((x) => x.variant === "http-json")) {
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  }
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: syntheticDecisions(),
  });
  expect(res.status).toBe(200);
  // Sent twice: a retried batch counts nothing again.
  for (let i = 0; i < 2; i++) {
    const later = await fetch(`${app.url}/api/otlp/v1/logs`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: laterSessions(),
    });
    expect(later.status).toBe(200);
  }
  for (const body of splitOfficeTrace()) {
    const res = await fetch(`${app.url}/api/otlp/v1/traces`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body,
    });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

/** The approval figures of a window from the raw rows: decisions in the hours that start in the window or hold its start, as the dashboard counts them. */
async function rawApprovals(f: ApprovalFilters) {
  const hour = (x: string) => `date_trunc('hour', ${x} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  const inWindow = (col: string) => `${hour(col)} >= ${hour("$2::timestamptz")} AND ${hour(col)} < $3`;
  const { rows } = await getPool().query<{ person: string; n: number; rejected: number; permanent: number; source: string }>(
    `SELECT ${PERSON_SQL} AS person, decision_source AS source, count(*)::int AS n,
            count(*) FILTER (WHERE decision = 'reject')::int AS rejected, count(*) FILTER (WHERE decision_source = 'user_permanent')::int AS permanent
     FROM events e WHERE tenant_id = $1 AND event_name = 'tool_decision' AND ${inWindow("time")} GROUP BY 1, 2`,
    [tenant.tenantId, f.from, f.to],
  );
  const office = await getPool().query<{ person: string; n: number }>(
    `SELECT COALESCE(lower(user_email), lower(account_uuid), '') AS person, count(*)::int AS n
     FROM spans WHERE tenant_id = $1 AND name = 'agent.tool_execution' AND source = 'office' AND ${inWindow("start_time")} GROUP BY 1`,
    [tenant.tenantId, f.from, f.to],
  );
  const teams = await getPool().query<{ team: string; n: number }>(
    `SELECT ${teamSql("e")} AS team, count(*)::int AS n FROM events e WHERE tenant_id = $1 AND event_name = 'tool_decision' AND ${inWindow("time")} GROUP BY 1`,
    [tenant.tenantId, f.from, f.to],
  );
  const tools = await getPool().query<{ tool: string; n: number; config: number }>(
    `SELECT COALESCE(tool_name, '') AS tool, count(*)::int AS n, count(*) FILTER (WHERE decision_source = 'config')::int AS config
     FROM events e WHERE tenant_id = $1 AND event_name = 'tool_decision' AND ${inWindow("time")} GROUP BY 1`,
    [tenant.tenantId, f.from, f.to],
  );
  const perTeam = new Map<string, number>(teams.rows.map((r) => [r.team, r.n]));
  const officeTotal = office.rows.reduce((a, r) => a + r.n, 0);
  if (officeTotal) perTeam.set("", (perTeam.get("") ?? 0) + officeTotal); // Office decisions carry no team
  const perTool = new Map<string, { total: number; config: number }>(tools.rows.map((r) => [r.tool, { total: r.n, config: r.config }]));
  const perPerson = new Map<string, number>(office.rows.map((r) => [r.person, r.n]));
  const bySource: Record<string, number> = {};
  const permanentPerPerson = new Map<string, number>();
  for (const r of rows) {
    perPerson.set(r.person, (perPerson.get(r.person) ?? 0) + r.n);
    if (r.permanent) permanentPerPerson.set(r.person, (permanentPerPerson.get(r.person) ?? 0) + r.permanent);
    bySource[r.source ?? ""] = (bySource[r.source ?? ""] ?? 0) + r.n;
  }
  const sum = (k: "n" | "rejected" | "permanent") => rows.reduce((a, r) => a + r[k], 0);
  return { decisions: sum("n"), rejected: sum("rejected"), alwaysAllow: sum("permanent"), officeExecutions: officeTotal, perPerson, permanentPerPerson, perTeam, perTool, bySource };
}

describe("rollups for long windows", () => {
  it("approvals over windows of days (daily level, hourly edges) equal the raw decisions", async () => {
    const windows: ApprovalFilters[] = [
      { from: new Date(START + DAY + 3 * HOUR + 17 * 60_000), to: new Date(START + 4 * DAY + 2 * HOUR + 41 * 60_000) }, // cuts through hours and days
      { from: new Date(START - 12 * DAY), to: new Date(START + 18 * DAY) }, // 30 days holding everything
      { from: new Date(START + 2 * DAY), to: new Date(START + 5 * DAY) }, // on day boundaries
      { from: new Date(START + 10 * HOUR + 5 * 60_000), to: new Date(START + 40 * HOUR) }, // hours only (≤ 2 days)
    ];
    for (const f of windows) {
      const raw = await rawApprovals(f);
      expect(raw.decisions).toBeGreaterThan(0);
      const totals = await approvalTotals(tenant.tenantId, f);
      expect({ decisions: totals.decisions, rejected: totals.rejected, alwaysAllow: totals.alwaysAllow, officeExecutions: totals.officeExecutions })
        .toEqual({ decisions: raw.decisions, rejected: raw.rejected, alwaysAllow: raw.alwaysAllow, officeExecutions: raw.officeExecutions });
      const people = await approvalGroups(tenant.tenantId, f, "person");
      expect(new Map(people.map((p) => [p.key, p.total]))).toEqual(raw.perPerson);
      expect(new Map(people.filter((p) => p.userPermanent).map((p) => [p.key, p.userPermanent]))).toEqual(raw.permanentPerPerson);
      // With a tool filter the people come from the detailed level: the same figures for that tool.
      const bash = await approvalGroups(tenant.tenantId, { ...f, tool: "Bash" }, "person");
      expect(bash.reduce((a, p) => a + p.total, 0)).toBe(raw.perTool.get("Bash")?.total ?? 0);
      // Teams, tools and the tiles come from the level without the person (decision_totals_daily).
      const teams = await approvalGroups(tenant.tenantId, f, "team");
      expect(new Map(teams.map((t) => [t.key, t.total]))).toEqual(raw.perTeam);
      const summary = await approvalSummary(tenant.tenantId, f);
      expect(summary.bySource).toEqual(raw.bySource);
      const perTool = new Map<string, { total: number; config: number }>();
      for (const t of summary.perTool) {
        const x = perTool.get(t.tool) ?? { total: 0, config: 0 };
        perTool.set(t.tool, { total: x.total + t.total, config: x.config + t.config });
      }
      expect(perTool).toEqual(raw.perTool);
      expect(summary.facets.users).toEqual([...raw.perPerson.keys()].filter(Boolean).sort());
      expect(summary.facets.teams).toEqual([...raw.perTeam.keys()].filter(Boolean).sort());
      expect(summary.overTime.reduce((a, b) => a + Object.entries(b).reduce((x, [k, v]) => x + (k === "bucket" ? 0 : Number(v)), 0), 0)).toBe(raw.decisions);
      // A filter applies to both levels.
      const one = await approvalTotals(tenant.tenantId, { ...f, user: "PERSON1@x.example" });
      expect(one.decisions).toBe(raw.perPerson.get("person1@x.example") ?? 0);
      const blue = await approvalTotals(tenant.tenantId, { ...f, team: "blue" });
      expect(blue.decisions).toBe(raw.perTeam.get("blue") ?? 0);
    }
  });

  it("the inventory's event agents over a window cutting through hours equal the raw events", async () => {
    const { rows: span } = await getPool().query<{ first: Date; last: Date }>(
      `SELECT min(time) AS first, max(time) AS last FROM events WHERE tenant_id = $1`, [tenant.tenantId],
    );
    const windows = [
      { from: new Date(START + 7 * HOUR + 23 * 60_000 + 11_000), to: new Date(START + 5 * DAY + 9 * 60_000) },
      { from: new Date(span[0].first.getTime() - 7 * DAY), to: new Date(span[0].last.getTime() + 1) },
      { from: new Date(START + 95 * 60_000), to: new Date(START + 99 * 60_000) }, // inside one hour: raw only
      { from: new Date(START + 3 * DAY + 11 * 60_000) }, // open end
      { to: new Date(START + 2 * DAY + 11 * 60_000) }, // open start
      { from: new Date(Math.floor(START / DAY) * DAY + 2 * DAY), to: new Date(Math.floor(START / DAY) * DAY + 3 * DAY) }, // one whole day: the gap day of "gappy"
      { from: new Date(Math.floor(START / DAY) * DAY + DAY + 6 * HOUR), to: new Date(Math.floor(START / DAY) * DAY + 4 * DAY) }, // whole days and one edge
      { from: new Date(START - 3 * DAY + 17 * 60_000), to: new Date(START + 3 * DAY + 5 * HOUR + 1) }, // the out-of-order day, cut through hours
      // Edge days whose every event is inside the window (read from agent_days as whole days): the
      // out-of-order day's only event is after 01:00; nothing is after the last event.
      { from: new Date(Math.floor(START / DAY) * DAY - 2 * DAY + HOUR), to: new Date(span[0].last.getTime() + 1) },
      { from: new Date(Math.floor(START / DAY) * DAY - 2 * DAY + HOUR), to: new Date(Math.floor(START / DAY) * DAY + 2 * DAY + 3 * HOUR) },
    ];
    for (const w of windows) {
      const params: unknown[] = [tenant.tenantId, EVENT_SURFACES, w.from ?? new Date(0)];
      if (w.to) params.push(w.to);
      const { rows: expected } = await getPool().query<{ surface: string; person: string; events: number; sessions: number; devices: number; first: Date; last: Date }>(
        `SELECT e.source AS surface, ${PERSON_SQL} AS person, count(*)::int AS events, count(DISTINCT e.session_id)::int AS sessions,
                count(DISTINCT e.user_id)::int AS devices, min(e.time) AS first, max(e.time) AS last
         FROM events e WHERE e.tenant_id = $1 AND e.source = ANY($2::text[]) AND e.time >= $3 ${w.to ? "AND e.time < $4" : ""}
         GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      );
      expect(expected.length).toBeGreaterThan(0);
      const agents = (await listAgents(tenant.tenantId, w)).filter((a) => EVENT_SURFACES.includes(a.surface));
      const got = agents
        .map((a) => ({ surface: a.surface as string, person: a.person, events: a.events, sessions: a.sessions, devices: a.devices, first: a.firstSeen, last: a.lastSeen }))
        .sort((a, b) => a.surface.localeCompare(b.surface) || (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
      expect(got).toEqual(expected);
    }
  });

  it("every hour row of an Office trace carries the trace's resolution, whichever batch brought its owner", async () => {
    const { rows } = await getPool().query<{ hour: Date; surface: string | null; user_email: string | null; session_id: string | null; spans: string }>(
      `SELECT hour, surface, user_email, session_id, spans FROM office_trace_hours WHERE tenant_id = $1 AND trace_id LIKE '5717%' ORDER BY hour`,
      [tenant.tenantId],
    );
    // The hour before the boundary was written by the first batch, before the agent.query arrived.
    expect(rows.map((r) => r.hour.getTime())).toEqual([SPLIT_TRACE_BOUNDARY - HOUR, SPLIT_TRACE_BOUNDARY]);
    const { rows: trace } = await getPool().query(
      `SELECT surface, user_email, session_id FROM office_traces WHERE tenant_id = $1 AND trace_id LIKE '5717%'`, [tenant.tenantId],
    );
    expect(trace).toEqual([{ surface: "word", user_email: "arya.stark@westeros.example", session_id: "6126bfaa-5358-420a-925f-9f4d893501a8" }]);
    for (const r of rows) expect({ surface: r.surface, user_email: r.user_email, session_id: r.session_id }).toEqual(trace[0]);
  });

  it("the inventory's Office agents equal the raw spans' resolution, on windows cutting through traces", async () => {
    // The resolution computed from spans alone: the trace's least surface, owner and session over
    // all its spans (inside the window or not), the surface of its session's spans when it has none.
    const raw = async (from: Date, to: Date) => (await getPool().query<{ surface: string; person: string; events: number; sessions: number; first: Date; last: Date }>(
      `WITH t AS (
         SELECT s.trace_id, min(s.surface) AS surface, min(s.user_email) AS user_email, min(s.account_uuid) AS account_uuid, min(s.session_id) AS session_id,
                min(s.start_time) AS first_seen, max(s.start_time) AS last_seen, count(*) AS spans
         FROM spans s WHERE s.tenant_id = $1 AND s.source = 'office' AND s.start_time >= $2 AND s.start_time < $3 GROUP BY 1
       ), own AS (
         SELECT t.*, (SELECT min(q.surface) FROM spans q WHERE q.tenant_id = $1 AND q.trace_id = t.trace_id) AS own_surface,
                (SELECT min(q.user_email) FROM spans q WHERE q.tenant_id = $1 AND q.trace_id = t.trace_id) AS email,
                (SELECT min(q.account_uuid) FROM spans q WHERE q.tenant_id = $1 AND q.trace_id = t.trace_id) AS account,
                (SELECT min(q.session_id) FROM spans q WHERE q.tenant_id = $1 AND q.trace_id = t.trace_id) AS sid
         FROM t
       ), r AS (
         SELECT own.*, COALESCE(own_surface, (SELECT min(q.surface) FROM spans q WHERE q.tenant_id = $1 AND q.session_id = own.sid)) AS surf FROM own
       )
       SELECT CASE WHEN surf IN ('excel', 'word', 'powerpoint', 'outlook') THEN surf ELSE 'office' END AS surface, COALESCE(lower(email), lower(account), '') AS person,
              sum(spans)::int AS events, count(DISTINCT sid)::int AS sessions, min(first_seen) AS first, max(last_seen) AS last
       FROM r GROUP BY 1, 2 ORDER BY 1, 2`,
      [tenant.tenantId, from, to],
    )).rows;
    const { rows: times } = await getPool().query<{ t: Date }>(`SELECT start_time AS t FROM spans WHERE tenant_id = $1 AND source = 'office' ORDER BY 1`, [tenant.tenantId]);
    expect(times.length).toBeGreaterThan(2);
    const mid = (i: number) => new Date(times[Math.floor(times.length * i)].t.getTime() + 1);
    const windows: [Date, Date][] = [
      [new Date(times[0].t.getTime() - DAY), new Date(times[times.length - 1].t.getTime() + DAY)],
      [mid(0.3), new Date(times[times.length - 1].t.getTime() + DAY)], // traces whose owning span is before the window
      [new Date(times[0].t.getTime() - DAY), mid(0.6)],
      [mid(0.2), mid(0.8)],
      // The split trace: whole hours only, then its second hour without the agent.query, then cut inside both hours.
      [new Date(SPLIT_TRACE_BOUNDARY - 2 * HOUR), new Date(SPLIT_TRACE_BOUNDARY + HOUR)],
      [new Date(SPLIT_TRACE_BOUNDARY), new Date(SPLIT_TRACE_BOUNDARY + HOUR)],
      [new Date(SPLIT_TRACE_BOUNDARY - 1_000), new Date(SPLIT_TRACE_BOUNDARY + 2_000)],
    ];
    for (const [from, to] of windows) {
      const expected = await raw(from, to);
      expect(expected.length).toBeGreaterThan(0);
      const got = (await listAgents(tenant.tenantId, { from, to })).filter((a) => !EVENT_SURFACES.includes(a.surface))
        .map((a) => ({ surface: a.surface as string, person: a.person, events: a.events, sessions: a.sessions, first: a.firstSeen, last: a.lastSeen }))
        .sort((a, b) => a.surface.localeCompare(b.surface) || (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
      expect(got).toEqual(expected);
    }
  });

  it("the set-based rebuild (bench seed) gives the tables ingest keeps", async () => {
    const tables = {
      decision_rollups: "bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write",
      decision_rollups_daily: "bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write",
      decision_totals_daily: "bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write",
      decision_totals_hourly: "bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write",
      decision_people_daily: "bucket, surface, user_key, team",
      decision_people_hourly: "bucket, surface, user_key, team",
      decision_people_weekly: "bucket, surface, user_key, team",
      agent_session_rollups: "bucket, source, user_email, enduser_id, account_id, account_uuid, user_id, session_id, service_version",
      source_rollups: "day, source, kind, service_version, name",
      record_extents: "kind, key",
      agent_session_days: "source, person_kind, person, session_id, day",
      agent_days: "day, source, person_kind, person",
      office_traces: "trace_id",
      office_trace_hours: "hour, trace_id",
    };
    // Sets held as arrays compare as sets (ingest appends to them in arrival order).
    const sorted = (c: string) => `ARRAY(SELECT x FROM unnest(${c}) AS x ORDER BY x COLLATE "C") AS ${c}`;
    const columns: Record<string, string> = { agent_days: `tenant_id, day, source, person_kind, person, events, sessions, first_seen, last_seen, ${["versions", "devices", "spanning"].map(sorted).join(", ")}` };
    const read = async () => {
      const out: Record<string, unknown[]> = {};
      for (const [t, order] of Object.entries(tables)) {
        out[t] = (await getPool().query(`SELECT ${columns[t] ?? "*"} FROM ${t} WHERE tenant_id = $1 ORDER BY ${order}`, [tenant.tenantId])).rows;
      }
      return out;
    };
    const kept = await read();
    expect(kept.decision_rollups_daily.length).toBeGreaterThan(0);
    expect(kept.decision_totals_daily.length).toBeGreaterThan(0);
    expect(kept.decision_totals_hourly.length).toBeGreaterThan(0);
    expect(kept.decision_people_daily.length).toBeGreaterThan(0);
    expect(kept.decision_people_hourly.length).toBeGreaterThan(0);
    expect(kept.decision_people_weekly.length).toBeGreaterThan(0);
    expect(kept.agent_session_rollups.length).toBeGreaterThan(0);
    expect(kept.office_traces.length).toBeGreaterThan(0);
    expect(kept.office_trace_hours.length).toBeGreaterThan(0);
    expect(kept.agent_days.some((d) => (d as { spanning: string[] }).spanning.length > 0)).toBe(true);
    await rebuildRollups(getPool(), tenant.tenantId);
    expect(await read()).toEqual(kept);
  });
});
