import type pg from "pg";
import { z } from "zod";
import { getPool, withTransaction } from "@/lib/db/pool";
import { describeError } from "@/lib/ingest/db-errors";
import { activeJobs, lastFinishedJob, type Job } from "@/lib/jobs/queue";
import {
  chatSchema,
  sessionSchema,
  storeActivities,
  storeChat,
  storeChatMessages,
  storeOrganizations,
  storeSession,
  storeSessionMessages,
  storeUsers,
} from "@/lib/sources/compliance";
import {
  AbortedError,
  bucketForConnector,
  ComplianceApiError,
  ComplianceAuthenticationError,
  ComplianceClient,
  ComplianceInvalidRequestError,
  ComplianceNetworkError,
  ComplianceNotFoundError,
  CompliancePermissionError,
  ComplianceRateLimitError,
  ComplianceResponseError,
  type ComplianceClientOptions,
  type SessionMessagesPage,
} from "./client";
import { connectorCredentials, defaultConnectorSettings, getConnector, type ConnectorSettings } from "./connector-config";
import { ComplianceDestinationError } from "./destination";

// Pulls one tenant's Compliance API data into the compliance_* tables, stream by stream.
//
// Activities: time windows over created_at. A window runs from the previous window's end minus
// the overlap (late rows arrive behind any cursor: the feed is at-least-once and queryable only
// after ~1 minute) to now minus a settle time, walked newest first with after_id. Each page's
// rows and the advanced cursor are written in one transaction, so the cursor never passes data
// that was not stored, and a crash resumes at the last committed page. Rows are deduplicated on
// id (ON CONFLICT DO NOTHING), so overlaps and retried pages never duplicate.
// Chats: the same windows over updated_at (order_by=updated_at, oldest first, after_id).
// Local sessions: walks filtered by updated_at.gte (page tokens, no has_more); remote sessions:
// full walks; transcripts are fetched when a session is new or changed. Directory: organizations
// and their users. Per-stream state (cursor, runs, errors, volume, newest record) lives in
// compliance_sync_state and survives restarts.

export const STREAMS = ["activities", "chats", "sessions_local", "sessions_remote", "organizations", "users"] as const;
export type Stream = (typeof STREAMS)[number];

export const STREAM_LABELS: Record<Stream, string> = {
  activities: "Activity feed",
  chats: "Chats",
  sessions_local: "Local sessions",
  sessions_remote: "Remote sessions",
  organizations: "Organizations",
  users: "Users",
};

export const STREAM_DESCRIPTIONS: Record<Stream, string> = {
  activities: "sign-ins, admin changes, API use",
  chats: "claude.ai chats and messages",
  sessions_local: "Claude Code, Cowork, Office transcripts",
  sessions_remote: "Cowork cloud transcripts",
  organizations: "directory",
  users: "directory",
};

const STREAM_SCOPE: Record<Stream, string> = {
  activities: "read:compliance_activities",
  chats: "read:compliance_user_data",
  sessions_local: "read:compliance_user_data",
  sessions_remote: "read:compliance_user_data",
  organizations: "read:compliance_org_data",
  users: "read:compliance_user_data",
};

/** Seconds between pulls of a stream unless forced: full walks and the directory change slowly. */
const MIN_INTERVAL_SECONDS: Record<Stream, number> = { activities: 0, chats: 0, sessions_local: 0, sessions_remote: 300, organizations: 900, users: 900 };

const DEFAULT_PAGE_SIZE: Record<Stream, number> = { activities: 5000, chats: 50, sessions_local: 50, sessions_remote: 50, organizations: 1000, users: 1000 };

/** Rows become queryable about a minute after they happen (TELEMETRY.md §4.1). */
export const DEFAULT_SETTLE_SECONDS = 60;

// ---- per-stream state ---------------------------------------------------------------------------

const timeWindow = z.object({ gte: z.string().nullable(), lt: z.string(), afterId: z.string().nullable() });
const walk = z.object({ updatedGte: z.string().nullable(), startedAt: z.string(), page: z.string().nullable() });
/** A cursor that does not parse (hand-edited, older format) restarts the stream: re-pulls are deduplicated. */
const cursorSchema = z
  .object({
    /** Everything before this time has been pulled (end of the last complete window or walk). */
    coveredUntil: z.string().optional(),
    window: timeWindow.optional(),
    walk: walk.optional(),
    /** Records the store rejected (malformed), kept for the status view. */
    rejected: z.number().optional(),
  })
  .catch({});
