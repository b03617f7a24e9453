import { z } from "zod";
import { ComplianceDestinationError, destinationPolicy, type DestinationPolicy, type Resolver } from "./destination";
import { guardedGet, MAX_RESPONSE_BYTES, UnreadableResponseError } from "./transport";

// HTTP client for the Anthropic Compliance API (https://platform.claude.com/docs/en/manage-claude/compliance-api): x-api-key + anthropic-version
// headers, bracket array parameters, a per-connector token bucket under the shared 600
// requests/minute budget, and the documented retry rules (429 → wait `retry-after`; 5xx →
// exponential backoff unless `x-should-retry: false`). Errors carry the API's error.type and
// message, never the key, request headers or response content. Every request goes through the
// destination guard (lib/compliance/destination.ts) and reads at most MAX_RESPONSE_BYTES.

export const ANTHROPIC_VERSION = "2023-06-01";

// ---- sleeping that an abort interrupts ----------------------------------------------------

export class AbortedError extends Error {
  constructor() {
    super("stopped");
    this.name = "AbortError";
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// ---- rate limit ----------------------------------------------------------------------------

export interface TokenBucketOptions {
  /** Requests allowed in any 60-second window. */
  perMinute: number;
  /** Requests that may go out back to back. */
  burst: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A token bucket that never lets more than `perMinute` requests out in any 60-second window:
 * it holds `burst` tokens and refills at (perMinute − burst) per minute, so a full burst plus
 * a minute of refill is exactly the budget. Callers are served in order. A 429 or an exhausted
 * `anthropic-ratelimit-requests-remaining` pauses the whole bucket, not only the caller.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private turn: Promise<void> = Promise.resolve();
  private readonly ratePerMs: number;
  private readonly now: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: TokenBucketOptions) {
    if (opts.burst < 1 || opts.burst >= opts.perMinute) throw new Error("burst must be at least 1 and below perMinute");
    this.now = opts.now ?? Date.now;
    this.wait = opts.sleep ?? sleep;
    this.tokens = opts.burst;
    this.last = this.now();
    this.ratePerMs = (opts.perMinute - opts.burst) / 60_000;
  }

  /** Resolves when the caller may send one request. */
  take(signal?: AbortSignal): Promise<void> {
    const mine = this.turn.then(() => this.acquire(signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Nobody sends before `untilMs` (epoch ms). */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError();
      const now = this.now();
      if (now < this.pausedUntil) {
        await this.wait(this.pausedUntil - now, signal);
        continue;
      }
      this.tokens = Math.min(this.opts.burst, this.tokens + (now - this.last) * this.ratePerMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.wait(Math.ceil((1 - this.tokens) / this.ratePerMs), signal);
    }
  }
}

/** The documented budget: 600 requests/minute per parent organization, shared by every key and endpoint. */
export const COMPLIANCE_REQUESTS_PER_MINUTE = 600;

const buckets = (globalThis as unknown as { __blindspotComplianceBuckets?: Map<string, TokenBucket> });
buckets.__blindspotComplianceBuckets ??= new Map();

/** One bucket per connector (tenant) and process, kept across sync runs. */
export function bucketForConnector(connectorKey: string): TokenBucket {
  const map = buckets.__blindspotComplianceBuckets!;
  let b = map.get(connectorKey);
  if (!b) {
    b = new TokenBucket({ perMinute: COMPLIANCE_REQUESTS_PER_MINUTE, burst: 20 });
    map.set(connectorKey, b);
  }
  return b;
}

// ---- errors --------------------------------------------------------------------------------

/** An answer of the API that is not a success, after any retries. */
export class ComplianceApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly apiMessage: string,
    readonly requestId: string | null,
    readonly path: string,
  ) {
    super(`${status} ${type}: ${apiMessage}${requestId ? ` (request-id ${requestId})` : ""}`);
    this.name = "ComplianceApiError";
  }
}
/** 401: the key is unknown, revoked or missing. */
export class ComplianceAuthenticationError extends ComplianceApiError {}
/** 403 (or the older 401 "…does not have the `X` scope"): the key lacks a scope. */
export class CompliancePermissionError extends ComplianceApiError {}
export class ComplianceNotFoundError extends ComplianceApiError {}
export class ComplianceInvalidRequestError extends ComplianceApiError {}
export class ComplianceRateLimitError extends ComplianceApiError {}
export class ComplianceServerError extends ComplianceApiError {}

/** The connection failed (refused, reset, closed mid-body, timed out) on every attempt. */
export class ComplianceNetworkError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`could not reach the Compliance API (${reason})`);
    this.name = "ComplianceNetworkError";
  }
}

