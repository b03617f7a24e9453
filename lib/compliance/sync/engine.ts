import { AbortedError, bucketForConnector, ComplianceAuthenticationError, ComplianceClient, type ComplianceClientOptions } from "../client";
import { connectorCredentials, getConnector } from "../connector-config";
import { ComplianceDestinationError } from "../destination";
import { DEFAULT_PAGE_SIZE, DEFAULT_SETTLE_SECONDS, MIN_INTERVAL_SECONDS, STREAMS, type Stream } from "./catalog";
import { describeSyncError, errorCategory } from "./errors";
import { checkAbort, type Ctx, type StreamReport, type SyncHooks } from "./pull-context";
import { markOutcome, markRun, readState, type StreamError } from "./state";
import { pullActivities } from "./streams/activities";
import { pullChats } from "./streams/chats";
import { pullOrganizations, pullUsers } from "./streams/directory";
import { pullSessions } from "./streams/sessions";

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

export type SyncReport = Record<Stream, StreamReport>;

export interface SyncProgress {
  stream: Stream;
  pages: number;
  fetched: number;
  stored: number;
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

function emptyReport(): StreamReport {
  return { ran: false, ok: true, pages: 0, fetched: 0, stored: 0, rejected: 0 };
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
