import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { authOptions } from "@/lib/auth/options";
import { resetConfigForTests } from "@/lib/config";
import { proxy } from "@/proxy";

// The run-time security headers, through the real proxy function Next.js calls. The fixed
// headers (next.config.js) and the CSP in a browser are checked end to end in
// e2e/security-headers.spec.ts.

const saved = { url: process.env.BLINDSPOT_PUBLIC_URL, nextauth: process.env.NEXTAUTH_URL };
afterEach(() => {
  process.env.BLINDSPOT_PUBLIC_URL = saved.url;
  process.env.NEXTAUTH_URL = saved.nextauth;
  if (saved.url === undefined) delete process.env.BLINDSPOT_PUBLIC_URL;
  if (saved.nextauth === undefined) delete process.env.NEXTAUTH_URL;
  resetConfigForTests();
});

function usePublicUrl(url: string) {
  process.env.BLINDSPOT_PUBLIC_URL = url;
  delete process.env.NEXTAUTH_URL;
  resetConfigForTests();
}

const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];

describe("security headers set by the proxy", () => {
  it("https public URL: HSTS, a nonce CSP that frames nothing, upgrades requests, on pages, redirects and API routes", async () => {
    usePublicUrl("https://blindspot.example");
    const login = await proxy(new NextRequest("https://blindspot.example/login"));
    expect(login.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const csp = login.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("upgrade-insecure-requests");
    expect(csp).not.toContain("unsafe-eval");
    // Next.js reads the nonce from the request's CSP header: the two must be the same policy.
    expect(login.headers.get("x-middleware-request-content-security-policy")).toBe(csp);

    const again = await proxy(new NextRequest("https://blindspot.example/login"));
    expect(nonceOf(again.headers.get("content-security-policy")!)).not.toBe(nonceOf(csp));

    const anonymous = await proxy(new NextRequest("https://blindspot.example/explore"));
    expect(anonymous.status).toBe(307);
    expect(anonymous.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const api = await proxy(new NextRequest("https://blindspot.example/api/v1/events"));
    expect(api.headers.get("strict-transport-security")).toBe("max-age=31536000");
  });

  it("http (loopback) public URL: no HSTS and no upgrade-insecure-requests, which would break plain-http use", async () => {
    usePublicUrl("http://localhost:3000");
    const res = await proxy(new NextRequest("http://localhost:3000/login"));
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expect(res.headers.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("session cookies are Secure exactly when the public URL is https", () => {
    usePublicUrl("https://blindspot.example");
    expect(authOptions().useSecureCookies).toBe(true);
    usePublicUrl("http://127.0.0.1:3000");
    expect(authOptions().useSecureCookies).toBe(false);
  });
});
