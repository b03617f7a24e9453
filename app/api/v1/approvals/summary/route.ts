import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import { approvalSummary, escalations, withoutTargets } from "@/lib/queries/approvals";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/approvals/summary?from=&to=&user=&team=&tool=&mcpServer=&surface=&window=
 * The approvals dashboard's numbers: decisions by source over time and by outcome, Office accept
 * decisions by read/write, per user and per tool, automatic approvals of writes, escalations.
 */
export async function GET(request: Request): Promise<Response> {
  const p = new URL(request.url).searchParams;
  return withReadApi(request, async (ctx) => {
    const to = parseDateParam(p.get("to"), "to") ?? new Date();
    const from = parseDateParam(p.get("from"), "from") ?? new Date(to.getTime() - 7 * 86_400_000);
    if (from >= to) throw new HttpError(400, "from must be before to");
    const windowMinutes = p.get("window") === null ? 10 : Number(p.get("window"));
    if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 1440) throw new HttpError(400, "window is minutes, 1 to 1440");
    const filters = { from, to, user: p.get("user") ?? undefined, team: p.get("team") ?? undefined, tool: p.get("tool") ?? undefined, mcpServer: p.get("mcpServer") ?? undefined, surface: p.get("surface") ?? undefined };
    const [summary, esc] = await Promise.all([approvalSummary(ctx.principal.tenantId, filters), escalations(ctx.principal.tenantId, { ...filters, windowMinutes })]);
    return { ...summary, escalations: ctx.canReadContent ? esc : withoutTargets(esc) };
  });
}
