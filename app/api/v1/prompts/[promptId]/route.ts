import { HttpError, withReadApi } from "@/lib/api/read-api";
import { promptConversation } from "@/lib/queries/conversation";
import { promptTimeline } from "@/lib/queries/prompts";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/prompts/{promptId}: every event the prompt caused, in event.sequence order, and
 * the matching Compliance API transcript (`compliance`) with its clls_/clsm_ ids.
 */
export async function GET(request: Request, { params }: { params: Promise<{ promptId: string }> }): Promise<Response> {
  const { promptId } = await params;
  return withReadApi(request, async (ctx) => {
    const timeline = await promptTimeline(ctx.principal.tenantId, promptId, ctx.canReadContent);
    if (!timeline) throw new HttpError(404, `no events for prompt ${promptId}`);
    const compliance = await promptConversation(ctx.principal.tenantId, timeline.events, ctx.canReadContent);
    await ctx.auditContentView(`prompt:${promptId}`);
    return { ...timeline, compliance };
  });
}
