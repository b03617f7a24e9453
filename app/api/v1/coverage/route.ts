import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import { coverage } from "@/lib/queries/coverage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/v1/coverage?from=&to= : the coverage matrix (layers × surfaces), per-person gaps, quiet tokens, content gates, client versions. */
export async function GET(request: Request): Promise<Response> {
  const p = new URL(request.url).searchParams;
  return withReadApi(request, async (ctx) => {
    const to = parseDateParam(p.get("to"), "to") ?? new Date();
    const from = parseDateParam(p.get("from"), "from") ?? new Date(to.getTime() - 7 * 86_400_000);
    if (from >= to) throw new HttpError(400, "from must be before to");
    return coverage(ctx.principal.tenantId, from, to);
  });
}
