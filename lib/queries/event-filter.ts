import type { SqlBuilder } from "@/lib/db/sql";
import { bareEventName } from "@/lib/domain/vocabulary";
import { whereQuery } from "@/lib/query/compile";

// Which events a reader asked for: one filter for the read API (/api/v1/events) and the Explorer
// (its table, its export), so that the same parameters select the same events everywhere.

export interface EventFilter {
  source?: string;
  /** Event name, bare (tool_decision) or prefixed (claude_code.tool_decision). */
  name?: string;
  /** Matches user email, user.id, account UUID, tagged account id or enduser.id. */
  user?: string;
  sessionId?: string;
  promptId?: string;
  tool?: string;
  mcpServer?: string;
  decisionSource?: string;
  decision?: string;
  success?: boolean;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** A query in the query language (lib/query/parse.ts), AND-ed with the filters above. */
  q?: string;
  /** The reader may read content: without it, free text and content fields in `q` are refused. */
  canReadContent?: boolean;
}

/** Adds the conditions for the tenant's events (table alias `e`) that match `f`. Throws QueryError for a bad `q`. */
export function whereEvents(sql: SqlBuilder, tenantId: string, f: EventFilter): SqlBuilder {
  sql.where(`e.tenant_id = ${sql.param(tenantId)}`);
  sql.whereEquals("e.source", f.source);
  sql.whereEquals("e.event_name", f.name === undefined ? undefined : bareEventName(f.name));
  if (f.user) {
    const u = sql.param(f.user);
    sql.where(`(e.user_email = ${u} OR e.user_id = ${u} OR e.account_uuid = ${u} OR e.account_id = ${u} OR e.enduser_id = ${u})`);
  }
  sql.whereEquals("e.session_id", f.sessionId);
  sql.whereEquals("e.prompt_id", f.promptId);
  sql.whereEquals("e.tool_name", f.tool);
  sql.whereEquals("e.mcp_server", f.mcpServer);
  sql.whereEquals("e.decision_source", f.decisionSource);
  sql.whereEquals("e.decision", f.decision);
  sql.whereEquals("e.success", f.success);
  if (f.from) sql.where(`e.time >= ${sql.param(f.from)}`);
  if (f.to) sql.where(`e.time < ${sql.param(f.to)}`);
  whereQuery(sql, "events", f.q, f.canReadContent ?? false);
  return sql;
}
