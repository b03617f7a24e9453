import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Bearer secrets (ingest and API tokens): 192 random bits, shown once, stored only as SHA-256.
// A fast hash is right here: the secret is random and long, so there is nothing to brute-force.

export type SecretKind = "ingest" | "api";

const PREFIX: Record<SecretKind, string> = { ingest: "bsi_", api: "bsa_" };
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(33, "0");
}

export function generateSecret(kind: SecretKind): string {
  return PREFIX[kind] + base62(randomBytes(24));
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** What the UI and CLI show of a token after creation: enough to recognise it, not to use it. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, Math.min(12, Math.max(4, secret.length - 8)));
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, "hex");
  const b = Buffer.from(bHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The shape generateSecret() produces: prefix + 33 base62 characters (192 random bits). */
const GENERATED_FORMAT = /^bs[ia]_[0-9A-Za-z]{33}$/;

/** Operator-chosen secrets must carry about as much as a generated one: 32 characters at least. */
export const MIN_CHOSEN_SECRET_LENGTH = 32;

/**
 * Why a secret supplied by an operator (BLINDSPOT_INIT_*, or a chosen secret) is too weak, or
 * null when it is acceptable: the generated format, or at least 32 characters without white space.
 */
export function weakSecretReason(secret: string): string | null {
  if (/\s/.test(secret)) return "must not contain white space";
  if (GENERATED_FORMAT.test(secret)) return null;
  if (secret.length < MIN_CHOSEN_SECRET_LENGTH) {
    return `must be at least ${MIN_CHOSEN_SECRET_LENGTH} characters (got ${secret.length}); generate one with: openssl rand -hex 24`;
  }
  return null;
}

export function assertStrongSecret(secret: string, what: string): void {
  const reason = weakSecretReason(secret);
  if (reason) throw new Error(`${what} ${reason}`);
}

/** Reads the presented secret from Authorization: Bearer … or x-api-key. */
export function presentedSecret(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const key = headers.get("x-api-key");
  return key && key.trim() !== "" ? key.trim() : null;
}
