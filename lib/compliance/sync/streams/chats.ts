import { chatSchema, storeChat, storeChatMessages } from "@/lib/sources/compliance";
import { ComplianceNotFoundError, ComplianceResponseError } from "../../client";
import { changed, checkAbort, commitPage, knownRecords, outOfTime, windowedCursor, type Ctx } from "../pull-context";
import { newestOf, type Cursor } from "../state";

// Chats: time windows over updated_at (oldest first, after_id); messages of new or changed chats.

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

export async function pullChats(ctx: Ctx): Promise<void> {
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
