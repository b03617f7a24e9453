import type pg from "pg";
import { rebuildComplianceRollups } from "@/lib/compliance/rollups";
import { insertUnnest, insertUnnestReturning, type Cell } from "@/lib/db/unnest-insert";
import { personColumns, personKey, personKeySql, personKindSql, personOf } from "@/lib/domain/person";
import { DAY_MS, HOUR_MS } from "@/lib/domain/time";
import { AUTOMATIC_DECISION_SOURCES, EVENT, SPAN, type DecisionSource } from "@/lib/domain/vocabulary";
import { mondayOnOrBefore, WRITE_TOOLS } from "@/lib/queries/approvals";
import type { EventRow, MetricPointRow, SpanRow } from "@/lib/sources/model";

// Rollups kept up to date inside the ingest transaction, from the rows that batch actually
// inserted (a retried batch inserts nothing, so it counts nothing). The same rules backfill the
// tables in migration 20261122050000_rollups, and migration 20261205000100_person_key recomputes
// decision_rollups.user_key under the person key of lib/domain/person.ts: keep them in step
// (rebuildRollups below is the same rules in SQL, and migration 20261205170000_read_rollups
// backfills the daily and agent levels; 20261205180000_decision_totals_daily and
// 20261205180200_decision_people_daily the daily levels without the person and per person;
// 20261205190000_record_extents the extents; 20261205201500_decision_totals_hourly the hourly
// level without the person; 20261205201700_decision_people_levels the hourly and weekly ones per person;
// 20261205200000_agent_days the inventory's daily level; 20261205200100_office_traces its trace look-ups;
// 20261205210000_office_trace_hours_resolution the trace-hours carrying their trace's resolution).

/**
 * A time's UTC bucket of `unitMs` as text, memoized (a batch spans an hour or a day or two, so
 * each bucket's Date and toISOString are made once, not per record).
 */
function bucketNamer(unitMs: number, format: (start: Date) => string): (d: Date) => string {
  const names = new Map<number, string>();
  return (d) => {
    const n = Math.floor(d.getTime() / unitMs);
    let name = names.get(n);
    if (name === undefined) {
      name = format(new Date(n * unitMs));
      if (names.size > 10_000) names.clear();
      names.set(n, name);
    }
    return name;
  };
}

/** The UTC hour of a time as an ISO timestamp. */
const hour = bucketNamer(HOUR_MS, (start) => start.toISOString());
/** The UTC day of a time as YYYY-MM-DD. */
const day = bucketNamer(DAY_MS, (start) => start.toISOString().slice(0, 10));

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** Sums per key, with the first and last time each key was seen. */
class Counter<K extends Cell[]> {
  readonly rows = new Map<string, { key: K; values: number[]; first: Date; last: Date }>();

  add(key: K, values: number[], time: Date): void {
    const id = JSON.stringify(key);
    const row = this.rows.get(id);
    if (!row) this.rows.set(id, { key, values: [...values], first: time, last: time });
    else {
      values.forEach((v, i) => (row.values[i] += v));
      if (time < row.first) row.first = time;
      if (time > row.last) row.last = time;
    }
  }
}

/** The tables of decision counts: per UTC hour, and per UTC day (same columns, `bucket` at midnight). */
export const DECISION_ROLLUP_TABLES = ["decision_rollups", "decision_rollups_daily"] as const;

async function insertDecisions(client: Pick<pg.ClientBase, "query">, table: (typeof DECISION_ROLLUP_TABLES)[number], tenantId: string, rows: Cell[][]): Promise<void> {
  await insertUnnest(
    client, table, { tenant_id: tenantId },
    [
      { name: "bucket", type: "timestamptz" }, { name: "surface", type: "text" }, { name: "user_key", type: "text" }, { name: "team", type: "text" },
      { name: "tool_name", type: "text" }, { name: "mcp_server", type: "text" }, { name: "decision", type: "text" },
      { name: "decision_source", type: "text" }, { name: "read_write", type: "text" }, { name: "count", type: "int8" },
    ],
    rows,
    `ON CONFLICT (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write)
     DO UPDATE SET count = ${table}.count + EXCLUDED.count`,
    9, // the whole key: bucket … read_write
  );
}

/**
 * The daily level without the person (decision_totals_daily): what the approvals dashboard's
 * tiles, chart and tool/team tables read, a few rows per day instead of one per person.
 */
