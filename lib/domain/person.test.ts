import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { readMigrations } from "@/lib/db/migrate";
import { ingestPayload } from "@/lib/ingest/pipeline";
import type { ExportLogsServiceRequest, KeyValue } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { personLabel } from "@/lib/presentation/format";
import { approvalSummary } from "@/lib/queries/approvals";
import { coverage } from "@/lib/queries/coverage";
import { recentRejections } from "@/lib/queries/home";
import { agentDetail, listAgents } from "@/lib/queries/inventory";
import { resolvePerson } from "@/lib/identity/resolve";
import { storeActivities } from "@/lib/sources/compliance";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { kindOfKey, labelOfPerson, labelOfPersonKey, personKey, personKeySql, personColumns, personOf } from "./person";

// ONE person key on every page: the same person, sent through records that carry different
// subsets of their identifiers, is one row on the approvals, inventory, coverage, home and
// people pages, under one label. The records are the captured Claude Code requests of
// test/fixtures, some with their identity attributes changed the way real senders differ.

const JON = { email: "jon.snow@westeros.example", accountUuid: "de5ca38f-139e-4139-b400-a6f7be39a154", accountId: "user_01UTaMiPVYhoQrftgrSD1QE7" };
const SANSA = { email: "sansa.stark@westeros.example", accountUuid: "3694c2ac-716d-4201-8ae9-99ace954c4fb", accountId: "user_017jv3cPPPCe2UEmi985fzbt" };
const DEVICE = "5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04"; // the laptop of every capture
const IDENTITY_KEYS = ["user.email", "enduser.id", "user.account_uuid", "user.account_id"];
const ALL_TIME = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

function logsOf(scenario: string): ExportLogsServiceRequest {
  const f = fixturesOf(scenario, "http-json").find((x) => x.signal === "logs")!;
  return structuredClone(f.decoded() as ExportLogsServiceRequest);
}

/**
 * A captured request with its identity replaced (in the resource and on every record, where
 * Claude Code puts them) and, so that it is not a retry of the original, its own session id.
 */
function withIdentity(req: ExportLogsServiceRequest, identity: Record<string, string>, session: string): ExportLogsServiceRequest {
  const rewrite = (attrs: KeyValue[] | undefined, isRecord: boolean): KeyValue[] => {
    const kept = (attrs ?? []).filter((a) => !IDENTITY_KEYS.includes(a.key) && !(isRecord && a.key === "session.id"));
    const added = Object.entries(identity).map(([key, v]) => ({ key, value: { stringValue: v } }));
    return [...kept, ...added, ...(isRecord ? [{ key: "session.id", value: { stringValue: session } }] : [])];
  };
  for (const rl of req.resourceLogs ?? []) {
    if (rl.resource) rl.resource.attributes = (rl.resource.attributes ?? []).filter((a) => !IDENTITY_KEYS.includes(a.key));
    for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) r.attributes = rewrite(r.attributes, true);
  }
  return req;
}

/** The tool decisions of a request, read from the payload itself: [decision, …]. */
function decisionsOf(req: ExportLogsServiceRequest): string[] {
  const records = (req.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []));
  return records
    .map((r) => attributesToJson(r.attributes))
    .filter((a) => a["event.name"] === "tool_decision")
    .map((a) => String(a.decision));
}

let db: TestDatabase;
let tenant: TestTenant;
/** Tool decisions sent for each person, counted from the payloads. */
const sent = { jon: [] as string[], sansa: [] as string[] };

async function ingest(req: ExportLogsServiceRequest, t: TestTenant, who?: keyof typeof sent): Promise<void> {
  const out = await ingestPayload("logs", "json", new TextEncoder().encode(JSON.stringify(req)), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  expect(out.rejected).toBe(0);
  if (who && t === tenant) sent[who].push(...decisionsOf(req));
}

/** Jon and Sansa, each through several identifier subsets. */
async function ingestPeople(t: TestTenant): Promise<void> {
  // Jon: the OAuth capture as sent (email, account UUID, tagged id, device) …
  await ingest(logsOf("i2-oauth-identity"), t, "jon");
  // … an API-key run whose identity an admin typed into OTEL_RESOURCE_ATTRIBUTES, in other case …
  await ingest(withIdentity(logsOf("i-identity-resource-attrs"), { "user.email": "Jon.Snow@Westeros.EXAMPLE", "enduser.id": "Jon.Snow@Westeros.EXAMPLE" }, "jon-typed-email"), t, "jon");
  // … and a gateway session that names him by enduser.id only.
  await ingest(withIdentity(logsOf("a-bash-allowed"), { "enduser.id": JON.email }, "jon-enduser-only"), t, "jon");
  // Sansa on the same laptop, her email removed by a collector: account UUID and tagged id …
  await ingest(withIdentity(logsOf("b-tool-denied"), { "user.account_uuid": SANSA.accountUuid, "user.account_id": SANSA.accountId }, "sansa-account"), t, "sansa");
  // … and a client from before user.account_id existed: account UUID (upper-cased) and device only.
  await ingest(withIdentity(logsOf("c-read-write-edit"), { "user.account_uuid": SANSA.accountUuid.toUpperCase() }, "sansa-uuid-only"), t, "sansa");
  // Both use Cowork according to the Compliance API, which names them by email and tagged id.
  const { rows } = await getPool().query<{ t: Date }>(`SELECT max(time) AS t FROM events WHERE tenant_id = $1`, [t.tenantId]);
  const at = rows[0].t.toISOString();
  await withTransaction((c) =>
    storeActivities(c, t.tenantId, [
      { id: "activity_01personkey000000000001", created_at: at, type: "cowork_session_started", organization_id: null, organization_uuid: null,
        actor: { type: "user_actor", email_address: "JON.SNOW@westeros.example", user_id: JON.accountId, ip_address: null, user_agent: null } },
      { id: "activity_01personkey000000000002", created_at: at, type: "cowork_session_started", organization_id: null, organization_uuid: null,
        actor: { type: "user_actor", email_address: SANSA.email, user_id: SANSA.accountId, ip_address: null, user_agent: null } },
    ], "import"),
  );
}

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("person-key");
  await ingestPeople(tenant);
});

