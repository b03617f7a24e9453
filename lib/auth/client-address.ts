import ipaddr from "ipaddr.js";

// Which client a sign-in attempt comes from, for the per-address limits (lib/auth/signin-limits).
//
// Next.js (v16, `next start`) gives route handlers no socket address: it only fills in
// X-Forwarded-For from the socket when the request has none, so a client can write any value
// there. The header is therefore used only when the operator says how many reverse proxies stand
// in front (BLINDSPOT_TRUST_PROXY=<n>, usually 1): each proxy appends the address it received the
// request from, so the n-th entry from the right is the one the outermost trusted proxy saw, and
// whatever the client wrote itself sits to the left of it. Without that setting, or when the list
// is shorter than n (a request that did not pass the proxies), the address is unknown and every
// such attempt shares one bucket (null here).

export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>, trustedProxies: number): string | null {
  if (trustedProxies < 1) return null;
  const raw = headers instanceof Headers ? headers.get("x-forwarded-for") : headers["x-forwarded-for"];
  const joined = Array.isArray(raw) ? raw.join(",") : raw;
  if (!joined) return null;
  const hops = joined.split(",").map((s) => s.trim());
  const entry = hops[hops.length - trustedProxies];
  return entry === undefined ? null : canonicalAddress(entry);
}

/** One X-Forwarded-For entry as a canonical address (IPv4-mapped IPv6 as IPv4), or null if it is none. */
export function canonicalAddress(entry: string): string | null {
  // Some proxies write "[v6]:port" or "v4:port".
  const bare = entry.replace(/^\[([^\]]+)\](?::\d+)?$/, "$1").replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, "$1");
  if (!ipaddr.isValid(bare)) return null;
  const addr = ipaddr.process(bare);
  return addr.kind() === "ipv4" ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String();
}

/**
 * The bucket an address counts in: an IPv4 address alone, an IPv6 address with its whole /64
 * (one host usually holds a /64 and could otherwise start afresh with each of its 2^64 addresses).
 */
export function addressBucket(address: string): string {
  const canonical = canonicalAddress(address) ?? address;
  if (!canonical.includes(":")) return canonical;
  const parts = ipaddr.IPv6.parse(canonical).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toRFC5952String()}/64`;
}
