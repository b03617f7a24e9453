import type pg from "pg";
import type { JsonValue } from "@/lib/otlp/values";
import { toPostgresJson } from "./postgres-values";

// Batched inserts: the whole batch travels as one JSON document and Postgres unpacks it with
// jsonb_to_recordset into typed columns, so a batch of any size is one statement and one
// parameter. JSONB columns are embedded as JSON (parsed once, by Postgres, with the batch)
// rather than as strings escaped into array literals. Used by the OTLP batch writer, the
// rollups and the Compliance record store.

export type PgType = "text" | "uuid" | "timestamptz" | "date" | "int8" | "int4" | "float8" | "bool" | "jsonb" | "text[]";
/** A cell: scalars for typed columns, any JSON for jsonb columns, string arrays for text[]. */
export type Cell = JsonValue;

/**
 * Inserts rows (cells in `columns` order) with the `fixed` values on every row; returns how many
 * rows were inserted (conflicts skipped by `conflict` do not count). Rows are inserted sorted by
 * their first `keyColumns` columns (callers list the conflict key first), so concurrent batches
 * take row locks in the same order and cannot deadlock: upserts must pass their whole key.
 */
export async function insertUnnest(
  db: Pick<pg.ClientBase, "query">,
  table: string,
  fixed: Record<string, Cell>,
  columns: { name: string; type: PgType }[],
  rows: Cell[][],
  conflict: string,
  keyColumns = 2,
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(buildInsert(table, fixed, columns, rows, conflict, keyColumns));
  return result.rowCount ?? 0;
}

/** As insertUnnest, and returns the `returning` columns of the rows actually inserted. */
export async function insertUnnestReturning<T extends Record<string, unknown>>(
  db: Pick<pg.ClientBase, "query">,
  table: string,
  fixed: Record<string, Cell>,
  columns: { name: string; type: PgType }[],
  rows: Cell[][],
  conflict: string,
  returning: string,
  keyColumns = 2,
): Promise<T[]> {
  if (rows.length === 0) return [];
  const q = buildInsert(table, fixed, columns, rows, conflict, keyColumns);
  const result = await db.query<T>({ text: `${q.text} RETURNING ${returning}`, values: q.values });
  return result.rows;
}

function buildInsert(
  table: string,
  fixed: Record<string, Cell>,
  columns: { name: string; type: PgType }[],
  rows: Cell[][],
  conflict: string,
  keyColumns: number,
): { text: string; values: unknown[] } {
  const fixedNames = Object.keys(fixed);
  const params: unknown[] = fixedNames.map((k) => fixed[k]);
  // Short keys keep the document small: c0, c1, … in column order.
  const records = rows.map((r) => {
    const o: Record<string, Cell> = {};
    for (let i = 0; i < columns.length; i++) o[`c${i}`] = r[i] ?? null;
    return o;
  });
  params.push(toPostgresJson(records));
  const batch = `$${params.length}::jsonb`;
  const select = [...fixedNames.map((_, i) => `$${i + 1}`), ...columns.map((_, i) => `r.c${i}`)];
  const order = columns
    .slice(0, Math.max(1, keyColumns))
    .map((_, i) => String(fixedNames.length + 1 + i))
    .join(", ");
  const sql =
    `INSERT INTO "${table}" (${[...fixedNames, ...columns.map((c) => c.name)].map((n) => `"${n}"`).join(", ")}) ` +
    `SELECT ${select.join(", ")} FROM jsonb_to_recordset(${batch}) AS r(${columns.map((c, i) => `c${i} ${c.type}`).join(", ")}) ` +
    `ORDER BY ${order} ${conflict}`;
  return { text: sql, values: params };
}
