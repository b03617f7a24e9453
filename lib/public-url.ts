import ipaddr from "ipaddr.js";

// The URL people and exporters use to reach Blindspot, and the rule that it must be https unless
// it only reaches this machine. Over plain http a session cookie and every ingest token cross the
// network in clear text. Behind a TLS-terminating proxy, Blindspot itself listens on plain http
// and the public URL is the proxy's https URL: that is the setting, and it needs no exception.

type Env = Record<string, string | undefined>;

/** The escape hatch: serve a non-local public URL over plain http anyway (a lab, a closed network). */
export const ALLOW_INSECURE_HTTP_VAR = "BLINDSPOT_ALLOW_INSECURE_HTTP";

/** BLINDSPOT_PUBLIC_URL, else NEXTAUTH_URL, else http://localhost:$PORT, without a trailing slash. */
export function publicBaseUrl(env: Env = process.env): string {
  const raw = env.BLINDSPOT_PUBLIC_URL?.trim() || env.NEXTAUTH_URL?.trim() || `http://localhost:${env.PORT?.trim() || "3000"}`;
  return raw.replace(/\/+$/, "");
}

/** Whether browsers reach Blindspot over https: Secure cookies, HSTS, upgrade-insecure-requests. */
export function publicUrlIsHttps(env: Env = process.env): boolean {
  return publicBaseUrl(env).toLowerCase().startsWith("https://");
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 (and 127.x mapped into IPv6). */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (!ipaddr.isValid(host)) return false;
  return ipaddr.process(host).range() === "loopback";
}

function truthy(value: string | undefined): boolean {
  return ["1", "true", "yes"].includes((value ?? "").trim().toLowerCase());
}

/**
 * Why the configured public URLs are unacceptable, or null. Each of BLINDSPOT_PUBLIC_URL and
 * NEXTAUTH_URL that is set must be an http(s) URL, and https unless its host is a loopback one
 * or BLINDSPOT_ALLOW_INSECURE_HTTP is set.
 */
export function publicUrlProblem(env: Env = process.env): string | null {
  for (const name of ["BLINDSPOT_PUBLIC_URL", "NEXTAUTH_URL"] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `${name} must be an absolute URL such as https://blindspot.example.com, got "${value}"`;
    }
    if (url.protocol === "https:") continue;
    if (url.protocol !== "http:") return `${name} must be an http or https URL, got "${value}"`;
    if (isLoopbackHostname(url.hostname) || truthy(env[ALLOW_INSECURE_HTTP_VAR])) continue;
    return (
      `${name} is ${value}: plain http to another machine would send session cookies and ingest tokens in clear text. ` +
      `Use an https URL (behind a TLS-terminating proxy, set ${name} to the proxy's https URL; Blindspot itself may ` +
      `still listen on plain http), or set ${ALLOW_INSECURE_HTTP_VAR}=1 to accept the risk`
    );
  }
  return null;
}
