import { getPool } from "@/lib/db/pool";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "@/lib/queries/events";

// The Explorer's row panel (`/explore?…&event=<id>`): one event with every field, through the same
// read model as the API (lib/queries/events.ts), so content is removed for managers exactly as
// everywhere else.

// Any 8-4-4-4-12 hex form: event ids are hashes of the record (no RFC version bits), so zod's uuid() would refuse them.
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event, or null when the id is malformed or names no event of this tenant. */
export async function exploreEventDetail(tenantId: string, id: string, canReadContent: boolean): Promise<ApiEvent | null> {
  if (!EVENT_ID.test(id)) return null;
  const { rows } = await getPool().query<EventDbRow>(`SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE e.tenant_id = $1 AND e.id = $2`, [tenantId, id]);
  return rows[0] ? toApiEvent(rows[0], canReadContent) : null;
}
