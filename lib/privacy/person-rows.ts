import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, type TableDef } from "@/lib/domain/fields";
import { getPool } from "@/lib/db/pool";
import { fromTaggedId, isUuid, userTaggedId } from "@/lib/identity/tagged-id";
import { keyedDigest } from "@/lib/secrets/keys";
import { Params } from "./content-sql";

// Which stored rows are about one person, and what that person is called once erased. Shared by
// erasure (erase.ts) and the export of everything stored about a person (export.ts), so both
// find the same rows.

/** Every identifier the person is known by in a tenant (lower-cased, except tagged ids). */
export interface PersonIdentifiers {
  emails: string[];
  /** enduser.id values that are not email-shaped (email-shaped ones are in emails). */
  endusers: string[];
  /** user.account_uuid values. */
  accounts: string[];
  /** Tagged account ids (user_01…): the Compliance API's actor ids, user.account_id. */
  accountIds: string[];
  /** Installation ids (user.id) seen on the person's records. */
  devices: string[];
}

export class PersonInputError extends Error {}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** The identifiers named on the command line or in the console: an email, an account UUID or a user_01… id. */
export function parsePersonInput(input: string): PersonIdentifiers {
  const v = input.trim();
  const ids: PersonIdentifiers = { emails: [], endusers: [], accounts: [], accountIds: [], devices: [] };
  if (EMAIL_RE.test(v)) ids.emails.push(v.toLowerCase());
  else if (isUuid(v)) ids.accounts.push(v.toLowerCase());
  else if (fromTaggedId(v)?.tag === "user") ids.accounts.push(fromTaggedId(v)!.uuid.toLowerCase());
  else throw new PersonInputError("give the person's email, account UUID or user_01… account id");
  return withTaggedIds(ids);
}

function withTaggedIds(ids: PersonIdentifiers): PersonIdentifiers {
  const tagged = new Set(ids.accountIds);
  for (const a of ids.accounts) tagged.add(userTaggedId(a));
  return { ...ids, accountIds: [...tagged].sort() };
}

const uniq = (xs: Iterable<string | null | undefined>) => [...new Set([...xs].filter((x): x is string => !!x))].sort();

/**
 * Follows the identity links the tenant has stored (identity observations, the Compliance API's
 * user list) from the given identifiers to all the person's others: an email to its accounts and
 * devices, an account to its emails. Never from a device id (a shared machine is not one person).
 */
export async function resolvePerson(tenantId: string, start: PersonIdentifiers): Promise<PersonIdentifiers> {
  let ids = withTaggedIds(start);
  for (let round = 0; round < 3; round++) {
    const before = JSON.stringify(ids);
    const obs = await getPool().query<{ user_email: string | null; enduser_id: string | null; account_uuid: string | null; account_id: string | null; user_id: string | null }>(
      `SELECT DISTINCT lower(user_email) AS user_email, lower(enduser_id) AS enduser_id, lower(account_uuid) AS account_uuid, account_id, user_id
         FROM identity_observations
        WHERE tenant_id = $1 AND (lower(user_email) = ANY($2) OR lower(enduser_id) = ANY($2) OR lower(enduser_id) = ANY($3)
              OR lower(account_uuid) = ANY($4) OR account_id = ANY($5))`,
      [tenantId, ids.emails, ids.endusers, ids.accounts, ids.accountIds],
    );
    const users = await getPool().query<{ email: string | null; account_uuid: string | null; id: string }>(
      `SELECT DISTINCT lower(email) AS email, lower(account_uuid) AS account_uuid, id FROM compliance_users
        WHERE tenant_id = $1 AND (lower(email) = ANY($2) OR lower(account_uuid) = ANY($3) OR id = ANY($4))`,
      [tenantId, ids.emails, ids.accounts, ids.accountIds],
    );
    const enduserIds = obs.rows.map((r) => r.enduser_id).filter((x): x is string => !!x);
    ids = withTaggedIds({
      emails: uniq([...ids.emails, ...obs.rows.map((r) => r.user_email), ...enduserIds.filter((e) => e.includes("@")), ...users.rows.map((r) => r.email)]),
      endusers: uniq([...ids.endusers, ...enduserIds.filter((e) => !e.includes("@"))]),
      accounts: uniq([...ids.accounts, ...obs.rows.map((r) => r.account_uuid), ...users.rows.map((r) => r.account_uuid)]),
      accountIds: uniq([...ids.accountIds, ...obs.rows.map((r) => r.account_id), ...users.rows.map((r) => r.id)]),
      devices: uniq([...ids.devices, ...obs.rows.map((r) => r.user_id)]),
    });
    if (JSON.stringify(ids) === before) break;
  }
  return ids;
}

export function isEmpty(ids: PersonIdentifiers): boolean {
  return !ids.emails.length && !ids.endusers.length && !ids.accounts.length && !ids.accountIds.length;
}