async function insertDecisionTotals(
  client: Pick<pg.ClientBase, "query">, tenantId: string, rollup: Counter<Cell[]>, table: "decision_totals_daily" | "decision_totals_hourly" = "decision_totals_daily",
): Promise<void> {
  const totals = new Counter<Cell[]>();
  for (const r of rollup.rows.values()) totals.add([r.key[0], r.key[1], ...r.key.slice(3)], r.values, r.last); // the key less user_key
  await insertUnnest(
    client, table, { tenant_id: tenantId },
    [
      { name: "bucket", type: "timestamptz" }, { name: "surface", type: "text" }, { name: "team", type: "text" },
      { name: "tool_name", type: "text" }, { name: "mcp_server", type: "text" }, { name: "decision", type: "text" },
      { name: "decision_source", type: "text" }, { name: "read_write", type: "text" }, { name: "count", type: "int8" },
    ],
    [...totals.rows.values()].map((r) => [...r.key, r.values[0]]),
    `ON CONFLICT (tenant_id, bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write)
     DO UPDATE SET count = ${table}.count + EXCLUDED.count`,
    8, // the whole key: bucket … read_write
  );
}

/** The per-person counts of decision_people_daily (the approvals page's per-person columns). */
const PEOPLE_COUNTS = ["count", "user_permanent", "user_temporary", "config", "hook", "rejected", "auto_writes", "office_auto"] as const;

/** A decision rollup key's contribution to each of PEOPLE_COUNTS, as lib/queries/approvals.ts countColumns counts them. */
function peopleCounts(surface: string, tool: string, decision: string, source: string, n: number): number[] {
  const office = surface === "office";
  const autoWrite = !office && decision === "accept" && AUTOMATIC_DECISION_SOURCES.includes(source as DecisionSource) && WRITE_TOOLS.has(tool);
  return [n, source === "user_permanent" ? n : 0, source === "user_temporary" ? n : 0, source === "config" ? n : 0, source === "hook" ? n : 0,
    decision === "reject" ? n : 0, autoWrite ? n : 0, office && decision === "auto_accept" ? n : 0];
}

/** The levels of the per-person counts: per day, and per hour and per week (the edges and the middle of long windows). */
type PeopleTable = "decision_people_daily" | "decision_people_hourly" | "decision_people_weekly";

/** The Monday (UTC) that starts the week of a UTC day bucket, as date_trunc('week') gives it. */
const weekOf = (dayBucket: string): string => mondayOnOrBefore(new Date(dayBucket)).toISOString();

/**
 * decision_people_daily: per day, surface, person and team, the counts of the approvals page's
 * per-person table; the same from the hourly keys per hour, and from the daily keys per week.
 */
async function insertDecisionPeople(
  client: Pick<pg.ClientBase, "query">, tenantId: string, rollup: Counter<Cell[]>, table: PeopleTable = "decision_people_daily", bucketOf = (b: string) => b,
): Promise<void> {
  const people = new Counter<Cell[]>();
  for (const r of rollup.rows.values()) {
    const [bucket, surface, userKey, team, tool, , decision, source] = r.key as string[];
    people.add([bucketOf(bucket), surface, userKey, team], peopleCounts(surface, tool, decision, source, r.values[0]), r.last);
  }
  await insertUnnest(
    client, table, { tenant_id: tenantId },
    [
      { name: "bucket", type: "timestamptz" }, { name: "surface", type: "text" }, { name: "user_key", type: "text" }, { name: "team", type: "text" },
      ...PEOPLE_COUNTS.map((name) => ({ name, type: "int8" as const })),
    ],
    [...people.rows.values()].map((r) => [...r.key, ...r.values]),
    `ON CONFLICT (tenant_id, bucket, surface, user_key, team) DO UPDATE SET
       ${PEOPLE_COUNTS.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(", ")}`,
    4, // the whole key: bucket … team
  );
}

/** The union of a stored text[] column and the incoming one (sorted, distinct), for upserts. */
const unionArray = (table: string, column: string) =>
  `CASE WHEN EXCLUDED.${column} <@ ${table}.${column} THEN ${table}.${column}
        ELSE ARRAY(SELECT DISTINCT x FROM unnest(${table}.${column} || EXCLUDED.${column}) AS x ORDER BY 1) END`;

/**
 * The inventory's daily level (agent_days, agent_session_days; migration 20261205200000_agent_days):
 * per day, source and person, the batch's events, times, versions and devices; the sessions new to
 * the agent-day (the membership rows this batch actually inserted, so a retried or overlapping
 * batch counts nothing twice); and, for a session that now has events on more than one day, its id
 * in `spanning` on each of its days. The membership check runs under a per-session advisory lock,
 * so two transactions adding different days of one session cannot both miss the other's day.
 */
