import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { labelOfPerson, personOf } from "@/lib/domain/person";
import { fromTaggedId } from "@/lib/identity/tagged-id";
import { rebuildRollups } from "@/lib/ingest/rollups";
import { storeActivities } from "@/lib/sources/compliance";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { coverage, type Coverage } from "./coverage";

// The coverage page's Compliance activity figures come from levels kept as activities are stored:
// daily ones (compliance_activity_daily, compliance_actor_daily) for the whole UTC days of a
// window with the raw activities at its edges, and each actor's latest activity
// (compliance_actor_latest) for actors not active after the window. Over windows cut through
// days, and ending inside or after the activities, they equal the figures of the raw rows; a
// redelivered activity counts once; the set-based rebuild gives the tables storeActivities keeps.

let db: TestDatabase;
let tenant: TestTenant;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Activities over six days, every 53 minutes: types of every coverage cell, user and API actors.
const START = Date.UTC(2026, 10, 10, 5, 13);
const COUNT = Math.floor((6 * 24 * 60) / 53);
const TYPES = ["claude_chat_created", "claude_project_created", "cowork_session_started", "claude_code_session_started", "office_agent_invoked",
  "api_key_created", "user_signed_in_sso", "claude_file_uploaded"];
const USER_IDS = ["user_01UTaMiPVYhoQrftgrSD1QE7", "user_01UxsCZrmvVRdWronsN3N97p", "user_01Bran0000000000000000001"];

function activity(i: number) {
  const type = TYPES[i % TYPES.length];
  const api = type === "api_key_created" && i % 2 === 0;
  const who = i % 5;
  return {
    id: `activity_01rollup${String(i).padStart(12, "0")}`,
    created_at: new Date(START + i * 53 * 60_000 + (i % 7) * 1000).toISOString(),
    type,
    organization_id: null,
    organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
    actor: api
      ? { type: "api_actor", api_key_id: "apikey_01x" }
      : {
          type: "user_actor",
          // Person 4 has no email (known by account id only); person 3's email arrives in two cases.
          email_address: who === 4 ? null : `Person${who}@${who === 3 && i % 2 ? "X.EXAMPLE" : "x.example"}`,
          user_id: who < 3 || who === 4 ? USER_IDS[who % 3] : null,
          ip_address: "192.0.2.7", user_agent: "test",
        },
  };
}

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("coverage-rollups");
  // And one person whose Cowork activity is days before their last activity.
  const late = (id: string, at: number, type: string) => ({
    id, created_at: new Date(at).toISOString(), type, organization_id: null, organization_uuid: null,
    actor: { type: "user_actor", email_address: "late@x.example", user_id: null },
  });
  const all = [
    ...Array.from({ length: COUNT }, (_, i) => activity(i)),
    late("activity_01late0000000000001", START + DAY + 11 * 60_000, "cowork_session_started"),
    late("activity_01late0000000000002", START + 5 * DAY + 7 * 60_000, "claude_chat_created"),
  ];
  // In pages as the connector stores them, each in its transaction; one page is delivered twice.
  for (let i = 0; i < all.length; i += 40) {
    await withTransaction((c) => storeActivities(c, tenant.tenantId, all.slice(i, i + 40), "api"));
  }
  await withTransaction((c) => storeActivities(c, tenant.tenantId, all.slice(40, 80), "api"));
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

/** The activity-feed cells' predicates over raw rows (lib/queries/coverage.ts maps types to surfaces so). */
const CELL_SQL: Record<string, string> = {
  chat: `type ~ '^(claude_chat|claude_project|claude_file|claude_artifact|claude_gen_file)'`,
  api: `(actor_type = 'api_actor' OR type LIKE 'api_key%')`,
  claude_code: `type LIKE '%claude_code%'`,
  cowork_files: `type LIKE '%cowork%'`,
  cowork_tasks: `type LIKE '%cowork%'`,
  office: `type LIKE '%office%'`,
};

async function rawBreakdown(surface: string, from: Date, to: Date) {
  const { rows } = await getPool().query<{ type: string; n: number; last: Date }>(
    `SELECT type, count(*)::int AS n, max(created_at) AS last FROM compliance_activities
     WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND ${CELL_SQL[surface]} GROUP BY type`,
    [tenant.tenantId, from, to],
  );
  return rows.map((r) => ({ what: `activity ${r.type}`, records: r.n, lastSeen: r.last.toISOString() })).sort((a, b) => a.what.localeCompare(b.what));
}

/** Per person (as the page names them), the last activity and whether any was Cowork activity, from the raw rows. */
async function rawPeople(from: Date, to: Date) {
  const { rows } = await getPool().query<{ email: string | null; user_id: string | null; last: Date; cowork: boolean }>(
    `SELECT actor_email AS email, actor_user_id AS user_id, max(created_at) AS last, bool_or(type LIKE '%cowork%') AS cowork
     FROM compliance_activities WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND actor_type = 'user_actor' GROUP BY 1, 2`,
    [tenant.tenantId, from, to],
  );
  const people = new Map<string, { activity: string; cowork?: string }>();
  for (const r of rows) {
    const uuid = r.user_id ? (fromTaggedId(r.user_id)?.uuid ?? null) : null;
    const label = labelOfPerson(personOf({ userEmail: r.email, accountUuid: uuid, accountId: r.user_id }));
    const p = people.get(label) ?? { activity: "" };
    if (r.last.toISOString() > p.activity) p.activity = r.last.toISOString();
    if (r.cowork && (!p.cowork || r.last.toISOString() > p.cowork)) p.cowork = r.last.toISOString();
    people.set(label, p);
  }
  return people;
}

