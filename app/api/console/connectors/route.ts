import { userForApi } from "@/lib/auth/session";
import { connectorStatus } from "@/lib/compliance/sync/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/console/connectors
 * The Compliance API connector's state for the settings page, which polls it while a sync
 * runs. Admins only (signed-in console session); the key is never included.
 */
export async function GET(): Promise<Response> {
  const user = await userForApi();
  if (!user) return Response.json({ error: "sign in required" }, { status: 401 });
  if (!user.isAdmin) return Response.json({ error: "admins only" }, { status: 403 });
  return Response.json(await connectorStatus(user.tenantId, new Date(), { errorDetail: true }), { headers: { "cache-control": "no-store" } });
}
