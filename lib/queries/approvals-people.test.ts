import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { personColumns, personKeySql } from "@/lib/domain/person";
import { AUTOMATIC_DECISION_SOURCES } from "@/lib/domain/vocabulary";
import { approvalGroups, approvalPage, approvalSummary, WRITE_TOOLS, type ApprovalFilters, type ApprovalGroup } from "@/lib/queries/approvals";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The approvals page's per-person table over long windows: every column of every person equals
// the raw decisions of the window (hours at the edges, whole days and weeks inside), the previous
// period is read for the listed people only, with the same figures, and the user filter's choices
// are the window's people.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Seven weeks of decisions, every 53 minutes, seven people (one of them on two teams over time).
const START = Date.UTC(2026, 9, 1, 3, 7); // a Thursday
const COUNT = Math.floor((49 * DAY) / (53 * MINUTE));
const TOOLS = ["Bash", "Read", "Write", "Edit", "Grep"];
const OUTCOMES: [string, string][] = [["accept", "config"], ["accept", "user_permanent"], ["reject", "user_reject"], ["accept", "hook"], ["accept", "user_temporary"], ["reject", "config"]];

function decisions(from: number, to: number): string {
  const records = [];
  for (let i = from; i < to; i++) {
    const [decision, source] = OUTCOMES[i % OUTCOMES.length];
    const person = i % 7;
    records.push({
      timeUnixNano: String(BigInt(START + i * 53 * MINUTE) * 1_000_000n),
      body: { stringValue: "claude_code.tool_decision" },
      attributes: [
        { key: "event.name", value: { stringValue: "tool_decision" } },
        { key: "session.id", value: { stringValue: `people-${person}-${Math.floor(i / 40)}` } },
        { key: "event.sequence", value: { intValue: i } },
        { key: "user.email", value: { stringValue: `Person${person}@People.example` } },
        ...(person === 3 ? [{ key: "team.id", value: { stringValue: i < COUNT / 2 ? "red" : "blue" } }] : []),
        { key: "tool_name", value: { stringValue: TOOLS[(i * 3 + person) % TOOLS.length] } },
        { key: "decision", value: { stringValue: decision } },
        { key: "source", value: { stringValue: source } },
      ],
    });
  }
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
      scopeLogs: [{ logRecords: records }],
    }],
  });
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("approvals-people");
  for (let i = 0; i < COUNT; i += 250) {
    const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: decisions(i, Math.min(i + 250, COUNT)),
    });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

/** Every person's columns from the raw decisions in the hours that start in the window or hold its start, as the dashboard counts them. */
async function rawPeople(f: ApprovalFilters): Promise<ApprovalGroup[]> {
  const hour = (x: string) => `date_trunc('hour', ${x} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  const { rows } = await getPool().query<ApprovalGroup>(
    `SELECT ${personKeySql(personColumns("e"))} AS key, count(*)::int AS total,
            count(*) FILTER (WHERE decision_source = 'user_permanent')::int AS "userPermanent",
            count(*) FILTER (WHERE decision_source = 'user_temporary')::int AS "userTemporary",
            count(*) FILTER (WHERE decision_source = 'config')::int AS config,
            count(*) FILTER (WHERE decision_source = 'hook')::int AS hook,
            count(*) FILTER (WHERE decision = 'reject')::int AS rejected,
            count(*) FILTER (WHERE decision = 'accept' AND decision_source = ANY($4) AND tool_name = ANY($5))::int AS "autoApprovedWrites",
            0 AS "officeAutoAccept"
     FROM events e WHERE tenant_id = $1 AND event_name = 'tool_decision' AND ${hour("time")} >= ${hour("$2::timestamptz")} AND ${hour("time")} < $3
     GROUP BY 1`,
    [tenant.tenantId, f.from, f.to, AUTOMATIC_DECISION_SOURCES, [...WRITE_TOOLS]],
  );
  return rows.sort((a, b) => b.userPermanent - a.userPermanent || b.autoApprovedWrites - a.autoApprovedWrites || b.total - a.total || a.key.localeCompare(b.key));
}

const WINDOWS: ApprovalFilters[] = [
  { from: new Date(START + 9 * DAY + 5 * HOUR + 17 * MINUTE), to: new Date(START + 40 * DAY + 13 * HOUR + 41 * MINUTE) }, // cuts through hours, days and weeks
  { from: new Date(Date.UTC(2026, 9, 5)), to: new Date(Date.UTC(2026, 10, 2)) }, // Monday to Monday: whole weeks only
  { from: new Date(Date.UTC(2026, 9, 6, 23, 30)), to: new Date(Date.UTC(2026, 9, 19, 0, 30)) }, // a day short of two weeks
  { from: new Date(START - 30 * DAY), to: new Date(START + 60 * DAY) }, // holds everything
  { from: new Date(START + 20 * DAY + 2 * HOUR), to: new Date(START + 23 * DAY + 7 * HOUR) }, // days only
];

describe("the per-person table over long windows", () => {
  it("every person's columns equal the raw decisions, and the filter's choices are the window's people", async () => {
    for (const f of WINDOWS) {
      const raw = await rawPeople(f);
      expect(raw.length).toBeGreaterThan(1);
      expect(await approvalGroups(tenant.tenantId, f, "person", 10_000)).toEqual(raw);
      const summary = await approvalSummary(tenant.tenantId, f);
      expect(summary.perUser.map(({ user: key, ...c }) => ({ key, ...c }))).toEqual(raw.slice(0, 100));
      expect(summary.facets.users).toEqual(raw.map((p) => p.key).sort());
      // Filtered, the choices still list everyone of the window.
      const one = await approvalSummary(tenant.tenantId, { ...f, user: raw[0].key });
      expect(one.facets.users).toEqual(raw.map((p) => p.key).sort());
      expect(one.perUser.map(({ user: key, ...c }) => ({ key, ...c }))).toEqual([raw[0]]);
    }
  });

  it("reads the previous period for the listed people only, with the figures of the whole period", async () => {
    const f = WINDOWS[0];
    const keys = ["person2@people.example", "person5@people.example", "nobody@people.example"];
    const some = await approvalGroups(tenant.tenantId, f, "person", 100, keys);
    expect(some.map((g) => g.key).sort()).toEqual(keys.slice(0, 2));
    expect(some).toEqual((await rawPeople(f)).filter((p) => keys.includes(p.key)));
    expect(await approvalGroups(tenant.tenantId, f, "person", 100, [])).toEqual([]);
    const teams = await approvalGroups(tenant.tenantId, f, "team", 100, ["red"]);
    expect(teams.map((t) => t.key)).toEqual(["red"]);

    for (const w of WINDOWS) {
      const page = await approvalPage(tenant.tenantId, w, "person");
      const raw = await rawPeople(w);
      expect(page.groups).toEqual(raw.slice(0, 100));
      const previous = await rawPeople({ from: new Date(w.from.getTime() - (w.to.getTime() - w.from.getTime())), to: w.from });
      expect(page.before).toEqual(new Map(previous.filter((p) => raw.some((r) => r.key === p.key)).map((p) => [p.key, p])));
    }
  });
});
