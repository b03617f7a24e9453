import { randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, type FieldDef, type TableDef } from "@/lib/domain/fields";
import { getPool, withTransaction } from "@/lib/db/pool";
import { METADATA_ATTRIBUTE_KEYS } from "@/lib/auth/content";
import { DECISION_ROLLUP_TABLES } from "@/lib/ingest/rollups";
import { enqueueJob } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/scheduler";
import { COMPLIANCE_CONTENT, Params, complianceStrip, strippedExpr } from "./content-sql";
import {
  AGENT_SESSION_ROLLUPS, OFFICE_TRACE_HOURS, OFFICE_TRACES, COMPLIANCE_ACTIVITIES, COMPLIANCE_ACTOR_DAILY, COMPLIANCE_ACTOR_LATEST, COMPLIANCE_CHATS, COMPLIANCE_SESSIONS, COMPLIANCE_USERS, EVENTS, IDENTITY_OBSERVATIONS, METRIC_POINTS,
  PersonInputError, SPANS, afterCursor, complianceChildren, isEmpty, orderBy, parsePersonInput, personKeyMap, pseudonymsOf,
  resolvePerson, type PersonIdentifiers, type PersonTable, type Pseudonyms,
} from "./person-rows";

// Erasure of one person's content (issue #16.4). Everything stored about them in the tenant loses
// its content (prompts, answers, commands, paths, transcripts, alert matches: whatever the field
// registry and the attribute catalog call content, plus the Compliance API's raw records) and their
// identity is replaced by keyed pseudonyms (person-rows.ts pseudonymsOf), so every count,
// rollup and alert still stands, under one pseudonymous person.
//
// It runs as steps over the tables, each in primary-key batches of BATCH rows; a batch and the
// progress that records it commit together, so a run stopped anywhere resumes where it stopped
// (a job, ERASE_JOB_KIND) and a repeated run changes nothing. The erasure record keeps who asked,
// when, why and the pseudonym; the person's clear identifiers stay on it only until it is done.
//
// What it does not do: erase what arrives later (ingest stores new telemetry as sent; the data
// policy governs that), touch console user accounts (users table: deactivate them separately), or
// reach copies outside the database (backups, webhook receivers, exports already downloaded).

export const ERASE_JOB_KIND = "privacy.erase";
const BATCH = 2000;

/** Identity attribute keys: the telemetry attributes the person key's columns are read from (field registry). */
const IDENTITY_ATTRIBUTES = (() => {
  const byColumn: Record<string, keyof Pseudonyms> = { user_email: "email", enduser_id: "enduser", account_uuid: "account", account_id: "accountId", user_id: "device" };
  const out = new Map<string, keyof Pseudonyms>();
  for (const t of [EVENT_TABLE, SPAN_TABLE, METRIC_POINT_TABLE]) {
    for (const f of t.fields as readonly FieldDef[]) {
      const kind = byColumn[f.column];
      if (kind) for (const a of f.attributes ?? []) out.set(a, kind);
    }
  }
  return out;
})();

/** Metadata that names the person rather than describing the work: removed from their records. */
const PERSONAL_METADATA_ATTRIBUTES = ["process.owner", "host.name"];

export interface ErasureProgress {
  [step: string]: { changed: number; cursor?: string[] | null; done?: boolean };
}

export interface Erasure {
  id: string;
  tenantId: string;
  pseudonym: string;
  reason: string;
  requestedBy: string;
  requestedAt: Date;
  status: "pending" | "running" | "done" | "failed";
  progress: ErasureProgress;
  finishedAt: Date | null;
  lastError: string | null;
}

const identifiersSchema = z.object({
  emails: z.array(z.string()), endusers: z.array(z.string()), accounts: z.array(z.string()), accountIds: z.array(z.string()), devices: z.array(z.string()),
});

interface ErasureRow {
  tenant_id: string; id: string; pseudonym: string; reason: string; requested_by: string; requested_at: Date; status: Erasure["status"];
  identifiers: unknown; progress: ErasureProgress; finished_at: Date | null; last_error: string | null;
}

function toErasure(r: ErasureRow): Erasure {
  return {
    id: r.id, tenantId: r.tenant_id, pseudonym: r.pseudonym, reason: r.reason, requestedBy: r.requested_by, requestedAt: r.requested_at,
    status: r.status, progress: r.progress ?? {}, finishedAt: r.finished_at, lastError: r.last_error,
  };
}

