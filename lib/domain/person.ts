import { isUuid, userTaggedId } from "@/lib/identity/tagged-id";

// Who a record is about: ONE key per person, used by the ingest rollups, the inventory, the
// approvals and coverage dashboards, the home page and every label of a person. Each record is
// keyed on its own (no lookups), so the same identifiers give the same key on every page.
//
// Precedence, first present wins:
//   1. user.email, lower-cased: sent on every first-party (Claude sign-in) record of Claude Code,
//      Cowork and Office agents, next to the account, and set by admins through
//      OTEL_RESOURCE_ATTRIBUTES or a gateway when there is no Claude account. It is also what the
//      Compliance API carries on every actor, so keying on it first puts the account-bearing
//      records and the email-only ones on one row (an account-first key would split them).
//   2. enduser.id, lower-cased: the documented identity of third-party deployments (API key,
//      Bedrock, Vertex, Foundry); usually the same email, so it lands on the same row (and an
//      email-shaped enduser.id is of kind "email": a key's kind follows from the key alone).
//   3. the account: user.account_uuid (lower-cased), else the tagged user.account_id. Claude's
//      clients send the two together (both from the same account gate), so the UUID, which the
//      Office agents also send, is the common form; the Compliance API's tagged id (user_01…)
//      converts to it mechanically (lib/identity/tagged-id.ts).
//   4. user.id: the anonymous per-install device id. Last on purpose: a shared machine must not
//      merge two people (lib/identity/resolve.ts never follows device ids either), so it names a
//      device only when nothing names a person.
// A record with none of them has the empty key ("unattributed").

export type PersonKind = "email" | "enduser" | "account" | "device" | "none";

export const PERSON_KINDS: readonly PersonKind[] = ["email", "enduser", "account", "device", "none"];

/** The identity columns a record may carry (spans and metric points carry a subset). */
export interface PersonIdentifiers {
  userEmail?: string | null;
  enduserId?: string | null;
  accountUuid?: string | null;
  accountId?: string | null;
  userId?: string | null;
}

export interface PersonRef {
  kind: PersonKind;
  /** The person key: "" when unattributed. */
  key: string;
}

/** The person a record is about, by the precedence above. */
export function personOf(r: PersonIdentifiers): PersonRef {
  if (r.userEmail) return { kind: "email", key: r.userEmail.toLowerCase() };
  if (r.enduserId) return { kind: r.enduserId.includes("@") ? "email" : "enduser", key: r.enduserId.toLowerCase() };
  if (r.accountUuid) return { kind: "account", key: r.accountUuid.toLowerCase() };
  if (r.accountId) return { kind: "account", key: r.accountId };
  if (r.userId) return { kind: "device", key: r.userId };
  return { kind: "none", key: "" };
}

export function personKey(r: PersonIdentifiers): string {
  return personOf(r).key;
}

/** SQL expressions for the identity columns of a table; omit the ones the table lacks (spans: no enduser, account id or device). */
export interface PersonColumns {
  userEmail: string;
  enduserId?: string;
  accountUuid?: string;
  accountId?: string;
  userId?: string;
}

/** The same identity columns as above, named with a table alias (`e.user_email`, …). */
export function personColumns(alias: string, has: { enduser?: boolean; accountId?: boolean; device?: boolean } = {}): PersonColumns {
  const c = (name: string) => (alias ? `${alias}.${name}` : name);
  return {
    userEmail: c("user_email"),
    accountUuid: c("account_uuid"),
    ...(has.enduser === false ? {} : { enduserId: c("enduser_id") }),
    ...(has.accountId === false ? {} : { accountId: c("account_id") }),
    ...(has.device === false ? {} : { userId: c("user_id") }),
  };
}

// The SQL twins of personOf. Postgres's COALESCE and CASE stop at the first non-null value, as
// the code above does; the ingest normalizer stores absent or empty attributes as NULL, never "".

/** SQL for the person key of a row (text, "" when unattributed). Column expressions only: no values. */
export function personKeySql(c: PersonColumns): string {
  const parts = [`lower(${c.userEmail})`];
  if (c.enduserId) parts.push(`lower(${c.enduserId})`);
  if (c.accountUuid) parts.push(`lower(${c.accountUuid})`);
  if (c.accountId) parts.push(c.accountId);
  if (c.userId) parts.push(c.userId);
  return `COALESCE(${parts.join(", ")}, '')`;
}

/** SQL for the PersonKind of a row. */
export function personKindSql(c: PersonColumns): string {
  const account = [c.accountUuid, c.accountId].filter(Boolean).map((x) => `${x} IS NOT NULL`);
  const email = c.enduserId ? `${c.userEmail} IS NOT NULL OR ${c.enduserId} LIKE '%@%'` : `${c.userEmail} IS NOT NULL`;
  return `CASE WHEN ${email} THEN 'email'${c.enduserId ? ` WHEN ${c.enduserId} IS NOT NULL THEN 'enduser'` : ""}${
    account.length ? ` WHEN ${account.join(" OR ")} THEN 'account'` : ""
  }${c.userId ? ` WHEN ${c.userId} IS NOT NULL THEN 'device'` : ""} ELSE 'none' END`;
}

// ---- labels -------------------------------------------------------------------------------

const HEX_DEVICE_ID = /^[0-9a-f]{32,}$/i;

/** The kind of a stored key, when only the key is known (rollup rows). */
export function kindOfKey(key: string): PersonKind {
  if (key === "") return "none";
  if (key.includes("@")) return "email";
  if (isUuid(key) || /^user_01[1-9A-HJ-NP-Za-km-z]{22}$/.test(key)) return "account";
  if (HEX_DEVICE_ID.test(key)) return "device";
  return "enduser";
}

/**
 * How a person is written everywhere: the email or enduser id as sent; an account as the tagged
 * id the Compliance API and Claude's admin console use (user_01…); a device as a shortened id.
 */
export function labelOfPerson(ref: PersonRef): string {
  switch (ref.kind) {
    case "email":
    case "enduser":
      return ref.key;
    case "account":
      return isUuid(ref.key) ? userTaggedId(ref.key) : ref.key;
    case "device":
      return `device ${ref.key.length > 9 ? `${ref.key.slice(0, 8)}…` : ref.key}`;
    case "none":
      return "(unattributed)";
  }
}

/** The label of a stored person key (a rollup's user_key). */
export function labelOfPersonKey(key: string): string {
  return labelOfPerson({ kind: kindOfKey(key), key });
}
