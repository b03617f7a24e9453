import { getPool } from "@/lib/db/pool";
import { fromTaggedId, isUuid, userTaggedId } from "./tagged-id";

// One person across sources. OpenTelemetry names an account by UUID (user.account_uuid) and by
// tagged id (user.account_id); the Compliance API by tagged id (user_01…) and email. Starting
// from any one of them we convert between the forms and follow what each source says about the
// person (an email seen with an account id, and so on) until nothing new turns up. Device ids
// (user.id) are listed but never followed: a shared machine must not merge two people.

export interface PersonQuery {
  email?: string;
  accountUuid?: string;
  accountId?: string;
}

export interface SourceSighting {
  source: string;
  firstSeen: string | null;
  lastSeen: string | null;
  count: number;
}

export interface Person {
  displayName: string | null;
  emails: string[];
  accountUuids: string[];
  accountIds: string[];
  organizationIds: string[];
  deviceIds: string[];
  enduserIds: string[];
  roles: string[];
  sources: SourceSighting[];
}

const MAX_ROUNDS = 5;

class Keys {
  emails = new Set<string>();
  accountUuids = new Set<string>();
  accountIds = new Set<string>();

  addEmail(v: string | null | undefined): boolean {
    if (!v || !v.includes("@")) return false;
    const e = v.trim().toLowerCase();
    if (this.emails.has(e)) return false;
    this.emails.add(e);
    return true;
  }

  addAccountUuid(v: string | null | undefined): boolean {
    if (!v || !isUuid(v)) return false;
    const u = v.toLowerCase();
    if (this.accountUuids.has(u)) return false;
    this.accountUuids.add(u);
    this.accountIds.add(userTaggedId(u));
    return true;
  }

  addAccountId(v: string | null | undefined): boolean {
    const t = v ? fromTaggedId(v) : null;
    if (!t || t.tag !== "user") return false;
    return this.addAccountUuid(t.uuid);
  }

  arrays() {
    return { emails: [...this.emails], uuids: [...this.accountUuids], ids: [...this.accountIds] };
  }
}

export async function resolvePerson(tenantId: string, q: PersonQuery): Promise<Person | null> {
  const keys = new Keys();
  keys.addEmail(q.email);
  keys.addAccountUuid(q.accountUuid);
  keys.addAccountId(q.accountId);
  if (keys.emails.size + keys.accountUuids.size === 0) return null;
  const pool = getPool();

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const k = keys.arrays();
    const [otel, users, actors] = await Promise.all([
      pool.query<{ user_email: string | null; account_uuid: string | null; account_id: string | null; enduser_id: string | null }>(
        `SELECT DISTINCT user_email, account_uuid, account_id, enduser_id FROM identity_observations
         WHERE tenant_id = $1 AND (lower(user_email) = ANY($2) OR lower(enduser_id) = ANY($2) OR account_uuid = ANY($3) OR account_id = ANY($4))`,
        [tenantId, k.emails, k.uuids, k.ids],
      ),
      pool.query<{ email: string | null; id: string }>(
        `SELECT DISTINCT email, id FROM compliance_users WHERE tenant_id = $1 AND (email = ANY($2) OR id = ANY($3))`,
        [tenantId, k.emails, k.ids],
      ),
      pool.query<{ actor_email: string | null; actor_user_id: string | null }>(
        `SELECT DISTINCT actor_email, actor_user_id FROM compliance_activities
         WHERE tenant_id = $1 AND (actor_email = ANY($2) OR actor_user_id = ANY($3))`,
        [tenantId, k.emails, k.ids],
      ),
    ]);
    let grew = false;
    for (const r of otel.rows) {
      grew = keys.addEmail(r.user_email) || grew;
      grew = keys.addEmail(r.enduser_id) || grew;
      grew = keys.addAccountUuid(r.account_uuid) || grew;
      grew = keys.addAccountId(r.account_id) || grew;
    }
    for (const r of users.rows) {
      grew = keys.addEmail(r.email) || grew;
      grew = keys.addAccountId(r.id) || grew;
    }
    for (const r of actors.rows) {
      grew = keys.addEmail(r.actor_email) || grew;
      grew = keys.addAccountId(r.actor_user_id) || grew;
    }
    if (!grew) break;
  }
  return describePerson(tenantId, keys);
}

