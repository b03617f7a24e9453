import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

// Serves Next.js route handlers over real HTTP for integration tests: requests go through a
// socket with real framing (chunked or sized bodies, gzip bytes, headers) and reach the same
// exported GET/POST/OPTIONS functions that Next.js calls.

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Response | Promise<Response>;
export interface RouteModule {
  GET?: Handler;
  POST?: Handler;
  PATCH?: Handler;
  OPTIONS?: Handler;
}

export interface RouteServer {
  url: string;
  close(): Promise<void>;
}

/** routes: pattern like "/api/v1/prompts/[promptId]" → the route module. */
export async function startRouteServer(routes: Record<string, RouteModule>): Promise<RouteServer> {
  const compiled = Object.entries(routes).map(([pattern, mod]) => {
    const names: string[] = [];
    const re = new RegExp(
      `^${pattern.replace(/\[([^\]]+)\]/g, (_, n: string) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    return { re, names, mod };
  });

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      const route = compiled.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
      const handler = route?.r.mod[(req.method ?? "GET") as keyof RouteModule];
      if (!route || !handler) {
        res.writeHead(route ? 405 : 404).end();
        return;
      }
      const params: Record<string, string> = {};
      route.r.names.forEach((n, i) => (params[n] = decodeURIComponent(route.m![i + 1])));
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
        else if (v !== undefined) headers.set(k, v);
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        // @ts-expect-error Node's fetch needs duplex for streamed bodies.
        duplex: "half",
      });
      const response = await handler(request, { params: Promise.resolve(params) });
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => (out[k] = v));
      // A handler that answered before reading the whole body (413, 401…) leaves bytes on the
      // socket: close the connection rather than let the next request read them.
      if (hasBody && !req.complete) out.connection = "close";
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(599).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
