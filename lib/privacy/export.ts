import type { Writable } from "node:stream";
import { getPool } from "@/lib/db/pool";
import { Params } from "./content-sql";
import {
  AGENT_SESSION_ROLLUPS, OFFICE_TRACE_HOURS, OFFICE_TRACES, COMPLIANCE_ACTIVITIES, COMPLIANCE_ACTOR_DAILY, COMPLIANCE_ACTOR_LATEST, COMPLIANCE_CHATS, COMPLIANCE_SESSIONS, COMPLIANCE_USERS, EVENTS, IDENTITY_OBSERVATIONS, METRIC_POINTS, SPANS,
  afterCursor, complianceChildren, isEmpty, orderBy, parsePersonInput, personKeyMap, PersonInputError, resolvePerson,
  type PersonIdentifiers, type PersonTable,
} from "./person-rows";

// `people export`: every row stored about a person, one JSON object per line
// ({"table": …, "row": {…}}), read in primary-key batches so the export never holds more than
// one batch in memory, whatever the person's volume. The same row finder as erasure (person-rows.ts).

const BATCH = 1000;

const TABLES: PersonTable[] = [
  EVENTS, SPANS, METRIC_POINTS, IDENTITY_OBSERVATIONS, AGENT_SESSION_ROLLUPS, OFFICE_TRACES, OFFICE_TRACE_HOURS, COMPLIANCE_ACTIVITIES, COMPLIANCE_ACTOR_DAILY, COMPLIANCE_ACTOR_LATEST, COMPLIANCE_USERS, COMPLIANCE_CHATS,
  COMPLIANCE_SESSIONS, ...complianceChildren(),
];

/** Tables keyed by the person key rather than identity columns. */
const KEYED: { table: string; column: string; key: PersonTable["key"] }[] = [
  { table: "decision_rollups", column: "user_key", key: [{ column: "bucket", cast: "timestamptz" }, { column: "surface", cast: "text" }, { column: "tool_name", cast: "text" }, { column: "decision", cast: "text" }, { column: "decision_source", cast: "text" }, { column: "read_write", cast: "text" }, { column: "mcp_server", cast: "text" }, { column: "team", cast: "text" }] },
  { table: "decision_rollups_daily", column: "user_key", key: ["bucket", "surface", "tool_name", "decision", "decision_source", "read_write", "mcp_server", "team"].map((column) => ({ column, cast: column === "bucket" ? "timestamptz" : "text" })) },
  // The approvals page's per-person counts, per day, hour and week.
  ...["decision_people_daily", "decision_people_hourly", "decision_people_weekly"].map((table) => ({
    table, column: "user_key", key: ["bucket", "surface", "team"].map((column) => ({ column, cast: column === "bucket" ? "timestamptz" : "text" })),
  })),
  { table: "agent_days", column: "person", key: ["day", "source", "person_kind"].map((column) => ({ column, cast: column === "day" ? "timestamptz" : "text" })) },
  { table: "agent_session_days", column: "person", key: ["source", "person_kind", "session_id", "day"].map((column) => ({ column, cast: column === "day" ? "timestamptz" : "text" })) },
  { table: "alerts", column: "person", key: [{ column: "id", cast: "uuid" }] },
];

/** Rows as JSON text lines; bigint and timestamps as Postgres renders them in JSON. */
async function* tableRows(tenantId: string, t: PersonTable, ids: PersonIdentifiers): AsyncGenerator<string> {
  let cursor: string[] | null = null;
  for (;;) {
    const p = new Params([tenantId]);
    const match = t.match(p, ids);
    const after = afterCursor(t.key, cursor, p);
    const { rows } = await getPool().query<{ line: string; last: string[] }>(
      `SELECT json_build_object('table', ${p.add(t.table)}::text, 'row', to_jsonb(x))::text AS line,
              json_build_array(${t.key.map((k) => `x."${k.column}"::text`).join(", ")}) AS last
         FROM ${t.table} x WHERE tenant_id = $1 AND ${after} AND ${match} ORDER BY ${orderBy(t.key)} LIMIT ${p.add(BATCH)}`,
      p.values,
    );
    for (const r of rows) yield r.line;
    if (rows.length < BATCH) return;
    cursor = rows[rows.length - 1].last;
  }
}

export interface ExportReport {
  rows: Record<string, number>;
}

/** Every stored row about the person, as NDJSON lines. */
export async function* personExportLines(tenantId: string, person: string): AsyncGenerator<string, ExportReport> {
  const ids = await resolvePerson(tenantId, parsePersonInput(person));
  if (isEmpty(ids)) throw new PersonInputError("give the person's email, account UUID or user_01… account id");
  const counts: Record<string, number> = {};
  for (const t of TABLES) {
    for await (const line of tableRows(tenantId, t, ids)) {
      counts[t.table] = (counts[t.table] ?? 0) + 1;
      yield line;
    }
  }
  const keys = Object.keys(personKeyMap(ids, { email: "", account: "", accountId: "", enduser: "", device: "" }));
  for (const k of KEYED) {
    const t: PersonTable = { table: k.table, key: k.key, match: (p) => `"${k.column}" = ANY(${p.add(keys)}::text[])` };
    for await (const line of tableRows(tenantId, t, ids)) {
      counts[t.table] = (counts[t.table] ?? 0) + 1;
      yield line;
    }
  }
  return { rows: counts };
}

/** Writes the export to a stream (the CLI's stdout), waiting when the reader is slower. */
export async function writePersonExport(tenantId: string, person: string, out: Writable): Promise<ExportReport> {
  const it = personExportLines(tenantId, person);
  for (;;) {
    const next = await it.next();
    if (next.done) return next.value;
    if (!out.write(`${next.value}\n`)) await new Promise<void>((resolve) => out.once("drain", resolve));
  }
}
