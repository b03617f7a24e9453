import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { urlHasNul } from "@/lib/db/postgres-values";

// Console pages need a session: send anonymous visitors to sign in before rendering anything.
// This is a convenience gate only; every page and route checks the user itself (lib/auth/session).
// OTLP receivers, the read API and health are excluded (they authenticate with bearer tokens),
// which also keeps large OTLP bodies away from the proxy's body limit.

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  // Every page would pass the value to a query Postgres refuses (a 500): answer it here.
  if (urlHasNul(request.nextUrl)) return new NextResponse("Bad request: the URL must not contain NUL (%00).", { status: 400 });
  const headers = new Headers(request.headers);
  headers.set("x-blindspot-path", `${pathname}${search}`);
  if (pathname === "/") return NextResponse.next({ request: { headers } });
  const token = await getToken({ req: request, secret: process.env.NEXTAUTH_SECRET });
  if (!token) {
    if (pathname.startsWith("/api/")) {
      return NextResponse.json({ error: "sign in required" }, { status: 401 });
    }
    const login = new URL("/login", request.url);
    login.searchParams.set("callbackUrl", safeCallbackPath(`${pathname}${search}`, request.nextUrl.origin));
    return NextResponse.redirect(login);
  }
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/((?!api/otlp|api/v1|api/health|api/auth|_next/|icon.svg|favicon.ico|login).*)"],
};
