import type pg from "pg";
import { getPool } from "@/lib/db/pool";
import { secretSightings, type SecretSighting } from "./secret-sightings";
import type { AlertResolution, AlertStatus, DetectionService, EvidenceKind, RuleLevel } from "./types";

// The alert as every reader gets it: the read API (/api/v1/alerts), the webhook body and the
// console. Content (the matched values) is removed for readers who may not see content.

type Db = Pick<pg.ClientBase, "query">;

export interface ApiAlertEvidence {
  kind: EvidenceKind;
  id: string;
  time: string;
  sessionId: string | null;
  promptId: string | null;
  name: string;
}

export interface ApiAlert {
  id: string;
  rule: { id: string; title: string; level: RuleLevel };
  status: AlertStatus;
  resolution: AlertResolution | null;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  firstSeen: string;
  lastSeen: string;
  hits: number;
  service: DetectionService;
  person: string | null;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  groupKey: string | null;
  /** Field → value that made the rule match; null when the reader may not see content. */
  matched: Record<string, string> | null;
  evidence: ApiAlertEvidence[];
  /** One alert read alone: each secret its evidence holds, and where else it was seen ("seen before"). */
  secretSightings?: SecretSighting[];
}

export interface AlertDbRow {
  id: string;
  rule_id: string;
  rule_title: string;
  level: string;
  status: string;
  resolution: string | null;
  assignee: string | null;
  created_at: Date;
  updated_at: Date;
  first_seen: Date;
  last_seen: Date;
  hits: number;
  service: string;
  person: string | null;
  session_id: string | null;
  prompt_id: string | null;
  trace_id: string | null;
  group_key: string | null;
  matched: Record<string, string>;
}

export const ALERT_SELECT = `a.id, a.rule_id, a.rule_title, a.level, a.status, a.resolution, a.assignee, a.created_at,
  a.updated_at, a.first_seen, a.last_seen, a.hits, a.service, a.person, a.session_id, a.prompt_id, a.trace_id,
  a.group_key, a.matched`;

/** Evidence of each alert, oldest first; `limit` per alert keeps a noisy alert's page small. */
export async function evidenceOf(tenantId: string, alertIds: string[], limit = 50, db: Db = getPool()): Promise<Map<string, ApiAlertEvidence[]>> {
  const out = new Map<string, ApiAlertEvidence[]>(alertIds.map((id) => [id, []]));
  if (alertIds.length === 0) return out;
  const r = await db.query<{ alert_id: string; kind: EvidenceKind; record_id: string; time: Date; session_id: string | null; prompt_id: string | null; name: string }>(
    `SELECT alert_id, kind, record_id, time, session_id, prompt_id, name FROM (
       SELECT ev.*, row_number() OVER (PARTITION BY alert_id ORDER BY time, record_id) AS n
         FROM alert_evidence ev WHERE tenant_id = $1 AND alert_id = ANY($2::uuid[])) x
      WHERE n <= $3 ORDER BY alert_id, time, record_id`,
    [tenantId, alertIds, limit],
  );
  for (const e of r.rows) {
    out.get(e.alert_id)?.push({ kind: e.kind, id: e.record_id, time: e.time.toISOString(), sessionId: e.session_id, promptId: e.prompt_id, name: e.name });
  }
  return out;
}

export function toApiAlert(row: AlertDbRow, evidence: ApiAlertEvidence[], canReadContent: boolean): ApiAlert {
  return {
    id: row.id,
    rule: { id: row.rule_id, title: row.rule_title, level: row.level as RuleLevel },
    status: row.status as AlertStatus,
    resolution: row.resolution as AlertResolution | null,
    assignee: row.assignee,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    firstSeen: row.first_seen.toISOString(),
    lastSeen: row.last_seen.toISOString(),
    hits: row.hits,
    service: row.service as DetectionService,
    person: row.person,
    sessionId: row.session_id,
    promptId: row.prompt_id,
    traceId: row.trace_id,
    groupKey: row.group_key,
    matched: canReadContent ? row.matched : null,
    evidence,
  };
}

/** One alert of a tenant, or null when there is none with this id there. */
export async function getApiAlert(tenantId: string, id: string, canReadContent: boolean, db: Db = getPool()): Promise<ApiAlert | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await db.query<AlertDbRow>(`SELECT ${ALERT_SELECT} FROM alerts a WHERE a.tenant_id = $1 AND a.id = $2::uuid`, [tenantId, id]);
  const row = r.rows[0];
  if (!row) return null;
  const evidence = (await evidenceOf(tenantId, [row.id], 50, db)).get(row.id) ?? [];
  const sightings = await secretSightings(tenantId, evidence, db);
  return { ...toApiAlert(row, evidence, canReadContent), ...(sightings.length > 0 ? { secretSightings: sightings } : {}) };
}