function activityCells(c: Coverage) {
  return Object.fromEntries(c.cells.filter((x) => x.layer === "compliance_activity" && x.surface in CELL_SQL)
    .map((x) => [x.surface, { records: x.records, breakdown: [...x.breakdown].sort((a, b) => a.what.localeCompare(b.what)) }]));
}

const WINDOWS: [string, Date, Date][] = [
  ["cuts through days", new Date(START + DAY + 3 * HOUR + 17 * 60_000), new Date(START + 4 * DAY + 2 * HOUR + 41 * 60_000)],
  ["30 days holding everything", new Date(START - 12 * DAY - 7 * 60_000), new Date(START + 18 * DAY)],
  ["on day boundaries", new Date(Date.UTC(2026, 10, 12)), new Date(Date.UTC(2026, 10, 15))],
  ["inside one day (raw only)", new Date(START + 2 * DAY + HOUR), new Date(START + 2 * DAY + 9 * HOUR)],
  ["across one midnight (raw only)", new Date(Date.UTC(2026, 10, 12, 13)), new Date(Date.UTC(2026, 10, 13, 4))],
  ["starts at a midnight, ends inside a day", new Date(Date.UTC(2026, 10, 11)), new Date(Date.UTC(2026, 10, 14, 16, 20))],
  // Ends after every activity: the people come from each actor's latest activity alone.
  ["starts inside the activities and ends after them", new Date(START + 3 * DAY + 5 * HOUR + 11 * 60_000), new Date(START + 20 * DAY)],
  ["ends after the activities, inside a day", new Date(START + 4 * DAY + 23 * HOUR), new Date(START + 6 * DAY + 3 * HOUR)],
];

describe("the coverage page's Compliance activity rollups", () => {
  it.each(WINDOWS)("over a window that %s, the activity cells and the people equal the raw activities", async (_, from, to) => {
    const c = await coverage(tenant.tenantId, from, to);
    const cells = activityCells(c);
    let total = 0;
    for (const surface of Object.keys(CELL_SQL)) {
      const raw = await rawBreakdown(surface, from, to);
      expect(cells[surface].breakdown, surface).toEqual(raw);
      expect(cells[surface].records, surface).toBe(raw.reduce((n, r) => n + r.records, 0));
      total += cells[surface].records;
    }
    expect(total).toBeGreaterThan(0);

    const raw = await rawPeople(from, to);
    expect(raw.size).toBeGreaterThan(0);
    if (from.getTime() > START + DAY + HOUR && to.getTime() > START + 5 * DAY + HOUR) expect(raw.get("late@x.example")).toEqual({ activity: expect.any(String) });
    const got = new Map(c.people.map((p) => [p.person, { activity: p.lastSeen["compliance:activity"], cowork: p.lastSeen["compliance:cowork_activity"] }]));
    expect(new Map([...got].map(([k, v]) => [k, v.cowork ? v : { activity: v.activity }]))).toEqual(raw);
  });

  it("counts a redelivered activity once", async () => {
    const { rows } = await getPool().query<{ raw: number; daily: number; actors: number }>(
      `SELECT (SELECT count(*) FROM compliance_activities WHERE tenant_id = $1)::int AS raw,
              (SELECT sum(records) FROM compliance_activity_daily WHERE tenant_id = $1)::int AS daily,
              (SELECT sum(records) FROM compliance_actor_daily WHERE tenant_id = $1)::int AS actors`,
      [tenant.tenantId],
    );
    expect(rows[0]).toEqual({ raw: COUNT + 2, daily: COUNT + 2, actors: COUNT + 2 });
  });

  it("reads the whole days of a window from the daily levels, and the edges from the raw rows", async () => {
    const [from, to] = [new Date(START + DAY + 3 * HOUR), new Date(START + 4 * DAY + 2 * HOUR)];
    const before = activityCells(await coverage(tenant.tenantId, from, to)).chat.records;
    const bump = (day: string, by: number) => getPool().query(
      `UPDATE compliance_activity_daily SET records = records + $3 WHERE tenant_id = $1 AND day = $2::date AND type = 'claude_chat_created'`,
      [tenant.tenantId, day, by],
    );
    const whole = new Date(START + 2 * DAY).toISOString().slice(0, 10); // inside the window
    const edge = from.toISOString().slice(0, 10); // the window's partial first day
    try {
      await bump(whole, 1000);
      await bump(edge, 1000);
      expect(activityCells(await coverage(tenant.tenantId, from, to)).chat.records).toBe(before + 1000);
    } finally {
      await bump(whole, -1000);
      await bump(edge, -1000);
    }
  });

  it("the set-based rebuild gives the tables storeActivities keeps", async () => {
    const read = async () => ({
      byType: (await getPool().query(`SELECT * FROM compliance_activity_daily WHERE tenant_id = $1 ORDER BY day, type, actor_type`, [tenant.tenantId])).rows,
      byActor: (await getPool().query(
        `SELECT * FROM compliance_actor_daily WHERE tenant_id = $1 ORDER BY day, actor_type, actor_email, actor_user_id, actor_account_uuid`, [tenant.tenantId],
      )).rows,
      latest: (await getPool().query(
        `SELECT * FROM compliance_actor_latest WHERE tenant_id = $1 ORDER BY actor_type, actor_email, actor_user_id, actor_account_uuid`, [tenant.tenantId],
      )).rows,
    });
    const kept = await read();
    expect(kept.byType.length).toBeGreaterThan(6);
    expect(kept.byActor.length).toBeGreaterThan(6);
    expect(kept.latest.length).toBeGreaterThan(4);
    await rebuildRollups(getPool(), tenant.tenantId);
    expect(await read()).toEqual(kept);
  });
});
