import type pg from "pg";

// Batched inserts: one INSERT … SELECT FROM unnest($1::type[], $2::type[], …) per call, so a
// batch of any size is one statement with one parameter per column. Used by the OTLP batch
// writer and the Compliance record store.

export type PgType = "text" | "uuid" | "timestamptz" | "date" | "int8" | "int4" | "float8" | "bool" | "jsonb" | "text[]";
export type Cell = string | number | boolean | null;

// Postgres rejects NUL in text and jsonb, and telemetry may contain it: replace, never fail.
const NUL = /\u0000/g;
function clean(v: Cell): Cell {
  return typeof v === "string" && v.includes("\u0000") ? v.replace(NUL, "\uFFFD") : v;
}

/** A Postgres array literal for one text[] cell (unnest would flatten a 2-D array parameter). */
export function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

/**
 * Inserts rows (cells in `columns` order) with the `fixed` values on every row; returns how many
 * rows were inserted (conflicts skipped by `conflict` do not count). Rows are inserted in key
 * order (the first two columns) so concurrent batches take row locks in the same order.
 */
export async function insertUnnest(
  db: Pick<pg.ClientBase, "query">,
  table: string,
  fixed: Record<string, Cell>,
  columns: { name: string; type: PgType }[],
  rows: Cell[][],
  conflict: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(buildInsert(table, fixed, columns, rows, conflict));
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
): Promise<T[]> {
  if (rows.length === 0) return [];
  const q = buildInsert(table, fixed, columns, rows, conflict);
  const result = await db.query<T>({ text: `${q.text} RETURNING ${returning}`, values: q.values });
  return result.rows;
}

function buildInsert(
  table: string,
  fixed: Record<string, Cell>,
  columns: { name: string; type: PgType }[],
  rows: Cell[][],
  conflict: string,
): { text: string; values: unknown[] } {
  const fixedNames = Object.keys(fixed);
  const params: unknown[] = fixedNames.map((k) => fixed[k]);
  const args = columns.map((c, i) => {
    params.push(rows.map((r) => clean(r[i] ?? null)));
    // text[] cells travel as text literals and are cast back in the SELECT.
    return `$${params.length}::${c.type === "text[]" ? "text" : c.type}[]`;
  });
  const select = [
    ...fixedNames.map((_, i) => `$${i + 1}`),
    ...columns.map((c) => (c.type === "text[]" ? `r."${c.name}"::text[]` : `r."${c.name}"`)),
  ];
  const order = columns.length > 1 ? `${fixedNames.length + 1}, ${fixedNames.length + 2}` : `${fixedNames.length + 1}`;
  const sql =
    `INSERT INTO "${table}" (${[...fixedNames, ...columns.map((c) => c.name)].map((n) => `"${n}"`).join(", ")}) ` +
    `SELECT ${select.join(", ")} FROM unnest(${args.join(", ")}) AS r(${columns.map((c) => `"${c.name}"`).join(", ")}) ` +
    `ORDER BY ${order} ${conflict}`;
  return { text: sql, values: params };
}
