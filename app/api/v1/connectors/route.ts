import { withReadApi } from "@/lib/api/read-api";
import { canAdminister } from "@/lib/auth/roles";
import { connectorStatus } from "@/lib/compliance/sync/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/connectors
 * The tenant's connectors: today the Compliance API connector, with its settings (the access
 * key only as a hint), per-stream state (last run, last success, last error, records pulled,
 * newest record, covered-until and lag in seconds) and its queued or running sync jobs.
 * Error text goes to admin tokens only; analysts and managers get its category
 * (network, auth, rate_limited, server, bad_response, blocked_destination, config, internal).
 */
export async function GET(request: Request): Promise<Response> {
  return withReadApi(request, async (ctx) => ({
    connectors: [{ type: "compliance_api", ...(await connectorStatus(ctx.principal.tenantId, new Date(), { errorDetail: canAdminister(ctx.principal.role) })) }],
  }));
}
