import { HttpError, withReadApi } from "@/lib/api/read-api";
import { traceTree } from "@/lib/queries/traces";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/v1/traces/{traceId}: the span tree, children nested, with attributes and span events. */
export async function GET(request: Request, { params }: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const { traceId } = await params;
  return withReadApi(request, async (ctx) => {
    if (!/^[0-9a-fA-F]{32}$/.test(traceId)) throw new HttpError(400, "traceId must be 32 hex characters");
    const tree = await traceTree(ctx.principal.tenantId, traceId, ctx.canReadContent);
    if (!tree) throw new HttpError(404, `no spans for trace ${traceId}`);
    await ctx.auditContentView(`trace:${tree.traceId}`);
    return tree;
  });
}
