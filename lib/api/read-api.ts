import { recordContentView } from "@/lib/audit";
import { authenticateApi, type ApiPrincipal } from "@/lib/auth/api-tokens";
import { canReadContent } from "@/lib/auth/roles";
import { presentedSecret } from "@/lib/auth/secrets";
import { urlHasNul } from "@/lib/db/postgres-values";
import { config } from "@/lib/config";
import { describeError, isRetryableDatabaseError, isStatementTimeout } from "@/lib/ingest/db-errors";

// The read API's request plumbing: bearer API token → principal (tenant + role), JSON errors
// with the right status, and an audit entry whenever content is handed out.

export class HttpError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }
}

export interface ApiContext {
  principal: ApiPrincipal;
  canReadContent: boolean;
  /** Records that this principal was shown content of `target`. */
  auditContentView(target: string): Promise<void>;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export async function withReadApi(request: Request, fn: (ctx: ApiContext) => Promise<unknown>): Promise<Response> {
  try {
    const auth = await authenticateApi(presentedSecret(request.headers));
    if (!auth.ok) {
      return json(auth.status, { error: auth.message }, auth.status === 401 ? { "www-authenticate": 'Bearer realm="blindspot"' } : {});
    }
    if (urlHasNul(new URL(request.url))) return json(400, { error: "the URL must not contain NUL (%00)" });
    const principal = auth.principal;
    const content = canReadContent(principal.role);
    const ctx: ApiContext = {
      principal,
      canReadContent: content,
      async auditContentView(target) {
        if (!content) return;
        await recordContentView(principal.tenantId, `api_token:${principal.name} (${principal.id})`, target);
      },
    };
    const body = await fn(ctx);
    return json(200, body);
  } catch (err) {
    if (err instanceof HttpError) return json(err.status, { error: err.message });
    if (isStatementTimeout(err)) {
      // Not a retry case: the same question would take as long again.
      const ms = config().BLINDSPOT_STATEMENT_TIMEOUT_MS;
      return json(503, { error: `the query ran longer than the statement timeout (${ms} ms, BLINDSPOT_STATEMENT_TIMEOUT_MS); narrow the time range or filters` });
    }
    if (isRetryableDatabaseError(err)) return json(503, { error: "database unavailable, retry later" }, { "retry-after": "5" });
    console.error(`[api] ${request.method} ${new URL(request.url).pathname}: ${describeError(err)}`);
    return json(500, { error: "internal error" });
  }
}

export function parseDateParam(value: string | null, name: string): Date | undefined {
  if (value === null || value === "") return undefined;
  const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(d.getTime())) throw new HttpError(400, `${name} must be an ISO-8601 time or epoch milliseconds`);
  return d;
}
