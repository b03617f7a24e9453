import { getPool } from "@/lib/db/pool";

// When did the tenant's newest record arrive? One max() per table, each answered by the
// (tenant_id, time DESC) index from its first entry: constant cost whatever the table's size.
// Pages use it to say "nothing in the last 7 days, but the newest event is 12 days old".

export const RECORD_KINDS = ["events", "spans", "compliance"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

const COLUMN: Record<RecordKind, { table: string; time: string }> = {
  events: { table: "events", time: "time" },
  spans: { table: "spans", time: "start_time" },
  compliance: { table: "compliance_activities", time: "created_at" },
};

export interface NewestRecord {
  /** The newest record of the chosen kinds, or null when the tenant has none. */
  newest: Date | null;
  /** The newest one before `before` (when asked), to tell whether a window [from, before) holds anything. */
  newestBefore: Date | null;
}

export async function newestRecord(tenantId: string, opts: { kinds?: readonly RecordKind[]; before?: Date } = {}): Promise<NewestRecord> {
  const kinds = opts.kinds ?? RECORD_KINDS;
  const parts: string[] = [];
  for (const k of kinds) {
    const { table, time } = COLUMN[k];
    parts.push(`(SELECT max(${time}) FROM ${table} WHERE tenant_id = $1)`);
    parts.push(opts.before ? `(SELECT max(${time}) FROM ${table} WHERE tenant_id = $1 AND ${time} < $2)` : "NULL::timestamptz");
  }
  const { rows } = await getPool().query<Record<string, Date | null>>(
    `SELECT ${parts.map((p, i) => `${p} AS t${i}`).join(", ")}`,
    opts.before ? [tenantId, opts.before] : [tenantId],
  );
  const row = rows[0] ?? {};
  const latest = (odd: 0 | 1) =>
    Object.entries(row)
      .filter(([k]) => Number(k.slice(1)) % 2 === odd)
      .map(([, v]) => v)
      .reduce<Date | null>((a, v) => (v && (!a || v > a) ? v : a), null);
  const newest = latest(0);
  return { newest, newestBefore: opts.before ? latest(1) : newest };
}

/** Whether the window [from, to) holds none of the tenant's records while the tenant has some elsewhere. */
export function emptyWindow(n: NewestRecord, from: Date | undefined): boolean {
  return n.newest !== null && from !== undefined && (n.newestBefore === null || n.newestBefore < from);
}
