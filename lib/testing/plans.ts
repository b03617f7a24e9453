import type pg from "pg";

// Query plans name the index each partition scans (events_p20261205_…_idx, events_default_…_idx),
// not the partitioned table's index it belongs to: a test that asks "does this query use that
// index" looks for any index of its partition tree.

/** Whether `plan` (EXPLAIN's text) scans `index` or one of its partitions' indexes. */
export async function planUsesIndex(db: Pick<pg.ClientBase, "query">, plan: string, index: string): Promise<boolean> {
  const { rows } = await db.query<{ name: string }>(`SELECT relid::regclass::text AS name FROM pg_partition_tree($1::regclass)`, [index]);
  const names = rows.length ? rows.map((r) => r.name) : [index];
  return names.some((n) => new RegExp(`\\b(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) ${n}\\b`).test(plan));
}
