import { HttpError, withReadApi } from "@/lib/api/read-api";
import { resolvePerson } from "@/lib/identity/resolve";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/identities?email=|accountUuid=|accountId= : the person with every identifier seen
 * for them (emails, account UUIDs and tagged ids, organizations, devices) and which sources saw them.
 */
export async function GET(request: Request): Promise<Response> {
  const p = new URL(request.url).searchParams;
  return withReadApi(request, async (ctx) => {
    const q = { email: p.get("email") ?? undefined, accountUuid: p.get("accountUuid") ?? undefined, accountId: p.get("accountId") ?? undefined };
    if (!q.email && !q.accountUuid && !q.accountId) throw new HttpError(400, "give email, accountUuid or accountId");
    const person = await resolvePerson(ctx.principal.tenantId, q);
    if (!person) throw new HttpError(404, "nobody with that identifier in this tenant");
    return person;
  });
}
