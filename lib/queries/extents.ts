import { getPool } from "@/lib/db/pool";

// The time span of a session, prompt or trace (record_extents, kept at ingest in the transaction
// that stores the records): pages that look a record up by its id bound their reads to it, so the
// planner keeps only the daily partitions that hold it (an id lookup otherwise plans and probes
// every partition of events or spans). No row (records written outside ingest, and not rebuilt):
// the reads go unbounded, as before.

export type ExtentKind = "session" | "prompt" | "trace";

export interface Extent {
  first: Date;
  last: Date;
}

/** One extent, or null when none is kept. */
export async function recordExtent(tenantId: string, kind: ExtentKind, key: string): Promise<Extent | null> {
  const { rows } = await getPool().query<{ first_seen: Date; last_seen: Date }>(
    `SELECT first_seen, last_seen FROM record_extents WHERE tenant_id = $1 AND kind = $2 AND key = $3`,
    [tenantId, kind, key],
  );
  return rows[0] ? { first: rows[0].first_seen, last: rows[0].last_seen } : null;
}

/** The span of several keys of one kind together, or null when any of them has no extent. */
export async function recordsExtent(tenantId: string, kind: ExtentKind, keys: string[]): Promise<Extent | null> {
  if (keys.length === 0) return null;
  const { rows } = await getPool().query<{ n: number; first: Date | null; last: Date | null }>(
    `SELECT count(*)::int AS n, min(first_seen) AS first, max(last_seen) AS last FROM record_extents WHERE tenant_id = $1 AND kind = $2 AND key = ANY($3::text[])`,
    [tenantId, kind, [...new Set(keys)]],
  );
  const r = rows[0];
  return r && r.n === new Set(keys).size && r.first && r.last ? { first: r.first, last: r.last } : null;
}

/** ` AND column >= $a AND column <= $b` for an extent (its bounds appended to params), or "" for none. */
export function withinExtent(column: string, extent: Extent | null, params: unknown[]): string {
  if (!extent) return "";
  params.push(extent.first, extent.last);
  return ` AND ${column} >= $${params.length - 1} AND ${column} <= $${params.length}`;
}
