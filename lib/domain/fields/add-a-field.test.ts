import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { keyedTable, storeRows, type BulkMethod } from "@/lib/ingest/writer";
import { normalize } from "@/lib/ingest/pipeline";
import { decodeProtobufRequest } from "@/lib/otlp/proto";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { FIXTURES_2_1_332_DIR, fixturesOf } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type EventDbRow } from "@/lib/queries/events";
import { apiMapper, contentFilter, csvColumns, defineTable, EVENT_TABLE, selectList, type RowOf } from "./index";

// Adding a field is one registry entry + one migration (+ one line in the normalizer): the writer,
// the read API, the manager content filter and the CSV export all follow from the declaration.
// Here a fixture registry extends the events table with `risk_note`, the "migration" adds the
// column, and the field is seen end to end without any other code knowing about it.

const WITH_RISK_NOTE = defineTable("events", "e", [
  ...EVENT_TABLE.fields,
  { column: "risk_note", type: "text", api: "review.riskNote", label: "Risk note", content: "content", csv: true },
]);
type Row = RowOf<typeof WITH_RISK_NOTE>;

let db: TestDatabase;
let tenant: TestTenant;

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("add-a-field");
  await getPool().query(`ALTER TABLE events ADD COLUMN risk_note text`); // the migration
});
afterAll(async () => db?.stop());

function fixtureRows(scenario: string, dir?: string): Row[] {
  const f = fixturesOf(scenario, "http-protobuf", dir).find((x) => x.signal === "logs")!;
  const batch = normalize("logs", decodeProtobufRequest("logs", f.body()), new Date());
  // The normalizer's one line: here, every tool_decision gets a note.
  return batch.events.map((e) => ({ ...e, riskNote: e.eventName === "tool_decision" ? `reviewed ${e.toolName}` : null }));
}

async function store(rows: Row[], method: BulkMethod): Promise<number> {
  const env = tenant.environmentId;
  const table = keyedTable(WITH_RISK_NOTE, (r) => r.id, "id::text");
  const stored = await withTransaction((c) => storeRows(c, table, { tenant_id: tenant.tenantId, environment_id: env, ingest_token_id: null }, rows, method));
  return stored.length;
}

describe("adding a field", () => {
  it("reaches the writer, the read API, the content filter and the CSV from one registry entry", async () => {
    const rows = fixtureRows("b-tool-denied");
    expect(rows.some((r) => r.riskNote !== null)).toBe(true);
    expect(await store(rows, "copy")).toBe(rows.length);
    expect(await store(rows, "insert")).toBe(0); // the re-sent batch: nothing twice

    const select = `SELECT ${selectList(WITH_RISK_NOTE)} FROM events e WHERE e.tenant_id = $1 AND e.event_name = 'tool_decision'`;
    const { rows: read } = await getPool().query(select, [tenant.tenantId]);
    expect(read.length).toBeGreaterThan(0);
    const api = read.map(apiMapper(WITH_RISK_NOTE));
    expect(api.map((e) => e.review.riskNote)).toEqual(read.map((r) => `reviewed ${r.tool_name}`));

    // Declared as content: a manager gets null and the key listed as hidden.
    const hidden = contentFilter(WITH_RISK_NOTE)(read[0]);
    expect(hidden.row.risk_note).toBeNull();
    expect(hidden.hiddenKeys).toContain("review.riskNote");

    const csv = csvColumns(WITH_RISK_NOTE);
    const column = csv.find(([name]) => name === "risk_note");
    expect(column).toBeDefined();
    expect(column![1](api[0])).toBe(api[0].review.riskNote);
    // The other CSV columns are the registry's, so the export of the real table has no risk_note.
    expect(csvColumns(EVENT_TABLE).map(([n]) => n)).not.toContain("risk_note");
  });

  it("stores Claude Code 2.1.332's permission mode in its registry column and shows it to every reader (metadata)", async () => {
    const rows = fixtureRows("b-tool-denied", FIXTURES_2_1_332_DIR);
    const decisions = rows.filter((r) => r.eventName === "tool_decision");
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((d) => d.permissionMode !== null)).toBe(true);
    await store(rows, "copy");
    const { rows: read } = await getPool().query<EventDbRow>(
      `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE e.tenant_id = $1 AND e.event_name = 'tool_decision' AND e.permission_mode IS NOT NULL`, [tenant.tenantId]);
    expect(read.length).toBe(decisions.length);
    const api = read.map((r) => toApiEvent(r, false));
    expect(api.map((e) => e.permissionMode).sort()).toEqual(decisions.map((d) => d.permissionMode).sort());
    expect(api.every((e) => e.attributes.permission_mode === e.permissionMode)).toBe(true);
  });
});
