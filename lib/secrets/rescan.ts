import type pg from "pg";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { getPool, withTransaction } from "@/lib/db/pool";
import { enqueueJob } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/scheduler";
import type { JsonValue } from "@/lib/otlp/values";
import { isComplianceMetadata } from "./mask";
import { DEFAULT_DATA_POLICY, SECRET_MARKER, type DataPolicy } from "./policy";
import { getPolicyVersion, listPolicyVersions } from "./policy-store";
import { applyPolicyToValue, type ApplyPolicy } from "./rescan-apply";

// The re-scan: applies a tenant's current data policy to content stored before it (a stricter
// policy reaching back). One run walks the tables below in order, in batches keyed by primary key;
// each batch's rewrites and the run's cursor commit in one transaction, so a run that stops (a
// restart, a lost lease) resumes after the last committed batch and never rewrites a row twice
// for nothing (the policy is idempotent: markers are not masked again, a hash stays its hash).
// Started from Settings → Data ("Apply to stored data") or `npm run blindspot -- policy rescan`.

type Db = Pick<pg.ClientBase, "query">;

export const RESCAN_JOB_KIND = "data_policy.rescan";
export const RESCAN_BATCH = 500;

type JsonSpec =
  /** An object whose top-level keys are the targets (attributes, fields); a dropped key is removed. */
  | { column: string; perKey: true }
  /** An array of objects whose `attributes` are per key (span events, span links). */
  | { column: string; itemAttributes: true }
  /** Every string in it is the target; a drop empties the column. */
  | { column: string; target: string }
  /** Only strings under properties named `leaf` (the copy of a text inside a raw record), at any depth or only at the top; a drop sets them to null. */
  | { column: string; target: string; leaf: string; topOnly?: true }
  /** A whole Compliance record as ingest masks it (lib/secrets/mask.ts): every leaf but its metadata keys; a dropped leaf is removed. */
  | { column: string; target: string; complianceRecord: true };

interface RescanTable {
  table: string;
  key: { column: string; type: "uuid" | "text" }[];
  text: { column: string; target: string }[];
  json: JsonSpec[];
}

/** Stored content, in the order a run visits it. */
export const RESCAN_TABLES: readonly RescanTable[] = [
  {
    table: "events",
    key: [{ column: "id", type: "uuid" }],
    text: [{ column: "error", target: "error" }],
    json: [{ column: "body", target: "body" }, { column: "attributes", perKey: true }, { column: "fields", perKey: true }],
  },
  {
    table: "spans",
    key: [{ column: "trace_id", type: "text" }, { column: "span_id", type: "text" }],
    text: [{ column: "status_message", target: "status_message" }],
    json: [{ column: "attributes", perKey: true }, { column: "fields", perKey: true }, { column: "events", itemAttributes: true }, { column: "links", itemAttributes: true }],
  },
  {
    table: "compliance_chats",
    key: [{ column: "id", type: "text" }],
    text: [{ column: "name", target: "compliance.name" }],
    json: [{ column: "raw", target: "compliance.name", leaf: "name", topOnly: true }],
  },
  {
    table: "compliance_chat_messages",
    key: [{ column: "id", type: "text" }],
    text: [{ column: "text", target: "compliance.text" }],
    json: [{ column: "raw", target: "compliance.text", leaf: "text" }],
  },
  {
    table: "compliance_session_messages",
    key: [{ column: "id", type: "text" }],
    text: [{ column: "text", target: "compliance.text" }],
    json: [{ column: "raw", target: "compliance.text", leaf: "text" }],
  },
  {
    // Keyed by id alone: the API's activity ids are unique (created_at is in the primary key only
    // because the table is partitioned by it).
    table: "compliance_activities",
    key: [{ column: "id", type: "text" }],
    text: [],
    json: [{ column: "raw", target: "compliance.text", complianceRecord: true }],
  },
  {
    table: "compliance_tool_blocks",
    key: [{ column: "tool_use_id", type: "text" }, { column: "kind", type: "text" }, { column: "message_id", type: "text" }],
    text: [{ column: "input", target: "compliance.text" }],
    json: [{ column: "content", target: "compliance.text" }],
  },
];

const DROP = Symbol("drop");
type Applier = (value: string, target: string) => string | null;

