import { HttpError, withReadApi } from "@/lib/api/read-api";
import { sessionDetail } from "@/lib/queries/sessions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/v1/sessions/{sessionId}: the session's prompts and events in order. */
export async function GET(request: Request, { params }: { params: Promise<{ sessionId: string }> }): Promise<Response> {
  const { sessionId } = await params;
  return withReadApi(request, async (ctx) => {
    const session = await sessionDetail(ctx.principal.tenantId, sessionId, ctx.canReadContent);
    if (!session) throw new HttpError(404, `no events for session ${sessionId}`);
    await ctx.auditContentView(`session:${sessionId}`);
    return session;
  });
}