type Cursor = z.infer<typeof cursorSchema>;

type Db = Pick<pg.ClientBase, "query">;

async function readState(tenantId: string, stream: Stream): Promise<{ cursor: Cursor; lastRunAt: Date | null }> {
  const { rows } = await getPool().query<{ cursor: unknown; last_run_at: Date | null }>(
    `SELECT cursor, last_run_at FROM compliance_sync_state WHERE tenant_id = $1 AND stream = $2`,
    [tenantId, stream],
  );
  return { cursor: cursorSchema.parse(rows[0]?.cursor ?? {}), lastRunAt: rows[0]?.last_run_at ?? null };
}

/** Cursor + volume, in the caller's transaction (the one that stored the rows). */
async function saveProgress(db: Db, tenantId: string, stream: Stream, cursor: Cursor, pulled: number, newest: string | null): Promise<void> {
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
async function markRun(tenantId: string, stream: Stream, at: Date): Promise<void> {
  await getPool().query(
    `INSERT INTO compliance_sync_state (tenant_id, stream, last_run_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, stream) DO UPDATE SET last_run_at = EXCLUDED.last_run_at`,
    [tenantId, stream, at],
  );
}

interface StreamError {
  message: string;
  category: ErrorCategory;
}

async function markOutcome(tenantId: string, stream: Stream, error: StreamError | null, at: Date): Promise<void> {
  await getPool().query(
    error === null
      ? `UPDATE compliance_sync_state SET last_success_at = $3, last_error = NULL, last_error_category = NULL, last_error_at = NULL WHERE tenant_id = $1 AND stream = $2`
      : `INSERT INTO compliance_sync_state (tenant_id, stream, last_error, last_error_category, last_error_at) VALUES ($1, $2, $4, $5, $3)
         ON CONFLICT (tenant_id, stream) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_category = EXCLUDED.last_error_category, last_error_at = EXCLUDED.last_error_at`,
    error === null ? [tenantId, stream, at] : [tenantId, stream, at, error.message.slice(0, 1000), error.category],
  );
}

function newestOf(records: unknown[], field: string): string | null {
  let best: number | null = null;
  for (const r of records) {
    const v = (r as Record<string, unknown> | null)?.[field];
    const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
    if (!Number.isNaN(t) && (best === null || t > best)) best = t;
  }
  return best === null ? null : new Date(best).toISOString();
}

// ---- running a sync -------------------------------------------------------------------------------

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

export type SyncReport = Record<Stream, StreamReport>;

export interface SyncProgress {
  stream: Stream;
  pages: number;
  fetched: number;
  stored: number;
}

export interface SyncHooks {
  /** Inside the page's transaction, after rows and cursor are written (throw = crash before commit). */
  beforeCommit?: (stream: Stream, page: number) => void | Promise<void>;
  /** After the page's transaction committed (throw = crash between pages). */
  afterCommit?: (stream: Stream, page: number) => void | Promise<void>;
}

export interface SyncOptions {
  tenantId: string;
  /** Pull every stream now, whatever its interval ("sync now"). */
  force?: boolean;
  streams?: readonly Stream[];
  signal?: AbortSignal;
  now?: () => Date;
  settleSeconds?: number;
  pageSize?: Partial<Record<Stream, number>>;
  /** Extra client options (tests: fast retries); base URL and key come from the connector. */
  client?: Partial<ComplianceClientOptions>;
  onProgress?: (p: SyncProgress) => void;
  hooks?: SyncHooks;
  /**
   * A stream stops after this long (at a page boundary, cursor saved) and continues next run,
   * so a large backfill of transcripts never holds up the activity feed. Default 5 minutes.
   */
  streamBudgetMs?: number;
}

interface Ctx {
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

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError();
}

/** The stream has used its time for this run; its cursor says where to go on. */
const outOfTime = (ctx: Ctx) => Date.now() > ctx.deadline;

/** Commits one page: `store` writes the rows and returns the new cursor and counts. */
async function commitPage(ctx: Ctx, store: (tx: pg.PoolClient) => Promise<{ cursor: Cursor; stored: number; rejected: number; newest: string | null }>): Promise<Cursor> {
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

// ---- activities -----------------------------------------------------------------------------------

/** Opens the next window after the covered range, overlapping it; null when there is nothing new yet. */
function nextWindow(ctx: Ctx, cursor: Cursor): Cursor["window"] | null {
  const lt = new Date(ctx.now().getTime() - ctx.settleMs);
  const gte = cursor.coveredUntil ? new Date(Date.parse(cursor.coveredUntil) - ctx.overlapMs) : null;
  if (gte && gte.getTime() >= lt.getTime()) return null;
  return { gte: gte?.toISOString() ?? null, lt: lt.toISOString(), afterId: null };
}

/** The stream's cursor with a window to pull (the unfinished one, or the next); null when nothing is new yet. */
async function windowedCursor(ctx: Ctx, stream: "activities" | "chats"): Promise<Cursor | null> {
  const { cursor } = await readState(ctx.tenantId, stream);
  if (cursor.window) return cursor;
  const window = nextWindow(ctx, cursor);
  return window ? { ...cursor, window } : null;
}

async function pullActivities(ctx: Ctx): Promise<void> {
  let cursor = await windowedCursor(ctx, "activities");
  if (!cursor) return;
  for (;;) {
    checkAbort(ctx.signal);
    const w = cursor.window!;
    const page = await ctx.client.listActivities({
      "created_at.gte": w.gte ?? undefined,
      "created_at.lt": w.lt,
      limit: ctx.pageSize.activities,
      order: "desc",
      after_id: w.afterId ?? undefined,
    });
    if (page.has_more && !page.last_id) throw new ComplianceResponseError("/v1/compliance/activities", "has_more without last_id", null);
    ctx.report.fetched += page.data.length;
    const base = cursor;
    cursor = await commitPage(ctx, async (tx) => {
      const r = await storeActivities(tx, ctx.tenantId, page.data, "api");
      const rejected = (base.rejected ?? 0) + r.rejected;
      // Mid-window: remember the page boundary. Window done: everything before `lt` is covered.
      const next: Cursor = page.has_more ? { ...base, window: { ...w, afterId: page.last_id! }, rejected } : { coveredUntil: w.lt, rejected };
      return { cursor: next, stored: r.accepted, rejected: r.rejected, newest: newestOf(page.data, "created_at") };
    });
    if (!page.has_more || outOfTime(ctx)) return;
  }
}

// ---- chats ------------------------------------------------------------------------------------------

interface Known {
  updatedAt: string | null;
  children: number;
}

async function knownRecords(table: "compliance_chats" | "compliance_sessions", tenantId: string, ids: string[]): Promise<Map<string, Known>> {
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

function changed(known: Known | undefined, updatedAt: string | null | undefined, status: string | null = null): boolean {
  if (!known || known.children === 0) return true;
  const stamp = `${updatedAt ? new Date(updatedAt).toISOString() : ""}|${status ?? ""}`;
  return known.updatedAt !== stamp;
}

async function fetchChat(ctx: Ctx, chatId: string): Promise<{ meta: Record<string, unknown>; messages: unknown[] } | null> {
  const messages: unknown[] = [];
  let afterId: string | undefined;
  let meta: Record<string, unknown> = {};
  for (;;) {
    checkAbort(ctx.signal);
    let res;
    try {
      res = await ctx.client.getChatMessages(chatId, { limit: 1000, after_id: afterId });
    } catch (err) {
      // Deleted between the listing and now: keep the listed metadata.
      if (err instanceof ComplianceNotFoundError) return null;
      throw err;
    }
    // The chat's metadata, without this endpoint's paging fields.
    meta = Object.fromEntries(Object.entries(res).filter(([k]) => !["chat_messages", "has_more", "first_id", "last_id"].includes(k)));
    messages.push(...(res.chat_messages ?? []));
    if (!res.has_more || !res.last_id) return { meta, messages };
    afterId = res.last_id;
  }
}

async function pullChats(ctx: Ctx): Promise<void> {
  let cursor = await windowedCursor(ctx, "chats");
  if (!cursor) return;
  for (;;) {
    checkAbort(ctx.signal);
    const w = cursor.window!;
    const page = await ctx.client.listChats({
      order_by: "updated_at",
      "updated_at.gte": w.gte ?? undefined,
      "updated_at.lt": w.lt,
      limit: ctx.pageSize.chats,
      after_id: w.afterId ?? undefined,
    });
    if (page.has_more && !page.last_id) throw new ComplianceResponseError("/v1/compliance/apps/chats", "has_more without last_id", null);
    ctx.report.fetched += page.data.length;
    const metas = page.data.map((c) => ({ raw: c, parsed: chatSchema.safeParse(c) }));
    const known = await knownRecords("compliance_chats", ctx.tenantId, metas.flatMap((m) => (m.parsed.success ? [m.parsed.data.id] : [])));
    // Fetch transcripts before opening the transaction: no HTTP while a transaction is open.
    const toStore: { record: unknown; messages: unknown[] | null }[] = [];
    for (const m of metas) {
      if (!m.parsed.success) {
        toStore.push({ record: m.raw, messages: null });
        continue;
      }
      const c = m.parsed.data;
      if (!changed(known.get(c.id), c.updated_at)) continue;
      const full = await fetchChat(ctx, c.id);
      toStore.push({ record: full ? { ...(m.raw as object), ...full.meta } : m.raw, messages: full?.messages ?? null });
    }
    const base = cursor;
    cursor = await commitPage(ctx, async (tx) => {
      let stored = 0;
      let rejected = 0;
      for (const s of toStore) {
        const r = await storeChat(tx, ctx.tenantId, s.record, "api");
        stored += r.accepted;
        rejected += r.rejected;
        const id = (s.record as { id?: unknown }).id;
        if (r.rejected === 0 && s.messages && typeof id === "string") {
          const mr = await storeChatMessages(tx, ctx.tenantId, id, s.messages);
          stored += mr.accepted;
          rejected += mr.rejected;
        }
      }
      const next: Cursor = page.has_more
        ? { ...base, window: { ...w, afterId: page.last_id! }, rejected: (base.rejected ?? 0) + rejected }
        : { coveredUntil: w.lt, rejected: (base.rejected ?? 0) + rejected };
      return { cursor: next, stored, rejected, newest: newestOf(page.data, "updated_at") };
    });
    if (!page.has_more || outOfTime(ctx)) return;
  }
}

// ---- sessions ---------------------------------------------------------------------------------------

type SessionKind = "local" | "remote";

async function fetchTranscript(ctx: Ctx, kind: SessionKind, sessionId: string): Promise<unknown[] | null> {
  const messages: unknown[] = [];
  let pageToken: string | undefined;
  for (;;) {
    checkAbort(ctx.signal);
    // Full tool inputs and results (-1 = the server's maximum, ≈1 MiB) rather than 10 kB previews.
    const query = { page: pageToken, limit: 1000, order: "asc" as const, tool_use_input_max_bytes: -1, tool_result_max_bytes: -1 };
    let res: SessionMessagesPage;
    try {
      res = kind === "local" ? await ctx.client.getLocalSessionMessages(sessionId, query) : await ctx.client.getRemoteSessionMessages(sessionId, query);
    } catch (err) {
      // Remote transcripts 404 while pending; a session may vanish (user-deleted) meanwhile.
      if (err instanceof ComplianceNotFoundError && messages.length === 0) return null;
      throw err;
    }
    messages.push(...res.data);
    if (!res.next_page) return messages;
    pageToken = res.next_page;
  }
}

/** Stores one session and its transcript in one transaction (transcripts can be large). */
async function storeOneSession(ctx: Ctx, record: unknown, messages: unknown[] | null): Promise<void> {
  const counts = await withTransaction(async (tx) => {
    const r = await storeSession(tx, ctx.tenantId, record, "api");
    let stored = r.accepted;
    let rejected = r.rejected;
    const id = (record as { id?: unknown }).id;
    if (r.rejected === 0 && messages && typeof id === "string") {
      const m = await storeSessionMessages(tx, ctx.tenantId, id, messages, 0);
      stored += m.accepted;
      rejected += m.rejected;
    }
    // Volume only; the stream's cursor moves after the whole page (below).
    await tx.query(
      `INSERT INTO compliance_sync_state (tenant_id, stream, records_pulled, newest_record_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, stream) DO UPDATE SET records_pulled = compliance_sync_state.records_pulled + EXCLUDED.records_pulled,
         newest_record_at = GREATEST(compliance_sync_state.newest_record_at, EXCLUDED.newest_record_at)`,
      [ctx.tenantId, ctx.stream, stored, newestOf([record], "updated_at") ?? newestOf([record], "created_at")],
    );
    return { stored, rejected };
  });
  ctx.report.stored += counts.stored;
  ctx.report.rejected += counts.rejected;
  ctx.progress();
}

async function pullSessions(ctx: Ctx, kind: SessionKind): Promise<void> {
  const stream: Stream = kind === "local" ? "sessions_local" : "sessions_remote";
  let { cursor } = await readState(ctx.tenantId, stream);
  if (!cursor.walk) {
    const startedAt = ctx.now();
    // Remote sessions have no documented time filter: each walk lists them all.
    const updatedGte = kind === "local" && cursor.coveredUntil ? new Date(Date.parse(cursor.coveredUntil) - ctx.overlapMs).toISOString() : null;
    cursor = { ...cursor, walk: { updatedGte, startedAt: startedAt.toISOString(), page: null } };
  }
  let restarted = false;
  for (;;) {
    checkAbort(ctx.signal);
    const wk = cursor.walk!;
    let page;
    try {
      page =
        kind === "local"
          ? await ctx.client.listLocalSessions({ "updated_at.gte": wk.updatedGte ?? undefined, limit: ctx.pageSize.sessions_local, page: wk.page ?? undefined })
          : await ctx.client.listRemoteSessions({ limit: ctx.pageSize.sessions_remote, page: wk.page ?? undefined });
    } catch (err) {
      // Page tokens expire (24 h per walk): start the same walk over; stored sessions are skipped.
      if (err instanceof ComplianceInvalidRequestError && wk.page && !restarted) {
        restarted = true;
        cursor = { ...cursor, walk: { ...wk, page: null } };
        continue;
      }
      throw err;
    }
    ctx.report.fetched += page.data.length;
    const items = page.data.map((s) => ({ raw: s, parsed: sessionSchema.safeParse(s) }));
    const known = await knownRecords("compliance_sessions", ctx.tenantId, items.flatMap((i) => (i.parsed.success ? [i.parsed.data.id] : [])));
    for (const item of items) {
      checkAbort(ctx.signal);
      if (!item.parsed.success) {
        await storeOneSession(ctx, item.raw, null);
        continue;
      }
      const s = item.parsed.data;
      const status = s.status ?? null;
      if (!changed(known.get(s.id), s.updated_at, status)) continue;
      const transcript = status === "pending" ? null : await fetchTranscript(ctx, kind, s.id);
      await storeOneSession(ctx, item.raw, transcript);
    }
    const base = cursor;
    const settleMs = kind === "local" ? ctx.settleMs : 0;
    cursor = await commitPage(ctx, async () => {
      const next: Cursor = page.next_page
        ? { ...base, walk: { ...wk, page: page.next_page } }
        : { coveredUntil: new Date(Date.parse(wk.startedAt) - settleMs).toISOString(), rejected: base.rejected };
      return { cursor: next, stored: 0, rejected: 0, newest: null };
    });
    if (!page.next_page || outOfTime(ctx)) return;
  }
}

// ---- directory ----------------------------------------------------------------------------------------

async function pullOrganizations(ctx: Ctx): Promise<void> {
  let pageToken: string | undefined;
  for (;;) {
    checkAbort(ctx.signal);
    const page = await ctx.client.listOrganizations({ page: pageToken, limit: ctx.pageSize.organizations });
    ctx.report.fetched += page.data.length;
    await commitPage(ctx, async (tx) => {
      const r = await storeOrganizations(tx, ctx.tenantId, page.data);
      return { cursor: {}, stored: r.accepted, rejected: r.rejected, newest: newestOf(page.data, "created_at") };
    });
    // Older API versions answer unpaginated (no next_page).
    if (!page.next_page || page.has_more === false) return;
    pageToken = page.next_page;
  }
}

async function pullUsers(ctx: Ctx): Promise<void> {
  // Organizations from the directory; without org_data scope, those seen in activity records.
  const { rows } = await getPool().query<{ uuid: string }>(
    `SELECT uuid FROM compliance_organizations WHERE tenant_id = $1
     UNION SELECT DISTINCT lower(organization_uuid) FROM compliance_activities
       WHERE tenant_id = $1 AND organization_uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM compliance_organizations WHERE tenant_id = $1)
     ORDER BY 1`,
    [ctx.tenantId],
  );
  for (const { uuid } of rows) {
    let pageToken: string | undefined;
    for (;;) {
      checkAbort(ctx.signal);
      let page;
      try {
        page = await ctx.client.listOrganizationUsers(uuid, { page: pageToken, limit: ctx.pageSize.users });
      } catch (err) {
        if (err instanceof ComplianceNotFoundError) break;
        throw err;
      }
      ctx.report.fetched += page.data.length;
      await commitPage(ctx, async (tx) => {
        const r = await storeUsers(tx, ctx.tenantId, uuid, page.data);
        return { cursor: {}, stored: r.accepted, rejected: r.rejected, newest: null };
      });
      if (!page.next_page || page.has_more === false) break;
      pageToken = page.next_page;
    }
  }
}

const PULLERS: Record<Stream, (ctx: Ctx) => Promise<void>> = {
  activities: pullActivities,
  chats: pullChats,
  sessions_local: (ctx) => pullSessions(ctx, "local"),
  sessions_remote: (ctx) => pullSessions(ctx, "remote"),
  organizations: pullOrganizations,
  users: pullUsers,
};

/**
 * What kind of failure, for people who may not read the error text (non-admins): the text can
 * carry the server's own words, addresses and ports.
 */
export const ERROR_CATEGORIES = ["config", "blocked_destination", "network", "auth", "rate_limited", "server", "bad_response", "internal"] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export function errorCategory(err: unknown): ErrorCategory {
  if (err instanceof ComplianceDestinationError) return "blocked_destination";
  if (err instanceof ComplianceAuthenticationError || err instanceof CompliancePermissionError) return "auth";
  if (err instanceof ComplianceRateLimitError) return "rate_limited";
  if (err instanceof ComplianceApiError) return "server";
  if (err instanceof ComplianceNetworkError) return "network";
  if (err instanceof ComplianceResponseError) return "bad_response";
  return "internal";
}

/** A stream error as operators should read it: what failed and what to do; never content or keys. */
export function describeSyncError(err: unknown, stream: Stream, baseUrl: string): string {
  if (err instanceof ComplianceAuthenticationError) {
    return `The Compliance API rejected the access key (${err.status} ${err.type}: ${err.apiMessage}). Check the key, or enter a new one.`;
  }
  if (err instanceof CompliancePermissionError) {
    return `The access key lacks the scope ${STREAM_SCOPE[stream]} (${err.status} ${err.type}: ${err.apiMessage})`;
  }
  if (err instanceof ComplianceRateLimitError) return `Rate limited by the Compliance API (${err.message}); the next run continues where this one stopped.`;
  if (err instanceof ComplianceApiError) return `The Compliance API answered ${err.message}`;
  if (err instanceof ComplianceNetworkError) return `${err.message} at ${baseUrl}`;
  if (err instanceof ComplianceResponseError) return err.message;
  if (err instanceof ComplianceDestinationError) return `The connector refused to connect: ${err.message}`;
  return `Internal error: ${describeError(err)}`;
}

/**
 * Runs every due stream of a tenant's connector. Errors are recorded per stream (the other
 * streams still run), except a rejected key, which stops the run. Throws only when aborted.
 */
export async function runComplianceSync(opts: SyncOptions): Promise<SyncReport> {
  const report = Object.fromEntries(STREAMS.map((s) => [s, emptyReport()])) as SyncReport;
  const streams = opts.streams ?? STREAMS;
  const now = opts.now ?? (() => new Date());
  const connector = await getConnector(opts.tenantId);
  const creds = await connectorCredentials(opts.tenantId);
  if (connector && !connector.enabled && !opts.force) return report;
  if (!connector || !creds.ok) {
    const problem: StreamError = creds.ok ? { message: "No Compliance API connector is configured.", category: "config" } : { message: creds.problem, category: creds.category };
    for (const s of streams) {
      await markOutcome(opts.tenantId, s, problem, now());
      Object.assign(report[s], { ran: false, ok: false, error: problem.message, errorCategory: problem.category });
    }
    return report;
  }
  const client = new ComplianceClient({
    baseUrl: creds.baseUrl,
    apiKey: creds.apiKey,
    bucket: bucketForConnector(opts.tenantId),
    signal: opts.signal,
    ...opts.client,
  });
  let fatal: StreamError | null = null;
  for (const stream of streams) {
    checkAbort(opts.signal);
    const r = report[stream];
    if (fatal) {
      await markOutcome(opts.tenantId, stream, fatal, now());
      Object.assign(r, { ok: false, error: fatal.message, errorCategory: fatal.category });
      continue;
    }
    const { lastRunAt } = await readState(opts.tenantId, stream);
    if (!opts.force && lastRunAt && now().getTime() - lastRunAt.getTime() < MIN_INTERVAL_SECONDS[stream] * 1000) continue;
    r.ran = true;
    await markRun(opts.tenantId, stream, now());
    const ctx: Ctx = {
      tenantId: opts.tenantId,
      client,
      now,
      settleMs: (opts.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000,
      overlapMs: connector.overlapSeconds * 1000,
      pageSize: { ...DEFAULT_PAGE_SIZE, ...opts.pageSize },
      signal: opts.signal,
      hooks: opts.hooks ?? {},
      report: r,
      stream,
      progress: () => opts.onProgress?.({ stream, pages: r.pages, fetched: r.fetched, stored: r.stored }),
      deadline: Date.now() + (opts.streamBudgetMs ?? 5 * 60_000),
    };
    try {
      await PULLERS[stream](ctx);
      await markOutcome(opts.tenantId, stream, null, now());
    } catch (err) {
      if (err instanceof AbortedError || opts.signal?.aborted) throw err;
      const failure: StreamError = { message: describeSyncError(err, stream, creds.baseUrl), category: errorCategory(err) };
      r.ok = false;
      r.error = failure.message;
      r.errorCategory = failure.category;
      await markOutcome(opts.tenantId, stream, failure, now());
      // A rejected key or a refused destination is the same for every stream.
      if (err instanceof ComplianceAuthenticationError || err instanceof ComplianceDestinationError) fatal = failure;
    }
  }
  return report;
}

// ---- status (settings page, GET /api/v1/connectors) --------------------------------------------------

export interface StreamStatus {
  stream: Stream;
  label: string;
  description: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  /** The error as operators read it; for viewers without error detail, its category only. */
  lastError: string | null;
  lastErrorCategory: ErrorCategory | null;
  lastErrorAt: string | null;
  recordsPulled: number;
  rejected: number;
  newestRecordAt: string | null;
  /** Everything before this time has been pulled (activities, chats, local sessions). */
  coveredUntil: string | null;
  /** Seconds between now and coveredUntil (or the last success for full walks). */
  lagSeconds: number | null;
  /** A window or walk is part way (resumes there). */
  inProgress: boolean;
}

export interface JobStatusView {
  id: number;
  status: string;
  runAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  progress: Record<string, unknown>;
  lastError: string | null;
}

export interface ConnectorStatus {
  tenantId: string;
  /** When this view was computed (the newest view wins in the polling UI). */
  generatedAt: string;
  configured: boolean;
  settings: Omit<ConnectorSettings, "updatedAt"> & { updatedAt: string | null };
  state: "not_configured" | "disabled" | "needs_key" | "running" | "queued" | "never_run" | "ok" | "error";
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lagSeconds: number | null;
  recordsPulled: number;
  errors: number;
  streams: StreamStatus[];
  jobs: JobStatusView[];
  lastJob: JobStatusView | null;
}

const stateRow = z.object({
  stream: z.string(),
  cursor: z.unknown(),
  last_run_at: z.date().nullable(),
  last_success_at: z.date().nullable(),
  last_error: z.string().nullable(),
  last_error_category: z.enum(ERROR_CATEGORIES).nullable().catch("internal"),
  last_error_at: z.date().nullable(),
  records_pulled: z.coerce.number(),
  newest_record_at: z.date().nullable(),
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function jobView(j: Job, errorDetail: boolean): JobStatusView {
  const view = { id: j.id, status: j.status, runAt: j.runAt.toISOString(), startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt), attempts: j.attempts, progress: j.progress, lastError: j.lastError };
  return errorDetail ? view : { ...view, progress: withoutErrorText(j.progress), lastError: j.lastError === null ? null : "internal" };
}

/** A job's progress with each stream's error text left out (its category stays). */
function withoutErrorText(progress: Record<string, unknown>): Record<string, unknown> {
  const streams = progress.streams;
  if (!streams || typeof streams !== "object") return progress;
  const reduced = Object.fromEntries(
    Object.entries(streams as Record<string, unknown>).map(([stream, r]) => {
      if (!r || typeof r !== "object") return [stream, r];
      const { error, ...rest } = r as Record<string, unknown>;
      return [stream, error === undefined ? rest : { ...rest, errorCategory: rest.errorCategory ?? "internal" }];
    }),
  );
  return { ...progress, streams: reduced };
}

export const SYNC_JOB_KIND = "compliance.sync";

/**
 * The connector's settings (never the key), per-stream state, lag and jobs. Error text only with
 * `errorDetail` (admins): it may quote the server, name addresses and ports; everyone else gets
 * a category (ERROR_CATEGORIES).
 */
export async function connectorStatus(tenantId: string, now = new Date(), { errorDetail = false }: { errorDetail?: boolean } = {}): Promise<ConnectorStatus> {
  const defaults = defaultConnectorSettings(tenantId);
  const connector = await getConnector(tenantId);
  const { rows } = await getPool().query(`SELECT * FROM compliance_sync_state WHERE tenant_id = $1`, [tenantId]);
  const byStream = new Map(rows.map((r) => stateRow.parse(r)).map((r) => [r.stream, r]));
  const streams: StreamStatus[] = STREAMS.map((stream) => {
    const r = byStream.get(stream);
    const cursor = cursorSchema.parse(r?.cursor ?? {});
    const covered = cursor.coveredUntil ? new Date(cursor.coveredUntil) : null;
    const reference = covered ?? r?.last_success_at ?? null;
    return {
      stream,
      label: STREAM_LABELS[stream],
      description: STREAM_DESCRIPTIONS[stream],
      lastRunAt: iso(r?.last_run_at),
      lastSuccessAt: iso(r?.last_success_at),
      lastError: r?.last_error ? (errorDetail ? r.last_error : (r.last_error_category ?? "internal")) : null,
      lastErrorCategory: r?.last_error ? (r.last_error_category ?? "internal") : null,
      lastErrorAt: iso(r?.last_error_at),
      recordsPulled: r?.records_pulled ?? 0,
      rejected: cursor.rejected ?? 0,
      newestRecordAt: iso(r?.newest_record_at),
      coveredUntil: iso(covered),
      lagSeconds: reference ? Math.max(0, Math.round((now.getTime() - reference.getTime()) / 1000)) : null,
      inProgress: Boolean(cursor.window?.afterId || cursor.walk?.page),
    };
  });
  const jobs = connector ? await activeJobs(tenantId, SYNC_JOB_KIND) : [];
  const last = connector ? await lastFinishedJob(tenantId, SYNC_JOB_KIND) : null;
  const settings = connector ?? defaults;
  const errors = streams.filter((s) => s.lastError).length;
  const lastRun = streams.reduce<string | null>((a, s) => (s.lastRunAt && (!a || s.lastRunAt > a) ? s.lastRunAt : a), null);
  const lastSuccess = streams.reduce<string | null>((a, s) => (s.lastSuccessAt && (!a || s.lastSuccessAt > a) ? s.lastSuccessAt : a), null);
  const activities = streams.find((s) => s.stream === "activities")!;
  let state: ConnectorStatus["state"];
  if (!connector) state = "not_configured";
  else if (connector.keyProblem || !connector.hasKey) state = "needs_key";
  else if (!connector.enabled) state = "disabled";
  else if (jobs.some((j) => j.status === "running")) state = "running";
  else if (!lastRun) state = jobs.length ? "queued" : "never_run";
  else state = errors ? "error" : "ok";
  return {
    tenantId,
    generatedAt: new Date().toISOString(),
    configured: connector !== null,
    settings: { ...settings, updatedAt: connector ? connector.updatedAt.toISOString() : null },
    state,
    lastRunAt: lastRun,
    lastSuccessAt: lastSuccess,
    lagSeconds: activities.lagSeconds,
    recordsPulled: streams.reduce((a, s) => a + s.recordsPulled, 0),
    errors,
    streams,
    jobs: jobs.map((j) => jobView(j, errorDetail)),
    lastJob: last ? jobView(last, errorDetail) : null,
  };
}
