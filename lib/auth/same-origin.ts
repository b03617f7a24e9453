import { config } from "@/lib/config";

// Cross-site request forgery guard for console routes that change data with a session cookie:
// the browser's Origin header must name this app. Browsers always send Origin on a POST, and a
// page on another site cannot forge it; SameSite cookies alone do not cover same-site
// subdomains or older browsers. A request without Origin (or "null") is refused too.

/** Origins this app is reached at: BLINDSPOT_PUBLIC_URL's, and the Host the request was sent to. */
function ownOrigins(request: Request): Set<string> {
  const cfg = config();
  const origins = new Set<string>();
  try {
    origins.add(new URL(cfg.BLINDSPOT_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`).origin);
  } catch {
    // An unparsable BLINDSPOT_PUBLIC_URL adds nothing.
  }
  const host = request.headers.get("host");
  if (host) {
    // Behind a TLS-terminating proxy the app sees http; the browser's Origin says https.
    const schemes = new Set([new URL(request.url).protocol, ...(request.headers.get("x-forwarded-proto") ?? "").split(",").map((s) => `${s.trim()}:`)]);
    for (const scheme of schemes) {
      if (scheme !== "http:" && scheme !== "https:") continue;
      try {
        origins.add(new URL(`${scheme}//${host}`).origin);
      } catch {
        // A malformed Host header adds nothing.
      }
    }
  }
  return origins;
}

/** True when the request's Origin is this app's own. */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return false;
  return ownOrigins(request).has(origin);
}

export function crossOriginRefused(): Response {
  return Response.json({ error: "cross-origin request refused: post from the Blindspot console itself" }, { status: 403 });
}