/** What each of the person's identifiers becomes: one pseudonym per identifier kind, all from one keyed digest. */
export interface Pseudonyms {
  email: string;
  account: string;
  accountId: string;
  enduser: string;
  device: string;
}

/**
 * The person's pseudonyms: HMAC (lib/secrets/keys.ts, key never stored) of their first email, else
 * account, else end-user id. The same person gets the same pseudonyms on every run (resumable,
 * and a second erasure of a re-appeared person lands on the same row of every count).
 */
export function pseudonymsOf(tenantId: string, ids: PersonIdentifiers): Pseudonyms {
  const canonical = ids.emails[0] ?? ids.accounts[0] ?? ids.accountIds[0] ?? ids.endusers[0];
  if (!canonical) throw new PersonInputError("no identifier to erase");
  const d = keyedDigest(tenantId, "person-pseudonym", canonical);
  const variant = ((parseInt(d[16], 16) & 0x3) | 0x8).toString(16);
  // A version-8 (custom) UUID: looks like an account, cannot collide with a real (v4) one.
  const account = `${d.slice(0, 8)}-${d.slice(8, 12)}-8${d.slice(13, 16)}-${variant}${d.slice(17, 20)}-${d.slice(20, 32)}`;
  return {
    email: `erased-${d.slice(0, 12)}@pseudonym.invalid`,
    account,
    accountId: userTaggedId(account),
    enduser: `erased-${d.slice(0, 12)}`,
    device: `erased-${d.slice(0, 12)}`,
  };
}

/** Old person key → new, for rollups and alerts (lib/domain/person.ts keys: email, enduser, account, tagged account). */
export function personKeyMap(ids: PersonIdentifiers, p: Pseudonyms): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of ids.emails) map[e] = p.email;
  for (const e of ids.endusers) map[e] = p.enduser;
  for (const a of ids.accounts) map[a] = p.account;
  for (const a of ids.accountIds) map[a] = p.accountId;
  return map;
}

// ---- the tables -------------------------------------------------------------------------------

export interface KeyColumn {
  column: string;
  /** SQL type to cast a cursor value (sent as text) to. */
  cast: string;
}

/** A table holding records about people, scanned in primary-key order by erasure and export. */
export interface PersonTable {
  table: string;
  key: KeyColumn[];
  /** SQL predicate: the row is about the person (parameters added to p). */
  match(p: Params, ids: PersonIdentifiers): string;
  /** The registry declaration, for tables whose content columns it lists. */
  registry?: TableDef;
}

const anyOf = (p: Params, list: string[]) => p.add(list);

/** Rows carrying the identity columns of lib/domain/person.ts. */
function identityMatch(cols: { email?: string; enduser?: string; enduserAttr?: boolean; account?: string; accountId?: string }) {
  return (p: Params, ids: PersonIdentifiers): string => {
    const emails = anyOf(p, ids.emails);
    const parts: string[] = [];
    if (cols.email) parts.push(`lower(${cols.email}) = ANY(${emails}::text[])`);
    const endusers = cols.enduser || cols.enduserAttr ? anyOf(p, [...ids.emails, ...ids.endusers]) : "";
    if (cols.enduser) parts.push(`lower(${cols.enduser}) = ANY(${endusers}::text[])`);
    if (cols.enduserAttr) parts.push(`lower("attributes"->>'enduser.id') = ANY(${endusers}::text[])`);
    if (cols.account) parts.push(`lower(${cols.account}) = ANY(${anyOf(p, ids.accounts)}::text[])`);
    if (cols.accountId) parts.push(`${cols.accountId} = ANY(${anyOf(p, ids.accountIds)}::text[])`);
    return `(${parts.join(" OR ")})`;
  };
}

const uuidKey: KeyColumn[] = [{ column: "id", cast: "uuid" }];
const textKey: KeyColumn[] = [{ column: "id", cast: "text" }];

