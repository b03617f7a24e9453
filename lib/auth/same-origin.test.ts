import { afterEach, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { isSameOrigin } from "./same-origin";

// The Origin check of console routes that change data (the Compliance import). End to end in
// e2e/compliance-security.spec.ts; here the decision for each header combination.

function post(url: string, headers: Record<string, string>): Request {
  return new Request(url, { method: "POST", headers });
}

afterEach(() => {
  delete process.env.BLINDSPOT_PUBLIC_URL;
  resetConfigForTests();
});

describe("isSameOrigin", () => {
  it("accepts the Host the request was sent to, and BLINDSPOT_PUBLIC_URL behind a proxy", () => {
    expect(isSameOrigin(post("http://10.0.0.2:3000/api/x", { host: "10.0.0.2:3000", origin: "http://10.0.0.2:3000" }))).toBe(true);
    // TLS ends at the proxy: the app sees http, the browser says https.
    expect(isSameOrigin(post("http://blindspot.example.com/api/x", { host: "blindspot.example.com", origin: "https://blindspot.example.com", "x-forwarded-proto": "https" }))).toBe(true);
    process.env.BLINDSPOT_PUBLIC_URL = "https://soc.example.com/";
    resetConfigForTests();
    expect(isSameOrigin(post("http://127.0.0.1:3000/api/x", { host: "127.0.0.1:3000", origin: "https://soc.example.com" }))).toBe(true);
  });

  it("refuses another site, another port or scheme, a sibling subdomain, Origin: null, and no Origin at all", () => {
    const host = { host: "blindspot.example.com" };
    for (const origin of ["https://evil.example", "http://blindspot.example.com:8080", "https://blindspot.example.com", "https://x.blindspot.example.com", "null"]) {
      expect(isSameOrigin(post("http://blindspot.example.com/api/x", { ...host, origin })), origin).toBe(false);
    }
    expect(isSameOrigin(post("http://blindspot.example.com/api/x", host))).toBe(false);
  });
});
