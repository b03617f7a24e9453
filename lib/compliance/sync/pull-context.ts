import type pg from "pg";
import { getPool, withTransaction } from "@/lib/db/pool";
import { AbortedError, type ComplianceClient } from "../client";
import type { Stream } from "./catalog";
import type { ErrorCategory } from "./errors";
import { readState, saveProgress, type Cursor } from "./state";

// What every stream puller shares: its context, page commits, time windows, change detection.

export interface StreamReport {
  ran: boolean;
  ok: boolean;
  pages: number;
  /** Records received from the API (before deduplication). */
  fetched: number;
  /** New records stored (records_pulled grows by this). */
  stored: number;
  rejected: number;
  error?: string;
  errorCategory?: ErrorCategory;
}

export interface SyncHooks {
  /** Inside the page's transaction, after rows and cursor are written (throw = crash before commit). */
  beforeCommit?: (stream: Stream, page: number) => void | Promise<void>;
  /** After the page's transaction committed (throw = crash between pages). */
  afterCommit?: (stream: Stream, page: number) => void | Promise<void>;
}

export interface Ctx {
  tenantId: string;
  client: ComplianceClient;
  now: () => Date;
  settleMs: number;
  overlapMs: number;
  pageSize: Record<Stream, number>;
  signal?: AbortSignal;
  hooks: SyncHooks;
  report: StreamReport;
  stream: Stream;
  progress: () => void;
  /** Date.now() after which the stream yields at the next page boundary. */
  deadline: number;
}

function emptyReport(): StreamReport {
  return { ran: false, ok: true, pages: 0, fetched: 0, stored: 0, rejected: 0 };
}

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError();
}

/** The stream has used its time for this run; its cursor says where to go on. */
export const outOfTime = (ctx: Ctx) => Date.now() > ctx.deadline;

/** Commits one page: `store` writes the rows and returns the new cursor and counts. */
export async function commitPage(ctx: Ctx, store: (tx: pg.PoolClient) => Promise<{ cursor: Cursor; stored: number; rejected: number; newest: string | null }>): Promise<Cursor> {
  const page = ctx.report.pages + 1;
  const out = await withTransaction(async (tx) => {
    const r = await store(tx);
    await saveProgress(tx, ctx.tenantId, ctx.stream, r.cursor, r.stored, r.newest);
    await ctx.hooks.beforeCommit?.(ctx.stream, page);
    return r;
  });
  ctx.report.pages = page;
  ctx.report.stored += out.stored;
  ctx.report.rejected += out.rejected;
  ctx.progress();
  await ctx.hooks.afterCommit?.(ctx.stream, page);
  return out.cursor;
}

/** Opens the next window after the covered range, overlapping it; null when there is nothing new yet. */
function nextWindow(ctx: Ctx, cursor: Cursor): Cursor["window"] | null {
  const lt = new Date(ctx.now().getTime() - ctx.settleMs);
  const gte = cursor.coveredUntil ? new Date(Date.parse(cursor.coveredUntil) - ctx.overlapMs) : null;
  if (gte && gte.getTime() >= lt.getTime()) return null;
  return { gte: gte?.toISOString() ?? null, lt: lt.toISOString(), afterId: null };
}

/** The stream's cursor with a window to pull (the unfinished one, or the next); null when nothing is new yet. */
export async function windowedCursor(ctx: Ctx, stream: "activities" | "chats"): Promise<Cursor | null> {
  const { cursor } = await readState(ctx.tenantId, stream);
  if (cursor.window) return cursor;
  const window = nextWindow(ctx, cursor);
  return window ? { ...cursor, window } : null;
}

interface Known {
  updatedAt: string | null;
  children: number;
}

export async function knownRecords(table: "compliance_chats" | "compliance_sessions", tenantId: string, ids: string[]): Promise<Map<string, Known>> {
  if (ids.length === 0) return new Map();
  const child = table === "compliance_chats" ? ["compliance_chat_messages", "chat_id"] : ["compliance_session_messages", "session_id"];
  const { rows } = await getPool().query<{ id: string; updated_at: Date | null; status: string | null; children: number }>(
    `SELECT r.id, r.updated_at, ${table === "compliance_sessions" ? "r.status" : "NULL::text AS status"},
       (SELECT count(*)::int FROM ${child[0]} m WHERE m.tenant_id = r.tenant_id AND m.${child[1]} = r.id) AS children
     FROM ${table} r WHERE r.tenant_id = $1 AND r.id = ANY($2::text[])`,
    [tenantId, ids],
  );
  return new Map(rows.map((r) => [r.id, { updatedAt: r.updated_at ? `${r.updated_at.toISOString()}|${r.status ?? ""}` : `|${r.status ?? ""}`, children: r.children }]));
}

export function changed(known: Known | undefined, updatedAt: string | null | undefined, status: string | null = null): boolean {
  if (!known || known.children === 0) return true;
  const stamp = `${updatedAt ? new Date(updatedAt).toISOString() : ""}|${status ?? ""}`;
  return known.updatedAt !== stamp;
}
