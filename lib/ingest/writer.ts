import type pg from "pg";
import { copyRows } from "@/lib/db/copy-insert";
import { insertUnnest, insertUnnestReturning, type Cell, type PgType } from "@/lib/db/unnest-insert";
import type { JsonValue } from "@/lib/otlp/values";
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

/** A write and the records it stored (not those stored before), for the detection rules. */
export interface WrittenBatch extends WriteResult {
  fresh: { events: EventRow[]; spans: SpanRow[] };
}

interface Column<R> {
  name: string;
  type: PgType;
  get: (row: R) => Cell;
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
interface KeyedTable<R> {
  table: string;
  columns: Column<R>[];
  key: (r: R) => string;
  keySql: string;
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
const big = (v: bigint | null) => (v === null ? null : v.toString());

const RESOURCE_COLUMNS: Column<ResourceRow>[] = [
  { name: "id", type: "uuid", get: (r) => r.id },
  { name: "service_name", type: "text", get: (r) => r.serviceName },
  { name: "attributes", type: "jsonb", get: (r) => json(r.attributes) },
];

export const EVENT_COLUMNS: Column<EventRow>[] = [
  { name: "id", type: "uuid", get: (r) => r.id },
  { name: "resource_id", type: "uuid", get: (r) => r.resourceId },
  { name: "source", type: "text", get: (r) => r.source },
  { name: "service_name", type: "text", get: (r) => r.serviceName },
  { name: "service_version", type: "text", get: (r) => r.serviceVersion },
  { name: "scope_name", type: "text", get: (r) => r.scopeName },
  { name: "scope_version", type: "text", get: (r) => r.scopeVersion },
  { name: "event_name", type: "text", get: (r) => r.eventName },
  { name: "time", type: "timestamptz", get: (r) => iso(r.time) },
  { name: "time_ns", type: "int8", get: (r) => big(r.timeNs) },
  { name: "observed_time_ns", type: "int8", get: (r) => big(r.observedTimeNs) },
  { name: "session_id", type: "text", get: (r) => r.sessionId },
  { name: "prompt_id", type: "text", get: (r) => r.promptId },
  { name: "sequence", type: "int8", get: (r) => r.sequence },
  { name: "trace_id", type: "text", get: (r) => r.traceId },
  { name: "span_id", type: "text", get: (r) => r.spanId },
  { name: "severity_number", type: "int4", get: (r) => r.severityNumber },
  { name: "severity_text", type: "text", get: (r) => r.severityText },
  { name: "user_id", type: "text", get: (r) => r.userId },
  { name: "user_email", type: "text", get: (r) => r.userEmail },
  { name: "account_uuid", type: "text", get: (r) => r.accountUuid },
  { name: "account_id", type: "text", get: (r) => r.accountId },
  { name: "organization_id", type: "text", get: (r) => r.organizationId },
  { name: "enduser_id", type: "text", get: (r) => r.enduserId },
  { name: "terminal_type", type: "text", get: (r) => r.terminalType },
  { name: "tool_name", type: "text", get: (r) => r.toolName },
  { name: "tool_use_id", type: "text", get: (r) => r.toolUseId },
  { name: "tool_source", type: "text", get: (r) => r.toolSource },
  { name: "mcp_server", type: "text", get: (r) => r.mcpServer },
  { name: "mcp_tool", type: "text", get: (r) => r.mcpTool },
  { name: "decision", type: "text", get: (r) => r.decision },
  { name: "decision_source", type: "text", get: (r) => r.decisionSource },
  { name: "success", type: "bool", get: (r) => r.success },
  { name: "duration_ms", type: "float8", get: (r) => r.durationMs },
  { name: "error", type: "text", get: (r) => r.error },
  { name: "error_type", type: "text", get: (r) => r.errorType },
  { name: "status_code", type: "int4", get: (r) => r.statusCode },
  { name: "model", type: "text", get: (r) => r.model },
  { name: "request_id", type: "text", get: (r) => r.requestId },
  { name: "cost_usd", type: "float8", get: (r) => r.costUsd },
  { name: "input_tokens", type: "int8", get: (r) => r.inputTokens },
  { name: "output_tokens", type: "int8", get: (r) => r.outputTokens },
  { name: "cache_read_tokens", type: "int8", get: (r) => r.cacheReadTokens },
  { name: "cache_creation_tokens", type: "int8", get: (r) => r.cacheCreationTokens },
  { name: "redacted_keys", type: "text[]", get: (r) => r.redactedKeys },
  { name: "truncated_keys", type: "text[]", get: (r) => r.truncatedKeys },
  { name: "fields", type: "jsonb", get: (r) => json(r.fields) },
  { name: "attributes", type: "jsonb", get: (r) => json(r.attributes) },
  { name: "body", type: "jsonb", get: (r) => json(r.body) },
];

export const SPAN_COLUMNS: Column<SpanRow>[] = [
  { name: "trace_id", type: "text", get: (r) => r.traceId },
  { name: "span_id", type: "text", get: (r) => r.spanId },
  { name: "resource_id", type: "uuid", get: (r) => r.resourceId },
  { name: "source", type: "text", get: (r) => r.source },
  { name: "service_name", type: "text", get: (r) => r.serviceName },
  { name: "scope_name", type: "text", get: (r) => r.scopeName },
  { name: "scope_version", type: "text", get: (r) => r.scopeVersion },
  { name: "parent_span_id", type: "text", get: (r) => r.parentSpanId },
  { name: "name", type: "text", get: (r) => r.name },
  { name: "kind", type: "int4", get: (r) => r.kind },
  { name: "start_time", type: "timestamptz", get: (r) => iso(r.startTime) },
  { name: "end_time", type: "timestamptz", get: (r) => iso(r.endTime) },
  { name: "start_ns", type: "int8", get: (r) => big(r.startNs) },
  { name: "end_ns", type: "int8", get: (r) => big(r.endNs) },
  { name: "duration_ms", type: "float8", get: (r) => r.durationMs },
  { name: "status_code", type: "int4", get: (r) => r.statusCode },
  { name: "status_message", type: "text", get: (r) => r.statusMessage },
  { name: "trace_state", type: "text", get: (r) => r.traceState },
  { name: "flags", type: "int4", get: (r) => r.flags },
  { name: "session_id", type: "text", get: (r) => r.sessionId },
  { name: "user_email", type: "text", get: (r) => r.userEmail },
  { name: "account_uuid", type: "text", get: (r) => r.accountUuid },
  { name: "organization_id", type: "text", get: (r) => r.organizationId },
  { name: "surface", type: "text", get: (r) => r.surface },
  { name: "tool_name", type: "text", get: (r) => r.toolName },
  { name: "tool_use_id", type: "text", get: (r) => r.toolUseId },
  { name: "decision", type: "text", get: (r) => r.decision },
  { name: "decision_source", type: "text", get: (r) => r.decisionSource },
  { name: "read_write", type: "text", get: (r) => r.readWrite },
  { name: "success", type: "bool", get: (r) => r.success },
  { name: "model", type: "text", get: (r) => r.model },
  { name: "input_tokens", type: "int8", get: (r) => r.inputTokens },
  { name: "output_tokens", type: "int8", get: (r) => r.outputTokens },
  { name: "error_type", type: "text", get: (r) => r.errorType },
  { name: "redacted_keys", type: "text[]", get: (r) => r.redactedKeys },
  { name: "truncated_keys", type: "text[]", get: (r) => r.truncatedKeys },
  { name: "fields", type: "jsonb", get: (r) => json(r.fields) },
  { name: "attributes", type: "jsonb", get: (r) => json(r.attributes) },
  { name: "events", type: "jsonb", get: (r) => json(r.events as unknown as JsonValue) },
  { name: "links", type: "jsonb", get: (r) => json(r.links as unknown as JsonValue) },
];

export const METRIC_COLUMNS: Column<MetricPointRow>[] = [
  { name: "id", type: "uuid", get: (r) => r.id },
  { name: "resource_id", type: "uuid", get: (r) => r.resourceId },
  { name: "source", type: "text", get: (r) => r.source },
  { name: "service_name", type: "text", get: (r) => r.serviceName },
  { name: "scope_name", type: "text", get: (r) => r.scopeName },
  { name: "scope_version", type: "text", get: (r) => r.scopeVersion },
  { name: "metric_name", type: "text", get: (r) => r.metricName },
  { name: "description", type: "text", get: (r) => r.description },
  { name: "unit", type: "text", get: (r) => r.unit },
  { name: "metric_type", type: "text", get: (r) => r.metricType },
  { name: "temporality", type: "int4", get: (r) => r.temporality },
  { name: "is_monotonic", type: "bool", get: (r) => r.isMonotonic },
  { name: "start_time", type: "timestamptz", get: (r) => iso(r.startTime) },
  { name: "time", type: "timestamptz", get: (r) => iso(r.time) },
  { name: "start_ns", type: "int8", get: (r) => big(r.startNs) },
  { name: "time_ns", type: "int8", get: (r) => big(r.timeNs) },
  { name: "value", type: "float8", get: (r) => r.value },
  { name: "count", type: "int8", get: (r) => r.count },
  { name: "session_id", type: "text", get: (r) => r.sessionId },
  { name: "user_id", type: "text", get: (r) => r.userId },
  { name: "user_email", type: "text", get: (r) => r.userEmail },
  { name: "account_uuid", type: "text", get: (r) => r.accountUuid },
  { name: "organization_id", type: "text", get: (r) => r.organizationId },
  { name: "model", type: "text", get: (r) => r.model },
  { name: "point_type", type: "text", get: (r) => r.pointType },
  { name: "attributes", type: "jsonb", get: (r) => json(r.attributes) },
  { name: "distribution", type: "jsonb", get: (r) => json(r.distribution) },
];

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

const EVENTS: KeyedTable<EventRow> = { table: "events", columns: EVENT_COLUMNS, key: (r) => r.id, keySql: "id::text" };
const SPANS: KeyedTable<SpanRow> = {
  table: "spans",
  columns: SPAN_COLUMNS,
  key: (r) => `${r.traceId}/${r.spanId}`,
  keySql: "trace_id || '/' || span_id",
};
const METRIC_POINTS: KeyedTable<MetricPointRow> = { table: "metric_points", columns: METRIC_COLUMNS, key: (r) => r.id, keySql: "id::text" };

/** Writes a normalized batch; the caller owns the transaction (commit = acknowledgement). */
export async function writeBatch(
  client: Pick<pg.ClientBase, "query">,
  ctx: WriteContext,
  batch: NormalizedBatch,
  method: BulkMethod = "insert",
): Promise<WrittenBatch> {
  const tenant = { tenant_id: ctx.tenantId };
  const scoped = { tenant_id: ctx.tenantId, environment_id: ctx.environmentId, ingest_token_id: ctx.ingestTokenId };
  await insertRows(client, "resources", tenant, RESOURCE_COLUMNS, batch.resources, "ON CONFLICT DO NOTHING");

  const load = method === "copy" ? copyRowsOnce : insertNewRows;
  const events = await load(client, EVENTS, scoped, batch.events);
  const spans = await load(client, SPANS, scoped, batch.spans);
  const points = await load(client, METRIC_POINTS, scoped, batch.points);
  const inserted = events.length + spans.length + points.length;
  await updateRollups(client, ctx.tenantId, { events, spans, points });

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

  const total = batch.events.length + batch.spans.length + batch.points.length;
  return { inserted, duplicates: total - inserted, fresh: { events, spans } };
}
