import { recordContentView } from "@/lib/audit";
import { authenticateApi, type ApiPrincipal } from "@/lib/auth/api-tokens";
import { canReadContent } from "@/lib/auth/roles";
import { presentedSecret } from "@/lib/auth/secrets";
import { urlHasNul } from "@/lib/db/postgres-values";
import { InvalidCursorError } from "@/lib/db/sql";
import { QueryError } from "@/lib/query/parse";
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
  /** How the audit log names this principal. */
  actor: string;
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
    const actor = `api_token:${principal.name} (${principal.id})`;
    const ctx: ApiContext = {
      principal,
      canReadContent: content,
      actor,
      async auditContentView(target) {
        if (!content) return;
        await recordContentView(principal.tenantId, actor, target);
      },
    };
    const body = await fn(ctx);
    return json(200, body);
  } catch (err) {
    if (err instanceof HttpError) return json(err.status, { error: err.message });
    // One answer for a tampered, truncated or foreign cursor on every paged endpoint.
    if (err instanceof InvalidCursorError) return json(400, { error: err.message });
    // A query (`q`) that does not parse or names an unknown field: where and why.
    if (err instanceof QueryError) return json(400, { error: err.message, position: err.position });
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

/** A JSON request body: 415 for another content type, 413 past maxBytes, 400 when it does not parse. */
export async function readJsonBody(request: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, "send the body as application/json");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new HttpError(413, `the body is larger than ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new HttpError(413, `the body is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
}
