import { randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { getPool, withTransaction } from "@/lib/db/pool";
import { cursorCodec, cursorField } from "@/lib/db/sql";
import { ALERT_SELECT, evidenceOf, toApiAlert, type AlertDbRow, type ApiAlert } from "./alert-read";
import {
  ALERT_RESOLUTIONS,
  ALERT_STATUSES,
  DETECTION_SERVICES,
  RULE_LEVELS,
  type AlertResolution,
  type AlertStatus,
  type DetectionService,
  type RuleLevel,
} from "./types";

// The triage side of alerts: the queue (filters, most severe and newest first, keyset pages),
// the status workflow new → acknowledged → closed with a resolution, assignees and notes. Every
// change is audited in the same transaction as the change itself.

type Db = Pick<pg.ClientBase, "query">;

export const MAX_ALERT_PAGE = 200;
const EVIDENCE_PER_LISTED_ALERT = 20;

/** Severity as a number for ordering (unknown levels sort last); alerts_queue_order_idx indexes this very expression. */
const LEVEL_RANK_SQL = `(CASE a.level WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)`;

export interface AlertFilters {
  /** Alerts with a hit at or after this time (last_seen ≥ from). */
  from?: Date;
  /** Alerts whose first hit is before this time (first_seen < to). */
  to?: Date;
  status?: AlertStatus[];
  /** A rule id. */
  rule?: string;
  severity?: RuleLevel[];
  /** A person key. */
  person?: string;
  service?: DetectionService[];
}

/** Input the caller got wrong (400). */
export class AlertInputError extends Error {}
/** The change does not fit the alert's current state (409). */
export class AlertStateError extends Error {}
export class AlertNotFoundError extends Error {
  constructor(id: string) {
    super(`no alert ${id}`);
  }
}

/** The queue's keyset position: severity rank, last hit in whole microseconds, id. */
const alertCursor = cursorCodec("alerts", {
  rank: z.number().int().min(0).max(4),
  lastSeenUs: cursorField.int,
  id: cursorField.uuid,
});
type CursorKey = ReturnType<typeof alertCursor.decode>;
const encodeCursor = (k: CursorKey): string => alertCursor.encode(k);
const decodeCursor = (cursor: string): CursorKey => alertCursor.decode(cursor);

/** The filters as SQL over `alerts a`, their values appended to `params` (a statement may hold two). */
function whereOf(tenantId: string, f: AlertFilters, params: unknown[] = []): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  add((p) => `a.tenant_id = ${p}`, tenantId);
  if (f.from) add((p) => `a.last_seen >= ${p}`, f.from);
  if (f.to) add((p) => `a.first_seen < ${p}`, f.to);
  if (f.status?.length) add((p) => `a.status = ANY(${p}::text[])`, f.status);
  if (f.rule) add((p) => `a.rule_id = ${p}`, f.rule);
  if (f.severity?.length) add((p) => `a.level = ANY(${p}::text[])`, f.severity);
  if (f.person) add((p) => `a.person = ${p}`, f.person);
  if (f.service?.length) add((p) => `a.service = ANY(${p}::text[])`, f.service);
  return { sql: clauses.join(" AND "), params };
}

export interface AlertPage {
  alerts: ApiAlert[];
  nextCursor: string | null;
}

