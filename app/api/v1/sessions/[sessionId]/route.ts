import { HttpError, withReadApi } from "@/lib/api/read-api";
import { SESSION_PAGE, sessionEvents, sessionOverview } from "@/lib/queries/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/sessions/{sessionId}?cursor=&limit= : the session's prompts (with summaries), context
 * and Office traces, and its events in order, up to 1,000 per page (follow `nextCursor`).
 */
export async function GET(request: Request, { params }: { params: Promise<{ sessionId: string }> }): Promise<Response> {
  const { sessionId } = await params;
  const url = new URL(request.url);
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const limit = url.searchParams.get("limit") === null ? SESSION_PAGE : Number(url.searchParams.get("limit"));
  return withReadApi(request, async (ctx) => {
    if (!Number.isInteger(limit) || limit < 1 || limit > SESSION_PAGE) throw new HttpError(400, `limit must be an integer from 1 to ${SESSION_PAGE}`);
    const overview = await sessionOverview(ctx.principal.tenantId, sessionId, ctx.canReadContent);
    if (!overview) throw new HttpError(404, `no events for session ${sessionId}`);
    const page = await sessionEvents(ctx.principal.tenantId, sessionId, ctx.canReadContent, cursor, limit);
    await ctx.auditContentView(`session:${sessionId}`);
    return { ...overview, ...page };
  });
}
