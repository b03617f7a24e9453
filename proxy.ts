import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { urlHasNul } from "@/lib/db/postgres-values";
import { publicUrlIsHttps } from "@/lib/public-url";
import { dynamicSecurityHeaders, newNonce } from "@/lib/security-headers";

// Every page and route except the OTLP receivers and static files passes here for the security
// headers that depend on the request or the run-time configuration: a per-response CSP nonce,
// HSTS when the public URL is https (the fixed headers are in next.config.js).
//
// Console pages also need a session: anonymous visitors are sent to sign in before anything
// renders. This is a convenience gate only; every page and route checks the user itself
// (lib/auth/session). The read API, health, next-auth and the login page authenticate on their
// own. The OTLP receivers never come here, which keeps large bodies away from the proxy's body
// limit.

const NOT_GATED = /^\/(?:api\/otlp|api\/v1|api\/health|api\/auth|_next\/|icon\.svg|favicon\.ico|login)/;

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const nonce = newNonce();
  const security = dynamicSecurityHeaders(nonce);
  const withSecurity = (response: NextResponse) => {
    for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
    return response;
  };
  const headers = new Headers(request.headers);
  // Next.js reads the nonce from the request's CSP header and puts it on the scripts it renders.
  headers.set("content-security-policy", security["content-security-policy"]);
  if (NOT_GATED.test(pathname)) return withSecurity(NextResponse.next({ request: { headers } }));

  // Every page would pass the value to a query Postgres refuses (a 500): answer it here.
  if (urlHasNul(request.nextUrl)) {
    return withSecurity(new NextResponse("Bad request: the URL must not contain NUL (%00).", { status: 400 }));
  }
  headers.set("x-blindspot-path", `${pathname}${search}`);
  if (pathname === "/") return withSecurity(NextResponse.next({ request: { headers } }));
  const token = await getToken({ req: request, secret: process.env.NEXTAUTH_SECRET, secureCookie: publicUrlIsHttps() });
  if (!token) {
    if (pathname.startsWith("/api/")) {
      return withSecurity(NextResponse.json({ error: "sign in required" }, { status: 401 }));
    }
    const login = new URL("/login", request.url);
    login.searchParams.set("callbackUrl", safeCallbackPath(`${pathname}${search}`, request.nextUrl.origin));
    return withSecurity(NextResponse.redirect(login));
  }
  return withSecurity(NextResponse.next({ request: { headers } }));
}

export const config = {
  matcher: ["/((?!api/otlp|_next/static|_next/image).*)"],
};