/** Every string in `value` through `fn`; DROP when one is dropped (the action is the target's, so all are). */
function walkAll(value: unknown, fn: (s: string) => string | null): { value: unknown; changed: boolean } | typeof DROP {
  if (typeof value === "string") {
    const next = fn(value);
    return next === null ? DROP : { value: next, changed: next !== value };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out: unknown[] = [];
    for (const item of value) {
      const r = walkAll(item, fn);
      if (r === DROP) return DROP;
      changed ||= r.changed;
      out.push(r.value);
    }
    return { value: out, changed };
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = walkAll(v, fn);
      if (r === DROP) return DROP;
      changed ||= r.changed;
      out[k] = r.value;
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

function perKey(obj: unknown, apply: Applier): { value: unknown; changed: boolean } {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return { value: obj, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const r = walkAll(v, (s) => apply(s, k));
    if (r === DROP) {
      changed = true;
      continue;
    }
    changed ||= r.changed;
    out[k] = r.value;
  }
  return { value: out, changed };
}

function complianceLeaves(value: unknown, fn: (s: string) => string | null): { value: unknown; changed: boolean } | typeof DROP {
  if (typeof value === "string") {
    const next = fn(value);
    return next === null ? DROP : { value: next, changed: next !== value };
  }
  if (value === null || typeof value !== "object") return { value, changed: false };
  let changed = false;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const r = complianceLeaves(v, fn);
      if (r === DROP) changed = true;
      else {
        changed ||= r.changed;
        out.push(r.value);
      }
    }
    return { value: out, changed };
  }
  const record = value as Record<string, JsonValue>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const r = isComplianceMetadata(k, record) ? { value: v, changed: false } : complianceLeaves(v, fn);
    if (r === DROP) changed = true;
    else {
      changed ||= r.changed;
      out[k] = r.value;
    }
  }
  return { value: out, changed };
}

function underLeaf(value: unknown, leaf: string, fn: (s: string) => string | null, topOnly = false): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    if (topOnly) return { value, changed: false };
    const items = value.map((v) => underLeaf(v, leaf, fn));
    return { value: items.map((i) => i.value), changed: items.some((i) => i.changed) };
  }
  if (value === null || typeof value !== "object") return { value, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === leaf && typeof v === "string") {
      const next = fn(v);
      changed ||= next !== v;
      out[k] = next;
    } else if (topOnly) {
      out[k] = v;
    } else {
      const r = underLeaf(v, leaf, fn);
      changed ||= r.changed;
      out[k] = r.value;
    }
  }
  return { value: out, changed };
}

/** One JSON column through the policy: the new value (undefined = unchanged; null = emptied). */
function applyJson(spec: JsonSpec, value: unknown, apply: Applier): { value: unknown } | undefined {
  if (value === null || value === undefined) return undefined;
  if ("perKey" in spec) {
    const r = perKey(value, apply);
    return r.changed ? { value: r.value } : undefined;
  }
  if ("itemAttributes" in spec) {
    if (!Array.isArray(value)) return undefined;
    let changed = false;
    const out = value.map((item: unknown) => {
      if (item === null || typeof item !== "object" || !("attributes" in item)) return item;
      const r = perKey((item as { attributes: unknown }).attributes, apply);
      changed ||= r.changed;
      return r.changed ? { ...item, attributes: r.value } : item;
    });
    return changed ? { value: out } : undefined;
  }
  if ("complianceRecord" in spec) {
    const r = complianceLeaves(value, (s) => apply(s, spec.target));
    if (r === DROP) return undefined; // a record is an object: only its leaves go
    return r.changed ? { value: r.value } : undefined;
  }
  if ("leaf" in spec) {
    const r = underLeaf(value, spec.leaf, (s) => apply(s, spec.target), spec.topOnly === true);
    return r.changed ? { value: r.value } : undefined;
  }
  const r = walkAll(value, (s) => apply(s, spec.target));
  if (r === DROP) return { value: null };
  return r.changed ? { value: r.value } : undefined;
}

// ---- the version stamp ------------------------------------------------------------------------------

const columnsKnown = new Map<string, boolean>();