/** One page of the queue: most severe first, then the most recent hit, then id (a stable keyset). */
export async function listAlerts(
  tenantId: string, filters: AlertFilters, options: { cursor?: string; limit?: number; canReadContent: boolean }, db: Db = getPool(),
): Promise<AlertPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_ALERT_PAGE);
  const { sql, params } = whereOf(tenantId, filters);
  let where = sql;
  if (options.cursor) {
    const k = decodeCursor(options.cursor);
    params.push(k.rank, k.lastSeenUs, k.id);
    const n = params.length;
    // last_seen compared in whole microseconds: a JS Date would drop them and skip or repeat rows.
    where += ` AND (${LEVEL_RANK_SQL}, a.last_seen, a.id) < ($${n - 2}::int, 'epoch'::timestamptz + $${n - 1}::int8 * interval '1 microsecond', $${n}::uuid)`;
  }
  params.push(limit + 1);
  const r = await db.query<AlertDbRow & { rank: number; last_seen_us: number }>(
    `SELECT ${ALERT_SELECT}, ${LEVEL_RANK_SQL} AS rank, (extract(epoch FROM a.last_seen) * 1000000)::int8 AS last_seen_us
       FROM alerts a WHERE ${where}
      ORDER BY ${LEVEL_RANK_SQL} DESC, a.last_seen DESC, a.id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = r.rows.slice(0, limit);
  const evidence = await evidenceOf(tenantId, rows.map((x) => x.id), EVIDENCE_PER_LISTED_ALERT, db);
  const last = rows[rows.length - 1];
  return {
    alerts: rows.map((row) => toApiAlert(row, evidence.get(row.id) ?? [], options.canReadContent)),
    nextCursor: r.rows.length > limit && last ? encodeCursor({ rank: last.rank, lastSeenUs: last.last_seen_us, id: last.id }) : null,
  };
}

export interface AlertGroup {
  /** The rule id or the person key (null: alerts without a person). */
  key: string | null;
  label: string;
  alerts: number;
  open: number;
  hits: number;
  /** The most severe level in the group. */
  level: RuleLevel;
  lastSeen: string;
}

/** The queue grouped by rule or by person, the most severe and most recent groups first. */
export async function groupAlerts(tenantId: string, filters: AlertFilters, by: "rule" | "person", db: Db = getPool()): Promise<AlertGroup[]> {
  const { sql, params } = whereOf(tenantId, filters);
  const key = by === "rule" ? "a.rule_id" : "a.person";
  const label = by === "rule" ? "max(a.rule_title)" : "coalesce(a.person, 'unknown person')";
  const r = await db.query<{ key: string | null; label: string; alerts: number; open: number; hits: number; rank: number; last_seen: Date }>(
    `SELECT ${key} AS key, ${label} AS label, count(*)::int AS alerts,
            (count(*) FILTER (WHERE a.status <> 'closed'))::int AS open, sum(a.hits)::int8 AS hits,
            max(${LEVEL_RANK_SQL}) AS rank, max(a.last_seen) AS last_seen
       FROM alerts a WHERE ${sql} GROUP BY ${key}
      ORDER BY max(${LEVEL_RANK_SQL}) DESC, max(a.last_seen) DESC LIMIT 500`,
    params,
  );
  return r.rows.map((g) => ({
    key: g.key, label: g.label, alerts: g.alerts, open: g.open, hits: Number(g.hits),
    level: RULE_LEVELS[Math.max(0, g.rank)] ?? "informational", lastSeen: g.last_seen.toISOString(),
  }));
}

/** Alerts per level under the filters, every level present (0 when none). */
export async function countAlertsBySeverity(tenantId: string, filters: AlertFilters, db: Db = getPool()): Promise<Record<RuleLevel, number>> {
  const { sql, params } = whereOf(tenantId, filters);
  const r = await db.query<{ level: string; n: number }>(`SELECT a.level, count(*)::int AS n FROM alerts a WHERE ${sql} GROUP BY a.level`, params);
  const out = Object.fromEntries(RULE_LEVELS.map((l) => [l, 0])) as Record<RuleLevel, number>;
  for (const row of r.rows) if ((RULE_LEVELS as readonly string[]).includes(row.level)) out[row.level as RuleLevel] = row.n;
  return out;
}

export interface AlertQueueCounts {
  /** The window's alerts grouped by rule (the rule filter's choices), as groupAlerts(window, "rule"). */
  rules: AlertGroup[];
  /** Every severity's count under the filters but the severity one, as countAlertsBySeverity. */
  bySeverity: Record<RuleLevel, number>;
}

/**
 * The queue's rule choices and severity counts in one pass over the window's alerts (grouped by
 * rule and level; the filters counted apart): the queue page would otherwise scan the window twice.
 * Grouped by the title too, so that the rule's label (the greatest title) is compared over a few
 * groups: max(rule_title) over every alert spends most of the scan in collation compares.
 */
export async function alertQueueCounts(tenantId: string, window: Pick<AlertFilters, "from" | "to">, filters: AlertFilters, db: Db = getPool()): Promise<AlertQueueCounts> {
  const scope = whereOf(tenantId, { from: window.from, to: window.to });
  const matching = whereOf(tenantId, { ...filters, severity: undefined }, scope.params);
  const r = await db.query<{ rule_id: string; level: string; title: string; alerts: number; open: number; hits: string; rank: number; last_seen: Date; matching: number }>(
    `SELECT a.rule_id, a.level, max(a.rule_title) OVER (PARTITION BY a.rule_id) AS title, count(*)::int AS alerts, (count(*) FILTER (WHERE a.status <> 'closed'))::int AS open,
            sum(a.hits)::int8 AS hits, max(${LEVEL_RANK_SQL}) AS rank, max(a.last_seen) AS last_seen,
            (count(*) FILTER (WHERE ${matching.sql}))::int AS matching
       FROM alerts a WHERE ${scope.sql} GROUP BY a.rule_id, a.level, a.rule_title`,
    matching.params,
  );
  const bySeverity = Object.fromEntries(RULE_LEVELS.map((l) => [l, 0])) as Record<RuleLevel, number>;
  const rules = new Map<string, { g: AlertGroup; rank: number; last: Date }>();
  for (const row of r.rows) {
    if ((RULE_LEVELS as readonly string[]).includes(row.level)) bySeverity[row.level as RuleLevel] += row.matching;
    const x = rules.get(row.rule_id);
    if (!x) {
      rules.set(row.rule_id, {
        g: { key: row.rule_id, label: row.title, alerts: row.alerts, open: row.open, hits: Number(row.hits), level: "informational", lastSeen: "" },
        rank: row.rank, last: row.last_seen,
      });
      continue;
    }
    x.g.alerts += row.alerts;
    x.g.open += row.open;
    x.g.hits += Number(row.hits);
    if (row.rank > x.rank) x.rank = row.rank;
    if (row.last_seen > x.last) x.last = row.last_seen;
  }
  const ranked = [...rules.values()].sort((a, b) => b.rank - a.rank || b.last.getTime() - a.last.getTime() || (a.g.key! < b.g.key! ? -1 : 1)).slice(0, 500);
  return {
    rules: ranked.map(({ g, rank, last }) => ({ ...g, level: RULE_LEVELS[Math.max(0, rank)] ?? "informational", lastSeen: last.toISOString() })),
    bySeverity,
  };
}

/** Open (not closed) alerts per level, whatever their time: open is open. */
export function openAlertsBySeverity(tenantId: string, db: Db = getPool()): Promise<Record<RuleLevel, number>> {
  return countAlertsBySeverity(tenantId, { status: ["new", "acknowledged"] }, db);
}

export interface AlertNote {
  id: string;
  author: string;
  /** null when the reader may not see content (a note may quote a command or a path). */
  body: string | null;
  createdAt: string;
}

export async function alertNotes(tenantId: string, alertId: string, canReadContent: boolean, db: Db = getPool()): Promise<AlertNote[]> {
  const r = await db.query<{ id: string; author: string; body: string; created_at: Date }>(
    `SELECT id, author, body, created_at FROM alert_notes WHERE tenant_id = $1 AND alert_id = $2::uuid ORDER BY created_at, id`,
    [tenantId, alertId],
  );
  return r.rows.map((n) => ({ id: n.id, author: n.author, body: canReadContent ? n.body : null, createdAt: n.created_at.toISOString() }));
}

export interface AlertHistoryEntry {
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown> | null;
}

/** Who changed the alert and how, from the audit log (oldest first). */
export async function alertHistory(tenantId: string, alertId: string, db: Db = getPool()): Promise<AlertHistoryEntry[]> {
  const r = await db.query<{ at: Date; actor: string; action: string; details: Record<string, unknown> | null }>(
    `SELECT at, actor, action, details FROM audit_log WHERE tenant_id = $1 AND target = $2 AND action LIKE 'alert.%' ORDER BY at, id`,
    [tenantId, alertId],
  );
  return r.rows.map((h) => ({ at: h.at.toISOString(), actor: h.actor, action: h.action, details: h.details }));
}

// Postgres text cannot hold NUL: refuse it as bad input rather than fail the write.
const noNul = (s: string) => !s.includes("\u0000");
const NUL_MESSAGE = "must not contain NUL (\\u0000)";

/** A PATCH body: what may change about an alert. Unknown keys are refused, not ignored. */
export const alertUpdateInput = z
  .object({
    status: z.enum(ALERT_STATUSES).optional(),
    resolution: z.enum(ALERT_RESOLUTIONS).optional(),
    /** An email of an active user of the tenant, or null to unassign. */
    assignee: z.string().trim().toLowerCase().max(320).refine(noNul, NUL_MESSAGE).nullable().optional(),
    note: z.string().trim().min(1, "note is empty").max(10_000).refine(noNul, NUL_MESSAGE).optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), "nothing to change: send status, resolution, assignee or note");
export type AlertUpdate = z.infer<typeof alertUpdateInput>;

/** The status changes triage allows; reopening a closed alert makes it acknowledged again. */
const TRANSITIONS: Record<AlertStatus, readonly AlertStatus[]> = {
  new: ["acknowledged", "closed"],
  acknowledged: ["closed"],
  closed: ["acknowledged"],
};

export interface AlertUpdateResult {
  /** What changed: status, resolution, assignee, note (empty when the request changed nothing). */
  changed: string[];
  noteId: string | null;
}

/**
 * Applies a triage change: status along TRANSITIONS (closing needs a resolution; reopening clears
 * it), assignee, and a note. One transaction with the alert row locked, an audit row per change.
 */
export async function updateAlert(tenantId: string, actor: string, id: string, input: AlertUpdate): Promise<AlertUpdateResult> {
  const parsed = alertUpdateInput.safeParse(input);
  if (!parsed.success) throw new AlertInputError(parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "));
  const change = parsed.data;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new AlertNotFoundError(id);

  return withTransaction(async (db) => {
    const cur = await db.query<{ status: AlertStatus; resolution: AlertResolution | null; assignee: string | null }>(
      `SELECT status, resolution, assignee FROM alerts WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE`, [tenantId, id]);
    const alert = cur.rows[0];
    if (!alert) throw new AlertNotFoundError(id);

    let status = alert.status;
    let resolution = alert.resolution;
    if (change.status !== undefined && change.status !== alert.status) {
      if (!TRANSITIONS[alert.status].includes(change.status)) {
        throw new AlertStateError(
          change.status === "new"
            ? `the alert is ${alert.status}: it cannot go back to new (reopen it as acknowledged)`
            : `the alert is ${alert.status}: it cannot become ${change.status}`,
        );
      }
      status = change.status;
      resolution = status === "closed" ? (change.resolution ?? null) : null;
      if (status === "closed" && !resolution) throw new AlertInputError(`closing needs a resolution: ${ALERT_RESOLUTIONS.join(", ")}`);
      if (status !== "closed" && change.resolution) throw new AlertInputError("a resolution is given only when closing (status closed)");
    } else if (change.resolution !== undefined) {
      // A closed alert may have its resolution corrected; an open one gets it by closing.
      if (alert.status !== "closed") throw new AlertInputError("a resolution is given only when closing (status closed)");
      resolution = change.resolution;
    }

    let assignee = alert.assignee;
    if (change.assignee !== undefined) {
      assignee = change.assignee === "" ? null : change.assignee;
      if (assignee !== null) {
        const u = await db.query(`SELECT 1 FROM users WHERE tenant_id = $1 AND lower(email) = $2 AND deactivated_at IS NULL AND role IN ('admin', 'analyst')`, [tenantId, assignee]);
        if (u.rowCount === 0) throw new AlertInputError(`assignee ${assignee} is not an active analyst or admin of this tenant`);
      }
    }

    const changed: string[] = [];
    if (status !== alert.status) changed.push("status");
    if (resolution !== alert.resolution) changed.push("resolution");
    if (assignee !== alert.assignee) changed.push("assignee");
    if (changed.length > 0) {
      await db.query(
        `UPDATE alerts SET status = $3, resolution = $4, assignee = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenantId, id, status, resolution, assignee],
      );
    }
    if (status !== alert.status || resolution !== alert.resolution) {
      const details: Record<string, string> = { from: alert.status, to: status };
      if (resolution) details.resolution = resolution;
      await recordAudit({ tenantId, actor, action: "alert.status", target: id, details }, db);
    }
    if (assignee !== alert.assignee) {
      await recordAudit({ tenantId, actor, action: "alert.assign", target: id, details: { assignee: assignee ?? "nobody" } }, db);
    }
    let noteId: string | null = null;
    if (change.note !== undefined) {
      noteId = randomUUID();
      await db.query(`INSERT INTO alert_notes (tenant_id, id, alert_id, author, body) VALUES ($1, $2, $3::uuid, $4, $5)`, [tenantId, noteId, id, actor, change.note]);
      if (changed.length === 0) await db.query(`UPDATE alerts SET updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid`, [tenantId, id]);
      // The note's text may quote content: the audit keeps its id and length only.
      await recordAudit({ tenantId, actor, action: "alert.note", target: id, details: { note: noteId, chars: change.note.length } }, db);
      changed.push("note");
    }
    return { changed, noteId };
  });
}

