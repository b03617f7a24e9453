import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { config } from "@/lib/config";

// Where the Compliance connector may send its access key. Two checks, both default-deny:
// 1. the base URL: https, and a host on the allowlist (api.anthropic.com plus
//    BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS); http and loopback hosts only under
//    BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK (tests with a local stand-in API);
// 2. the address actually connected to: every address a name resolves to, at connect time
//    (a DNS lookup hook on the socket, so a name that re-resolves to an internal address
//    after the URL check — DNS rebinding — is still refused), must be public unicast. Private,
//    loopback, link-local (cloud metadata), unique-local, CGNAT, NAT64/6to4/Teredo and other
//    special ranges are refused; loopback only under the test flag.

export const DEFAULT_COMPLIANCE_BASE_URL = "https://api.anthropic.com";
const DEFAULT_COMPLIANCE_HOST = new URL(DEFAULT_COMPLIANCE_BASE_URL).hostname;

export interface DestinationPolicy {
  /** Lower-case host names the key may go to. */
  allowedHosts: ReadonlySet<string>;
  /** http:// and loopback addresses (127.0.0.0/8, ::1, localhost): tests only. */
  allowLoopback: boolean;
  /**
   * Non-public networks (CIDR) that may be connected to anyway, e.g. an on-premises SIEM for
   * alert webhooks (BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS). Empty for the Compliance connector.
   */
  allowedNetworks?: readonly string[];
  /** Who connects, in error messages (default "the connector"). */
  subject?: string;
}

export function destinationPolicy(): DestinationPolicy {
  const cfg = config();
  return {
    allowedHosts: new Set([DEFAULT_COMPLIANCE_HOST, ...cfg.BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS]),
    allowLoopback: cfg.BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK,
  };
}

/** The connector refused to connect (the URL or the resolved address is not allowed). */
export class ComplianceDestinationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ComplianceDestinationError";
  }
}

/** Host of a URL without IPv6 brackets or a trailing dot, lower case. */
function bareHost(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
}

function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
}

function inNetwork(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  try {
    const [net, bits] = ipaddr.parseCIDR(cidr);
    return address.kind() === net.kind() && address.match([net, bits] as [typeof address, number]);
  } catch {
    return false;
  }
}

/** Why an address may not be connected to, or null when it may. */
export function blockedAddressReason(address: string, policy: DestinationPolicy): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === "unicast") return null;
  if (range === "loopback" && policy.allowLoopback) return null;
  if (policy.allowedNetworks?.some((cidr) => inNetwork(parsed, cidr))) return null;
  return `${address} (a ${range} address)`;
}

/** Why the connector may not use this base URL, or null when it may. */
export function baseUrlProblem(baseUrl: string, policy: DestinationPolicy = destinationPolicy()): string | null {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return "Enter a full URL such as https://api.anthropic.com";
  }
  const host = bareHost(u);
  const loopback = policy.allowLoopback && isLoopbackHost(host);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) return "The URL must start with https://";
  if (u.username || u.password) return "Put the access key in its own field, not in the URL";
  if (!policy.allowedHosts.has(host) && !loopback) {
    return `${host} is not an allowed Compliance API host (allowed: ${[...policy.allowedHosts].join(", ")}; an operator adds hosts with BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS)`;
  }
  // An IP literal is connected to without a lookup: judge it here.
  if (net.isIP(host)) {
    const reason = blockedAddressReason(host, policy);
    if (reason) return `The connector may not connect to ${reason}`;
  }
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** dns.lookup's shape with `all: true` (what the guard asks for); tests inject their own. */
export type Resolver = (hostname: string, options: { all: true; family?: number }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * A `lookup` for sockets (net.connect, http.Agent): resolves with `resolve`, refuses the
 * connection when any resolved address is blocked (so no connection attempt is made), and
 * answers in whichever shape the socket asked for.
 */
export function guardedLookup(policy: DestinationPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = typeof options.family === "number" ? options.family : undefined;
    resolve(hostname, { all: true, ...(family ? { family } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      const blocked = addresses.map((a) => blockedAddressReason(a.address, policy)).find((r) => r !== null);
      if (blocked || addresses.length === 0) {
        return callback(new ComplianceDestinationError(`${hostname} resolves to an address ${policy.subject ?? "the connector"} may not connect to: ${blocked ?? "none"}`), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