async function updateAgentDays(client: Pick<pg.ClientBase, "query">, tenantId: string, events: EventRow[]): Promise<void> {
  const days = new Map<string, { key: string[]; events: number; first: Date; last: Date; versions: Set<string>; devices: Set<string> }>();
  const memberships = new Map<string, string[]>();
  for (const e of events) {
    const person = personOf(e);
    const key = [`${day(e.time)}T00:00:00.000Z`, e.source, person.kind, person.key];
    const id = JSON.stringify(key);
    let row = days.get(id);
    if (!row) days.set(id, (row = { key, events: 0, first: e.time, last: e.time, versions: new Set(), devices: new Set() }));
    row.events += 1;
    if (e.time < row.first) row.first = e.time;
    if (e.time > row.last) row.last = e.time;
    if (e.serviceVersion) row.versions.add(e.serviceVersion);
    if (e.userId) row.devices.add(e.userId);
    if (e.sessionId) {
      const m = [e.source, person.kind, person.key, e.sessionId, key[0]];
      memberships.set(JSON.stringify(m), m);
    }
  }
  if (days.size === 0) return;
  const added = await insertUnnestReturning<{ source: string; person_kind: string; person: string; session_id: string; day: Date }>(
    client, "agent_session_days", { tenant_id: tenantId },
    [{ name: "source", type: "text" }, { name: "person_kind", type: "text" }, { name: "person", type: "text" }, { name: "session_id", type: "text" }, { name: "day", type: "timestamptz" }],
    [...memberships.values()],
    "ON CONFLICT DO NOTHING",
    "source, person_kind, person, session_id, day",
    5, // the whole key
  );
  const dayKey = (d: Date | string, source: string, kind: string, person: string) => JSON.stringify([new Date(d).toISOString(), source, kind, person]);
  const newSessions = new Map<string, number>();
  for (const a of added) {
    const k = dayKey(a.day, a.source, a.person_kind, a.person);
    newSessions.set(k, (newSessions.get(k) ?? 0) + 1);
  }
  // Sessions that gained a day: which of them have events on more than one day now.
  const spanning = new Map<string, { key: string[]; ids: Set<string> }>();
  if (added.length) {
    const sessions = [...new Map(added.map((a) => [JSON.stringify([a.source, a.person_kind, a.person, a.session_id]), a])).values()];
    await client.query(
      `SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended($1 || chr(31) || s, 20261205) AS h FROM unnest($2::text[]) AS s ORDER BY 1) AS l`,
      [tenantId, sessions.map((a) => a.session_id)],
    );
    const { rows } = await client.query<{ source: string; person_kind: string; person: string; session_id: string; days: Date[] }>(
      `SELECT m.source, m.person_kind, m.person, m.session_id, array_agg(m.day) AS days
       FROM agent_session_days m
       JOIN jsonb_to_recordset($2::jsonb) AS r(source text, person_kind text, person text, session_id text)
         ON m.source = r.source AND m.person_kind = r.person_kind AND m.person = r.person AND m.session_id = r.session_id
       WHERE m.tenant_id = $1
       GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`,
      [tenantId, JSON.stringify(sessions.map((a) => ({ source: a.source, person_kind: a.person_kind, person: a.person, session_id: a.session_id })))],
    );
    for (const r of rows) {
      for (const d of r.days) {
        const k = dayKey(d, r.source, r.person_kind, r.person);
        let entry = spanning.get(k);
        if (!entry) spanning.set(k, (entry = { key: [new Date(d).toISOString(), r.source, r.person_kind, r.person], ids: new Set() }));
        entry.ids.add(r.session_id);
      }
    }
  }
  await insertUnnest(
    client, "agent_days", { tenant_id: tenantId },
    [
      { name: "day", type: "timestamptz" }, { name: "source", type: "text" }, { name: "person_kind", type: "text" }, { name: "person", type: "text" },
      { name: "events", type: "int8" }, { name: "sessions", type: "int8" }, { name: "first_seen", type: "timestamptz" }, { name: "last_seen", type: "timestamptz" },
      { name: "versions", type: "text[]" }, { name: "devices", type: "text[]" }, { name: "spanning", type: "text[]" },
    ],
    [...days.entries()].map(([id, r]) => [
      ...r.key, r.events, newSessions.get(id) ?? 0, r.first.toISOString(), r.last.toISOString(),
      [...r.versions].sort(), [...r.devices].sort(), [...(spanning.get(id)?.ids ?? [])].sort(),
    ]),
    `ON CONFLICT (tenant_id, day, source, person_kind, person) DO UPDATE SET
       events = agent_days.events + EXCLUDED.events,
       sessions = agent_days.sessions + EXCLUDED.sessions,
       first_seen = LEAST(agent_days.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(agent_days.last_seen, EXCLUDED.last_seen),
       versions = ${unionArray("agent_days", "versions")},
       devices = ${unionArray("agent_days", "devices")},
       spanning = ${unionArray("agent_days", "spanning")}`,
    4, // the whole key: day … person
  );
  // The other days of those sessions (earlier batches' rows) list them too.
  const others = [...spanning.entries()].filter(([id]) => !days.has(id)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (others.length) {
    await client.query(
      `UPDATE agent_days AS a
          SET spanning = ARRAY(SELECT DISTINCT x FROM unnest(a.spanning || r.ids) AS x ORDER BY 1)
         FROM jsonb_to_recordset($2::jsonb) AS r(day timestamptz, source text, person_kind text, person text, ids text[])
        WHERE a.tenant_id = $1 AND a.day = r.day AND a.source = r.source AND a.person_kind = r.person_kind AND a.person = r.person
          AND NOT (r.ids <@ a.spanning)`,
      [tenantId, JSON.stringify(others.map(([, o]) => ({ day: o.key[0], source: o.key[1], person_kind: o.key[2], person: o.key[3], ids: [...o.ids] })))],
    );
  }
}

/** What resolves an Office trace to its agent: office_traces keeps these per trace, office_trace_hours carries them on each hour. */
const OFFICE_TRACE_RESOLUTION = ["surface", "user_email", "account_uuid", "organization_id", "session_id"];

/**
 * office_traces: per trace, the least non-null surface, owner, organization and session (min()
 * in SQL, so in the database's collation order, as the inventory's raw query takes them) and its
 * time span. One statement: the batch's spans are grouped per trace before the upsert.
 */
async function updateOfficeTraces(client: Pick<pg.ClientBase, "query">, tenantId: string, spans: SpanRow[]): Promise<void> {
  if (spans.length === 0) return;
  const columns = OFFICE_TRACE_RESOLUTION;
  const batch = spans.map((s) => ({
    trace_id: s.traceId, surface: s.surface ?? null, user_email: s.userEmail ?? null, account_uuid: s.accountUuid ?? null,
    organization_id: s.organizationId ?? null, session_id: s.sessionId ?? null, t: s.startTime.toISOString(),
  }));
  await client.query(
    `INSERT INTO office_traces (tenant_id, trace_id, ${columns.join(", ")}, first_seen, last_seen)
     SELECT $1, r.trace_id, ${columns.map((c) => `min(r.${c})`).join(", ")}, min(r.t), max(r.t)
     FROM jsonb_to_recordset($2::jsonb) AS r(trace_id text, ${columns.map((c) => `${c} text`).join(", ")}, t timestamptz)
     GROUP BY r.trace_id ORDER BY r.trace_id
     ON CONFLICT (tenant_id, trace_id) DO UPDATE SET
       ${columns.map((c) => `${c} = LEAST(office_traces.${c}, EXCLUDED.${c})`).join(", ")},
       first_seen = LEAST(office_traces.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(office_traces.last_seen, EXCLUDED.last_seen)
     WHERE (${columns.map((c) => `office_traces.${c}`).join(", ")}, office_traces.first_seen, office_traces.last_seen)
           IS DISTINCT FROM (${columns.map((c) => `LEAST(office_traces.${c}, EXCLUDED.${c})`).join(", ")},
                             LEAST(office_traces.first_seen, EXCLUDED.first_seen), GREATEST(office_traces.last_seen, EXCLUDED.last_seen))`,
    [tenantId, JSON.stringify(batch)],
  );
}

/**
 * office_trace_hours: the batch's Office spans per UTC hour and trace (times, spans, office.version
 * min/max in the database's collation, read with ->> as the raw spans are), each row carrying its
 * trace's resolution from office_traces (surface, owner, organization, session: the least over ALL
 * the trace's spans, so updateOfficeTraces runs first). When a batch changes a trace's resolution
 * (the agent.query span that names the owner usually arrives after its child spans), the trace's
 * other hour rows take it too. So the inventory's list groups these rows by agent as they are,
 * without looking every trace up. Batches of one trace are serialized by office_traces' row lock,
 * and each statement here reads what the other committed.
 */
async function updateOfficeTraceHours(client: Pick<pg.ClientBase, "query">, tenantId: string, spans: SpanRow[]): Promise<void> {
  const office = spans.filter((s) => s.source === "office");
  if (office.length === 0) return;
  const batch = office.map((s) => ({
    hour: hour(s.startTime), trace_id: s.traceId, t: s.startTime.toISOString(),
    a: "office.version" in s.attributes ? { v: s.attributes["office.version"] } : {},
  }));
  const resolution = OFFICE_TRACE_RESOLUTION.map((c) => `o.${c}`).join(", ");
  await client.query(
    `INSERT INTO office_trace_hours (tenant_id, hour, trace_id, ${OFFICE_TRACE_RESOLUTION.join(", ")}, version_min, version_max, first_seen, last_seen, spans)
     SELECT $1, r.hour, r.trace_id, ${resolution}, r.version_min, r.version_max, r.first_seen, r.last_seen, r.spans
     FROM (
       SELECT r.hour, r.trace_id, min(r.a->>'v') AS version_min, max(r.a->>'v') AS version_max, min(r.t) AS first_seen, max(r.t) AS last_seen, count(*) AS spans
       FROM jsonb_to_recordset($2::jsonb) AS r(hour timestamptz, trace_id text, t timestamptz, a jsonb)
       GROUP BY r.hour, r.trace_id
     ) r
     JOIN office_traces o ON o.tenant_id = $1 AND o.trace_id = r.trace_id
     ORDER BY r.hour, r.trace_id
     ON CONFLICT (tenant_id, hour, trace_id) DO UPDATE SET
       ${OFFICE_TRACE_RESOLUTION.map((c) => `${c} = EXCLUDED.${c}`).join(", ")},
       version_min = LEAST(office_trace_hours.version_min, EXCLUDED.version_min),
       version_max = GREATEST(office_trace_hours.version_max, EXCLUDED.version_max),
       first_seen = LEAST(office_trace_hours.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(office_trace_hours.last_seen, EXCLUDED.last_seen),
       spans = office_trace_hours.spans + EXCLUDED.spans`,
    [tenantId, JSON.stringify(batch)],
  );
  // The trace's hours this batch did not touch, where its resolution changed (a trace spans
  // minutes, so its hour range is a short stretch of the primary key).
  await client.query(
    `UPDATE office_trace_hours AS h SET ${OFFICE_TRACE_RESOLUTION.map((c) => `${c} = o.${c}`).join(", ")}
     FROM office_traces o
     WHERE o.tenant_id = $1 AND o.trace_id = ANY($2::text[])
       AND h.tenant_id = $1 AND h.trace_id = o.trace_id
       AND h.hour >= ${utc("hour", "o.first_seen")} AND h.hour <= o.last_seen
       AND (${OFFICE_TRACE_RESOLUTION.map((c) => `h.${c}`).join(", ")}) IS DISTINCT FROM (${resolution})`,
    [tenantId, [...new Set(office.map((s) => s.traceId))].sort()],
  );
}

export async function updateRollups(
  client: Pick<pg.ClientBase, "query">,
  tenantId: string,
  inserted: { events: EventRow[]; spans: SpanRow[]; points: MetricPointRow[] },
): Promise<void> {
  const decisions = new Counter<Cell[]>();
  const sources = new Counter<Cell[]>();
  const agents = new Counter<Cell[]>();
  const extents = new Counter<Cell[]>();

  for (const e of inserted.events) {
    agents.add([hour(e.time), e.source, e.userEmail ?? "", e.enduserId ?? "", e.accountId ?? "", e.accountUuid ?? "", e.userId ?? "", e.sessionId ?? "", e.serviceVersion ?? ""], [1], e.time);
    if (e.sessionId) extents.add(["session", e.sessionId], [], e.time);
    if (e.promptId) extents.add(["prompt", e.promptId], [], e.time);
    if (e.eventName === EVENT.toolDecision) {
      const team = text(e.attributes["team.id"]) || text(e.attributes.department);
      decisions.add([hour(e.time), e.source, personKey(e), team, e.toolName ?? "", e.mcpServer ?? "", e.decision ?? "", e.decisionSource ?? "", ""], [1], e.time);
    }
    const prompt = e.attributes.prompt;
    const isPrompt = e.eventName === EVENT.userPrompt;
    sources.add([day(e.time), e.source, "event", e.serviceVersion ?? "", e.eventName], [
      1,
      e.userEmail || e.accountUuid || e.accountId ? 1 : 0,
      isPrompt && typeof prompt === "string" && prompt !== "<REDACTED>" ? 1 : 0,
      isPrompt && (typeof prompt !== "string" || prompt === "<REDACTED>") ? 1 : 0,
      "tool_parameters" in e.attributes || "tool_input" in e.attributes ? 1 : 0,
      e.truncatedKeys.length > 0 ? 1 : 0,
    ], e.time);
  }
  for (const s of inserted.spans) {
    if (s.sessionId) extents.add(["session", s.sessionId], [], s.startTime);
    extents.add(["trace", s.traceId], [], s.startTime);
    if (s.name === SPAN.officeToolExecution && s.source === "office") {
      decisions.add([hour(s.startTime), "office", personKey(s), "", s.toolName ?? "", "", s.decision ?? "", "", s.readWrite ?? ""], [1], s.startTime);
    }
    sources.add([day(s.startTime), s.source, "span", text(s.attributes["office.version"]), s.name], [
      1, s.userEmail || s.accountUuid ? 1 : 0, 0, 0, "tool.input" in s.attributes ? 1 : 0, s.truncatedKeys.length > 0 ? 1 : 0,
    ], s.startTime);
  }
  for (const p of inserted.points) {
    sources.add([day(p.time), p.source, "metric", text(p.attributes["app.version"]), p.metricName], [1, p.userEmail || p.accountUuid ? 1 : 0, 0, 0, 0, 0], p.time);
  }

  if (decisions.rows.size) {
    await insertDecisions(client, "decision_rollups", tenantId, [...decisions.rows.values()].map((r) => [...r.key, r.values[0]]));
    await insertDecisionTotals(client, tenantId, decisions, "decision_totals_hourly");
    // The daily level (long windows of the approvals dashboard): the same keys, the hour cut to its UTC day.
    const daily = new Counter<Cell[]>();
    for (const r of decisions.rows.values()) daily.add([`${(r.key[0] as string).slice(0, 10)}T00:00:00.000Z`, ...r.key.slice(1)], r.values, r.last);
    await insertDecisions(client, "decision_rollups_daily", tenantId, [...daily.rows.values()].map((r) => [...r.key, r.values[0]]));
    await insertDecisionTotals(client, tenantId, daily);
    await insertDecisionPeople(client, tenantId, daily);
    await insertDecisionPeople(client, tenantId, decisions, "decision_people_hourly");
    await insertDecisionPeople(client, tenantId, daily, "decision_people_weekly", weekOf);
  }
  if (agents.rows.size) {
    await insertUnnest(
      client, "agent_session_rollups", { tenant_id: tenantId },
      [
        { name: "bucket", type: "timestamptz" }, { name: "source", type: "text" }, { name: "user_email", type: "text" }, { name: "enduser_id", type: "text" },
        { name: "account_id", type: "text" }, { name: "account_uuid", type: "text" }, { name: "user_id", type: "text" }, { name: "session_id", type: "text" },
        { name: "service_version", type: "text" }, { name: "events", type: "int8" }, { name: "first_seen", type: "timestamptz" }, { name: "last_seen", type: "timestamptz" },
      ],
      [...agents.rows.values()].map((a) => [...a.key, a.values[0], a.first.toISOString(), a.last.toISOString()]),
      `ON CONFLICT (tenant_id, bucket, source, user_email, enduser_id, account_id, account_uuid, user_id, session_id, service_version) DO UPDATE SET
         events = agent_session_rollups.events + EXCLUDED.events,
         first_seen = LEAST(agent_session_rollups.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(agent_session_rollups.last_seen, EXCLUDED.last_seen)`,
      9, // the whole key: bucket … service_version
    );
  }
  await updateAgentDays(client, tenantId, inserted.events);
  await updateOfficeTraces(client, tenantId, inserted.spans);
  await updateOfficeTraceHours(client, tenantId, inserted.spans);
  if (extents.rows.size) {
    await insertUnnest(
      client, "record_extents", { tenant_id: tenantId },
      [{ name: "kind", type: "text" }, { name: "key", type: "text" }, { name: "first_seen", type: "timestamptz" }, { name: "last_seen", type: "timestamptz" }],
      [...extents.rows.values()].map((r) => [...r.key, r.first.toISOString(), r.last.toISOString()]),
      `ON CONFLICT (tenant_id, kind, key) DO UPDATE SET
         first_seen = LEAST(record_extents.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(record_extents.last_seen, EXCLUDED.last_seen)
       WHERE EXCLUDED.first_seen < record_extents.first_seen OR EXCLUDED.last_seen > record_extents.last_seen`,
      2, // the whole key: kind, key
    );
  }
  if (sources.rows.size) {
    await insertUnnest(
      client, "source_rollups", { tenant_id: tenantId },
      [
        { name: "day", type: "date" }, { name: "source", type: "text" }, { name: "kind", type: "text" }, { name: "service_version", type: "text" },
        { name: "name", type: "text" }, { name: "records", type: "int8" }, { name: "with_identity", type: "int8" }, { name: "prompt_captured", type: "int8" },
        { name: "prompt_redacted", type: "int8" }, { name: "tool_details", type: "int8" }, { name: "truncated", type: "int8" }, { name: "last_seen", type: "timestamptz" },
      ],
      [...sources.rows.values()].map((r) => [...r.key, ...r.values, r.last.toISOString()]),
      `ON CONFLICT (tenant_id, day, source, kind, service_version, name) DO UPDATE SET
         records = source_rollups.records + EXCLUDED.records,
         with_identity = source_rollups.with_identity + EXCLUDED.with_identity,
         prompt_captured = source_rollups.prompt_captured + EXCLUDED.prompt_captured,
         prompt_redacted = source_rollups.prompt_redacted + EXCLUDED.prompt_redacted,
         tool_details = source_rollups.tool_details + EXCLUDED.tool_details,
         truncated = source_rollups.truncated + EXCLUDED.truncated,
         last_seen = GREATEST(source_rollups.last_seen, EXCLUDED.last_seen)`,
      5, // the whole key: day … name
    );
  }
}

const EVENT_PERSON_KEY = personKeySql(personColumns(""));
const EVENT_PERSON_KIND = personKindSql(personColumns(""));
const SPAN_PERSON_KEY = personKeySql(personColumns("", { enduser: false, accountId: false, device: false }));
const stringAttr = (k: string) => `CASE WHEN jsonb_typeof(attributes->'${k}') = 'string' THEN NULLIF(attributes->>'${k}', '') END`;
const utc = (unit: "hour" | "day" | "week", column: string) => `date_trunc('${unit}', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

/**
 * Recomputes every rollup of a tenant from its stored rows, with the rules updateRollups applies
 * per batch, set-based in SQL: after a bulk load that bypassed ingest (the read benchmark's
 * seed). Concurrent ingest into the tenant must be stopped meanwhile.
 */
export async function rebuildRollups(client: Pick<pg.ClientBase, "query">, tenantId: string): Promise<void> {
  await rebuildComplianceRollups(client, tenantId); // the coverage page's Compliance activity levels
  for (const table of [...DECISION_ROLLUP_TABLES, "decision_totals_daily", "decision_totals_hourly", "decision_people_daily", "decision_people_hourly", "decision_people_weekly", "source_rollups", "agent_session_rollups", "record_extents", "agent_days", "agent_session_days", "office_traces", "office_trace_hours"]) {
    await client.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  }
  await client.query(
    `INSERT INTO decision_rollups (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write, count)
     SELECT tenant_id, ${utc("hour", "time")}, source, ${EVENT_PERSON_KEY}, COALESCE(${stringAttr("team.id")}, ${stringAttr("department")}, ''),
            COALESCE(tool_name, ''), COALESCE(mcp_server, ''), COALESCE(decision, ''), COALESCE(decision_source, ''), '', count(*)
     FROM events WHERE tenant_id = $1 AND event_name = $2 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
     UNION ALL
     SELECT tenant_id, ${utc("hour", "start_time")}, 'office', ${SPAN_PERSON_KEY}, '', COALESCE(tool_name, ''), '', COALESCE(decision, ''), '',
            COALESCE(read_write, ''), count(*)
     FROM spans WHERE tenant_id = $1 AND name = $3 AND source = 'office' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    [tenantId, EVENT.toolDecision, SPAN.officeToolExecution],
  );
  await client.query(
    `INSERT INTO decision_rollups_daily
     SELECT tenant_id, ${utc("day", "bucket")}, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
     FROM decision_rollups WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO decision_totals_hourly
     SELECT tenant_id, bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
     FROM decision_rollups WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO decision_totals_daily
     SELECT tenant_id, bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
     FROM decision_rollups_daily WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
    [tenantId],
  );
  const automatic = `decision = 'accept' AND decision_source = ANY($2::text[])`;
  for (const [table, from] of [["decision_people_daily", "decision_rollups_daily"], ["decision_people_hourly", "decision_rollups"]]) {
    await client.query(
      `INSERT INTO ${table}
       SELECT tenant_id, bucket, surface, user_key, team, sum(count),
              COALESCE(sum(count) FILTER (WHERE decision_source = 'user_permanent'), 0), COALESCE(sum(count) FILTER (WHERE decision_source = 'user_temporary'), 0),
              COALESCE(sum(count) FILTER (WHERE decision_source = 'config'), 0), COALESCE(sum(count) FILTER (WHERE decision_source = 'hook'), 0),
              COALESCE(sum(count) FILTER (WHERE decision = 'reject'), 0),
              COALESCE(sum(count) FILTER (WHERE surface <> 'office' AND ${automatic} AND tool_name = ANY($3::text[])), 0),
              COALESCE(sum(count) FILTER (WHERE surface = 'office' AND decision = 'auto_accept'), 0)
       FROM ${from} WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5`,
      [tenantId, AUTOMATIC_DECISION_SOURCES, [...WRITE_TOOLS]],
    );
  }
  await client.query(
    `INSERT INTO decision_people_weekly
     SELECT tenant_id, ${utc("week", "bucket")}, surface, user_key, team, ${PEOPLE_COUNTS.map((c) => `sum(${c})`).join(", ")}
     FROM decision_people_daily WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO agent_session_rollups
     SELECT tenant_id, ${utc("hour", "time")}, source, COALESCE(user_email, ''), COALESCE(enduser_id, ''), COALESCE(account_id, ''),
            COALESCE(account_uuid, ''), COALESCE(user_id, ''), COALESCE(session_id, ''), COALESCE(service_version, ''), count(*), min(time), max(time)
     FROM events WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
     ORDER BY 2 -- hour by hour, as ingest leaves it: a window's hours are then a few pages, not one page a row`,
    [tenantId],
  );
  const dayOf = utc("day", "time");
  await client.query(
    `INSERT INTO agent_session_days
     SELECT DISTINCT tenant_id, source, ${EVENT_PERSON_KIND}, ${EVENT_PERSON_KEY}, session_id, ${dayOf}
     FROM events WHERE tenant_id = $1 AND session_id IS NOT NULL`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO agent_days
     SELECT d.tenant_id, d.day, d.source, d.person_kind, d.person, d.events, d.sessions, d.first_seen, d.last_seen, d.versions, d.devices,
            COALESCE(s.ids, ARRAY[]::text[])
     FROM (
       SELECT tenant_id, ${dayOf} AS day, source, ${EVENT_PERSON_KIND} AS person_kind, ${EVENT_PERSON_KEY} AS person,
              count(*) AS events, count(DISTINCT session_id) AS sessions, min(time) AS first_seen, max(time) AS last_seen,
              COALESCE(array_agg(DISTINCT service_version ORDER BY service_version) FILTER (WHERE service_version IS NOT NULL), ARRAY[]::text[]) AS versions,
              COALESCE(array_agg(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL), ARRAY[]::text[]) AS devices
       FROM events WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5
     ) d
     LEFT JOIN (
       SELECT m.day, m.source, m.person_kind, m.person, array_agg(m.session_id ORDER BY m.session_id) AS ids
       FROM agent_session_days m
       JOIN (SELECT source, person_kind, person, session_id FROM agent_session_days WHERE tenant_id = $1
             GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) x USING (source, person_kind, person, session_id)
       WHERE m.tenant_id = $1 GROUP BY 1, 2, 3, 4
     ) s ON s.day = d.day AND s.source = d.source AND s.person_kind = d.person_kind AND s.person = d.person`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO record_extents
     SELECT tenant_id, 'session', session_id, min(t), max(t) FROM (
       SELECT tenant_id, session_id, time AS t FROM events WHERE tenant_id = $1 AND session_id IS NOT NULL
       UNION ALL
       SELECT tenant_id, session_id, start_time FROM spans WHERE tenant_id = $1 AND session_id IS NOT NULL
     ) s GROUP BY 1, 3
     UNION ALL
     SELECT tenant_id, 'prompt', prompt_id, min(time), max(time) FROM events WHERE tenant_id = $1 AND prompt_id IS NOT NULL GROUP BY 1, 3
     UNION ALL
     SELECT tenant_id, 'trace', trace_id, min(start_time), max(start_time) FROM spans WHERE tenant_id = $1 GROUP BY 1, 3`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO office_traces
     SELECT tenant_id, trace_id, min(surface), min(user_email), min(account_uuid), min(organization_id), min(session_id), min(start_time), max(start_time)
     FROM spans WHERE tenant_id = $1 GROUP BY 1, 2`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO office_trace_hours
     SELECT h.tenant_id, h.hour, h.trace_id, ${OFFICE_TRACE_RESOLUTION.map((c) => `o.${c}`).join(", ")}, h.version_min, h.version_max, h.first_seen, h.last_seen, h.spans
     FROM (
       SELECT tenant_id, ${utc("hour", "start_time")} AS hour, trace_id, min(attributes->>'office.version') AS version_min, max(attributes->>'office.version') AS version_max,
              min(start_time) AS first_seen, max(start_time) AS last_seen, count(*) AS spans
       FROM spans WHERE tenant_id = $1 AND source = 'office' GROUP BY 1, 2, 3
     ) h JOIN office_traces o ON o.tenant_id = h.tenant_id AND o.trace_id = h.trace_id
     ORDER BY h.hour`,
    [tenantId],
  );
  const captured = `COALESCE(jsonb_typeof(attributes->'prompt') = 'string' AND attributes->>'prompt' <> '<REDACTED>', false)`;
  await client.query(
    `INSERT INTO source_rollups
     SELECT tenant_id, (time AT TIME ZONE 'UTC')::date, source, 'event', COALESCE(service_version, ''), event_name, count(*),
            count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL OR account_id IS NOT NULL),
            count(*) FILTER (WHERE event_name = $2 AND ${captured}),
            count(*) FILTER (WHERE event_name = $2 AND NOT (${captured})),
            count(*) FILTER (WHERE attributes ? 'tool_parameters' OR attributes ? 'tool_input'),
            count(*) FILTER (WHERE cardinality(truncated_keys) > 0), max(time)
     FROM events WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6
     UNION ALL
     SELECT tenant_id, (start_time AT TIME ZONE 'UTC')::date, source, 'span', COALESCE(${stringAttr("office.version")}, ''), name, count(*),
            count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL), 0, 0,
            count(*) FILTER (WHERE attributes ? 'tool.input'), count(*) FILTER (WHERE cardinality(truncated_keys) > 0), max(start_time)
     FROM spans WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6
     UNION ALL
     SELECT tenant_id, (time AT TIME ZONE 'UTC')::date, source, 'metric', COALESCE(${stringAttr("app.version")}, ''), metric_name, count(*),
            count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL), 0, 0, 0, 0, max(time)
     FROM metric_points WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`,
    [tenantId, EVENT.userPrompt],
  );
}