/** A success whose body does not have the documented shape. */
export class ComplianceResponseError extends Error {
  constructor(readonly path: string, detail: string, readonly requestId: string | null) {
    super(`unexpected response from ${path}: ${detail}${requestId ? ` (request-id ${requestId})` : ""}`);
    this.name = "ComplianceResponseError";
  }
}

const errorBody = z.object({ error: z.object({ type: z.string(), message: z.string() }).passthrough() }).passthrough();

function apiError(status: number, bodyText: string, requestId: string | null, path: string): ComplianceApiError {
  let type = `http_${status}`;
  let message = "no error details";
  try {
    const parsed = errorBody.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      type = parsed.data.error.type;
      message = parsed.data.error.message.slice(0, 300);
    }
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  const args = [status, type, message, requestId, path] as const;
  if (status === 401 && /scope/i.test(message)) return new CompliancePermissionError(...args);
  if (status === 401) return new ComplianceAuthenticationError(...args);
  if (status === 403) return new CompliancePermissionError(...args);
  if (status === 404) return new ComplianceNotFoundError(...args);
  if (status === 400 || status === 422) return new ComplianceInvalidRequestError(...args);
  if (status === 429) return new ComplianceRateLimitError(...args);
  if (status >= 500) return new ComplianceServerError(...args);
  return new ComplianceApiError(...args);
}

// ---- requests ------------------------------------------------------------------------------

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type Query = Record<string, QueryValue>;

/** Base URL + path + query; arrays use the API's bracket syntax (`ids[]=a&ids[]=b`). */
export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const url = new URL(baseUrl.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      const name = key.endsWith("[]") ? key : `${key}[]`;
      for (const v of value as readonly string[]) url.searchParams.append(name, v);
    } else {
      url.searchParams.set(key, String(value));
    }
  }
  return url.toString();
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff for 5xx and connection failures; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `retry-after` longer than this is not waited for (the run fails and the next one retries). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 5 * 60_000 };

/** What the client reports for operators (no content, no key). */
export type ClientEvent =
  | { type: "retry"; path: string; status: number | null; attempt: number; waitMs: number; reason: string }
  | { type: "request"; path: string; status: number; ms: number };

export interface ComplianceClientOptions {
  baseUrl: string;
  apiKey: string;
  bucket?: TokenBucket;
  retry?: Partial<RetryPolicy>;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where the key may go; default: from the environment (destinationPolicy()). */
  policy?: DestinationPolicy;
  /** Tests: name resolution for the connect-time address check. */
  resolve?: Resolver;
  /** Largest response body read; larger ones are aborted (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: (e: ClientEvent) => void;
  /** Random in [0, 1): jitter. Tests pin it. */
  random?: () => number;
}

/** `retry-after` (seconds or an HTTP date) in ms; for 429 also the budget's reset time. */
function retryAfterMs(headers: Headers, now: number, rateLimited: boolean): number | null {
  const v = headers.get("retry-after");
  if (v) {
    const secs = Number(v);
    if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (!rateLimited) return null;
  const reset = headers.get("anthropic-ratelimit-requests-reset");
  if (reset) {
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return null;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status >= 500;
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: unknown; name?: unknown } }).cause;
    if (err.name === "TimeoutError" || cause?.name === "TimeoutError") return "timed out";
    const code = (err as { code?: unknown }).code ?? cause?.code;
    return typeof code === "string" ? code : err.message.slice(0, 120);
  }
  return "unknown error";
}