export interface ErasureRequest {
  tenantId: string;
  /** An email, account UUID or user_01… id. */
  person: string;
  reason: string;
  actor: string;
}

/**
 * Records an erasure (pending) and audits it: the audit entry names the pseudonym, who and why,
 * never the person in clear. The caller runs it (runErasure) or queues ERASE_JOB_KIND.
 */
export async function requestErasure(req: ErasureRequest): Promise<{ erasure: Erasure; identifiers: PersonIdentifiers }> {
  const reason = req.reason.trim();
  if (reason.length < 3) throw new PersonInputError("give a reason for the erasure (it goes to the audit log)");
  if (reason.length > 500) throw new PersonInputError("the reason is limited to 500 characters");
  const identifiers = await resolvePerson(req.tenantId, parsePersonInput(req.person));
  if (isEmpty(identifiers)) throw new PersonInputError("give the person's email, account UUID or user_01… account id");
  const pseudonyms = pseudonymsOf(req.tenantId, identifiers);
  const id = randomUUID();
  const erasure = await withTransaction(async (tx) => {
    const { rows } = await tx.query<ErasureRow>(
      `INSERT INTO person_erasures (tenant_id, id, pseudonym, reason, requested_by, identifiers) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING *`,
      [req.tenantId, id, pseudonyms.email, reason, req.actor, JSON.stringify(identifiers)],
    );
    await recordAudit({ tenantId: req.tenantId, actor: req.actor, action: "person.erase", target: pseudonyms.email, details: { erasure: id, reason } }, tx);
    return toErasure(rows[0]);
  });
  return { erasure, identifiers };
}

