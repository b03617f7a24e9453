import { keepMetadata } from "@/lib/auth/content";
import { apiMapper, contentFilter, EVENT_TABLE, selectList, type ApiOf, type DbRowOf } from "@/lib/domain/fields";
import { getPool } from "@/lib/db/pool";
import { bareEventName } from "@/lib/domain/vocabulary";
import type { JsonValue } from "@/lib/otlp/values";

// Event read model: one shape for an event wherever it is shown (prompt timeline, session,
// search), with content removed for readers who may not see it.

export const EVENT_SELECT = `${selectList(EVENT_TABLE)}, r.attributes AS resource_attributes`;

export const EVENT_FROM = `events e LEFT JOIN resources r ON r.tenant_id = e.tenant_id AND r.id = e.resource_id`;

export type EventDbRow = DbRowOf<typeof EVENT_TABLE> & { resource_attributes: Record<string, JsonValue> | null };

export type ApiEvent = ApiOf<typeof EVENT_TABLE> & {
  /** Content keys removed because the reader may not see content. */
  hiddenKeys: string[];
  resource: Record<string, JsonValue>;
};

const eventToApi = apiMapper(EVENT_TABLE);
const eventContentFilter = contentFilter(EVENT_TABLE);

/**
 * For non-readers only what the content policy knows to be metadata stays (attributes, resource,
 * parsed fields, and columns that copy content); every removed key is listed in hiddenKeys:
 * attribute keys as they are, `fields.<key>`, `resource.<key>`, and the columns `error`, `errorType`, `body`.
 */
export function toApiEvent(row: EventDbRow, canReadContent: boolean): ApiEvent {
  if (canReadContent) return { ...eventToApi(row), hiddenKeys: [], resource: row.resource_attributes ?? {} };
  const shown = eventContentFilter(row);
  const resource = keepMetadata(row.resource_attributes, undefined, "resource.");
  return { ...eventToApi(shown.row), hiddenKeys: [...new Set([...shown.hiddenKeys, ...resource.hiddenKeys])], resource: resource.value };
}

// ---- search ----------------------------------------------------------------------------

export interface EventSearch {
  source?: string;
  name?: string;
  /** Matches user email, user.id, account uuid or tagged account id. */
  user?: string;
  sessionId?: string;
  promptId?: string;
  toolName?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit?: number;
}

interface Cursor {
  t: string; // ISO time
  id: string;
}

export class BadCursorError extends Error {}

function decodeCursor(cursor: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof c.t !== "string" || typeof c.id !== "string" || Number.isNaN(Date.parse(c.t))) throw new Error();
    return c;
  } catch {
    throw new BadCursorError("invalid cursor");
  }
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export const MAX_PAGE = 1000;

/** Newest first, keyset-paginated on (time, id) so pages stay fast at any depth. */
export async function searchEvents(
  tenantId: string,
  q: EventSearch,
  canReadContent: boolean,
): Promise<{ events: ApiEvent[]; nextCursor: string | null }> {
  const where: string[] = ["e.tenant_id = $1"];
  const params: unknown[] = [tenantId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (q.source) add("e.source = ?", q.source);
  if (q.name) add("e.event_name = ?", bareEventName(q.name));
  if (q.sessionId) add("e.session_id = ?", q.sessionId);
  if (q.promptId) add("e.prompt_id = ?", q.promptId);
  if (q.toolName) add("e.tool_name = ?", q.toolName);
  if (q.user) {
    params.push(q.user);
    const p = `$${params.length}`;
    where.push(`(e.user_email = ${p} OR e.user_id = ${p} OR e.account_uuid = ${p} OR e.account_id = ${p} OR e.enduser_id = ${p})`);
  }
  if (q.from) add("e.time >= ?", q.from);
  if (q.to) add("e.time < ?", q.to);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    params.push(c.t, c.id);
    where.push(`(e.time, e.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), MAX_PAGE);
  params.push(limit + 1);
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE ${where.join(" AND ")}
     ORDER BY e.time DESC, e.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => toApiEvent(r, canReadContent)),
    nextCursor: rows.length > limit && last ? encodeCursor({ t: last.time.toISOString(), id: last.id }) : null,
  };
}
