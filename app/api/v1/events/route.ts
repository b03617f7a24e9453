import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import { MAX_PAGE, searchEvents } from "@/lib/queries/events";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/events?q=&source=&name=&user=&sessionId=&promptId=&tool=&from=&to=&cursor=&limit=
 * Newest first; follow `nextCursor` for the next page (a cursor it did not make: 400). `q` is a
 * query in the query language, AND-ed with the other filters; a bad one is a 400 with its `position`.
 */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const p = url.searchParams;
  return withReadApi(request, async (ctx) => {
    const limitRaw = p.get("limit");
    const limit = limitRaw === null ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_PAGE}`);
    const page = await searchEvents(
      ctx.principal.tenantId,
      {
        source: p.get("source") ?? undefined,
        name: p.get("name") ?? undefined,
        user: p.get("user") ?? undefined,
        sessionId: p.get("sessionId") ?? undefined,
        promptId: p.get("promptId") ?? undefined,
        tool: p.get("tool") ?? undefined,
        q: p.get("q") ?? undefined,
        from: parseDateParam(p.get("from"), "from"),
        to: parseDateParam(p.get("to"), "to"),
        cursor: p.get("cursor") ?? undefined,
        limit,
      },
      ctx.canReadContent,
    );
    if (page.events.length > 0) await ctx.auditContentView(`events:${url.search}`);
    return page;
  });
}
