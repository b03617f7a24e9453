import type pg from "pg";
import { z } from "zod";
import { getPool } from "@/lib/db/pool";
import type { Stream } from "./catalog";
import type { ErrorCategory } from "./errors";

// Per-stream state in compliance_sync_state: cursor, runs, errors, volume, newest record.

const timeWindow = z.object({ gte: z.string().nullable(), lt: z.string(), afterId: z.string().nullable() });
const walk = z.object({ updatedGte: z.string().nullable(), startedAt: z.string(), page: z.string().nullable() });
/** A cursor that does not parse (hand-edited, older format) restarts the stream: re-pulls are deduplicated. */
export const cursorSchema = z
  .object({
    /** Everything before this time has been pulled (end of the last complete window or walk). */
    coveredUntil: z.string().optional(),
    window: timeWindow.optional(),
    walk: walk.optional(),
    /** Records the store rejected (malformed), kept for the status view. */
    rejected: z.number().optional(),
  })
  .catch({});
export type Cursor = z.infer<typeof cursorSchema>;

type Db = Pick<pg.ClientBase, "query">;

export async function readState(tenantId: string, stream: Stream): Promise<{ cursor: Cursor; lastRunAt: Date | null }> {
  const { rows } = await getPool().query<{ cursor: unknown; last_run_at: Date | null }>(
    `SELECT cursor, last_run_at FROM compliance_sync_state WHERE tenant_id = $1 AND stream = $2`,
    [tenantId, stream],
  );
  return { cursor: cursorSchema.parse(rows[0]?.cursor ?? {}), lastRunAt: rows[0]?.last_run_at ?? null };
}

/** Cursor + volume, in the caller's transaction (the one that stored the rows). */
export async function saveProgress(db: Db, tenantId: string, stream: Stream, cursor: Cursor, pulled: number, newest: string | null): Promise<void> {
  await db.query(
    `INSERT INTO compliance_sync_state (tenant_id, stream, cursor, records_pulled, newest_record_at)
     VALUES ($1, $2, $3::jsonb, $4, $5)
     ON CONFLICT (tenant_id, stream) DO UPDATE SET cursor = EXCLUDED.cursor,
       records_pulled = compliance_sync_state.records_pulled + EXCLUDED.records_pulled,
       newest_record_at = GREATEST(compliance_sync_state.newest_record_at, EXCLUDED.newest_record_at)`,
    [tenantId, stream, JSON.stringify(cursor), pulled, newest],
  );
}

// Run times come from the sync's clock (tests move it), like the windows they bound.
export async function markRun(tenantId: string, stream: Stream, at: Date): Promise<void> {
  await getPool().query(
    `INSERT INTO compliance_sync_state (tenant_id, stream, last_run_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, stream) DO UPDATE SET last_run_at = EXCLUDED.last_run_at`,
    [tenantId, stream, at],
  );
}

export interface StreamError {
  message: string;
  category: ErrorCategory;
}

export async function markOutcome(tenantId: string, stream: Stream, error: StreamError | null, at: Date): Promise<void> {
  await getPool().query(
    error === null
      ? `UPDATE compliance_sync_state SET last_success_at = $3, last_error = NULL, last_error_category = NULL, last_error_at = NULL WHERE tenant_id = $1 AND stream = $2`
      : `INSERT INTO compliance_sync_state (tenant_id, stream, last_error, last_error_category, last_error_at) VALUES ($1, $2, $4, $5, $3)
         ON CONFLICT (tenant_id, stream) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_category = EXCLUDED.last_error_category, last_error_at = EXCLUDED.last_error_at`,
    error === null ? [tenantId, stream, at] : [tenantId, stream, at, error.message.slice(0, 1000), error.category],
  );
}

export function newestOf(records: unknown[], field: string): string | null {
  let best: number | null = null;
  for (const r of records) {
    const v = (r as Record<string, unknown> | null)?.[field];
    const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
    if (!Number.isNaN(t) && (best === null || t > best)) best = t;
  }
  return best === null ? null : new Date(best).toISOString();
}
