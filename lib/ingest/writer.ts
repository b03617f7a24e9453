import type pg from "pg";
import { copyRows } from "@/lib/db/copy-insert";
import { insertUnnest, insertUnnestReturning, type Cell } from "@/lib/db/unnest-insert";
import type { JsonValue } from "@/lib/otlp/values";
import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, writeColumns, type RowOf, type TableDef, type WriteColumn } from "@/lib/domain/fields";
import { deterministicUuid } from "@/lib/sources/common";
import { updateRollups } from "./rollups";
import type { EventRow, IdentityRow, MetricPointRow, NormalizedBatch, ResourceRow, SpanRow } from "@/lib/sources/model";

// The batch writer: a handful of statements per batch whatever its size. Deterministic keys make
// a re-sent batch a no-op. Records go in one of two ways (BulkMethod):
// - "copy", first: COPY the rows (lib/db/copy-insert.ts; the embedded PGlite's socket carries it
//   too). A record stored before (a re-sent batch) makes the COPY fail with a unique violation;
//   the caller then retries the whole batch with "insert".
// - "insert": one INSERT … SELECT FROM jsonb_to_recordset(…) … ON CONFLICT DO NOTHING per table
//   (lib/db/unnest-insert.ts), which skips the records stored before.
// Rows are sorted by key so concurrent batches lock in the same order and cannot deadlock.
// The keys hold the record's time (the tables are partitioned by it): an event timed by its
// receipt is looked up by id first (withoutStoredBefore).

export interface WriteContext {
  tenantId: string;
  environmentId: string;
  ingestTokenId: string | null;
}

export type BulkMethod = "copy" | "insert";

export interface WriteResult {
  inserted: number;
  duplicates: number;
}

type Column<R> = WriteColumn<R>;

/** A write and the records it stored (not those stored before), for the detection rules. */
export interface WrittenBatch extends WriteResult {
  fresh: { events: EventRow[]; spans: SpanRow[] };
}

function insertRows<R>(
  client: Pick<pg.ClientBase, "query">,
  table: string,
  fixed: Record<string, Cell>,
  columns: Column<R>[],
  rows: R[],
  conflict: string,
): Promise<number> {
  return insertUnnest(client, table, fixed, columns, rows.map((r) => columns.map((c) => c.get(r))), conflict);
}

/** A telemetry table and its conflict key (after tenant_id), in JS and in SQL. */
export interface KeyedTable<R> {
  table: string;
  columns: Column<R>[];
  key: (r: R) => string;
  keySql: string;
}

/** A registry table as the writer stores it. */
export function keyedTable<T extends TableDef>(def: T, key: (r: RowOf<T>) => string, keySql: string): KeyedTable<RowOf<T>> {
  return { table: def.table, columns: writeColumns(def), key, keySql };
}

/** Inserts the rows whose key is new (ON CONFLICT DO NOTHING) and returns them, for the rollups. */
async function insertNewRows<R>(
  client: Pick<pg.ClientBase, "query">,
  t: KeyedTable<R>,
  fixed: Record<string, Cell>,
  rows: R[],
): Promise<R[]> {
  const returned = await insertUnnestReturning<{ k: string }>(
    client, t.table, fixed, t.columns, rows.map((r) => t.columns.map((c) => c.get(r))), "ON CONFLICT DO NOTHING", `${t.keySql} AS k`,
  );
  const fresh = new Set(returned.map((r) => r.k));
  // A record repeated inside one batch was inserted once: count it once.
  return rows.filter((r) => fresh.delete(t.key(r)));
}

/**
 * As insertNewRows, optimistically: COPY the batch's rows (each key once). A key stored before
 * (a re-sent batch, a concurrent sender) fails the COPY with a unique violation, and the caller
 * retries the whole batch with "insert". Cheaper than looking the keys up first (measured: the
 * lookup of 512 keys cost almost half of what it saved), since re-sent records are the exception.
 */
async function copyRowsOnce<R>(
  client: Pick<pg.ClientBase, "query">,
  t: KeyedTable<R>,
  fixed: Record<string, Cell>,
  rows: R[],
): Promise<R[]> {
  const seen = new Set<string>();
  const fresh: { key: string; row: R }[] = [];
  for (const row of rows) {
    const key = t.key(row);
    if (seen.has(key)) continue; // repeated inside this batch: stored once, as ON CONFLICT would
    seen.add(key);
    fresh.push({ key, row });
  }
  fresh.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rowsToCopy = fresh.map((f) => f.row);
  await copyRows(client, t.table, fixed, t.columns, rowsToCopy);
  return rowsToCopy;
}

