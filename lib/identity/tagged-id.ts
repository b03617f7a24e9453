// Anthropic tagged ids ⇄ UUIDs. The Compliance API names people and
// organizations `user_01…` / `org_01…`; OpenTelemetry carries the same accounts as UUIDs
// (`user.account_uuid`, `organization.id`). tagged = tag + "_01" + base58(uuid as a 128-bit
// integer), left-padded with "1" to 22 characters. Anthropic does not document this conversion;
// tagged-id.test.ts checks it against a pair published in a Compliance API sample record.

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE = 58n;
const WIDTH = 22;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAGGED_RE = /^([a-z][a-z_]*)_01([1-9A-HJ-NP-Za-km-z]{22})$/;

export function isUuid(v: string): boolean {
  return UUID_RE.test(v);
}

export function toTaggedId(tag: string, uuid: string): string {
  if (!isUuid(uuid)) throw new Error(`not a UUID: ${uuid}`);
  let n = BigInt(`0x${uuid.replace(/-/g, "")}`);
  let out = "";
  for (let i = 0; i < WIDTH; i++) {
    out = ALPHABET[Number(n % BASE)] + out;
    n /= BASE;
  }
  return `${tag}_01${out}`;
}

/** The UUID behind a tagged id, or null when the text is not one. */
export function fromTaggedId(tagged: string): { tag: string; uuid: string } | null {
  const m = TAGGED_RE.exec(tagged);
  if (!m) return null;
  let n = 0n;
  for (const c of m[2]) n = n * BASE + BigInt(ALPHABET.indexOf(c));
  if (n >= 1n << 128n) return null;
  const h = n.toString(16).padStart(32, "0");
  return { tag: m[1], uuid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` };
}

export const userTaggedId = (accountUuid: string) => toTaggedId("user", accountUuid);
export const orgTaggedId = (orgUuid: string) => toTaggedId("org", orgUuid);