/** Whether the table has the column of that type (`redaction` jsonb and `secret_fingerprints` ARRAY came with ingest masking). */
async function hasColumn(db: Db, table: string, column: "redaction" | "secret_fingerprints", dataType: "jsonb" | "ARRAY"): Promise<boolean> {
  const key = `${table}.${column}`;
  let known = columnsKnown.get(key);
  if (known === undefined) {
    const { rows } = await db.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2 AND data_type = $3`,
      [table, column, dataType],
    );
    known = rows.length > 0;
    columnsKnown.set(key, known);
  }
  return known;
}

const hasRedactionColumn = (db: Db, table: string) => hasColumn(db, table, "redaction", "jsonb");

/**
 * What a re-scan adds to a record's note of its secrets, as ingest writes it (lib/secrets/mask.ts
 * RecordMasker.end): the fingerprints of the markers its rewritten values now hold that the record
 * did not list yet, so "seen before" and `secret:` queries find secrets masked after the fact, and
 * `redaction.masked` counted per kind. Null when the rewrite masked nothing new.
 */
export function newSecretsNote(
  rewritten: string[],
  stored: { fingerprints: string[] | null; masked: Record<string, number> | undefined },
): { fingerprints: string[]; masked: Record<string, number> } | null {
  const known = new Set(stored.fingerprints ?? []);
  const added = new Set<string>();
  for (const text of rewritten) {
    for (const m of text.matchAll(SECRET_MARKER)) {
      const fingerprint = `${m[1]}:${m[2]}`;
      if (!known.has(fingerprint)) added.add(fingerprint);
    }
  }
  if (added.size === 0) return null;
  const masked = { ...(stored.masked ?? {}) };
  for (const f of added) {
    const kind = f.slice(0, f.lastIndexOf(":"));
    masked[kind] = (masked[kind] ?? 0) + 1;
  }
  return { fingerprints: [...known, ...added].sort(), masked };
}

/**
 * THE ONE PLACE a re-scan records what it did on the records: the rows of one batch (keys after
 * `from`, up to and including `to`) get `redaction.policy_version` = version, unless they were
 * stored under a later version already. A no-op on tables without a jsonb `redaction` column.
 */
export async function stampPolicyVersion(db: Db, t: RescanTable, tenantId: string, from: string[] | null, to: string[], version: number): Promise<void> {
  if (!(await hasRedactionColumn(db, t.table))) return;
  const cols = t.key.map((k) => k.column).join(", ");
  const n = t.key.length;
  const tuple = (offset: number) => t.key.map((k, i) => `$${offset + i}::${k.type}`).join(", ");
  const params: unknown[] = [tenantId, version, ...to];
  let where = `(${cols}) <= (${tuple(3)})`;
  if (from) {
    params.push(...from);
    where += ` AND (${cols}) > (${tuple(3 + n)})`;
  }
  await db.query(
    `UPDATE ${t.table} SET redaction = jsonb_set(COALESCE(redaction, '{}'::jsonb), '{policy_version}', to_jsonb($2::int))
     WHERE tenant_id = $1 AND ${where} AND COALESCE((redaction->>'policy_version')::int, 0) < $2`,
    params,
  );
}

// ---- runs -------------------------------------------------------------------------------------------

export type RescanStatus = "queued" | "running" | "done" | "failed" | "superseded";

export interface RescanInfo {
  id: number;
  tenantId: string;
  policyVersion: number;
  status: RescanStatus;
  tableName: string;
  cursor: string[] | null;
  scanned: number;
  changed: number;
  startedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

const rescanRow = z.object({
  id: z.number(),
  tenant_id: z.string(),
  policy_version: z.number(),
  status: z.enum(["queued", "running", "done", "failed", "superseded"]),
  table_name: z.string(),
  cursor: z.string().nullable(),
  scanned: z.number(),
  changed: z.number(),
  started_by: z.string(),
  created_at: z.date(),
  finished_at: z.date().nullable(),
});

function toRescan(row: unknown): RescanInfo {
  const r = rescanRow.parse(row);
  return {
    id: r.id, tenantId: r.tenant_id, policyVersion: r.policy_version, status: r.status, tableName: r.table_name,
    cursor: r.cursor === null ? null : z.array(z.string()).parse(JSON.parse(r.cursor)), scanned: r.scanned, changed: r.changed,
    startedBy: r.started_by, createdAt: r.created_at, finishedAt: r.finished_at,
  };
}

/** The tenant's latest re-scan, for the progress shown on Settings → Data and by the CLI. */
export async function latestRescan(tenantId: string): Promise<RescanInfo | null> {
  const { rows } = await getPool().query(`SELECT * FROM data_policy_rescans WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1`, [tenantId]);
  return rows[0] ? toRescan(rows[0]) : null;
}

export async function getRescan(id: number): Promise<RescanInfo | null> {
  const { rows } = await getPool().query(`SELECT * FROM data_policy_rescans WHERE id = $1`, [id]);
  return rows[0] ? toRescan(rows[0]) : null;
}

/**
 * Queues a re-scan of the tenant's stored content under its current policy version (audited).
 * An unfinished re-scan of the same version is returned as it is; one of an older version is
 * superseded (it stops after its current batch) by a new run from the start.
 */
export async function startRescan(tenantId: string, actor: string): Promise<{ rescan: RescanInfo; created: boolean }> {
  const version = (await listPolicyVersions(tenantId, 1))[0]?.version ?? 0;
  const result = await withTransaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`data_policy_rescan:${tenantId}`]);
    const open = await tx.query(`SELECT * FROM data_policy_rescans WHERE tenant_id = $1 AND status IN ('queued', 'running') ORDER BY id DESC`, [tenantId]);
    const same = open.rows.map(toRescan).find((r) => r.policyVersion === version);
    if (same) return { rescan: same, created: false };
    await tx.query(`UPDATE data_policy_rescans SET status = 'superseded', finished_at = now() WHERE tenant_id = $1 AND status IN ('queued', 'running')`, [tenantId]);
    const { rows } = await tx.query(
      `INSERT INTO data_policy_rescans (tenant_id, policy_version, table_name, started_by) VALUES ($1, $2, $3, $4) RETURNING *`,
      [tenantId, version, RESCAN_TABLES[0].table, actor],
    );
    const rescan = toRescan(rows[0]);
    await recordAudit({ tenantId, actor, action: "data_policy.rescan", target: `version ${version}`, details: { rescan: rescan.id, version } }, tx);
    return { rescan, created: true };
  });
  await enqueueJob({ tenantId, kind: RESCAN_JOB_KIND, payload: { rescanId: result.rescan.id } });
  return result;
}

export interface RunRescanOptions {
  apply?: ApplyPolicy;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: { table: string; scanned: number; changed: number }) => void;
  /** Tests: stop after this many batches (a worker that dies mid-run). */
  maxBatches?: number;
}

/** Runs (or resumes) a re-scan to its end; returns it as it stands. */
export async function runRescan(rescanId: number, opts: RunRescanOptions = {}): Promise<RescanInfo> {
  const apply = opts.apply ?? applyPolicyToValue;
  const batchSize = opts.batchSize ?? RESCAN_BATCH;
  let run = await getRescan(rescanId);
  if (!run) throw new Error(`no re-scan ${rescanId}`);
  if (run.status !== "queued" && run.status !== "running") return run;
  const tenantId = run.tenantId;
  const stored = await getPolicyVersion(tenantId, run.policyVersion);
  const policy: DataPolicy = stored?.policy ?? DEFAULT_DATA_POLICY;
  const applier: Applier = (value, target) => apply(value, { tenantId, target, policy });
  await getPool().query(`UPDATE data_policy_rescans SET status = 'running' WHERE id = $1 AND status = 'queued'`, [rescanId]);

  let batches = 0;
  let tableIndex = Math.max(0, RESCAN_TABLES.findIndex((t) => t.table === run!.tableName));
  let cursor = run.cursor;
  let { scanned, changed } = run;
  while (tableIndex < RESCAN_TABLES.length) {
    if (opts.signal?.aborted) throw new Error("re-scan stopped");
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return (await getRescan(rescanId))!;
    const t = RESCAN_TABLES[tableIndex];
    const keyCols = t.key.map((k) => k.column);
    const notesSecrets = (await hasColumn(getPool(), t.table, "secret_fingerprints", "ARRAY")) && (await hasRedactionColumn(getPool(), t.table));
    const cols = [...keyCols, ...t.text.map((c) => c.column), ...t.json.map((c) => c.column), ...(notesSecrets ? ["secret_fingerprints", "redaction"] : [])];
    const params: unknown[] = [tenantId, batchSize];
    let after = "";
    if (cursor) {
      params.push(...cursor);
      after = `AND (${keyCols.join(", ")}) > (${t.key.map((k, i) => `$${3 + i}::${k.type}`).join(", ")})`;
    }
    const { rows } = await getPool().query<Record<string, unknown>>(
      `SELECT ${cols.join(", ")} FROM ${t.table} WHERE tenant_id = $1 ${after} ORDER BY ${keyCols.join(", ")} LIMIT $2`,
      params,
    );
    const outcome = await withTransaction(async (tx) => {
      // A newer re-scan superseded this one: stop without writing. Another runner (the CLI beside
      // the server's worker) committed this batch first: drop ours and continue from its cursor.
      const live = await tx.query<{ status: string; table_name: string; cursor: string | null }>(
        `SELECT status, table_name, cursor FROM data_policy_rescans WHERE id = $1 FOR UPDATE`,
        [rescanId],
      );
      const state = live.rows[0];
      if (state?.status !== "running") return "stopped" as const;
      if (state.table_name !== t.table || state.cursor !== (cursor ? JSON.stringify(cursor) : null)) return "moved" as const;
      let batchChanged = 0;
      for (const row of rows) {
        const sets: string[] = [];
        const values: unknown[] = [];
        const rewritten: string[] = [];
        for (const c of t.text) {
          const v = row[c.column];
          if (typeof v !== "string") continue;
          const next = applier(v, c.target);
          if (next !== v) {
            values.push(next);
            sets.push(`${c.column} = $${values.length}`);
            if (next !== null) rewritten.push(next);
          }
        }
        for (const spec of t.json) {
          const next = applyJson(spec, row[spec.column], applier);
          if (!next) continue;
          const json = next.value === null ? null : JSON.stringify(next.value);
          values.push(json);
          sets.push(`${spec.column} = $${values.length}::jsonb`);
          if (json !== null) rewritten.push(json);
        }
        if (sets.length === 0) continue;
        const note = notesSecrets
          ? newSecretsNote(rewritten, { fingerprints: row.secret_fingerprints as string[] | null, masked: (row.redaction as { masked?: Record<string, number> } | null)?.masked })
          : null;
        if (note) {
          values.push(note.fingerprints);
          sets.push(`secret_fingerprints = $${values.length}::text[]`);
          values.push(JSON.stringify(note.masked));
          sets.push(`redaction = jsonb_set(COALESCE(redaction, '{}'::jsonb), '{masked}', $${values.length}::jsonb)`);
        }
        const keyParams = t.key.map((k, i) => `${k.column} = $${values.length + 2 + i}::${k.type}`);
        await tx.query(`UPDATE ${t.table} SET ${sets.join(", ")} WHERE tenant_id = $${values.length + 1} AND ${keyParams.join(" AND ")}`, [
          ...values, tenantId, ...keyCols.map((k) => String(row[k])),
        ]);
        batchChanged++;
      }
      const last = rows.at(-1);
      const nextCursor = last ? keyCols.map((k) => String(last[k])) : null;
      if (nextCursor) await stampPolicyVersion(tx, t, tenantId, cursor, nextCursor, run!.policyVersion);
      const done = rows.length < batchSize;
      const nextTable = done ? RESCAN_TABLES[tableIndex + 1]?.table ?? null : t.table;
      await tx.query(
        `UPDATE data_policy_rescans SET table_name = COALESCE($2, table_name), cursor = $3, scanned = scanned + $4, changed = changed + $5,
           status = CASE WHEN $2::text IS NULL THEN 'done' ELSE status END, finished_at = CASE WHEN $2::text IS NULL THEN now() ELSE finished_at END
         WHERE id = $1`,
        [rescanId, nextTable, done ? null : JSON.stringify(nextCursor), rows.length, batchChanged],
      );
      return { done, batchChanged, nextCursor };
    });
    if (outcome === "stopped") break;
    if (outcome === "moved") {
      const now = (await getRescan(rescanId))!;
      tableIndex = now.status === "done" ? RESCAN_TABLES.length : Math.max(0, RESCAN_TABLES.findIndex((x) => x.table === now.tableName));
      cursor = now.cursor;
      ({ scanned, changed } = now);
      continue;
    }
    batches++;
    scanned += rows.length;
    changed += outcome.batchChanged;
    opts.onProgress?.({ table: t.table, scanned, changed });
    if (outcome.done) {
      tableIndex++;
      cursor = null;
    } else {
      cursor = outcome.nextCursor;
    }
  }
  run = (await getRescan(rescanId))!;
  return run;
}

/** The job: runs the re-scan named in its payload (resuming from its committed cursor). */
export function rescanHandler(apply: ApplyPolicy = applyPolicyToValue): JobHandler {
  return async ({ job, signal, progress }) => {
    const id = Number(job.payload.rescanId);
    if (!Number.isInteger(id)) throw new Error("data_policy.rescan job without a rescanId");
    const r = await runRescan(id, { apply, signal, onProgress: progress });
    return { rescanId: id, status: r.status, scanned: r.scanned, changed: r.changed };
  };
}
