import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

// A stand-in for the Anthropic Compliance API (https://platform.claude.com/docs/en/manage-claude/compliance-api) that follows the documented
// contract, for integration tests and the e2e run: x-api-key auth with scopes (401/403 bodies as
// documented), activities newest first with after_id/before_id cursors, first_id/last_id/has_more,
// limit 1..5000, created_at.gte|gt|lte|lt, activity_types[] / exclude_activity_types[], order;
// chats oldest first with cursors; local/remote sessions with page tokens and no has_more;
// transcripts; organizations and users; a request-id on every response and rate-limit headers.
// Tests inject faults (429 + retry-after, 5xx with/without x-should-retry, a connection reset,
// a body cut off mid-page), insert late rows behind a cursor, and read the request log.

export type Json = Record<string, unknown>;

export const SCOPES = {
  activities: "read:compliance_activities",
  userData: "read:compliance_user_data",
  orgData: "read:compliance_org_data",
} as const;
export const ALL_SCOPES = Object.values(SCOPES);

export interface StubChat {
  /** ComplianceChatMetadata: id, name, created_at, updated_at, deleted_at, organization_uuid, project_id, user, … */
  chat: Json;
  messages: Json[];
}

export interface StubSession {
  /** compliance_local_session / remote session object. */
  session: Json;
  messages: Json[];
}

export interface ComplianceStubData {
  activities?: Json[];
  chats?: StubChat[];
  localSessions?: StubSession[];
  remoteSessions?: StubSession[];
  organizations?: Json[];
  /** Users per organization UUID. */
  users?: Record<string, Json[]>;
}

export interface StubRequest {
  n: number;
  at: number;
  method: string;
  path: string;
  /** Query parameters as sent (repeated keys keep every value). */
  query: Record<string, string[]>;
  /** Whether an x-api-key header came with the request (its value is never recorded). */
  hadKey: boolean;
  anthropicVersion: string | null;
  status: number;
  requestId: string;
  fault?: string;
}

export type StubFault =
  | { kind: "status"; status: number; type: string; message: string; headers?: Record<string, string> }
  /** Close the connection without answering. */
  | { kind: "reset" }
  /** Send the status line, headers and half of the real body, then close the connection. */
  | { kind: "cut" };

export interface FaultRule {
  /** Path prefix (e.g. "/v1/compliance/activities") or a predicate on the request. */
  match: string | ((req: { path: string; query: URLSearchParams }) => boolean);
  /** How many matching requests get the fault (default 1). */
  times?: number;
  fault: StubFault;
}

