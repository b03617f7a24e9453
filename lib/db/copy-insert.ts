import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { toPostgresJson } from "./postgres-values";
import type { Cell, PgType } from "./unnest-insert";

// Bulk loading with COPY FROM STDIN (text format): the cheapest way into a Postgres table, for
// the server and the client alike (measured on the ingest bench: about a third less database CPU
// per record than INSERT … SELECT FROM jsonb_to_recordset, and no whole-batch JSON document to
// build). COPY has no ON CONFLICT: a key stored before fails the whole COPY, which the caller
// handles (lib/ingest/writer.ts). Values are encoded to give exactly what insertUnnest stores for
// the same cells: NUL and lone surrogates become U+FFFD (lib/db/postgres-values.ts), non-finite
// numbers become NULL (JSON has neither).

const NULL = "\\N";
// One test per value (most need nothing): COPY's escapes, and NUL, which Postgres refuses in text.
const NEEDS_ESCAPE = /[\\\t\n\r\u0000]/;
const ESCAPED = /[\\\t\n\r\u0000]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\u0000": "\uFFFD" };

/** A text value as one COPY text field. */
function escapeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPED, (c) => ESCAPES[c]) : s;
}

/** A jsonb value: JSON text (which never holds raw tabs or newlines) with backslashes doubled. */
function encodeJson(v: Cell): string {
  const s = toPostgresJson(v);
  return s.includes("\\") ? s.replace(/\\/g, "\\\\") : s;
}

/** A text[] value as an array literal, then as a COPY field. */
function encodeTextArray(v: Cell): string {
  if (!Array.isArray(v)) return NULL;
  const items = v.map((x) => (x === null ? "NULL" : `"${String(x).replace(/[\\"]/g, "\\$&")}"`));
  return escapeText(`{${items.join(",")}}`);
}

function encodeCell(type: PgType, v: Cell): string {
  if (v === null || v === undefined) return NULL;
  switch (type) {
    case "jsonb":
      return encodeJson(v);
    case "text[]":
      return encodeTextArray(v);
    case "int8":
    case "int4":
    case "float8":
      if (typeof v === "number") return Number.isFinite(v) ? String(v) : NULL;
      return escapeText(String(v));
    case "bool":
      return v ? "t" : "f";
    default:
      return escapeText(typeof v === "string" ? v : String(v));
  }
}

/** A column as COPY needs it: its type, and how to read its cell from a row. */
export interface CopyColumn<R> {
  name: string;
  type: PgType;
  get: (row: R) => Cell;
}

/**
 * The rows as COPY text, UTF-8: the `fixed` values, then each column's cell, tab-separated, a line
 * per row. Each line is encoded on its own and the lines' bytes joined: building one string of
 * the whole batch first and encoding that cost twice the CPU (measured on bench:ingest's
 * batches, 512 rows of 1.2 KB: V8 copies the large string once more to flatten and once to encode).
 */
export function copyBytes<R>(fixed: Cell[], columns: CopyColumn<R>[], rows: R[]): Buffer {
  const parts: string[] = new Array(fixed.length + columns.length);
  for (let i = 0; i < fixed.length; i++) parts[i] = encodeCell("text", fixed[i]);
  const lines: Buffer[] = new Array(rows.length);
  let length = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i < columns.length; i++) parts[fixed.length + i] = encodeCell(columns[i].type, columns[i].get(row));
    const line = Buffer.from(`${parts.join("\t")}\n`, "utf8");
    lines[r] = line;
    length += line.length;
  }
  return Buffer.concat(lines, length);
}

/**
 * Loads rows into `table` with COPY FROM STDIN; the whole batch fails if any row does (a unique
 * violation included). Returns the number of rows copied.
 */
export async function copyRows<R>(
  client: Pick<pg.ClientBase, "query">,
  table: string,
  fixed: Record<string, Cell>,
  columns: CopyColumn<R>[],
  rows: R[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = [...Object.keys(fixed), ...columns.map((c) => c.name)].map((n) => `"${n}"`).join(", ");
  // Encode before the COPY starts: once the server is waiting for data, a throw here would leave
  // the connection stuck in COPY mode (its transaction, and the pool slot, never released).
  const data = copyBytes(Object.values(fixed), columns, rows);
  const stream = client.query(copyFrom(`COPY "${table}" (${names}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.once("finish", resolve);
    stream.end(data);
  });
  return stream.rowCount;
}
