import { createHmac, hkdfSync } from "node:crypto";

// Keyed digests of what must be followable but not stored: a secret's fingerprint (the same
// token seen in two sessions gets the same marker) and a person's pseudonym after erasure.
// The key is derived (HKDF-SHA256) from NEXTAUTH_SECRET and bound to the tenant and the purpose,
// so it is never in the database: a database dump alone cannot confirm a guessed secret or
// reverse a pseudonym with a list of emails, and two tenants' digests of one value differ.
// Changing NEXTAUTH_SECRET starts new fingerprints and pseudonyms (old ones stay as stored).

export type DigestPurpose = "secret-fingerprint" | "person-pseudonym" | "field-hash";

const cache = new Map<string, Buffer>();

function purposeKey(tenantId: string, purpose: DigestPurpose): Buffer {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set; start Blindspot with `npm start`, which sets it");
  const id = `${secret}\0${tenantId}\0${purpose}`;
  let key = cache.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, `blindspot/${purpose}`, `tenant:${tenantId} v1`, 32));
    cache.set(id, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of a value under the tenant's key for that purpose. */
export function keyedDigest(tenantId: string, purpose: DigestPurpose, value: string): string {
  return createHmac("sha256", purposeKey(tenantId, purpose)).update(value, "utf8").digest("hex");
}
