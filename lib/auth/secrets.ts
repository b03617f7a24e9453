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

/** Secrets supplied by an operator (BLINDSPOT_INIT_*) must still be hard to guess. */
export function assertStrongSecret(secret: string, what: string): void {
  if (secret.length < 16) throw new Error(`${what} must be at least 16 characters`);
  if (/\s/.test(secret)) throw new Error(`${what} must not contain white space`);
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