export const faults = {
  rateLimited: (retryAfterSeconds: number): StubFault => ({
    kind: "status", status: 429, type: "rate_limit_error", message: "Number of requests has exceeded your rate limit.",
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  serverError: (shouldRetry?: boolean): StubFault => ({
    kind: "status", status: 500, type: "api_error", message: "Internal server error",
    headers: shouldRetry === undefined ? {} : { "x-should-retry": String(shouldRetry) },
  }),
  overloaded: (shouldRetry?: boolean): StubFault => ({
    kind: "status", status: 503, type: "overloaded_error", message: "The local session index is temporarily unavailable. Retry later.",
    headers: shouldRetry === undefined ? {} : { "x-should-retry": String(shouldRetry) },
  }),
  reset: (): StubFault => ({ kind: "reset" }),
  cut: (): StubFault => ({ kind: "cut" }),
};

export interface ComplianceStubOptions {
  /** Accepted keys and their scopes; a plain string gets every scope. */
  keys?: (string | { key: string; scopes: string[] })[];
  data?: ComplianceStubData;
  port?: number;
  host?: string;
  /** Requests per minute before answering 429 (the real budget is 600); unset: no limit. */
  rateLimitPerMinute?: number;
}

export interface ComplianceStub {
  url: string;
  readonly requests: StubRequest[];
  readonly data: Required<ComplianceStubData>;
  addActivities(rows: Json[]): void;
  addChat(chat: StubChat): void;
  addLocalSession(s: StubSession): void;
  addRemoteSession(s: StubSession): void;
  setKey(key: string, scopes?: string[]): void;
  removeKey(key: string): void;
  inject(rule: FaultRule): void;
  clearFaults(): void;
  /** Runs before each authenticated request is answered (e.g. to insert late rows mid-walk). */
  onRequest(hook: ((req: { path: string; query: URLSearchParams; n: number }) => void) | null): void;
  /** Page tokens handed out so far stop working (they expire after 24 h in the real API). */
  expirePageTokens(): void;
  requestsTo(pathPrefix: string): StubRequest[];
  close(): Promise<void>;
}

import { ApiFailure, compareKeyed, cursorPage, inWindow, invalid, limitParam, micros, notFound, RFC3339, str, timeFilter, timeParam, type Keyed } from "./compliance-stub-params";
export { micros } from "./compliance-stub-params";

// ---- the server ----------------------------------------------------------------------------

export async function startComplianceStub(options: ComplianceStubOptions = {}): Promise<ComplianceStub> {
  const keys = new Map<string, string[]>();
  for (const k of options.keys ?? []) {
    if (typeof k === "string") keys.set(k, [...ALL_SCOPES]);
    else keys.set(k.key, k.scopes);
  }
  const data: Required<ComplianceStubData> = {
    activities: [...(options.data?.activities ?? [])],
    chats: [...(options.data?.chats ?? [])],
    localSessions: [...(options.data?.localSessions ?? [])],
    remoteSessions: [...(options.data?.remoteSessions ?? [])],
    organizations: [...(options.data?.organizations ?? [])],
    users: { ...(options.data?.users ?? {}) },
  };
  const requests: StubRequest[] = [];
  let rules: (FaultRule & { left: number })[] = [];
  let hook: ((req: { path: string; query: URLSearchParams; n: number }) => void) | null = null;
  let tokenEpoch = randomBytes(4).toString("hex");
  const recent: number[] = [];
  let n = 0;

  // Page tokens are opaque to clients: base64url JSON with the walk's position and filters.
  function issueToken(payload: Json): string {
    return Buffer.from(JSON.stringify({ ...payload, e: tokenEpoch })).toString("base64url");
  }
  function readToken(token: string, walk: string): Json {
    let parsed: Json;
    try {
      parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Json;
    } catch {
      throw invalid("Invalid page cursor.");
    }
    if (typeof parsed !== "object" || parsed === null || parsed.w !== walk) throw invalid("Invalid page cursor.");
    if (parsed.e !== tokenEpoch) throw invalid("The page cursor has expired. Start the listing again.");
    return parsed;
  }

  function requireScope(have: string[], needed: string): void {
    if (!have.includes(needed)) {
      throw new ApiFailure(403, "permission_error", `Missing required scopes. Got: [${have.map((s) => `'${s}'`).join(", ")}] Needed: ['${needed}']`);
    }
  }

  function activities(q: URLSearchParams): Json {
    const limit = limitParam(q, 100, 5000);
    const order = q.get("order") ?? "desc";
    if (order !== "asc" && order !== "desc") throw invalid("order: Input should be 'asc' or 'desc'");
    const window = timeFilter(q, "created_at");
    const types = q.getAll("activity_types[]");
    const excluded = q.getAll("exclude_activity_types[]");
    if (types.length && excluded.length) throw invalid("activity_types and exclude_activity_types are mutually exclusive");
    const orgs = q.getAll("organization_ids[]");
    const actors = [...q.getAll("actor_ids[]"), ...q.getAll("user_ids[]")];
    const direction = order === "desc" ? -1 : 1;
    const all = data.activities.map((a) => ({ item: a, t: micros(str(a, "created_at")), id: str(a, "id") }));
    all.sort((a, b) => compareKeyed(a, b) * direction);
    const filtered = all.filter(({ item, t }) => {
      const type = str(item, "type");
      const actor = (item.actor ?? {}) as Json;
      return (
        inWindow(t, window) &&
        (!types.length || types.includes(type)) &&
        !excluded.includes(type) &&
        (!orgs.length || orgs.includes(str(item, "organization_id")) || orgs.includes(str(item, "organization_uuid"))) &&
        (!actors.length || actors.includes(str(actor, "user_id")))
      );
    });
    return cursorPage(filtered, all, q, direction, limit);
  }

  function chats(q: URLSearchParams): Json {
    const limit = limitParam(q, 100, 1000);
    const byUpdated = q.get("order_by") === "updated_at";
    if (q.get("order_by") !== null && !byUpdated) throw invalid("order_by: Input should be 'updated_at'");
    const created = timeFilter(q, "created_at");
    const updated = timeFilter(q, "updated_at");
    const users = q.getAll("user_ids[]");
    if (q.getAll("project_ids[]").length && !users.length) throw invalid("project_ids requires at least one user_ids");
    const keyOf = (c: StubChat) => micros(str(c.chat, byUpdated ? "updated_at" : "created_at") || str(c.chat, "created_at"));
    const all = data.chats.map((c) => ({ item: c, t: keyOf(c), id: str(c.chat, "id") })).sort(compareKeyed);
    const filtered = all.filter(({ item }) => {
      const user = (item.chat.user ?? {}) as Json;
      return (
        inWindow(micros(str(item.chat, "created_at")), created) &&
        inWindow(micros(str(item.chat, "updated_at") || str(item.chat, "created_at")), updated) &&
        (!users.length || users.includes(str(user, "id")))
      );
    });
    const page = cursorPage(filtered, all, q, 1, limit);
    return { ...page, data: page.data.map((c) => c.chat) };
  }

  function chatMessages(chatId: string, q: URLSearchParams): Json {
    const chat = data.chats.find((c) => c.chat.id === chatId);
    if (!chat) throw notFound(`Chat ${chatId} not found.`);
    const limit = limitParam(q, 100, 1000);
    const all = chat.messages.map((m, i) => ({ item: m, t: i, id: str(m, "id") }));
    const page = cursorPage(all, all, q, 1, limit);
    return { ...chat.chat, chat_messages: page.data, has_more: page.has_more, first_id: page.first_id, last_id: page.last_id };
  }

  function localSessions(q: URLSearchParams): Json {
    const limit = limitParam(q, 20, 100);
    const created = timeFilter(q, "created_at");
    const updatedGte = timeParam(q, "updated_at.gte");
    const sig = `${q.get("created_at.gte")}|${q.get("created_at.lt")}|${q.get("updated_at.gte")}`;
    // Newest first; a page token remembers the last key handed out, so inserts don't shift pages.
    const all = data.localSessions
      .map((s) => ({ item: s, t: micros(str(s.session, "created_at")), id: str(s.session, "id") }))
      .sort((a, b) => -compareKeyed(a, b))
      .filter(({ item, t }) => inWindow(t, created) && (updatedGte === undefined || micros(str(item.session, "updated_at") || str(item.session, "created_at")) >= updatedGte));
    let rest = all;
    const token = q.get("page");
    if (token) {
      const pos = readToken(token, `local:${sig}`);
      const key = { t: Number(pos.t), id: String(pos.id) };
      rest = all.filter((x) => compareKeyed(x, key) < 0);
    }
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    // Documented: no has_more; next_page is null at the end.
    return { data: page.map((x) => x.item.session), next_page: rest.length > limit && last ? issueToken({ w: `local:${sig}`, t: last.t, id: last.id }) : null };
  }

  function truncate(text: string, max: number, param: string): { text: string; truncated: boolean } {
    if (Buffer.byteLength(text) <= max) return { text, truncated: false };
    const cut = Buffer.from(text).subarray(0, max).toString("utf8").replace(/\uFFFD$/, "");
    return { text: `${cut}…[truncated; pass ${param}=-1 for the server max]`, truncated: true };
  }

  function maxBytes(q: URLSearchParams, name: string): number {
    const v = q.get(name);
    if (v === null) return 10_000;
    const n = Number(v);
    if (!Number.isInteger(n) || n === 0 || n < -1) throw invalid(`${name} must be -1 or a positive integer`);
    return n === -1 ? 1024 * 1024 : n;
  }

  function shapeMessage(m: Json, inputMax: number, resultMax: number): Json {
    const content = Array.isArray(m.content) ? (m.content as Json[]) : [];
    return {
      ...m,
      content: content.map((b) => {
        if (b.type === "tool_use" && typeof b.input === "string") {
          const t = truncate(b.input, inputMax, "tool_use_input_max_bytes");
          return { ...b, input: t.text, truncated: t.truncated || b.truncated === true };
        }
        if (b.type === "tool_result" && Array.isArray(b.content)) {
          let truncated = b.truncated === true;
          const inner = (b.content as Json[]).map((c) => {
            if (c.type !== "text" || typeof c.text !== "string") return c;
            const t = truncate(c.text, resultMax, "tool_result_max_bytes");
            truncated ||= t.truncated;
            return { ...c, text: t.text };
          });
          return { ...b, content: inner, truncated };
        }
        return b;
      }),
    };
  }

  function sessionMessages(s: StubSession, kind: string, q: URLSearchParams): Json {
    const limit = limitParam(q, 100, 1000);
    const order = q.get("order") ?? "asc";
    if (order !== "asc" && order !== "desc") throw invalid("order: Input should be 'asc' or 'desc'");
    const inputMax = maxBytes(q, "tool_use_input_max_bytes");
    const resultMax = maxBytes(q, "tool_result_max_bytes");
    const id = str(s.session, "id");
    const list = order === "asc" ? s.messages : [...s.messages].reverse();
    let offset = 0;
    const token = q.get("page");
    if (token) offset = Number(readToken(token, `${kind}-messages:${id}:${order}`).o);
    const page = list.slice(offset, offset + limit);
    const next = offset + limit < list.length ? issueToken({ w: `${kind}-messages:${id}:${order}`, o: offset + limit }) : null;
    // On the messages endpoint the user's email is always null (documented).
    const user = (s.session.user ?? null) as Json | null;
    return {
      session: { ...s.session, user: user ? { ...user, email_address: null } : null },
      data: page.map((m) => shapeMessage(m, inputMax, resultMax)),
      next_page: next,
    };
  }

  function remoteSessions(q: URLSearchParams): Json {
    const limit = limitParam(q, 20, 100);
    const orgs = q.getAll("organization_ids[]");
    const users = q.getAll("user_ids[]");
    const sig = `${orgs.join(",")}|${users.join(",")}`;
    const all = data.remoteSessions
      .map((s) => ({ item: s, t: micros(str(s.session, "created_at")), id: str(s.session, "id") }))
      .sort((a, b) => -compareKeyed(a, b))
      .filter(({ item }) => {
        const owner = (item.session.user ?? item.session.started_by_user ?? {}) as Json;
        return (!orgs.length || orgs.includes(str(item.session, "organization_uuid"))) && (!users.length || users.includes(str(owner, "id")));
      });
    let rest = all;
    const token = q.get("page");
    if (token) {
      const pos = readToken(token, `remote:${sig}`);
      rest = all.filter((x) => compareKeyed(x, { t: Number(pos.t), id: String(pos.id) }) < 0);
    }
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map((x) => x.item.session), next_page: rest.length > limit && last ? issueToken({ w: `remote:${sig}`, t: last.t, id: last.id }) : null };
  }

  function offsetPage(list: Json[], q: URLSearchParams, walk: string, dflt: number, max: number): Json {
    const limit = limitParam(q, dflt, max);
    const token = q.get("page");
    const offset = token ? Number(readToken(token, walk).o) : 0;
    const page = list.slice(offset, offset + limit);
    const more = offset + limit < list.length;
    return { data: page, has_more: more, next_page: more ? issueToken({ w: walk, o: offset + limit }) : null };
  }

  type Route = { re: RegExp; scope: string; handle: (m: RegExpExecArray, q: URLSearchParams) => Json };
  const routes: Route[] = [
    { re: /^\/v1\/compliance\/activities$/, scope: SCOPES.activities, handle: (_, q) => activities(q) },
    { re: /^\/v1\/compliance\/apps\/chats$/, scope: SCOPES.userData, handle: (_, q) => chats(q) },
    { re: /^\/v1\/compliance\/apps\/chats\/([^/]+)\/messages$/, scope: SCOPES.userData, handle: (m, q) => chatMessages(decodeURIComponent(m[1]), q) },
    { re: /^\/v1\/compliance\/apps\/sessions\/local$/, scope: SCOPES.userData, handle: (_, q) => localSessions(q) },
    {
      re: /^\/v1\/compliance\/apps\/sessions\/local\/([^/]+)$/, scope: SCOPES.userData,
      handle: (m) => {
        const s = data.localSessions.find((x) => x.session.id === decodeURIComponent(m[1]));
        if (!s) throw notFound("Local session not found.");
        return s.session;
      },
    },
    {
      re: /^\/v1\/compliance\/apps\/sessions\/local\/([^/]+)\/messages$/, scope: SCOPES.userData,
      handle: (m, q) => {
        const s = data.localSessions.find((x) => x.session.id === decodeURIComponent(m[1]));
        if (!s) throw notFound("Local session not found.");
        return sessionMessages(s, "local", q);
      },
    },
    { re: /^\/v1\/compliance\/apps\/sessions\/remote$/, scope: SCOPES.userData, handle: (_, q) => remoteSessions(q) },
    {
      re: /^\/v1\/compliance\/apps\/sessions\/remote\/([^/]+)\/messages$/, scope: SCOPES.userData,
      handle: (m, q) => {
        const s = data.remoteSessions.find((x) => x.session.id === decodeURIComponent(m[1]));
        if (!s) throw notFound("Remote session not found.");
        if (s.session.status === "pending") throw notFound("Remote session transcript is not available while the session is pending.");
        return sessionMessages(s, "remote", q);
      },
    },
    { re: /^\/v1\/compliance\/organizations$/, scope: SCOPES.orgData, handle: (_, q) => offsetPage(data.organizations, q, "orgs", 1000, 1000) },
    {
      re: /^\/v1\/compliance\/organizations\/([^/]+)\/users$/, scope: SCOPES.userData,
      handle: (m, q) => {
        const org = decodeURIComponent(m[1]);
        const list = data.users[org] ?? data.users[org.toLowerCase()];
        if (!list && !data.organizations.some((o) => o.uuid === org)) throw notFound("Organization not found.");
        return offsetPage(list ?? [], q, `users:${org}`, 500, 1000);
      },
    },
  ];

  function rateHeaders(now: number): Record<string, string> {
    const limit = options.rateLimitPerMinute;
    if (!limit) return { "anthropic-ratelimit-requests-limit": "600", "anthropic-ratelimit-requests-remaining": "599", "anthropic-ratelimit-requests-reset": new Date(now + 60_000).toISOString() };
    while (recent.length && recent[0] <= now - 60_000) recent.shift();
    const reset = recent.length ? recent[0] + 60_000 : now + 60_000;
    return {
      "anthropic-ratelimit-requests-limit": String(limit),
      "anthropic-ratelimit-requests-remaining": String(Math.max(0, limit - recent.length)),
      "anthropic-ratelimit-requests-reset": new Date(reset).toISOString(),
    };
  }

  const server = http.createServer((req, res) => {
    // The stub reads no bodies (every documented read is a GET); drain anything sent.
    req.resume();
    const now = Date.now();
    const url = new URL(req.url ?? "/", "http://stub");
    const q = url.searchParams;
    const requestId = `req_stub_${String(++n).padStart(6, "0")}`;
    const entry: StubRequest = {
      n, at: now, method: req.method ?? "GET", path: url.pathname,
      query: Object.fromEntries([...new Set(q.keys())].map((k) => [k, q.getAll(k)])),
      hadKey: typeof req.headers["x-api-key"] === "string", anthropicVersion: (req.headers["anthropic-version"] as string | undefined) ?? null,
      status: 0, requestId,
    };
    requests.push(entry);
    const send = (status: number, body: Json, extra: Record<string, string> = {}) => {
      entry.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "request-id": requestId, ...extra });
      res.end(text);
    };
    const fail = (status: number, type: string, message: string, extra: Record<string, string> = {}) => send(status, { type: "error", error: { type, message } }, extra);

    const key = req.headers["x-api-key"];
    const scopes = typeof key === "string" ? keys.get(key) : undefined;
    // Auth failures do not consume quota (documented), so they are answered first.
    if (!scopes) return fail(401, "authentication_error", "The API key provided is invalid or has been revoked.");
    if (req.method !== "GET") return fail(405, "invalid_request_error", `Method ${req.method} not allowed`);

    const rate = rateHeaders(now);
    if (options.rateLimitPerMinute && recent.length >= options.rateLimitPerMinute) {
      const wait = Math.max(1, Math.ceil((recent[0] + 60_000 - now) / 1000));
      entry.fault = "budget";
      return fail(429, "rate_limit_error", "Number of requests has exceeded your rate limit.", { ...rate, "retry-after": String(wait) });
    }
    recent.push(now);

    const rule = rules.find((r) => r.left > 0 && (typeof r.match === "string" ? url.pathname.startsWith(r.match) : r.match({ path: url.pathname, query: q })));
    let cut = false;
    if (rule) {
      rule.left -= 1;
      const f = rule.fault;
      entry.fault = f.kind === "status" ? String(f.status) : f.kind;
      if (f.kind === "reset") {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
      if (f.kind === "status") return fail(f.status, f.type, f.message, { ...rate, ...(f.headers ?? {}) });
      cut = true;
    }

    const route = routes.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
    if (!route) return fail(404, "not_found_error", "Not found.");
    try {
      // Scope failures consume one unit of quota (documented): checked after counting.
      requireScope(scopes, route.r.scope);
      hook?.({ path: url.pathname, query: q, n });
      const body = route.r.handle(route.m!, q);
      if (cut) {
        const text = JSON.stringify(body);
        entry.status = -2;
        res.writeHead(200, { "content-type": "application/json", "request-id": requestId, ...rate });
        res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        // Let the partial chunk reach the client before the connection dies.
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      send(200, body, rate);
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.status, err.type, err.message, rate);
      return fail(500, "api_error", "Internal server error", rate);
    }
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    requests,
    data,
    addActivities: (rows) => data.activities.push(...rows),
    addChat: (c) => data.chats.push(c),
    addLocalSession: (s) => data.localSessions.push(s),
    addRemoteSession: (s) => data.remoteSessions.push(s),
    setKey: (k, scopes = [...ALL_SCOPES]) => void keys.set(k, scopes),
    removeKey: (k) => void keys.delete(k),
    inject: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }),
    clearFaults: () => void (rules = []),
    onRequest: (h) => void (hook = h),
    expirePageTokens: () => void (tokenEpoch = randomBytes(4).toString("hex")),
    requestsTo: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { loadComplianceFixtures } from "./compliance-stub-fixtures";
