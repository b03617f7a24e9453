import { randomUUID } from "node:crypto";
import type pg from "pg";
import { getPool } from "@/lib/db/pool";
import type { AlertStatus, DetectionService, Evidence, RuleLevel } from "@/lib/detections/types";

// Alerts written with SQL for tests of the read and triage side, the way the engine's alert store
// writes them (one alerts row, its evidence rows). Tests that run the engine use recordHits instead.

export interface TestAlert {
  ruleId: string;
  ruleTitle: string;
  level: RuleLevel;
  service?: DetectionService;
  status?: AlertStatus;
  person?: string | null;
  sessionId?: string | null;
  promptId?: string | null;
  traceId?: string | null;
  matched?: Record<string, string>;
  firstSeen: Date;
  lastSeen?: Date;
  hits?: number;
  evidence?: Evidence[];
}

export async function insertTestAlert(tenantId: string, a: TestAlert, db: Pick<pg.ClientBase, "query"> = getPool()): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO alerts (tenant_id, id, rule_id, rule_title, level, dedup_key, status, hits, window_start, first_seen, last_seen,
                         service, person, session_id, prompt_id, trace_id, matched)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      tenantId, id, a.ruleId, a.ruleTitle, a.level, `${a.ruleId}|${id}`, a.status ?? "new", a.hits ?? 1, a.firstSeen,
      a.lastSeen ?? a.firstSeen, a.service ?? "claude_code", a.person ?? null, a.sessionId ?? null, a.promptId ?? null,
      a.traceId ?? null, JSON.stringify(a.matched ?? {}),
    ],
  );
  for (const e of a.evidence ?? []) {
    await db.query(
      `INSERT INTO alert_evidence (tenant_id, alert_id, kind, record_id, time, session_id, prompt_id, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenantId, id, e.kind, e.id, e.time, e.sessionId, e.promptId, e.name],
    );
  }
  return id;
}
