// HTTP to the app under test: one keep-alive connection, and the admin's next-auth sign-in.
import http from "node:http";
import { performance } from "node:perf_hooks";

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending the request to the first body byte / the last byte. */
  ttfbMs: number;
  ttlbMs: number;
}

// One keep-alive connection, as a browser tab would reuse: no TCP set-up in the figures.
export const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

export function request(port: number, method: "GET" | "POST", urlPath: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByte = NaN;
    const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, headers, agent, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        if (Number.isNaN(firstByte)) firstByte = performance.now();
        chunks.push(c);
      });
      res.on("end", () => {
        const end = performance.now();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ttfbMs: (Number.isNaN(firstByte) ? end : firstByte) - started,
          ttlbMs: end - started,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** name=value pairs from Set-Cookie headers. */
function setCookies(headers: http.IncomingHttpHeaders): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of headers["set-cookie"] ?? []) {
    const pair = line.split(";")[0];
    const eq = pair.indexOf("=");
    if (eq > 0) out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

/** next-auth v4 credentials sign-in, as the login form does it; returns the Cookie header. */
export async function signIn(port: number, email: string, password: string): Promise<string> {
  const csrf = await request(port, "GET", "/api/auth/csrf", {});
  if (csrf.status !== 200) throw new Error(`GET /api/auth/csrf: ${csrf.status}`);
  const { csrfToken } = JSON.parse(csrf.body.toString("utf8")) as { csrfToken?: string };
  if (!csrfToken) throw new Error("GET /api/auth/csrf returned no csrfToken");
  const jar = setCookies(csrf.headers);
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: "/" }).toString();
  const res = await request(port, "POST", "/api/auth/callback/credentials", {
    "content-type": "application/x-www-form-urlencoded",
    "content-length": String(Buffer.byteLength(form)),
    cookie: cookieHeader(),
  }, form);
  for (const [k, v] of setCookies(res.headers)) jar.set(k, v);
  // The JWT may be split into .0, .1… cookies when large; keep all of them.
  const session = [...jar].filter(([k]) => k.startsWith("next-auth.session-token"));
  if (session.length === 0) {
    throw new Error(`sign-in failed: POST /api/auth/callback/credentials → ${res.status} ${res.body.toString("utf8").slice(0, 200)}`);
  }
  return session.map(([k, v]) => `${k}=${v}`).join("; ");
}