const json = (v: JsonValue | undefined): Cell => (v === undefined ? null : v);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const RESOURCE_COLUMNS: Column<ResourceRow>[] = [
  { name: "id", type: "uuid", get: (r) => r.id },
  { name: "service_name", type: "text", get: (r) => r.serviceName },
  { name: "attributes", type: "jsonb", get: (r) => json(r.attributes) },
];

// The telemetry tables' columns come from the field registry; resources and identity
// observations are the writer's own bookkeeping tables.
export const EVENT_COLUMNS = writeColumns(EVENT_TABLE);
export const SPAN_COLUMNS = writeColumns(SPAN_TABLE);
export const METRIC_COLUMNS = writeColumns(METRIC_POINT_TABLE);

const IDENTITY_COLUMNS: Column<IdentityRow>[] = [
  { name: "id", type: "uuid", get: (r) => r.id },
  { name: "source", type: "text", get: (r) => r.source },
  { name: "user_id", type: "text", get: (r) => r.userId },
  { name: "user_email", type: "text", get: (r) => r.userEmail },
  { name: "account_uuid", type: "text", get: (r) => r.accountUuid },
  { name: "account_id", type: "text", get: (r) => r.accountId },
  { name: "organization_id", type: "text", get: (r) => r.organizationId },
  { name: "enduser_id", type: "text", get: (r) => r.enduserId },
  { name: "first_seen", type: "timestamptz", get: (r) => iso(r.firstSeen) },
  { name: "last_seen", type: "timestamptz", get: (r) => iso(r.lastSeen) },
];

const EVENTS = keyedTable(EVENT_TABLE, (r) => r.id, "id::text");
const SPANS = keyedTable(SPAN_TABLE, (r) => `${r.traceId}/${r.spanId}`, "trace_id || '/' || span_id");
const METRIC_POINTS = keyedTable(METRIC_POINT_TABLE, (r) => r.id, "id::text");

/** Stores the rows of one table whose key is new, and returns them. */
export function storeRows<R>(
  client: Pick<pg.ClientBase, "query">,
  t: KeyedTable<R>,
  scope: Record<string, Cell>,
  rows: R[],
  method: BulkMethod,
): Promise<R[]> {
  return method === "copy" ? copyRowsOnce(client, t, scope, rows) : insertNewRows(client, t, scope, rows);
}

/**
 * The batch's events less those among `ids` (receipt-timed: NormalizedBatch.receiptTimedEvents)
 * stored before, whatever time they were stored with. A transaction-scoped advisory lock per id
 * makes a concurrent batch carrying the same record wait for this one's commit and then find it.
 */
async function withoutStoredBefore(client: Pick<pg.ClientBase, "query">, tenantId: string, events: EventRow[], ids: string[]): Promise<EventRow[]> {
  const sorted = [...new Set(ids)].sort();
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || id, 0)) FROM unnest($2::text[]) AS id ORDER BY id`, [`events:${tenantId}`, sorted]);
  const { rows } = await client.query<{ id: string }>(`SELECT id::text AS id FROM events WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, sorted]);
  if (!rows.length) return events;
  const stored = new Set(rows.map((r) => r.id));
  return events.filter((e) => !stored.has(e.id));
}

/** The records a batch stored (not those stored before): the rules read them, the rollups count them. */
export interface StoredRecords {
  events: EventRow[];
  spans: SpanRow[];
  points: MetricPointRow[];
}

/**
 * Stores a normalized batch's records (and their resources, upserted without a row lock); the
 * caller owns the transaction and writes the shared rows last (writeSharedRows).
 */
export async function writeRecords(
  client: Pick<pg.ClientBase, "query">,
  ctx: WriteContext,
  batch: NormalizedBatch,
  method: BulkMethod = "insert",
): Promise<WriteResult & { stored: StoredRecords }> {
  const tenant = { tenant_id: ctx.tenantId };
  // First, before this transaction holds any row lock a concurrent batch could wait on.
  const toStore = batch.receiptTimedEvents?.length ? await withoutStoredBefore(client, ctx.tenantId, batch.events, batch.receiptTimedEvents) : batch.events;
  const scoped = { tenant_id: ctx.tenantId, environment_id: ctx.environmentId, ingest_token_id: ctx.ingestTokenId };
  await insertRows(client, "resources", tenant, RESOURCE_COLUMNS, batch.resources, "ON CONFLICT DO NOTHING");

  const events = await storeRows(client, EVENTS, scoped, toStore, method);
  const spans = await storeRows(client, SPANS, scoped, batch.spans, method);
  const points = await storeRows(client, METRIC_POINTS, scoped, batch.points, method);
  const inserted = events.length + spans.length + points.length;
  const total = batch.events.length + batch.spans.length + batch.points.length;
  return { inserted, duplicates: total - inserted, stored: { events, spans, points } };
}