afterAll(async () => {
  await db?.stop();
});

describe("personOf", () => {
  it("takes the email, then enduser.id, then the account, then the device", () => {
    const all = { userEmail: "Jon.Snow@Westeros.example", enduserId: "jsnow", accountUuid: JON.accountUuid.toUpperCase(), accountId: JON.accountId, userId: DEVICE };
    expect(personOf(all)).toEqual({ kind: "email", key: JON.email });
    expect(personOf({ ...all, userEmail: null })).toEqual({ kind: "enduser", key: "jsnow" });
    expect(personOf({ ...all, userEmail: null, enduserId: null })).toEqual({ kind: "account", key: JON.accountUuid });
    expect(personOf({ accountId: JON.accountId, userId: DEVICE })).toEqual({ kind: "account", key: JON.accountId });
    expect(personOf({ userId: DEVICE })).toEqual({ kind: "device", key: DEVICE });
    expect(personOf({})).toEqual({ kind: "none", key: "" });
  });

  it("labels a key the same whether the record or only the key is known", () => {
    for (const ids of [{ userEmail: JON.email }, { enduserId: "jsnow" }, { accountUuid: JON.accountUuid }, { userId: DEVICE }, {}]) {
      const ref = personOf(ids);
      expect(kindOfKey(ref.key)).toBe(ref.kind);
      expect(labelOfPersonKey(ref.key)).toBe(labelOfPerson(ref));
    }
    expect(labelOfPersonKey(JON.accountUuid)).toBe(JON.accountId); // the Compliance API's form
    expect(labelOfPersonKey(DEVICE)).toBe("device 5d41c2a0…");
  });

  it("agrees with its SQL twin on every subset", async () => {
    const rows: (string | null)[][] = [
      ["Jon.Snow@Westeros.example", "x", JON.accountUuid, JON.accountId, DEVICE],
      [null, "JSnow", JON.accountUuid, null, DEVICE],
      [null, null, JON.accountUuid.toUpperCase(), JON.accountId, DEVICE],
      [null, null, null, JON.accountId, DEVICE],
      [null, null, null, null, DEVICE],
      [null, null, null, null, null],
    ];
    const { rows: out } = await getPool().query<{ k: string }>(
      `SELECT ${personKeySql(personColumns("v"))} AS k
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(user_email, enduser_id, account_uuid, account_id, user_id)`,
      [0, 1, 2, 3, 4].map((i) => rows.map((r) => r[i])),
    );
    expect(out.map((r) => r.k)).toEqual(rows.map(([userEmail, enduserId, accountUuid, accountId, userId]) => personKey({ userEmail, enduserId, accountUuid, accountId, userId })));
  });
});

