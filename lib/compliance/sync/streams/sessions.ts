import { withTransaction } from "@/lib/db/pool";
import { sessionSchema, storeSession, storeSessionMessages } from "@/lib/sources/compliance";
import { ComplianceInvalidRequestError, ComplianceNotFoundError, type SessionMessagesPage } from "../../client";
import type { Stream } from "../catalog";
import { changed, checkAbort, commitPage, knownRecords, outOfTime, type Ctx } from "../pull-context";
import { newestOf, readState, type Cursor } from "../state";

// Local sessions: walks filtered by updated_at.gte; remote sessions: full walks. Transcripts are
// fetched when a session is new or changed.

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

export async function pullSessions(ctx: Ctx, kind: SessionKind): Promise<void> {
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
