import { storeActivities } from "@/lib/sources/compliance";
import { ComplianceResponseError } from "../../client";
import { checkAbort, commitPage, outOfTime, windowedCursor, type Ctx } from "../pull-context";
import { newestOf, type Cursor } from "../state";

// Activities: time windows over created_at, walked newest first with after_id.

export async function pullActivities(ctx: Ctx): Promise<void> {
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
