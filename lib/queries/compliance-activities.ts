import { isMetadataActivityField, keepMetadata } from "@/lib/auth/content";
import { getPool } from "@/lib/db/pool";
import type { JsonValue } from "@/lib/otlp/values";

// The Compliance API activity feed as stored: searchable by type, actor, organization and time,
// newest first with a keyset cursor.

export interface ActivityRow {
  id: string;
  createdAt: string;
  type: string;
  organizationId: string | null;
  organizationUuid: string | null;
  actorType: string | null;
  actorEmail: string | null;
  actorUserId: string | null;
  actorIp: string | null;
  actorUserAgent: string | null;
  origin: string;
  /** The type-specific fields (everything but the envelope); for non-readers only object ids. */
  details: Record<string, JsonValue>;
  /** Type-specific fields removed because the reader may not see content. */
  hiddenKeys: string[];
}

export interface ActivitySearch {
  type?: string;
  /** Email, tagged user id, or part of an email. */
  actor?: string;
  /** Tagged org id or UUID. */
  organization?: string;
  from?: Date;
  to?: Date;
  actorEmails?: string[];
  actorIds?: string[];
  cursor?: string;
  limit?: number;
}

const ENVELOPE = new Set(["id", "created_at", "type", "organization_id", "organization_uuid", "actor"]);

export class BadActivityCursorError extends Error {}

export async function searchActivities(tenantId: string, q: ActivitySearch, canReadContent: boolean): Promise<{ rows: ActivityRow[]; nextCursor: string | null }> {
  const where = ["tenant_id = $1"];
  const params: unknown[] = [tenantId];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (q.type) add((p) => `type = ${p}`, q.type);
  if (q.actor) {
    const a = q.actor.trim().toLowerCase();
    if (a.startsWith("user_")) add((p) => `actor_user_id = ${p}`, q.actor.trim());
    else add((p) => `actor_email LIKE ${p}`, `%${a.replace(/[%_\\]/g, (m) => `\\${m}`)}%`);
  }
  if (q.organization) add((p) => `(organization_id = ${p} OR organization_uuid = lower(${p}))`, q.organization.trim());
  if (q.actorEmails || q.actorIds) add((p) => `(actor_email = ANY(${p}) OR actor_user_id = ANY(${p}))`, [...(q.actorEmails ?? []), ...(q.actorIds ?? [])]);
  if (q.from) add((p) => `created_at >= ${p}`, q.from);
  if (q.to) add((p) => `created_at < ${p}`, q.to);
  if (q.cursor) {
    let c: { t: string; id: string };
    try {
      c = JSON.parse(Buffer.from(q.cursor, "base64url").toString("utf8"));
      if (typeof c.t !== "string" || typeof c.id !== "string") throw new Error();
    } catch {
      throw new BadActivityCursorError("invalid cursor");
    }
    params.push(c.t, c.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
  params.push(limit + 1);
  const { rows } = await getPool().query<{
    id: string; created_at: Date; type: string; organization_id: string | null; organization_uuid: string | null; actor_type: string | null;
    actor_email: string | null; actor_user_id: string | null; actor_ip: string | null; actor_user_agent: string | null; origin: string; raw: Record<string, JsonValue>;
  }>(
    `SELECT id, created_at, type, organization_id, organization_uuid, actor_type, actor_email, actor_user_id, actor_ip, actor_user_agent, origin, raw
     FROM compliance_activities WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => {
      const all = Object.fromEntries(Object.entries(r.raw).filter(([k]) => !ENVELOPE.has(k)));
      const details = canReadContent ? { value: all, hiddenKeys: [] } : keepMetadata(all, isMetadataActivityField);
      return {
      id: r.id,
      createdAt: r.created_at.toISOString(),
      type: r.type,
      organizationId: r.organization_id,
      organizationUuid: r.organization_uuid,
      actorType: r.actor_type,
      actorEmail: r.actor_email,
      actorUserId: r.actor_user_id,
      actorIp: r.actor_ip,
      actorUserAgent: r.actor_user_agent,
      origin: r.origin,
      details: details.value,
      hiddenKeys: details.hiddenKeys,
    };
    }),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify({ t: last.created_at.toISOString(), id: last.id })).toString("base64url") : null,
  };
}

export async function activityTypes(tenantId: string): Promise<{ type: string; count: number }[]> {
  const { rows } = await getPool().query<{ type: string; count: number }>(
    `SELECT type, count(*)::int AS count FROM compliance_activities WHERE tenant_id = $1 GROUP BY type ORDER BY count DESC, type LIMIT 300`,
    [tenantId],
  );
  return rows;
}