export async function getErasure(tenantId: string, id: string): Promise<Erasure | null> {
  const { rows } = await getPool().query<ErasureRow>(`SELECT * FROM person_erasures WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ? toErasure(rows[0]) : null;
}

export async function listErasures(tenantId: string, limit = 50): Promise<Erasure[]> {
  const { rows } = await getPool().query<ErasureRow>(`SELECT * FROM person_erasures WHERE tenant_id = $1 ORDER BY requested_at DESC LIMIT $2`, [tenantId, limit]);
  return rows.map(toErasure);
}

// ---- SET clauses ------------------------------------------------------------------------------------

/** `col = CASE WHEN col IS NULL THEN NULL ELSE <pseudonym> END`: a pseudonym only where an identity was. */
function replaceIdentity(column: string, value: string): string {
  return `"${column}" = CASE WHEN "${column}" IS NULL THEN NULL ELSE ${value} END`;
}

/** A JSON object with identity keys pseudonymized and personal metadata keys removed. */
function pseudonymizeJson(expr: string, p: Params, ps: Pseudonyms): string {
  const pairs = [...IDENTITY_ATTRIBUTES].flatMap(([key, kind]) => {
    const k = `${p.add(key)}::text`;
    const v = kind === "enduser"
      ? `CASE WHEN (${expr})->>${k} LIKE '%@%' THEN ${p.add(ps.email)}::text ELSE ${p.add(ps.enduser)}::text END`
      : `${p.add(ps[kind])}::text`;
    return [k, `CASE WHEN jsonb_typeof(${expr}) = 'object' AND (${expr}) ? ${k} THEN to_jsonb(${v}) END`];
  });
  return `(CASE WHEN jsonb_typeof(${expr}) = 'object' THEN (${expr} || jsonb_strip_nulls(jsonb_build_object(${pairs.join(", ")}))) - ${p.add(PERSONAL_METADATA_ATTRIBUTES)}::text[] ELSE ${expr} END)`;
}

/** A registry table's SET: identity columns pseudonymized, content columns stripped (identity keys of its JSON too). */
function telemetrySet(table: TableDef, p: Params, ps: Pseudonyms): string[] {
  const set: string[] = [];
  for (const f of table.fields) {
    switch (f.column) {
      case "user_email": set.push(replaceIdentity(f.column, `${p.add(ps.email)}::text`)); continue;
      case "account_uuid": set.push(replaceIdentity(f.column, `${p.add(ps.account)}::text`)); continue;
      case "account_id": set.push(replaceIdentity(f.column, `${p.add(ps.accountId)}::text`)); continue;
      case "user_id": set.push(replaceIdentity(f.column, `${p.add(ps.device)}::text`)); continue;
      case "enduser_id":
        set.push(`"enduser_id" = CASE WHEN "enduser_id" IS NULL THEN NULL WHEN "enduser_id" LIKE '%@%' THEN ${p.add(ps.email)}::text ELSE ${p.add(ps.enduser)}::text END`);
        continue;
    }
    const isIdentityJson = f.type === "attributes" || f.column === "fields";
    const source = isIdentityJson ? pseudonymizeJson(`"${f.column}"`, p, ps) : `"${f.column}"`;
    const stripped = strippedExpr(f, p, source);
    if (stripped !== null) set.push(`"${f.column}" = ${stripped}`);
  }
  return set;
}

function complianceSet(table: string, extra: string[]): (p: Params) => string[] {
  const c = COMPLIANCE_CONTENT.find((x) => x.table === table);
  return (p) => {
    void p;
    return [...extra, ...(c ? complianceStrip(c).set : [])];
  };
}

interface Step {
  name: string;
  table: PersonTable;
  set(p: Params): string[];
}

function steps(ps: Pseudonyms): Step[] {
  const email = (p: Params) => `${p.add(ps.email)}::text`;
  const list: Step[] = [
    { name: "events", table: EVENTS, set: (p) => telemetrySet(EVENT_TABLE, p, ps) },
    { name: "spans", table: SPANS, set: (p) => telemetrySet(SPAN_TABLE, p, ps) },
    { name: "metric_points", table: METRIC_POINTS, set: (p) => telemetrySet(METRIC_POINT_TABLE, p, ps) },
    {
      name: "resources",
      table: {
        table: "resources", key: [{ column: "id", cast: "uuid" }],
        // Resources naming the person, and those their (already pseudonymized) records were sent from: host.name, process.owner.
        match: (p, ids) => {
          const emails = p.add([...ids.emails, ...ids.endusers]);
          const pe = `${p.add(ps.email)}::text`;
          const pa = `${p.add(ps.account)}::text`;
          const theirs = ["events", "spans", "metric_points"]
            .map((t) => `SELECT resource_id FROM ${t} WHERE tenant_id = $1 AND (user_email = ${pe} OR account_uuid = ${pa}) AND resource_id IS NOT NULL`)
            .join(" UNION ");
          return `(lower("attributes"->>'user.email') = ANY(${emails}::text[]) OR lower("attributes"->>'enduser.id') = ANY(${emails}::text[])
                   OR lower("attributes"->>'user.account_uuid') = ANY(${p.add(ids.accounts)}::text[]) OR "id" IN (${theirs}))`;
        },
      },
      set: (p) => {
        const json = pseudonymizeJson(`"attributes"`, p, ps);
        return [`"attributes" = (SELECT COALESCE(jsonb_object_agg(k, v), '{}'::jsonb) FROM jsonb_each(${json}) AS kv(k, v) WHERE k = ANY(${p.add(METADATA_ATTRIBUTE_KEYS)}::text[]))`];
      },
    },
    {
      name: "identity_observations", table: IDENTITY_OBSERVATIONS,
      set: (p) => [
        replaceIdentity("user_email", email(p)), replaceIdentity("account_uuid", `${p.add(ps.account)}::text`),
        replaceIdentity("account_id", `${p.add(ps.accountId)}::text`), replaceIdentity("user_id", `${p.add(ps.device)}::text`),
        `"enduser_id" = CASE WHEN "enduser_id" IS NULL THEN NULL WHEN "enduser_id" LIKE '%@%' THEN ${email(p)} ELSE ${p.add(ps.enduser)}::text END`,
      ],
    },
    {
      name: "compliance_activities", table: COMPLIANCE_ACTIVITIES,
      set: complianceSet("compliance_activities", []),
    },
    ...complianceChildren(ps.email).map((t) => ({ name: t.table, table: t, set: complianceSet(t.table, []) })),
    { name: "compliance_chats", table: COMPLIANCE_CHATS, set: complianceSet("compliance_chats", []) },
    { name: "compliance_sessions", table: COMPLIANCE_SESSIONS, set: complianceSet("compliance_sessions", []) },
    {
      name: "compliance_users", table: COMPLIANCE_USERS,
      set: () => [`"full_name" = NULL`, `"raw" = '{}'::jsonb`],
    },
  ];
  return list.map((s) => withIdentityColumns(s, ps));
}

/** Compliance tables: their identity columns get the pseudonyms too (appended to the step's SET). */
function withIdentityColumns(s: Step, ps: Pseudonyms): Step {
  const cols: Record<string, Record<string, keyof Pseudonyms>> = {
    compliance_activities: { actor_email: "email", actor_account_uuid: "account", actor_user_id: "accountId" },
    compliance_chats: { user_email: "email", user_id: "accountId" },
    compliance_sessions: { user_email: "email", user_id: "accountId" },
    compliance_users: { email: "email", account_uuid: "account", id: "accountId" },
  };
  const mine = cols[s.table.table];
  if (!mine) return s;
  return { ...s, set: (p) => [...s.set(p), ...Object.entries(mine).map(([c, kind]) => replaceIdentity(c, `${p.add(ps[kind])}::text`))] };
}

// ---- running ------------------------------------------------------------------------------------------

async function saveProgress(db: Pick<pg.ClientBase, "query">, e: Erasure, progress: ErasureProgress): Promise<void> {
  await db.query(`UPDATE person_erasures SET progress = $3::jsonb WHERE tenant_id = $1 AND id = $2`, [e.tenantId, e.id, JSON.stringify(progress)]);
}

/** One step, batch after batch from its saved cursor; each batch commits with its progress. */
async function runStep(e: Erasure, ids: PersonIdentifiers, step: Step, progress: ErasureProgress, signal?: AbortSignal, onProgress?: (p: ErasureProgress) => void) {
  const state = (progress[step.name] ??= { changed: 0, cursor: null });
  const t = step.table;
  while (!state.done) {
    if (signal?.aborted) throw new Error("erasure stopped");
    const p = new Params([e.tenantId]);
    const match = t.match(p, ids);
    const set = step.set(p);
    const after = afterCursor(t.key, state.cursor ?? null, p);
    const limit = p.add(BATCH);
    const keyAs = t.key.map((k, i) => `"${k.column}" AS k${i}`).join(", ");
    const join = t.key.map((k, i) => `t."${k.column}" = batch.k${i}`).join(" AND ");
    const last = `json_build_array(${t.key.map((_, i) => `k${i}::text`).join(", ")})`;
    const sql = `WITH batch AS (SELECT ${keyAs} FROM ${t.table} WHERE tenant_id = $1 AND ${after} ORDER BY ${orderBy(t.key)} LIMIT ${limit}),
      changed AS (UPDATE ${t.table} AS t SET ${set.join(", ")} FROM batch WHERE t.tenant_id = $1 AND ${join} AND ${match} RETURNING 1)
      SELECT (SELECT count(*) FROM changed)::int AS changed, (SELECT count(*) FROM batch)::int AS scanned,
             (SELECT ${last} FROM batch ORDER BY ${t.key.map((_, i) => `k${i} DESC`).join(", ")} LIMIT 1) AS last`;
    await withTransaction(async (tx) => {
      const { rows } = await tx.query<{ changed: number; scanned: number; last: string[] | null }>(sql, p.values);
      state.changed += rows[0].changed;
      state.cursor = rows[0].last;
      if (rows[0].scanned < BATCH) state.done = true;
      await saveProgress(tx, e, progress);
    });
    onProgress?.(progress);
  }
}

/** Regex matching one identifier anywhere, any case (for free text: notes, audit entries, exception values). */
function identifierPattern(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Free-text replacements: each clear identifier → its pseudonym. Identifiers that could break JSON text are skipped. */
function textReplacements(ids: PersonIdentifiers, ps: Pseudonyms): [string, string][] {
  const pairs: [string, string][] = [
    ...ids.emails.map((x) => [x, ps.email] as [string, string]),
    ...ids.endusers.map((x) => [x, ps.enduser] as [string, string]),
    ...ids.accountIds.map((x) => [x, ps.accountId] as [string, string]),
    ...ids.accounts.map((x) => [x, ps.account] as [string, string]),
  ];
  return pairs.filter(([x]) => x.length >= 3 && !/["\\]/.test(x));
}

function replaceAll(expr: string, pairs: [string, string][], p: Params): string {
  return pairs.reduce((acc, [from, to]) => `regexp_replace(${acc}, ${p.add(identifierPattern(from))}, ${p.add(to)}, 'gi')`, expr);
}

/** Rollups, alerts and free text: small per tenant, one statement each, in one transaction. */
async function runKeyedSteps(e: Erasure, ids: PersonIdentifiers, ps: Pseudonyms, progress: ErasureProgress): Promise<void> {
  if (progress.keyed?.done) return;
  const map = personKeyMap(ids, ps);
  const keys = Object.keys(map);
  const pairs = textReplacements(ids, ps);
  await withTransaction(async (tx) => {
    let changed = 0;
    // Decision rollups (hourly and daily): the person's rows move to the pseudonym's key, merged with any already there.
    for (const table of DECISION_ROLLUP_TABLES) {
      const rollups = await tx.query(
        `WITH moved AS (DELETE FROM ${table} WHERE tenant_id = $1 AND user_key = ANY($2::text[]) RETURNING *)
         INSERT INTO ${table} AS d (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write, count)
         SELECT tenant_id, bucket, surface, $3::jsonb->>user_key, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
           FROM moved GROUP BY tenant_id, bucket, surface, $3::jsonb->>user_key, team, tool_name, mcp_server, decision, decision_source, read_write
         ON CONFLICT (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write)
         DO UPDATE SET count = d.count + excluded.count`,
        [e.tenantId, keys, JSON.stringify(map)],
      );
      changed += rollups.rowCount ?? 0;
    }
    // The approvals page's per-person counts (per day, hour and week): the same move.
    for (const table of ["decision_people_daily", "decision_people_hourly", "decision_people_weekly"]) {
      const counts = ["count", "user_permanent", "user_temporary", "config", "hook", "rejected", "auto_writes", "office_auto"];
      const r = await tx.query(
        `WITH moved AS (DELETE FROM ${table} WHERE tenant_id = $1 AND user_key = ANY($2::text[]) RETURNING *)
         INSERT INTO ${table} AS d (tenant_id, bucket, surface, user_key, team, ${counts.join(", ")})
         SELECT tenant_id, bucket, surface, $3::jsonb->>user_key, team, ${counts.map((c) => `sum(${c})`).join(", ")}
           FROM moved GROUP BY tenant_id, bucket, surface, $3::jsonb->>user_key, team
         ON CONFLICT (tenant_id, bucket, surface, user_key, team) DO UPDATE SET ${counts.map((c) => `${c} = d.${c} + excluded.${c}`).join(", ")}`,
        [e.tenantId, keys, JSON.stringify(map)],
      );
      changed += r.rowCount ?? 0;
    }
    // The inventory's session rollup: identity columns get the pseudonyms, as on the events they count.
    {
      const p = new Params([e.tenantId]);
      const match = AGENT_SESSION_ROLLUPS.match(p, ids);
      const ident = (col: string, value: string) => `CASE WHEN ${col} = '' THEN '' ELSE ${p.add(value)}::text END`;
      const r = await tx.query(
        `WITH moved AS (DELETE FROM agent_session_rollups WHERE tenant_id = $1 AND ${match} RETURNING *)
         INSERT INTO agent_session_rollups AS a
         SELECT tenant_id, bucket, source, ${ident("user_email", ps.email)},
                CASE WHEN enduser_id = '' THEN '' WHEN enduser_id LIKE '%@%' THEN ${p.add(ps.email)}::text ELSE ${p.add(ps.enduser)}::text END,
                ${ident("account_id", ps.accountId)}, ${ident("account_uuid", ps.account)}, ${ident("user_id", ps.device)},
                session_id, service_version, sum(events), min(first_seen), max(last_seen)
           FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
         ON CONFLICT (tenant_id, bucket, source, user_email, enduser_id, account_id, account_uuid, user_id, session_id, service_version)
         DO UPDATE SET events = a.events + excluded.events, first_seen = LEAST(a.first_seen, excluded.first_seen), last_seen = GREATEST(a.last_seen, excluded.last_seen)`,
        p.values,
      );
      changed += r.rowCount ?? 0;
    }
    // The coverage page's Compliance activities per actor: identity columns get the pseudonyms, as on the activities they count.
    {
      const p = new Params([e.tenantId]);
      const match = COMPLIANCE_ACTOR_DAILY.match(p, ids);
      const ident = (col: string, value: string) => `CASE WHEN ${col} = '' THEN '' ELSE ${p.add(value)}::text END`;
      const r = await tx.query(
        `WITH moved AS (DELETE FROM compliance_actor_daily WHERE tenant_id = $1 AND ${match} RETURNING *)
         INSERT INTO compliance_actor_daily AS a (tenant_id, day, actor_type, actor_email, actor_user_id, actor_account_uuid, records, cowork_records, last_seen)
         SELECT tenant_id, day, actor_type, ${ident("actor_email", ps.email)}, ${ident("actor_user_id", ps.accountId)}, ${ident("actor_account_uuid", ps.account)},
                sum(records), sum(cowork_records), max(last_seen)
           FROM moved GROUP BY 1, 2, 3, 4, 5, 6
         ON CONFLICT (tenant_id, day, actor_type, actor_email, actor_user_id, actor_account_uuid)
         DO UPDATE SET records = a.records + excluded.records, cowork_records = a.cowork_records + excluded.cowork_records,
                       last_seen = GREATEST(a.last_seen, excluded.last_seen)`,
        p.values,
      );
      changed += r.rowCount ?? 0;
    }
    // Each actor's latest Compliance activity: the same move, the latest times kept.
    {
      const p = new Params([e.tenantId]);
      const match = COMPLIANCE_ACTOR_LATEST.match(p, ids);
      const ident = (col: string, value: string) => `CASE WHEN ${col} = '' THEN '' ELSE ${p.add(value)}::text END`;
      const r = await tx.query(
        `WITH moved AS (DELETE FROM compliance_actor_latest WHERE tenant_id = $1 AND ${match} RETURNING *)
         INSERT INTO compliance_actor_latest AS a (tenant_id, actor_type, actor_email, actor_user_id, actor_account_uuid, last_seen, cowork_last_seen)
         SELECT tenant_id, actor_type, ${ident("actor_email", ps.email)}, ${ident("actor_user_id", ps.accountId)}, ${ident("actor_account_uuid", ps.account)},
                max(last_seen), max(cowork_last_seen)
           FROM moved GROUP BY 1, 2, 3, 4, 5
         ON CONFLICT (tenant_id, actor_type, actor_email, actor_user_id, actor_account_uuid)
         DO UPDATE SET last_seen = GREATEST(a.last_seen, excluded.last_seen), cowork_last_seen = GREATEST(a.cowork_last_seen, excluded.cowork_last_seen)`,
        p.values,
      );
      changed += r.rowCount ?? 0;
    }
    // The inventory's daily level (keyed by the person key, as decision_people_daily): the person's
    // rows move to the pseudonym's key and their devices to the device pseudonym; then the moved
    // agent-days' session counts are recounted from the moved memberships, since two identifiers
    // of the person may have named the same session.
    {
      const pseudonyms = [...new Set(Object.values(map))];
      const r1 = await tx.query(
        `WITH moved AS (DELETE FROM agent_session_days WHERE tenant_id = $1 AND person = ANY($2::text[]) RETURNING *)
         INSERT INTO agent_session_days (tenant_id, source, person_kind, person, session_id, day)
         SELECT DISTINCT tenant_id, source, person_kind, $3::jsonb->>person, session_id, day FROM moved
         ON CONFLICT DO NOTHING`,
        [e.tenantId, keys, JSON.stringify(map)],
      );
      const r2 = await tx.query(
        `WITH moved AS (DELETE FROM agent_days WHERE tenant_id = $1 AND person = ANY($2::text[]) RETURNING *),
         g AS (
           SELECT tenant_id, day, source, person_kind, $3::jsonb->>person AS person, sum(events) AS events, min(first_seen) AS first_seen,
                  max(last_seen) AS last_seen, bool_or(cardinality(devices) > 0) AS has_device
           FROM moved GROUP BY 1, 2, 3, 4, 5
         )
         INSERT INTO agent_days AS a (tenant_id, day, source, person_kind, person, events, sessions, first_seen, last_seen, versions, devices, spanning)
         SELECT g.tenant_id, g.day, g.source, g.person_kind, g.person, g.events, 0, g.first_seen, g.last_seen,
                COALESCE((SELECT array_agg(DISTINCT v ORDER BY v) FROM moved m CROSS JOIN LATERAL unnest(m.versions) AS v
                          WHERE m.day = g.day AND m.source = g.source AND m.person_kind = g.person_kind AND $3::jsonb->>m.person = g.person), ARRAY[]::text[]),
                CASE WHEN g.has_device THEN ARRAY[$4::text] ELSE ARRAY[]::text[] END, ARRAY[]::text[]
         FROM g
         ON CONFLICT (tenant_id, day, source, person_kind, person) DO UPDATE SET
           events = a.events + excluded.events, first_seen = LEAST(a.first_seen, excluded.first_seen), last_seen = GREATEST(a.last_seen, excluded.last_seen),
           versions = ARRAY(SELECT DISTINCT x FROM unnest(a.versions || excluded.versions) AS x ORDER BY 1),
           devices = ARRAY(SELECT DISTINCT x FROM unnest(a.devices || excluded.devices) AS x ORDER BY 1)`,
        [e.tenantId, keys, JSON.stringify(map), ps.device],
      );
      await tx.query(
        `UPDATE agent_days AS a SET sessions = c.n, spanning = c.ids
         FROM (
           SELECT m.day, m.source, m.person_kind, m.person, count(*) AS n,
                  COALESCE(array_agg(m.session_id ORDER BY m.session_id) FILTER (WHERE s.days > 1), ARRAY[]::text[]) AS ids
           FROM agent_session_days m
           JOIN (SELECT source, person_kind, person, session_id, count(*) AS days FROM agent_session_days
                 WHERE tenant_id = $1 AND person = ANY($2::text[]) GROUP BY 1, 2, 3, 4) s USING (source, person_kind, person, session_id)
           WHERE m.tenant_id = $1 AND m.person = ANY($2::text[])
           GROUP BY 1, 2, 3, 4
         ) c
         WHERE a.tenant_id = $1 AND a.day = c.day AND a.source = c.source AND a.person_kind = c.person_kind AND a.person = c.person`,
        [e.tenantId, pseudonyms],
      );
      changed += (r1.rowCount ?? 0) + (r2.rowCount ?? 0);
    }
    // The inventory's per-trace resolution and Office first level: the owner columns get the pseudonyms, as on the spans.
    for (const t of [OFFICE_TRACES, OFFICE_TRACE_HOURS]) {
      const p = new Params([e.tenantId]);
      const match = t.match(p, ids);
      const r = await tx.query(
        `UPDATE ${t.table}
            SET user_email = CASE WHEN lower(user_email) = ANY(${p.add(ids.emails)}::text[]) THEN ${p.add(ps.email)}::text ELSE user_email END,
                account_uuid = CASE WHEN lower(account_uuid) = ANY(${p.add(ids.accounts)}::text[]) THEN ${p.add(ps.account)}::text ELSE account_uuid END
          WHERE tenant_id = $1 AND ${match}`,
        p.values,
      );
      changed += r.rowCount ?? 0;
    }
    // Alerts: the person key and the keys built from it; what matched may quote content.
    {
      const p = new Params([e.tenantId, keys, JSON.stringify(map)]);
      const r = await tx.query(
        `UPDATE alerts SET person = COALESCE($3::jsonb->>person, person), group_key = ${replaceAll("group_key", pairs, p)},
                dedup_key = ${replaceAll("dedup_key", pairs, p)}, matched = '{}'::jsonb, updated_at = now()
          WHERE tenant_id = $1 AND (person = ANY($2::text[]) OR group_key = ANY($2::text[]))`,
        p.values,
      );
      changed += r.rowCount ?? 0;
    }
    if (pairs.length) {
      const alternatives = pairs.map(([x]) => identifierPattern(x)).join("|");
      for (const [sql, cols] of [
        [`UPDATE alert_notes SET body = $BODY WHERE tenant_id = $1 AND body ~* $2`, ["body"]],
        [`UPDATE detection_exceptions SET value = $VALUE WHERE tenant_id = $1 AND value ~* $2`, ["value"]],
        [`UPDATE audit_log SET target = $TARGET, details = ($DETAILS)::jsonb WHERE tenant_id = $1 AND (target ~* $2 OR details::text ~* $2)`, ["target", "details"]],
      ] as const) {
        const p = new Params([e.tenantId, alternatives]);
        let text: string = sql;
        for (const c of cols) text = text.replace(`$${c.toUpperCase()}`, () => replaceAll(c === "details" ? "details::text" : `"${c}"`, pairs, p));
        const r = await tx.query(text, p.values);
        changed += r.rowCount ?? 0;
      }
    }
    // The reason is free text: an admin may have named the person in it.
    if (pairs.length) {
      const p = new Params([e.tenantId, e.id]);
      await tx.query(`UPDATE person_erasures SET reason = ${replaceAll("reason", pairs, p)} WHERE tenant_id = $1 AND id = $2`, p.values);
    }
    progress.keyed = { changed, done: true };
    await saveProgress(tx, e, progress);
  });
}

/**
 * Runs (or resumes) one erasure to the end. Idempotent: a finished erasure returns at once, a
 * stopped one continues from its saved cursors.
 */
export async function runErasure(tenantId: string, id: string, opts: { signal?: AbortSignal; onProgress?: (p: ErasureProgress) => void } = {}): Promise<Erasure> {
  const claimed = await getPool().query<ErasureRow>(
    `UPDATE person_erasures SET status = 'running', last_error = NULL WHERE tenant_id = $1 AND id = $2 AND status <> 'done' RETURNING *`,
    [tenantId, id],
  );
  const row = claimed.rows[0];
  if (!row) {
    const done = await getErasure(tenantId, id);
    if (!done) throw new PersonInputError(`no erasure ${id}`);
    return done;
  }
  const e = toErasure(row);
  const ids = identifiersSchema.parse(row.identifiers);
  const ps = pseudonymsOf(tenantId, ids);
  const progress: ErasureProgress = { ...e.progress };
  try {
    for (const step of steps(ps)) await runStep(e, ids, step, progress, opts.signal, opts.onProgress);
    await runKeyedSteps(e, ids, ps, progress);
  } catch (err) {
    await getPool().query(`UPDATE person_erasures SET status = 'failed', last_error = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId, id, (err instanceof Error ? err.message : String(err)).slice(0, 500),
    ]);
    throw err;
  }
  const changed = Object.values(progress).reduce((n, s) => n + s.changed, 0);
  // Cursors are row keys (a Compliance user's key is their account id): dropped with the identifiers.
  for (const s of Object.values(progress)) delete s.cursor;
  return withTransaction(async (tx) => {
    const { rows } = await tx.query<ErasureRow>(
      `UPDATE person_erasures SET status = 'done', identifiers = NULL, finished_at = now(), progress = $3::jsonb WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [tenantId, id, JSON.stringify(progress)],
    );
    await recordAudit({ tenantId, actor: "system", action: "person.erase.done", target: e.pseudonym, details: { erasure: id, rows: changed } }, tx);
    return toErasure(rows[0]);
  });
}

/** The job: every unfinished erasure of the tenant, oldest first. */
export async function runPendingErasures(tenantId: string, opts: { signal?: AbortSignal; onProgress?: (p: ErasureProgress) => void } = {}): Promise<number> {
  const { rows } = await getPool().query<{ id: string }>(
    `SELECT id FROM person_erasures WHERE tenant_id = $1 AND status IN ('pending', 'running', 'failed') ORDER BY requested_at, id`,
    [tenantId],
  );
  for (const r of rows) await runErasure(tenantId, r.id, opts);
  return rows.length;
}

/** The job (ERASE_JOB_KIND, queued by the console): the tenant's unfinished erasures. */
export const eraseJobHandler: JobHandler = async ({ job, signal, progress }) => {
  if (!job.tenantId) throw new Error(`${ERASE_JOB_KIND} job without a tenant`);
  const n = await runPendingErasures(job.tenantId, { signal, onProgress: (p) => progress({ steps: Object.keys(p).length }) });
  return { erasures: n };
};

/** Records the erasure and queues the job that runs it (console). */
export async function queueErasure(req: ErasureRequest): Promise<Erasure> {
  const { erasure } = await requestErasure(req);
  await enqueueJob({ tenantId: req.tenantId, kind: ERASE_JOB_KIND });
  return erasure;
}
