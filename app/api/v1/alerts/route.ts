import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import {
  AlertInputError, MAX_ALERT_PAGE, listAlerts, parseServiceParam, parseSeverityParam, parseStatusParam,
} from "@/lib/detections/alerts";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/alerts?from=&to=&status=&rule=&severity=&person=&service=&cursor=&limit=
 * The alert queue, most severe first, then the most recent hit; follow `nextCursor` for the next
 * page. status, severity and service take comma-separated values; status=open means new and
 * acknowledged. Managers get `matched: null`.
 */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const p = url.searchParams;
  return withReadApi(request, async (ctx) => {
    const limitRaw = p.get("limit");
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ALERT_PAGE) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_ALERT_PAGE}`);
    const from = parseDateParam(p.get("from"), "from");
    const to = parseDateParam(p.get("to"), "to");
    if (from && to && from >= to) throw new HttpError(400, "from must be before to");
    const rule = p.get("rule") || undefined;
    const person = p.get("person") || undefined;
    if ((rule?.length ?? 0) > 200 || (person?.length ?? 0) > 500) throw new HttpError(400, "rule or person is too long");
    try {
      const page = await listAlerts(
        ctx.principal.tenantId,
        { from, to, rule, person, status: parseStatusParam(p.get("status")), severity: parseSeverityParam(p.get("severity")), service: parseServiceParam(p.get("service")) },
        { cursor: p.get("cursor") || undefined, limit, canReadContent: ctx.canReadContent },
      );
      if (page.alerts.length > 0) await ctx.auditContentView(`alerts:${url.search}`);
      return page;
    } catch (err) {
      if (err instanceof AlertInputError) throw new HttpError(400, err.message);
      throw err;
    }
  });
}
