import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DestinationPolicy } from "./destination";
import { guardedGet, ResponseTooLargeError } from "./transport";

// The connector's GET over node:http: gzip bodies are decompressed, the cap counts decompressed
// bytes (a gzip bomb stops at the cap), and redirects are answered, not followed.

const policy: DestinationPolicy = { allowedHosts: new Set(), allowLoopback: true };
const page = JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: `activity_${i}` })), has_more: false });
let server: http.Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/gzip") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(zlib.gzipSync(page));
    } else if (req.url === "/bomb") {
      // 64 MiB of zeros, about 64 KiB on the wire.
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    } else if (req.url === "/redirect") {
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(page);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("guardedGet", () => {
  it("decompresses gzip bodies", async () => {
    const res = await guardedGet(`${base}/gzip`, { headers: {}, policy });
    expect(res.status).toBe(200);
    expect(res.text).toBe(page);
  });

  it("counts the cap after decompression: a gzip bomb stops at the cap", async () => {
    const err = await guardedGet(`${base}/bomb`, { headers: {}, policy, maxBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    // The same server answers the next request (the aborted connection was not reused broken).
    expect((await guardedGet(`${base}/plain`, { headers: {}, policy })).text).toBe(page);
  });

  it("answers a redirect as it is, without following it", async () => {
    hits.length = 0;
    const res = await guardedGet(`${base}/redirect`, { headers: { "x-api-key": "k" }, policy });
    expect(res.status).toBe(302);
    expect(hits).toEqual(["/redirect"]);
  });
});
