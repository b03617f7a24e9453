// CORS for browser senders: the Office agents export from the task pane at
// https://pivot.claude.ai, so the receiver must answer the preflight and tag the POST.

const ALLOWED_METHODS = "POST, OPTIONS";
const ALLOWED_HEADERS = "content-type, content-encoding, authorization, x-api-key";

function allowedOrigin(request: Request, allowed: string[]): string | null {
  const origin = request.headers.get("origin");
  if (!origin) return null;
  if (allowed.includes("*")) return origin;
  return allowed.some((a) => a.toLowerCase() === origin.toLowerCase()) ? origin : null;
}

/** Headers to add to an actual (non-preflight) response. */
export function corsHeaders(request: Request, allowed: string[]): Record<string, string> {
  const origin = allowedOrigin(request, allowed);
  return origin ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
}

export function preflightResponse(request: Request, allowed: string[]): Response {
  const origin = allowedOrigin(request, allowed);
  if (!origin) {
    return new Response(JSON.stringify({ code: 7, message: "origin not allowed" }), {
      status: 403,
      headers: { "content-type": "application/json", vary: "Origin" },
    });
  }
  // Echo what the browser asks for when it is within what we accept, plus our own list.
  const requested = (request.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0 && /^[a-z0-9-]+$/.test(h));
  const headers = [...new Set([...ALLOWED_HEADERS.split(", "), ...requested])].join(", ");
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": headers,
      "access-control-max-age": "86400",
      vary: "Origin",
    },
  });
}