export class ComplianceClient {
  private readonly retry: RetryPolicy;
  private readonly policy: DestinationPolicy;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: ComplianceClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.policy = opts.policy ?? destinationPolicy();
    this.wait = opts.sleep ?? sleep;
    this.random = opts.random ?? Math.random;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(base * (0.75 + this.random() * 0.5));
  }

  /** GET a path; the body is parsed with `schema`. Retries as documented, then throws a typed error. */
  async get<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<T> {
    const url = buildUrl(this.opts.baseUrl, path, query);
    const signal = this.opts.signal;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortedError();
      await this.opts.bucket?.take(signal);
      const started = Date.now();
      let res: { status: number; ok: boolean; headers: Headers };
      let text: string;
      try {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 120_000);
        // node:http never follows a redirect: a 3xx is an error answer, and the key stays here.
        const r = await guardedGet(url, {
          headers: { "x-api-key": this.opts.apiKey, "anthropic-version": ANTHROPIC_VERSION, accept: "application/json" },
          policy: this.policy,
          resolve: this.opts.resolve,
          maxBytes: this.opts.maxResponseBytes ?? MAX_RESPONSE_BYTES,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        res = { status: r.status, ok: r.status >= 200 && r.status < 300, headers: r.headers };
        text = r.text;
      } catch (err) {
        if (signal?.aborted) throw new AbortedError();
        // Refused destinations and oversized bodies would be the same on every attempt.
        if (err instanceof ComplianceDestinationError) throw err;
        if (err instanceof UnreadableResponseError) throw new ComplianceResponseError(path, err.message, null);
        const cause = describeFetchError(err);
        if (attempt >= this.retry.maxAttempts) throw new ComplianceNetworkError(path, cause);
        const waitMs = this.backoff(attempt);
        this.opts.onEvent?.({ type: "retry", path, status: null, attempt, waitMs, reason: cause });
        await this.wait(waitMs, signal);
        continue;
      }
      const requestId = res.headers.get("request-id");
      this.opts.onEvent?.({ type: "request", path, status: res.status, ms: Date.now() - started });
      this.noteRateLimit(res.headers);

      if (res.ok) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          // A 200 cut short by a proxy: the same page again is safe (cursors are retry-safe).
          if (attempt >= this.retry.maxAttempts) throw new ComplianceResponseError(path, "body is not JSON", requestId);
          const waitMs = this.backoff(attempt);
          this.opts.onEvent?.({ type: "retry", path, status: res.status, attempt, waitMs, reason: "body is not JSON" });
          await this.wait(waitMs, signal);
          continue;
        }
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
          throw new ComplianceResponseError(path, detail, requestId);
        }
        return parsed.data;
      }

      const error = apiError(res.status, text, requestId, path);
      const shouldRetry = res.headers.get("x-should-retry");
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers, Date.now(), true) ?? this.backoff(attempt);
        if (attempt >= this.retry.maxAttempts || waitMs > this.retry.maxRetryAfterMs) throw error;
        // Everyone sharing this connector's budget waits, not only this request.
        this.opts.bucket?.pauseUntil(Date.now() + waitMs);
        this.opts.onEvent?.({ type: "retry", path, status: 429, attempt, waitMs, reason: "rate limited" });
        await this.wait(waitMs, signal);
        continue;
      }
      const retryable = shouldRetry === "true" || (shouldRetry !== "false" && isRetryableStatus(res.status));
      if (!retryable || attempt >= this.retry.maxAttempts) throw error;
      const waitMs = Math.max(this.backoff(attempt), retryAfterMs(res.headers, Date.now(), false) ?? 0);
      this.opts.onEvent?.({ type: "retry", path, status: res.status, attempt, waitMs, reason: error.type });
      await this.wait(waitMs, signal);
    }
  }

  private noteRateLimit(headers: Headers): void {
    if (!this.opts.bucket || headers.get("anthropic-ratelimit-requests-remaining") !== "0") return;
    const reset = Date.parse(headers.get("anthropic-ratelimit-requests-reset") ?? "");
    if (!Number.isNaN(reset)) this.opts.bucket.pauseUntil(reset);
  }

  // ---- endpoints (https://platform.claude.com/docs/en/api/compliance) ----------

  listActivities(query: ActivityQuery): Promise<CursorPage> {
    return this.get("/v1/compliance/activities", { ...query }, cursorPageSchema);
  }

  listChats(query: ChatQuery): Promise<CursorPage> {
    return this.get("/v1/compliance/apps/chats", { ...query }, cursorPageSchema);
  }

  getChatMessages(chatId: string, query: { after_id?: string; limit?: number } = {}): Promise<ChatWithMessages> {
    return this.get(`/v1/compliance/apps/chats/${encodeURIComponent(chatId)}/messages`, { ...query }, chatWithMessagesSchema);
  }

  listLocalSessions(query: LocalSessionQuery): Promise<TokenPage> {
    return this.get("/v1/compliance/apps/sessions/local", { ...query }, tokenPageSchema);
  }

  getLocalSessionMessages(sessionId: string, query: SessionMessagesQuery = {}): Promise<SessionMessagesPage> {
    return this.get(`/v1/compliance/apps/sessions/local/${encodeURIComponent(sessionId)}/messages`, { ...query }, sessionMessagesSchema);
  }

  listRemoteSessions(query: { page?: string; limit?: number; "organization_ids[]"?: string[]; "user_ids[]"?: string[] } = {}): Promise<TokenPage> {
    return this.get("/v1/compliance/apps/sessions/remote", { ...query }, tokenPageSchema);
  }

  getRemoteSessionMessages(sessionId: string, query: SessionMessagesQuery = {}): Promise<SessionMessagesPage> {
    return this.get(`/v1/compliance/apps/sessions/remote/${encodeURIComponent(sessionId)}/messages`, { ...query }, sessionMessagesSchema);
  }

  listOrganizations(query: { page?: string; limit?: number } = {}): Promise<TokenPage> {
    return this.get("/v1/compliance/organizations", { ...query }, tokenPageSchema);
  }

  listOrganizationUsers(orgUuid: string, query: { page?: string; limit?: number } = {}): Promise<TokenPage> {
    return this.get(`/v1/compliance/organizations/${encodeURIComponent(orgUuid)}/users`, { ...query }, tokenPageSchema);
  }
}

