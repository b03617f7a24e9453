import { getPool } from "@/lib/db/pool";
import { tenantIngestToken } from "@/lib/auth/ingest-tokens";

// The setup page's live check: has anything arrived with this ingest token yet?

export interface TokenArrival {
  received: boolean;
  lastUsedAt: Date | null;
  latest: { kind: string; name: string; source: string; receivedAt: Date } | null;
}

/** Null when the token is not the tenant's. Looks at the last day of events, spans and metric points. */
export async function ingestTokenArrival(tenantId: string, tokenId: string): Promise<TokenArrival | null> {
  const token = await tenantIngestToken(tenantId, tokenId);
  if (!token) return null;
  const { rows } = await getPool().query<{ kind: string; name: string; source: string; received_at: Date }>(
    `(SELECT 'event' AS kind, event_name AS name, source, received_at FROM events
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND time > now() - interval '1 day' ORDER BY time DESC LIMIT 1)
     UNION ALL
     (SELECT 'span', name, source, received_at FROM spans
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND start_time > now() - interval '1 day' ORDER BY start_time DESC LIMIT 1)
     UNION ALL
     (SELECT 'metric', metric_name, source, received_at FROM metric_points
       WHERE tenant_id = $1 AND ingest_token_id = $2 AND time > now() - interval '1 day' ORDER BY time DESC LIMIT 1)`,
    [tenantId, token.id],
  );
  const latest = rows.sort((a, b) => b.received_at.getTime() - a.received_at.getTime())[0];
  return {
    received: Boolean(latest) || token.lastUsedAt !== null,
    lastUsedAt: token.lastUsedAt,
    latest: latest ? { kind: latest.kind, name: latest.name, source: latest.source, receivedAt: latest.received_at } : null,
  };
}
