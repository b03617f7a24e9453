import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import { metricPoints } from "@/lib/queries/metrics";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/v1/metrics?name=&sessionId=&from=&to=&limit= : metric data points, newest first. */
export async function GET(request: Request): Promise<Response> {
  const p = new URL(request.url).searchParams;
  return withReadApi(request, async (ctx) => {
    const limit = p.get("limit") === null ? 1000 : Number(p.get("limit"));
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new HttpError(400, "limit must be an integer from 1 to 10000");
    const points = await metricPoints(ctx.principal.tenantId, {
      name: p.get("name") ?? undefined,
      sessionId: p.get("sessionId") ?? undefined,
      from: parseDateParam(p.get("from"), "from"),
      to: parseDateParam(p.get("to"), "to"),
      limit,
    }, ctx.canReadContent);
    return { points };
  });
}
