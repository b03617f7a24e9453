import { activityDetailsFor } from "@/lib/compliance/activity-fields";
import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";
import type { JsonValue } from "@/lib/otlp/values";

// The Compliance API activity feed as stored: searchable by type, actor, organization and time,
// newest first with a keyset cursor. Type-specific fields reach managers only when they are
// known metadata (lib/compliance/activity-fields.ts); the rest is listed in hiddenKeys.

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
  /** The type-specific fields (everything but the envelope) this viewer may see. */
  details: Record<string, JsonValue>;
  /** Type-specific fields removed for this viewer (managers). */
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

/** Position after the last activity of a page, newest first: (created_at, id). */
const activityCursor = cursorCodec("compliance-activities", { t: cursorField.time, id: cursorField.text });

export async function searchActivities(
  tenantId: string,
  q: ActivitySearch,
  viewer: { canReadContent: boolean },
): Promise<{ rows: ActivityRow[]; nextCursor: string | null }> {
  const sql = new SqlBuilder();
  sql.where(`tenant_id = ${sql.param(tenantId)}`);
  sql.whereEquals("type", q.type);
  if (q.actor) {
    const a = q.actor.trim().toLowerCase();
    if (a.startsWith("user_")) sql.whereEquals("actor_user_id", q.actor.trim());
    else sql.where(`actor_email LIKE ${sql.param(`%${a.replace(/[%_\\]/g, (m) => `\\${m}`)}%`)}`);
  }
  if (q.organization) {
    const o = sql.param(q.organization.trim());
    sql.where(`(organization_id = ${o} OR organization_uuid = lower(${o}))`);
  }
  if (q.actorEmails || q.actorIds) {
    const who = sql.param([...(q.actorEmails ?? []), ...(q.actorIds ?? [])]);
    sql.where(`(actor_email = ANY(${who}) OR actor_user_id = ANY(${who}))`);
  }
  if (q.from) sql.where(`created_at >= ${sql.param(q.from)}`);
  if (q.to) sql.where(`created_at < ${sql.param(q.to)}`);
  if (q.cursor) {
    const c = activityCursor.decode(q.cursor);
    sql.where(`(created_at, id) < (${sql.param(c.t)}::timestamptz, ${sql.param(c.id)})`);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
  const { rows } = await getPool().query<{
    id: string; created_at: Date; type: string; organization_id: string | null; organization_uuid: string | null; actor_type: string | null;
    actor_email: string | null; actor_user_id: string | null; actor_ip: string | null; actor_user_agent: string | null; origin: string; raw: Record<string, JsonValue>;
  }>(
    `SELECT id, created_at, type, organization_id, organization_uuid, actor_type, actor_email, actor_user_id, actor_ip, actor_user_agent, origin, raw
     FROM compliance_activities WHERE ${sql.whereSql()} ORDER BY created_at DESC, id DESC LIMIT ${sql.param(limit + 1)}`,
    sql.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => ({
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
      ...activityDetailsFor(Object.fromEntries(Object.entries(r.raw).filter(([k]) => !ENVELOPE.has(k))), viewer.canReadContent),
    })),
    nextCursor: rows.length > limit && last ? activityCursor.encode({ t: last.created_at.toISOString(), id: last.id }) : null,
  };
}

export async function activityTypes(tenantId: string): Promise<{ type: string; count: number }[]> {
  const { rows } = await getPool().query<{ type: string; count: number }>(
    `SELECT type, count(*)::int AS count FROM compliance_activities WHERE tenant_id = $1 GROUP BY type ORDER BY count DESC, type LIMIT 300`,
    [tenantId],
  );
  return rows;
}
