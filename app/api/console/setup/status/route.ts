import { userForApi } from "@/lib/auth/session";
import { ingestTokenArrival } from "@/lib/queries/setup-status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET ?tokenId= : has anything arrived with this ingest token yet (the setup page's live check). */
export async function GET(request: Request): Promise<Response> {
  const user = await userForApi();
  if (!user?.isAdmin) return Response.json({ error: "admins only" }, { status: user ? 403 : 401 });
  const tokenId = new URL(request.url).searchParams.get("tokenId") ?? "";
  const arrival = await ingestTokenArrival(user.tenantId, tokenId);
  if (!arrival) return Response.json({ error: "no such token" }, { status: 404 });
  return Response.json(arrival, { headers: { "cache-control": "no-store" } });
}
