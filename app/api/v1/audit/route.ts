import { HttpError, parseDateParam, withReadApi } from "@/lib/api/read-api";
import { AUDIT_PAGE, auditEntries, CONTENT_VIEW, contentViewGroups } from "@/lib/queries/audit-log";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/audit?actor=&action=&object=&from=&to=&cursor=&limit=&views=grouped
 * The tenant's audit log, newest first, for admin tokens: actor and object match a part (any
 * case), action an action or its family (`user` for user.*). Follow `nextCursor` for older
 * entries. views=grouped leaves content views out of `entries` and adds `contentViews`, one row
 * per reader and kind of object.
 */
export async function GET(request: Request): Promise<Response> {
  const p = new URL(request.url).searchParams;
  return withReadApi(request, async (ctx) => {
    if (ctx.principal.role !== "admin") throw new HttpError(403, "the audit log is for admin tokens");
    const limitRaw = p.get("limit");
    const limit = limitRaw === null ? AUDIT_PAGE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, "limit must be an integer from 1 to 1000");
    const from = parseDateParam(p.get("from"), "from");
    const to = parseDateParam(p.get("to"), "to");
    if (from && to && from >= to) throw new HttpError(400, "from must be before to");
    const views = p.get("views") ?? "list";
    if (views !== "list" && views !== "grouped") throw new HttpError(400, "views is list or grouped");
    const text = (name: string) => {
      const v = p.get(name) || undefined;
      if (v && v.length > 500) throw new HttpError(400, `${name} is too long`);
      return v;
    };
    const filters = { actor: text("actor"), action: text("action"), object: text("object"), from, to };
    const viewer = { tenantId: ctx.principal.tenantId, isOwner: false };
    const grouped = views === "grouped" && filters.action !== CONTENT_VIEW;
    const [page, contentViews] = await Promise.all([
      auditEntries(viewer, { ...filters, withoutContentViews: grouped, cursor: p.get("cursor") || undefined, limit }),
      grouped ? contentViewGroups(viewer, filters) : Promise.resolve(undefined),
    ]);
    return contentViews ? { ...page, contentViews } : page;
  });
}
