import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, InvalidCursorError, SqlBuilder } from "@/lib/db/sql";
import { whereEvents } from "@/lib/queries/event-filter";
import { z } from "zod";
import { EXPLORE_SORTS, rowSelect, toExploreRow, type ExploreDbRow, type ExploreRow, type ExploreSort, type SortDir } from "./columns";
import { MAX_PAGE_SIZE, type ExploreQuery } from "./params";

// The Explorer's table: every event of a tenant, filtered and sorted on the server, paged by
// keyset cursor (the export reads the same pages, lib/explore/export.ts).
//
// Sorting with a keyset cursor: rows are ordered by (sort key, time, id), all in the same
// direction, so "rows after the cursor" is one row comparison that a btree on
// (tenant_id, key, time, id) answers by scanning forward or backward. NULL sort keys always come
// last, whatever the direction (sorting by cost should show the most expensive call first, not
// thousands of events without a cost). A page is therefore read in two phases: the rows with a
// value, then, once those are exhausted, the rows without one (ordered by time, id). The cursor
// says which phase it is in (v === null means "inside the NULL tail"). Each phase is a plain
// index-ordered scan; no OFFSET, no sort over the whole window.

// ---- cursor -----------------------------------------------------------------------------

/** Where a page ended: the sort key and direction it was made for, and the last row's position. */
const exploreCursor = cursorCodec("explore", {
  s: z.enum(Object.keys(EXPLORE_SORTS) as [ExploreSort, ...ExploreSort[]]),
  d: z.enum(["asc", "desc"]),
  /** sort value of the last row (null: the row had none, so paging is in the NULL tail) */
  v: z.union([cursorField.float, cursorField.text, z.null()]),
  /** time of the last row, UTC ISO with microseconds */
  t: cursorField.time,
  id: cursorField.uuid,
});

function decodeCursor(raw: string, sort: ExploreSort, dir: SortDir) {
  const c = exploreCursor.decode(raw);
  const spec = EXPLORE_SORTS[sort];
  const valueOk =
    sort === "time"
      ? c.v === null
      : c.v === null
        ? spec.nullable
        : spec.type === "float8"
          ? typeof c.v === "number"
          : typeof c.v === "string";
  if (c.s !== sort || c.d !== dir || !valueOk) throw new InvalidCursorError("it was made for another sort order");
  return c;
}

// ---- keyset pages -----------------------------------------------------------------------

const CURSOR_TIME_SQL = `to_char(e.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface KeysetColumns {
  sort_value: string | number | null;
  cursor_time: string;
  id: string;
}

/**
 * One page in (sort key, time, id) order after the cursor. `select` builds the column list (it
 * may add parameters); the rows come back with what the next cursor needs.
 */
export async function keysetPage<R extends { id: string }>(
  tenantId: string,
  q: ExploreQuery,
  select: (p: SqlBuilder) => string,
  from: string,
): Promise<{ rows: Array<R & KeysetColumns>; nextCursor: string | null }> {
  const spec = EXPLORE_SORTS[q.sort];
  const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, q.dir) : null;
  const op = q.dir === "desc" ? "<" : ">";
  const ord = q.dir === "desc" ? "DESC" : "ASC";
  const limit = Math.min(Math.max(Math.trunc(q.limit), 1), MAX_PAGE_SIZE);
  const isTime = q.sort === "time";

  const run = async (phase: "values" | "nulls", take: number): Promise<Array<R & KeysetColumns>> => {
    const p = whereEvents(new SqlBuilder(), tenantId, q);
    let orderBy: string;
    if (isTime || phase === "nulls") {
      if (!isTime) p.where(`${spec.column} IS NULL`);
      // In the NULL tail the cursor applies only if it was made there (else the tail starts fresh).
      if (cursor && (isTime || cursor.v === null)) p.where(`(e.time, e.id) ${op} (${p.param(cursor.t)}::timestamptz, ${p.param(cursor.id)}::uuid)`);
      orderBy = `e.time ${ord}, e.id ${ord}`;
    } else {
      if (spec.nullable) p.where(`${spec.column} IS NOT NULL`);
      if (cursor && cursor.v !== null) {
        p.where(
          `(${spec.column}, e.time, e.id) ${op} (${p.param(cursor.v)}::${spec.type}, ${p.param(cursor.t)}::timestamptz, ${p.param(cursor.id)}::uuid)`,
        );
      }
      orderBy = `${spec.column} ${ord}, e.time ${ord}, e.id ${ord}`;
    }
    const sql =
      `SELECT ${select(p)}, ${isTime || phase === "nulls" ? "NULL" : spec.column} AS sort_value, ${CURSOR_TIME_SQL} AS cursor_time` +
      ` FROM ${from} WHERE ${p.whereSql()} ORDER BY ${orderBy} LIMIT ${p.param(take)}`;
    const { rows } = await getPool().query<R & KeysetColumns>(sql, p.values);
    return rows;
  };

  let rows: Array<R & KeysetColumns>;
  if (isTime || !spec.nullable) {
    rows = await run("values", limit + 1);
  } else {
    const inNullTail = cursor !== null && cursor.v === null;
    rows = inNullTail ? [] : await run("values", limit + 1);
    if (rows.length <= limit) rows = rows.concat(await run("nulls", limit + 1 - rows.length));
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? exploreCursor.encode({ s: q.sort, d: q.dir, v: last.sort_value, t: last.cursor_time, id: last.id })
      : null;
  return { rows: page, nextCursor };
}

// ---- the table page ---------------------------------------------------------------------

export interface ExplorePage {
  rows: ExploreRow[];
  nextCursor: string | null;
}

/** One page of the Explorer table. Throws InvalidCursorError for a cursor that does not fit, QueryError for a bad `q`. */
export async function exploreEvents(tenantId: string, q: ExploreQuery, canReadContent: boolean): Promise<ExplorePage> {
  const page = await keysetPage<ExploreDbRow>(tenantId, { ...q, canReadContent }, rowSelect(canReadContent), "events e");
  return { rows: page.rows.map((r) => toExploreRow(r, canReadContent)), nextCursor: page.nextCursor };
}