export const EVENTS: PersonTable = {
  table: "events", key: uuidKey, registry: EVENT_TABLE,
  match: identityMatch({ email: "user_email", enduser: "enduser_id", account: "account_uuid", accountId: "account_id" }),
};
export const SPANS: PersonTable = {
  table: "spans", key: [{ column: "trace_id", cast: "text" }, { column: "span_id", cast: "text" }], registry: SPAN_TABLE,
  match: identityMatch({ email: "user_email", enduserAttr: true, account: "account_uuid" }),
};
export const METRIC_POINTS: PersonTable = {
  table: "metric_points", key: uuidKey, registry: METRIC_POINT_TABLE,
  match: identityMatch({ email: "user_email", enduserAttr: true, account: "account_uuid" }),
};
export const IDENTITY_OBSERVATIONS: PersonTable = {
  table: "identity_observations", key: uuidKey,
  match: identityMatch({ email: "user_email", enduser: "enduser_id", account: "account_uuid", accountId: "account_id" }),
};
/** The inventory's per-session rollup keeps the identity columns of events ('' for none, which matches no identifier). */
export const AGENT_SESSION_ROLLUPS: PersonTable = {
  table: "agent_session_rollups",
  key: ["bucket", "source", "user_email", "enduser_id", "account_id", "account_uuid", "user_id", "session_id", "service_version"].map((column) => ({ column, cast: column === "bucket" ? "timestamptz" : "text" })),
  match: identityMatch({ email: "user_email", enduser: "enduser_id", account: "account_uuid", accountId: "account_id" }),
};
/** The inventory's per-trace resolution keeps the least owner of each trace's spans. */
export const OFFICE_TRACES: PersonTable = {
  table: "office_traces", key: [{ column: "trace_id", cast: "text" }],
  match: identityMatch({ email: "user_email", account: "account_uuid" }),
};
/** The inventory's Office spans per hour and trace keep the least owner of those spans. */
export const OFFICE_TRACE_HOURS: PersonTable = {
  table: "office_trace_hours", key: [{ column: "hour", cast: "timestamptz" }, { column: "trace_id", cast: "text" }],
  match: identityMatch({ email: "user_email", account: "account_uuid" }),
};
export const COMPLIANCE_ACTIVITIES: PersonTable = {
  table: "compliance_activities", key: textKey,
  match: identityMatch({ email: "actor_email", account: "actor_account_uuid", accountId: "actor_user_id" }),
};
/** The coverage page's Compliance activities per day and actor: the activities' identity columns ('' for none, which matches no identifier). */
export const COMPLIANCE_ACTOR_DAILY: PersonTable = {
  table: "compliance_actor_daily",
  key: ["day", "actor_type", "actor_email", "actor_user_id", "actor_account_uuid"].map((column) => ({ column, cast: column === "day" ? "date" : "text" })),
  match: identityMatch({ email: "actor_email", account: "actor_account_uuid", accountId: "actor_user_id" }),
};
/** Each Compliance activity actor's latest activity (the coverage page's people): the same identity columns. */
export const COMPLIANCE_ACTOR_LATEST: PersonTable = {
  table: "compliance_actor_latest",
  key: ["actor_type", "actor_email", "actor_user_id", "actor_account_uuid"].map((column) => ({ column, cast: "text" })),
  match: identityMatch({ email: "actor_email", account: "actor_account_uuid", accountId: "actor_user_id" }),
};
export const COMPLIANCE_USERS: PersonTable = {
  table: "compliance_users", key: [{ column: "organization_uuid", cast: "text" }, { column: "id", cast: "text" }],
  match: identityMatch({ email: "email", account: "account_uuid", accountId: "id" }),
};
export const COMPLIANCE_CHATS: PersonTable = {
  table: "compliance_chats", key: textKey, match: identityMatch({ email: "user_email", accountId: "user_id" }),
};
export const COMPLIANCE_SESSIONS: PersonTable = {
  table: "compliance_sessions", key: textKey, match: identityMatch({ email: "user_email", accountId: "user_id" }),
};

/** Messages and tool blocks belong to a chat or session of the person (also one already pseudonymized, `extra`). */
function childOf(parent: PersonTable, parentColumn: string, extra?: (p: Params) => string) {
  return (p: Params, ids: PersonIdentifiers): string =>
    `"${parentColumn}" IN (SELECT id FROM ${parent.table} WHERE tenant_id = $1 AND (${parent.match(p, ids)}${extra ? ` OR ${extra(p)}` : ""}))`;
}

export function complianceChildren(pseudonymEmail?: string): PersonTable[] {
  const already = pseudonymEmail ? (p: Params) => `user_email = ${p.add(pseudonymEmail)}` : undefined;
  return [
    { table: "compliance_chat_messages", key: textKey, match: childOf(COMPLIANCE_CHATS, "chat_id", already) },
    { table: "compliance_session_messages", key: textKey, match: childOf(COMPLIANCE_SESSIONS, "session_id", already) },
    {
      table: "compliance_tool_blocks",
      key: [{ column: "tool_use_id", cast: "text" }, { column: "kind", cast: "text" }, { column: "message_id", cast: "text" }],
      match: childOf(COMPLIANCE_SESSIONS, "session_id", already),
    },
  ];
}

/** A JSON text of the row's key, for cursors. */
export function keyJson(key: KeyColumn[], alias = ""): string {
  return `json_build_array(${key.map((k) => `${alias}"${k.column}"::text`).join(", ")})`;
}

/** `(k1, k2) > ($a::t1, $b::t2)`: the keyset condition after a cursor. */
export function afterCursor(key: KeyColumn[], cursor: string[] | null, p: Params): string {
  if (!cursor) return "true";
  return `(${key.map((k) => `"${k.column}"`).join(", ")}) > (${key.map((k, i) => `${p.add(cursor[i])}::${k.cast}`).join(", ")})`;
}

export const orderBy = (key: KeyColumn[]) => key.map((k) => `"${k.column}"`).join(", ");
