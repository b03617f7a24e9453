import { HttpError, readJsonBody, withReadApi } from "@/lib/api/read-api";
import { canTriageAlerts } from "@/lib/auth/roles";
import { getApiAlert } from "@/lib/detections/alert-read";
import { AlertInputError, AlertNotFoundError, AlertStateError, updateAlert, type AlertUpdate } from "@/lib/detections/alerts";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/v1/alerts/{id}: one alert with its evidence (the object webhooks deliver). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  return withReadApi(request, async (ctx) => {
    const alert = await getApiAlert(ctx.principal.tenantId, id, ctx.canReadContent);
    if (!alert) throw new HttpError(404, `no alert ${id}`);
    await ctx.auditContentView(`alert:${id}`);
    return alert;
  });
}

/**
 * PATCH /api/v1/alerts/{id} with a JSON body of any of { status, resolution, assignee, note }:
 * new → acknowledged → closed (closing needs a resolution), closed → acknowledged to reopen.
 * Analyst and admin tokens only. Answers with the alert as it is now.
 */
export async function PATCH(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  return withReadApi(request, async (ctx) => {
    if (!canTriageAlerts(ctx.principal.role)) throw new HttpError(403, `a ${ctx.principal.role} token reads alerts; triage needs an analyst or admin token`);
    const body = await readJsonBody(request);
    try {
      await updateAlert(ctx.principal.tenantId, ctx.actor, id, body as AlertUpdate);
    } catch (err) {
      if (err instanceof AlertNotFoundError) throw new HttpError(404, err.message);
      if (err instanceof AlertInputError) throw new HttpError(400, err.message);
      if (err instanceof AlertStateError) throw new HttpError(409, err.message);
      throw err;
    }
    const alert = await getApiAlert(ctx.principal.tenantId, id, ctx.canReadContent);
    if (!alert) throw new HttpError(404, `no alert ${id}`);
    await ctx.auditContentView(`alert:${id}`);
    return alert;
  });
}
