import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import { baseUrlProblem, ComplianceDestinationError, guardedLookup, type DestinationPolicy, type Resolver } from "./destination";

// One GET to the Compliance API (or one POST to an alert webhook) over node:http(s), never
// following redirects, through the destination guard (URL policy before, address check at
// connect time), reading at most `maxBytes` of (decompressed) body: past that the response is
// aborted, not buffered.

/** Largest response body read (after gzip). A full activities page (5000 records) is a few MiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A body this client will not read: the same on every attempt, so never retried. */
export class UnreadableResponseError extends Error {
  name = "UnreadableResponseError";
}

/** The body went past the cap; the connection was closed. */
export class ResponseTooLargeError extends UnreadableResponseError {
  /** The HTTP status of the response whose body was too large (set by the request that read it). */
  status: number | null = null;
  constructor(readonly maxBytes: number) {
    super(`the response is larger than ${maxBytes} bytes`);
    this.name = "ResponseTooLargeError";
  }
}

export interface GuardedGetOptions {
  headers: Record<string, string>;
  policy: DestinationPolicy;
  signal?: AbortSignal;
  maxBytes?: number;
  /** Tests inject name resolution; production uses dns.lookup. */
  resolve?: Resolver;
}

export interface GuardedResponse {
  status: number;
  headers: Headers;
  text: string;
}

type AgentPair = { http: http.Agent; https: https.Agent };
const systemAgents = new Map<string, AgentPair>();

function makeAgents(policy: DestinationPolicy, resolve: Resolver | undefined, keepAlive: boolean): AgentPair {
  const lookup = guardedLookup(policy, resolve);
  return { http: new http.Agent({ keepAlive, lookup }), https: new https.Agent({ keepAlive, lookup }) };
}

/** Keep-alive agents, one pair per policy: each socket is checked when it connects, then reused. */
function agentsFor(policy: DestinationPolicy, resolve?: Resolver): AgentPair {
  if (resolve) return makeAgents(policy, resolve, false);
  const key = `${[...policy.allowedHosts].sort().join(",")}|${policy.allowLoopback}|${(policy.allowedNetworks ?? []).join(",")}|${policy.subject ?? ""}`;
  let pair = systemAgents.get(key);
  if (!pair) systemAgents.set(key, (pair = makeAgents(policy, undefined, true)));
  return pair;
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
    else if (v !== undefined) h.set(k, v);
  }
  return h;
}

async function readCapped(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ResponseTooLargeError(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function guardedGet(url: string, opts: GuardedGetOptions): Promise<GuardedResponse> {
  const problem = baseUrlProblem(url, opts.policy);
  if (problem) return Promise.reject(new ComplianceDestinationError(problem));
  return guardedRequest("GET", url, null, opts);
}

export interface GuardedPostOptions extends GuardedGetOptions {
  /**
   * The caller's URL check (scheme, host policy), run first; the address check runs at connect
   * time either way.
   */
  urlProblem: (url: string) => string | null;
}

/** One POST of `body` through the same guard (alert webhooks). */
export function guardedPost(url: string, body: Buffer, opts: GuardedPostOptions): Promise<GuardedResponse> {
  const problem = opts.urlProblem(url);
  if (problem) return Promise.reject(new ComplianceDestinationError(problem));
  return guardedRequest("POST", url, body, { ...opts, headers: { ...opts.headers, "content-length": String(body.length) } });
}

function guardedRequest(method: "GET" | "POST", url: string, payload: Buffer | null, opts: GuardedGetOptions): Promise<GuardedResponse> {
  const u = new URL(url);
  const maxBytes = opts.maxBytes ?? MAX_RESPONSE_BYTES;
  const pair = agentsFor(opts.policy, opts.resolve);
  const client = u.protocol === "https:" ? https : http;
  const agent = u.protocol === "https:" ? pair.https : pair.http;
  return new Promise<GuardedResponse>((resolve, reject) => {
    const req = client.request(u, { method, agent, headers: { ...opts.headers, "accept-encoding": "gzip" }, signal: opts.signal });
    req.once("error", reject);
    req.once("response", (res) => {
      const encoding = (res.headers["content-encoding"] ?? "identity").toLowerCase();
      if (encoding !== "identity" && encoding !== "gzip") {
        res.destroy();
        reject(new UnreadableResponseError(`unsupported content-encoding ${encoding.slice(0, 40)}`));
        return;
      }
      const body: Readable = encoding === "gzip" ? res.pipe(zlib.createGunzip()) : res;
      if (body !== res) res.once("error", (err) => body.destroy(err));
      readCapped(body, maxBytes).then(
        (buf) => resolve({ status: res.statusCode ?? 0, headers: toHeaders(res.headers), text: buf.toString("utf8") }),
        (err: unknown) => {
          if (err instanceof ResponseTooLargeError) err.status = res.statusCode ?? null;
          // Past the cap (or a broken body): stop reading and drop the connection.
          res.destroy();
          req.destroy();
          reject(err);
        },
      );
    });
    req.end(payload ?? undefined);
  });
}
