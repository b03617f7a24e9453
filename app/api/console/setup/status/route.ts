import { userForApi } from "@/lib/auth/session";
import { getPool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET ?tokenId= : has anything arrived with this ingest token yet (the setup page's live check). */
export async function GET(request: Request): Promise<Response> {
  const user = await userForApi();
  if (!user?.isAdmin) return Response.json({ error: "admins only" }, { status: user ? 403 : 401 });
  const tokenId = new URL(request.url).searchParams.get("tokenId") ?? "";
  const token = await prisma().ingestToken.findUnique({ where: { id: tokenId } });
  if (!token || token.tenantId !== user.tenantId) return Response.json({ error: "no such token" }, { status: 404 });
  const { rows } = await getPool().query<{ kind: string; name: string; source: string; received_at: Date }>(
    `(SELECT 'event' AS kind, event_name AS name, source, received_at FROM events
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND time > now() - interval '1 day' ORDER BY time DESC LIMIT 1)
     UNION ALL
     (SELECT 'span', name, source, received_at FROM spans
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND start_time > now() - interval '1 day' ORDER BY start_time DESC LIMIT 1)
     UNION ALL
     (SELECT 'metric', metric_name, source, received_at FROM metric_points
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND time > now() - interval '1 day' ORDER BY time DESC LIMIT 1)`,
    [user.tenantId, token.id],
  );
  const latest = rows.sort((a, b) => b.received_at.getTime() - a.received_at.getTime())[0];
  return Response.json(
    { received: Boolean(latest) || token.lastUsedAt !== null, lastUsedAt: token.lastUsedAt, latest: latest ? { kind: latest.kind, name: latest.name, source: latest.source, receivedAt: latest.received_at } : null },
    { headers: { "cache-control": "no-store" } },
  );
}