// ---- response shapes (records themselves are validated by lib/sources/compliance.ts) ----

export const cursorPageSchema = z
  .object({ data: z.array(z.unknown()), has_more: z.boolean(), first_id: z.string().nullish(), last_id: z.string().nullish() })
  .passthrough();
export type CursorPage = z.infer<typeof cursorPageSchema>;

/** Page-token families; sessions have no `has_more` (stop when `next_page` is null). */
export const tokenPageSchema = z.object({ data: z.array(z.unknown()), next_page: z.string().nullish(), has_more: z.boolean().optional() }).passthrough();
export type TokenPage = z.infer<typeof tokenPageSchema>;

export const chatWithMessagesSchema = z
  .object({
    id: z.string(),
    chat_messages: z.array(z.unknown()).nullish(),
    has_more: z.boolean().optional(),
    first_id: z.string().nullish(),
    last_id: z.string().nullish(),
  })
  .passthrough();
export type ChatWithMessages = z.infer<typeof chatWithMessagesSchema>;

export const sessionMessagesSchema = tokenPageSchema.extend({ session: z.unknown().optional() });
export type SessionMessagesPage = z.infer<typeof sessionMessagesSchema>;

export interface ActivityQuery {
  "created_at.gte"?: string;
  "created_at.gt"?: string;
  "created_at.lte"?: string;
  "created_at.lt"?: string;
  after_id?: string;
  before_id?: string;
  limit?: number;
  order?: "asc" | "desc";
  "activity_types[]"?: string[];
  "exclude_activity_types[]"?: string[];
  "organization_ids[]"?: string[];
  "actor_ids[]"?: string[];
}

export interface ChatQuery {
  "created_at.gte"?: string;
  "created_at.lt"?: string;
  "updated_at.gte"?: string;
  "updated_at.lt"?: string;
  order_by?: "updated_at";
  after_id?: string;
  before_id?: string;
  limit?: number;
  "organization_ids[]"?: string[];
  "user_ids[]"?: string[];
}

export interface LocalSessionQuery {
  "created_at.gte"?: string;
  "created_at.lt"?: string;
  "updated_at.gte"?: string;
  limit?: number;
  page?: string;
}

export interface SessionMessagesQuery {
  page?: string;
  limit?: number;
  order?: "asc" | "desc";
  tool_use_input_max_bytes?: number;
  tool_result_max_bytes?: number;
}