/** Parses comma-separated filter values against an allowed list; throws AlertInputError naming the field. */
export function parseListParam<T extends string>(value: string | null | undefined, allowed: readonly T[], name: string): T[] | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new AlertInputError(`${name} must be one or more of ${allowed.join(", ")} (comma-separated); got ${JSON.stringify(item.slice(0, 40))}`);
  }
  return items as T[];
}

/** `status=open` is shorthand for new and acknowledged. */
export function parseStatusParam(value: string | null | undefined): AlertStatus[] | undefined {
  if (value?.trim() === "open") return ["new", "acknowledged"];
  return parseListParam(value, ALERT_STATUSES, "status");
}

export const parseSeverityParam = (v: string | null | undefined) => parseListParam(v, RULE_LEVELS, "severity");
export const parseServiceParam = (v: string | null | undefined) => parseListParam(v, DETECTION_SERVICES, "service");

/** Who an alert may be assigned to: the tenant's active analysts and admins. */
export async function assignableUsers(tenantId: string, db: Db = getPool()): Promise<{ email: string; name: string | null }[]> {
  const r = await db.query<{ email: string; name: string | null }>(
    `SELECT lower(email) AS email, name FROM users WHERE tenant_id = $1 AND deactivated_at IS NULL AND role IN ('admin', 'analyst') ORDER BY lower(email)`,
    [tenantId],
  );
  return r.rows;
}
