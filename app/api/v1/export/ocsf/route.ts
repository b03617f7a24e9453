import { HttpError, parseDateParam } from "@/lib/api/read-api";
import { authenticateApi } from "@/lib/auth/api-tokens";
import { canReadContent } from "@/lib/auth/roles";
import { presentedSecret } from "@/lib/auth/secrets";
import { urlHasNul } from "@/lib/db/postgres-values";
import { prisma } from "@/lib/db/prisma";
import { DAY_MS } from "@/lib/domain/time";
import { describeError, isRetryableDatabaseError } from "@/lib/ingest/db-errors";
import { OCSF_KINDS, ocsfStream, type OcsfKind } from "@/lib/ocsf/export";
import { OCSF_VERSION } from "@/lib/ocsf/map";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";


function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/**
 * GET /api/v1/export/ocsf?kind=findings|events&from=&to=
 * OCSF 1.8.0 records as NDJSON, streamed (lib/ocsf/map.ts says which class each record becomes).
 * `from` / `to`: ISO-8601 or epoch ms; default the last 24 hours. Any API token role; manager
 * tokens get content removed; an export with content is audit-logged.
 */
export async function GET(request: Request): Promise<Response> {
  try {
    const auth = await authenticateApi(presentedSecret(request.headers));
    if (!auth.ok) return json(auth.status, { error: auth.message }, auth.status === 401 ? { "www-authenticate": 'Bearer realm="blindspot"' } : {});
    const url = new URL(request.url);
    if (urlHasNul(url)) return json(400, { error: "the URL must not contain NUL (%00)" });
    const p = url.searchParams;
    const kind = p.get("kind");
    if (!OCSF_KINDS.includes(kind as OcsfKind)) throw new HttpError(400, `kind must be one of ${OCSF_KINDS.join(", ")}`);
    const to = parseDateParam(p.get("to"), "to") ?? new Date();
    const from = parseDateParam(p.get("from"), "from") ?? new Date(to.getTime() - DAY_MS);
    if (from.getTime() >= to.getTime()) throw new HttpError(400, "from must be before to");
    const principal = auth.principal;
    const content = canReadContent(principal.role);
    if (content) {
      await prisma().auditLog.create({
        data: { tenantId: principal.tenantId, actor: `api_token:${principal.name} (${principal.id})`, action: "content.view", target: `export:ocsf?kind=${kind}&from=${from.toISOString()}&to=${to.toISOString()}` },
      });
    }
    const stream = ocsfStream({ tenantId: principal.tenantId, kind: kind as OcsfKind, from, to, canReadContent: content });
    return new Response(stream, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "x-ocsf-version": OCSF_VERSION,
      },
    });
  } catch (err) {
    if (err instanceof HttpError) return json(err.status, { error: err.message });
    if (isRetryableDatabaseError(err)) return json(503, { error: "database unavailable, retry later" }, { "retry-after": "5" });
    console.error(`[api] GET /api/v1/export/ocsf: ${describeError(err)}`);
    return json(500, { error: "internal error" });
  }
}
