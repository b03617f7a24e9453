import { keepMetadata } from "@/lib/auth/content";
import { apiMapper, contentFilter, EVENT_TABLE, selectList, type ApiOf, type DbRowOf } from "@/lib/domain/fields";
import { getPool } from "@/lib/db/pool";
import { cursorCodec, cursorField, SqlBuilder } from "@/lib/db/sql";
import type { JsonValue } from "@/lib/otlp/values";
import { whereEvents, type EventFilter } from "./event-filter";

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

export interface EventSearch extends EventFilter {
  cursor?: string;
  limit?: number;
}

/** Position after the last event of a page, newest first: (time, id). */
const searchCursor = cursorCodec("events", { t: cursorField.time, id: cursorField.uuid });

export const MAX_PAGE = 1000;

/** Newest first, keyset-paginated on (time, id) so pages stay fast at any depth. */
export async function searchEvents(
  tenantId: string,
  q: EventSearch,
  canReadContent: boolean,
): Promise<{ events: ApiEvent[]; nextCursor: string | null }> {
  const sql = whereEvents(new SqlBuilder(), tenantId, { ...q, canReadContent });
  if (q.cursor) {
    const c = searchCursor.decode(q.cursor);
    sql.where(`(e.time, e.id) < (${sql.param(c.t)}::timestamptz, ${sql.param(c.id)}::uuid)`);
  }
  const limit = Math.min(Math.max(q.limit ?? 100, 1), MAX_PAGE);
  const { rows } = await getPool().query<EventDbRow>(
    `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE ${sql.whereSql()}
     ORDER BY e.time DESC, e.id DESC LIMIT ${sql.param(limit + 1)}`,
    sql.values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => toApiEvent(r, canReadContent)),
    nextCursor: rows.length > limit && last ? searchCursor.encode({ t: last.time.toISOString(), id: last.id }) : null,
  };
}