async function describePerson(tenantId: string, keys: Keys): Promise<Person | null> {
  const k = keys.arrays();
  const pool = getPool();
  const [obs, users, activities, sessions, chats] = await Promise.all([
    pool.query<{ source: string; user_id: string | null; organization_id: string | null; enduser_id: string | null; first_seen: Date; last_seen: Date }>(
      `SELECT source, user_id, organization_id, enduser_id, first_seen, last_seen FROM identity_observations
       WHERE tenant_id = $1 AND (lower(user_email) = ANY($2) OR lower(enduser_id) = ANY($2) OR account_uuid = ANY($3) OR account_id = ANY($4))`,
      [tenantId, k.emails, k.uuids, k.ids],
    ),
    pool.query<{ full_name: string | null; organization_role: string | null; organization_uuid: string; received_at: Date }>(
      `SELECT full_name, organization_role, organization_uuid, received_at FROM compliance_users WHERE tenant_id = $1 AND (email = ANY($2) OR id = ANY($3))`,
      [tenantId, k.emails, k.ids],
    ),
    pool.query<{ n: number; first: Date | null; last: Date | null; orgs: string[] | null }>(
      `SELECT count(*)::int AS n, min(created_at) AS first, max(created_at) AS last, array_agg(DISTINCT organization_uuid) FILTER (WHERE organization_uuid IS NOT NULL) AS orgs
       FROM compliance_activities WHERE tenant_id = $1 AND (actor_email = ANY($2) OR actor_user_id = ANY($3))`,
      [tenantId, k.emails, k.ids],
    ),
    pool.query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(created_at) AS first, max(coalesce(updated_at, created_at)) AS last
       FROM compliance_sessions WHERE tenant_id = $1 AND (user_email = ANY($2) OR user_id = ANY($3))`,
      [tenantId, k.emails, k.ids],
    ),
    pool.query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(created_at) AS first, max(coalesce(updated_at, created_at)) AS last
       FROM compliance_chats WHERE tenant_id = $1 AND (user_email = ANY($2) OR user_id = ANY($3))`,
      [tenantId, k.emails, k.ids],
    ),
  ]);

  const sources = new Map<string, SourceSighting>();
  const sight = (source: string, first: Date | null, last: Date | null, count: number) => {
    if (count === 0) return;
    const s = sources.get(source) ?? { source, firstSeen: null, lastSeen: null, count: 0 };
    const f = first?.toISOString() ?? null;
    const l = last?.toISOString() ?? null;
    if (f && (!s.firstSeen || f < s.firstSeen)) s.firstSeen = f;
    if (l && (!s.lastSeen || l > s.lastSeen)) s.lastSeen = l;
    s.count += count;
    sources.set(source, s);
  };
  for (const o of obs.rows) sight(`otel:${o.source}`, o.first_seen, o.last_seen, 1);
  const a = activities.rows[0];
  sight("compliance:activities", a?.first ?? null, a?.last ?? null, a?.n ?? 0);
  sight("compliance:sessions", sessions.rows[0]?.first ?? null, sessions.rows[0]?.last ?? null, sessions.rows[0]?.n ?? 0);
  sight("compliance:chats", chats.rows[0]?.first ?? null, chats.rows[0]?.last ?? null, chats.rows[0]?.n ?? 0);
  for (const u of users.rows) sight("compliance:directory", u.received_at, u.received_at, 1);
  if (sources.size === 0) return null;

  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => Boolean(x)))].sort();
  return {
    displayName: users.rows.find((u) => u.full_name)?.full_name ?? null,
    emails: [...keys.emails].sort(),
    accountUuids: [...keys.accountUuids].sort(),
    accountIds: [...keys.accountIds].sort(),
    organizationIds: uniq([...obs.rows.map((o) => o.organization_id), ...users.rows.map((u) => u.organization_uuid), ...(a?.orgs ?? [])]),
    deviceIds: uniq(obs.rows.map((o) => o.user_id)),
    enduserIds: uniq(obs.rows.map((o) => o.enduser_id)),
    roles: uniq(users.rows.map((u) => u.organization_role)),
    sources: [...sources.values()].sort((x, y) => x.source.localeCompare(y.source)),
  };
}
