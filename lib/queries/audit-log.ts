import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";

// The audit log as admins read it: filtered by who, action, object and time, a page at a time
// (keyset on the entry id, newest first), and content views grouped by who viewed what kind of
// object (one row per reader and kind instead of one per page view).

export const CONTENT_VIEW = "content.view";
export const AUDIT_PAGE = 100;

/** Who may read which entries: their tenant's, and for owners also the entries of no tenant. */
export interface AuditViewer {
  tenantId: string;
  isOwner: boolean;
}

export interface AuditFilters {
  /** Part of the actor (email, api_token:name), any case. */
  actor?: string;
  /** An action (`user.invite`), or a family of them (`user`, `content`). */
  action?: string;
  /** Part of the target (`session:…`, an email, a token name), any case. */
  object?: string;
  from?: Date;
  to?: Date;
  /** Leave the content views out (they are listed grouped instead). */
  withoutContentViews?: boolean;
}

export interface AuditEntry {
  id: string;
  at: string;
  /** null: an instance entry (owners only). */
  tenantId: string | null;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

export interface AuditPageResult {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export interface ContentViewGroup {
  actor: string;
  /** The kind of object viewed: the target's prefix (session, prompt, trace, event, person, …). */
  kind: string;
  views: number;
  objects: number;
  first: string;
  last: string;
}

/** Position after the last entry of a page: its id (entries are listed newest first). */
const auditCursor = cursorCodec("audit", { id: cursorField.int });

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function filtered(viewer: AuditViewer, f: AuditFilters): SqlBuilder {
  const sql = new SqlBuilder();
  const tenant = sql.param(viewer.tenantId);
  sql.where(viewer.isOwner ? `(tenant_id = ${tenant} OR tenant_id IS NULL)` : `tenant_id = ${tenant}`);
  if (f.actor) sql.where(`actor ILIKE ${sql.param(`%${likeEscape(f.actor)}%`)}`);
  if (f.action) {
    const a = sql.param(f.action);
    sql.where(`(action = ${a} OR action LIKE ${sql.param(`${likeEscape(f.action)}.%`)})`);
  }
  if (f.object) sql.where(`target ILIKE ${sql.param(`%${likeEscape(f.object)}%`)}`);
  if (f.from) sql.where(`at >= ${sql.param(f.from)}`);
  if (f.to) sql.where(`at < ${sql.param(f.to)}`);
  if (f.withoutContentViews) sql.where(`action <> ${sql.param(CONTENT_VIEW)}`);
  return sql;
}

/** A page of entries, newest first; InvalidCursorError for a cursor this query did not make. */
export async function auditEntries(viewer: AuditViewer, f: AuditFilters & { cursor?: string; limit?: number }): Promise<AuditPageResult> {
  const limit = f.limit ?? AUDIT_PAGE;
  const sql = filtered(viewer, f);
  if (f.cursor) sql.where(`id < ${sql.param(auditCursor.decode(f.cursor).id)}`);
  const { rows } = await getPool().query<{ id: string; at: Date; tenant_id: string | null; actor: string; action: string; target: string | null; details: unknown }>(
    `SELECT id::text AS id, at, tenant_id, actor, action, target, details FROM audit_log
     WHERE ${sql.whereSql()} ORDER BY audit_log.id DESC LIMIT ${sql.param(limit + 1)}`, // the bigint column: "id" alone is the text alias
    sql.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map((r) => ({ id: r.id, at: r.at.toISOString(), tenantId: r.tenant_id, actor: r.actor, action: r.action, target: r.target, details: r.details })),
    nextCursor: rows.length > limit && last ? auditCursor.encode({ id: Number(last.id) }) : null,
  };
}

/** Content views per reader and kind of object, most recent first (at most `limit` groups). */
export async function contentViewGroups(viewer: AuditViewer, f: Omit<AuditFilters, "action" | "withoutContentViews">, limit = 200): Promise<ContentViewGroup[]> {
  const sql = filtered(viewer, { ...f, action: CONTENT_VIEW });
  const { rows } = await getPool().query<{ actor: string; kind: string; views: number; objects: number; first: Date; last: Date }>(
    `SELECT actor, COALESCE(NULLIF(split_part(target, ':', 1), ''), '(none)') AS kind, count(*)::int AS views,
            count(DISTINCT target)::int AS objects, min(at) AS first, max(at) AS last
     FROM audit_log WHERE ${sql.whereSql()} GROUP BY 1, 2 ORDER BY max(at) DESC, 1, 2 LIMIT ${sql.param(limit)}`,
    sql.values,
  );
  return rows.map((r) => ({ actor: r.actor, kind: r.kind, views: r.views, objects: r.objects, first: r.first.toISOString(), last: r.last.toISOString() }));
}

/** The actions on record, for the filter's choices. */
export async function auditActions(viewer: AuditViewer): Promise<string[]> {
  const sql = filtered(viewer, {});
  const { rows } = await getPool().query<{ action: string }>(`SELECT DISTINCT action FROM audit_log WHERE ${sql.whereSql()} ORDER BY 1 LIMIT 500`, sql.values);
  return rows.map((r) => r.action);
}