/**
 * The rows concurrent batches share: the rollups' counters and the identity observations, each
 * upserted with DO UPDATE, whose row locks hold until COMMIT. Written last in the transaction
 * (after the detection rules too), so that a batch holds them only for these statements and the
 * COMMIT, and concurrent batches do not queue behind each other's rule evaluation.
 */
export async function writeSharedRows(
  client: Pick<pg.ClientBase, "query">,
  ctx: WriteContext,
  batch: NormalizedBatch,
  stored: StoredRecords,
): Promise<void> {
  const scoped = { tenant_id: ctx.tenantId, environment_id: ctx.environmentId, ingest_token_id: ctx.ingestTokenId };
  await updateRollups(client, ctx.tenantId, stored);
  await insertRows(
    client,
    "identity_observations",
    scoped,
    IDENTITY_COLUMNS,
    // The same person seen through another ingest token is another observation.
    batch.identities.map((r) => ({ ...r, id: deterministicUuid("identity", r.id, ctx.ingestTokenId ?? "") })),
    `ON CONFLICT (tenant_id, id) DO UPDATE SET
       first_seen = LEAST(identity_observations.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(identity_observations.last_seen, EXCLUDED.last_seen)`,
  );
}

/** Writes a normalized batch, records then shared rows; the caller owns the transaction (commit = acknowledgement). */
export async function writeBatch(
  client: Pick<pg.ClientBase, "query">,
  ctx: WriteContext,
  batch: NormalizedBatch,
  method: BulkMethod = "insert",
): Promise<WrittenBatch> {
  const { stored, ...result } = await writeRecords(client, ctx, batch, method);
  await writeSharedRows(client, ctx, batch, stored);
  return { ...result, fresh: { events: stored.events, spans: stored.spans } };
}

/**
 * Several requests' batches as one (group commit, lib/ingest/group-commit.ts): their records side
 * by side, each resource once, each identity once with the widest first/last seen (the identity
 * upsert's DO UPDATE may not meet one key twice in a statement).
 */
export function mergeBatches(batches: NormalizedBatch[]): NormalizedBatch {
  const resources = new Map<string, ResourceRow>();
  const identities = new Map<string, IdentityRow>();
  const merged: NormalizedBatch = { resources: [], events: [], spans: [], points: [], identities: [], receiptTimedEvents: [], rejected: 0, rejections: [] };
  for (const b of batches) {
    for (const r of b.resources) if (!resources.has(r.id)) resources.set(r.id, r);
    for (const i of b.identities) {
      const seen = identities.get(i.id);
      if (!seen) identities.set(i.id, i);
      else identities.set(i.id, { ...seen, firstSeen: i.firstSeen < seen.firstSeen ? i.firstSeen : seen.firstSeen, lastSeen: i.lastSeen > seen.lastSeen ? i.lastSeen : seen.lastSeen });
    }
    merged.events.push(...b.events);
    merged.spans.push(...b.spans);
    merged.points.push(...b.points);
    if (b.receiptTimedEvents) merged.receiptTimedEvents!.push(...b.receiptTimedEvents);
    merged.rejected += b.rejected;
  }
  merged.resources = [...resources.values()];
  merged.identities = [...identities.values()];
  return merged;
}

/**
 * Each batch's share of a merged write: a record is inserted for the first batch that carries it
 * among those the write stored, and a duplicate everywhere else (stored before, or repeated).
 */
export function resultsPerBatch(batches: NormalizedBatch[], stored: StoredRecords): WriteResult[] {
  const events = new Set(stored.events.map(EVENTS.key));
  const spans = new Set(stored.spans.map(SPANS.key));
  const points = new Set(stored.points.map(METRIC_POINTS.key));
  return batches.map((b) => {
    const inserted = claim(EVENTS, events, b.events) + claim(SPANS, spans, b.spans) + claim(METRIC_POINTS, points, b.points);
    return { inserted, duplicates: b.events.length + b.spans.length + b.points.length - inserted };
  });
}

/** How many of `rows` are among the fresh keys, which they take (a later batch's copy is a duplicate). */
function claim<R>(t: KeyedTable<R>, fresh: Set<string>, rows: R[]): number {
  let n = 0;
  for (const r of rows) if (fresh.delete(t.key(r))) n += 1;
  return n;
}