describe("one person, one row on every page", () => {
  const jonLabel = JON.email;
  const sansaLabel = SANSA.accountId; // her account, written as the Compliance API writes it

  it("approvals: one row per person, counting every decision of theirs", async () => {
    const s = await approvalSummary(tenant.tenantId, ALL_TIME);
    const users = s.perUser.map((u) => ({ label: labelOfPersonKey(u.user), total: u.total }));
    expect(users.map((u) => u.label).sort()).toEqual([jonLabel, sansaLabel].sort());
    expect(sent.jon.length).toBeGreaterThan(1);
    expect(users.find((u) => u.label === jonLabel)?.total).toBe(sent.jon.length);
    expect(users.find((u) => u.label === sansaLabel)?.total).toBe(sent.sansa.length);
    expect(s.facets.users.map(labelOfPersonKey).sort()).toEqual([jonLabel, sansaLabel].sort());
  });

  it("inventory: one Claude Code agent per person", async () => {
    const agents = await listAgents(tenant.tenantId, {});
    expect(agents.map((a) => `${a.surface}/${a.kind}/${a.person}`).sort()).toEqual(
      [`claude_code/account/${SANSA.accountUuid}`, `claude_code/email/${JON.email}`].sort(),
    );
    expect(agents.map((a) => labelOfPersonKey(a.person)).sort()).toEqual([jonLabel, sansaLabel].sort());
    expect(agents.find((a) => a.kind === "email")?.sessions).toBe(3);
    expect(agents.find((a) => a.kind === "account")?.sessions).toBe(2);
    // The agent's page finds the same rows, including those naming Jon by enduser.id alone.
    const jon = agents.find((a) => a.kind === "email")!;
    expect((await agentDetail(tenant.tenantId, jon, {}, false))?.sessions.map((x) => x.sessionId)).toEqual(expect.arrayContaining(["jon-typed-email", "jon-enduser-only"]));
    expect((await agentDetail(tenant.tenantId, jon, {}, false))?.agent.events).toBe(jon.events);
  });

  it("coverage: the Compliance API's records join the same rows", async () => {
    const c = await coverage(tenant.tenantId, ALL_TIME.from, ALL_TIME.to);
    expect(c.people.map((p) => p.person).sort()).toEqual([jonLabel, sansaLabel].sort());
    for (const p of c.people) {
      expect(Object.keys(p.lastSeen)).toEqual(expect.arrayContaining(["otel:claude_code", "compliance:cowork_activity"]));
    }
  });

  it("home: rejections carry the same label", async () => {
    const r = await recentRejections(tenant.tenantId, { from: undefined, to: undefined, limit: 10, withContent: false });
    expect(sent.sansa).toContain("reject");
    const expected = [...sent.jon.filter((d) => d === "reject").map(() => jonLabel), ...sent.sansa.filter((d) => d === "reject").map(() => sansaLabel)];
    expect(r.rows.map((x) => x.person.label).sort()).toEqual(expected.sort());
    expect(r.rows.find((x) => x.person.label === sansaLabel)?.person.query?.toLowerCase()).toBe(SANSA.accountUuid);
    expect(personLabel({ email: null, enduserId: null, accountUuid: SANSA.accountUuid.toUpperCase(), accountId: null, id: DEVICE }).label).toBe(sansaLabel);
  });

  it("people: the person page finds every identifier subset of Jon", async () => {
    const person = await resolvePerson(tenant.tenantId, { email: "JON.SNOW@westeros.example" });
    expect(person?.emails).toEqual([JON.email]);
    expect(person?.accountIds).toEqual([JON.accountId]);
  });
});

describe("migration 20261205000100_person_key", () => {
  it("recomputes rollups stored under the old keys", async () => {
    const t = await createTestTenant("person-key-migration");
    await ingestPeople(t);
    const pool = getPool();
    const snapshot = async () =>
      (await pool.query<{ k: string; n: number }>(
        `SELECT bucket || '|' || surface || '|' || user_key || '|' || team || '|' || tool_name || '|' || decision || '|' || decision_source AS k, count::int AS n
         FROM decision_rollups WHERE tenant_id = $1 ORDER BY 1`,
        [t.tenantId],
      )).rows;
    const expected = await snapshot();
    // What ingest and the first backfill stored before: user.id ahead of user.account_uuid,
    // the tagged id ahead of both, e-mails as sent.
    await pool.query(`DELETE FROM decision_rollups WHERE tenant_id = $1`, [t.tenantId]);
    await pool.query(
      `INSERT INTO decision_rollups
       SELECT tenant_id, date_trunc('hour', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', source,
              COALESCE(lower(user_email), lower(enduser_id), account_id, user_id, account_uuid, ''),
              COALESCE(attributes->>'team.id', attributes->>'department', ''), COALESCE(tool_name, ''), COALESCE(mcp_server, ''),
              COALESCE(decision, ''), COALESCE(decision_source, ''), '', count(*)
       FROM events WHERE tenant_id = $1 AND event_name = 'tool_decision' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
      [t.tenantId],
    );
    const old = await snapshot();
    expect(old.map((r) => r.k.split("|")[2])).toEqual(expect.arrayContaining([DEVICE, SANSA.accountId]));

    const migration = readMigrations().find((m) => m.name === "20261205000100_person_key")!;
    await withTransaction((c) => c.query(migration.sql));
    expect(await snapshot()).toEqual(expected);
    // Other tenants' rollups are recomputed the same way, so nothing else moved.
    const s = await approvalSummary(tenant.tenantId, ALL_TIME);
    expect(s.perUser.map((u) => u.user).sort()).toEqual([JON.email, SANSA.accountUuid].sort());
  });
});
