import { publicUrlIsHttps } from "./public-url";

// HTTP security headers. The ones that never change are in next.config.js (every response,
// OTLP receivers included); the ones that depend on the request or on the run-time public URL
// are set by proxy.ts on pages and the routes it sees.

/**
 * The pages' Content-Security-Policy. Scripts: only those carrying this response's nonce (Next.js
 * puts it on its own inline and chunk scripts when it finds it in the request's CSP header) and
 * what they load ('strict-dynamic'). Styles: 'unsafe-inline', because React renders `style`
 * attributes (charts, bars, widths) and a nonce cannot cover attributes; styles cannot run code.
 */
export function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    // React's development build evaluates source maps for call stacks; never in production.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (options.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** One year; not includeSubDomains: the parent domain's other hosts are not Blindspot's to decide. */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** The run-time headers for a page or route answered through proxy.ts. */
export function dynamicSecurityHeaders(nonce: string, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const https = publicUrlIsHttps(env);
  const headers: Record<string, string> = {
    "content-security-policy": contentSecurityPolicy(nonce, { dev: env.NODE_ENV === "development", https }),
  };
  if (https) headers["strict-transport-security"] = STRICT_TRANSPORT_SECURITY;
  return headers;
}
