import { randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { getPool } from "@/lib/db/pool";
import {
  ALLOWLISTS,
  EXCEPTION_OPERATORS,
  RULE_LEVELS,
  type AllowlistName,
  type DetectionException,
  type ExceptionOperator,
  type RuleLevel,
  type RuleSetting,
  type TenantTuning,
} from "./types";

// A tenant's tuning of the rule pack: rules switched on or off or given another level, exceptions
// that suppress hits, and the allowlists rules refer to. Every change is audited with its actor.

type Db = Pick<pg.ClientBase, "query">;

export const exceptionInput = z.object({
  ruleId: z.string().trim().min(1).max(200).nullable(),
  field: z.string().trim().min(1).max(200),
  operator: z.enum(EXCEPTION_OPERATORS),
  value: z.string().min(1).max(2000),
  reason: z.string().trim().min(3, "say why the exception is safe").max(2000),
});
export type ExceptionInput = z.infer<typeof exceptionInput>;

export const allowlistInput = z.object({
  list: z.enum(ALLOWLISTS),
  value: z.string().trim().min(1).max(500),
  reason: z.string().trim().min(3, "say why the value is trusted").max(2000),
});
export type AllowlistInput = z.infer<typeof allowlistInput>;

const levelOrNull = (v: unknown): RuleLevel | null => (RULE_LEVELS as readonly unknown[]).includes(v) ? (v as RuleLevel) : null;

/** Everything the evaluators need of a tenant's tuning, in three queries. */
export async function loadTuning(tenantId: string, db: Db = getPool()): Promise<TenantTuning> {
  // Sequential: db may be one connection in a transaction (the ingest evaluator's), which runs one query at a time.
  const settings = await db.query<{ rule_id: string; enabled: boolean; level: string | null }>(
    `SELECT rule_id, enabled, level FROM detection_rule_settings WHERE tenant_id = $1`, [tenantId]);
  const exceptions = await db.query<{ id: string; rule_id: string | null; field: string; operator: string; value: string; reason: string; created_by: string; created_at: Date }>(
    `SELECT id, rule_id, field, operator, value, reason, created_by, created_at FROM detection_exceptions
      WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  const allow = await db.query<{ list: string; value: string }>(
    `SELECT list, value FROM detection_allowlist WHERE tenant_id = $1 ORDER BY list, value`, [tenantId]);
  const tuning: TenantTuning = {
    settings: new Map<string, RuleSetting>(settings.rows.map((r) => [r.rule_id, { enabled: r.enabled, level: levelOrNull(r.level) }])),
    exceptions: exceptions.rows.map((r) => ({
      id: r.id, ruleId: r.rule_id, field: r.field, operator: r.operator as ExceptionOperator, value: r.value,
      reason: r.reason, createdBy: r.created_by, createdAt: r.created_at,
    })),
    allowlists: Object.fromEntries(ALLOWLISTS.map((l) => [l, [] as string[]])) as Record<AllowlistName, string[]>,
  };
  for (const r of allow.rows) if ((ALLOWLISTS as readonly string[]).includes(r.list)) tuning.allowlists[r.list as AllowlistName].push(r.value);
  return tuning;
}

/** Whether an exception suppresses a record whose field holds `value` (case-sensitive, as Sigma's default is not). */
export function exceptionMatches(e: Pick<DetectionException, "operator" | "value">, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => {
    const s = String(v).toLowerCase();
    const want = e.value.toLowerCase();
    return e.operator === "equals" ? s === want : e.operator === "startswith" ? s.startsWith(want) : s.includes(want);
  });
}

export async function setRuleSetting(
  tenantId: string, actor: string, ruleId: string, change: { enabled?: boolean; level?: RuleLevel | null },
): Promise<void> {
  await getPool().query(
    `INSERT INTO detection_rule_settings (tenant_id, rule_id, enabled, level, updated_by, updated_at)
     VALUES ($1, $2, COALESCE($3, true), $4, $5, now())
     ON CONFLICT (tenant_id, rule_id) DO UPDATE SET
       enabled = COALESCE($3, detection_rule_settings.enabled),
       level = CASE WHEN $6 THEN $4 ELSE detection_rule_settings.level END,
       updated_by = $5, updated_at = now()`,
    [tenantId, ruleId, change.enabled ?? null, change.level ?? null, actor, change.level !== undefined],
  );
  const details: Record<string, string | boolean> = {};
  if (change.enabled !== undefined) details.enabled = change.enabled;
  if (change.level !== undefined) details.level = change.level ?? "default";
  await recordAudit({ tenantId, actor, action: "detection.rule.update", target: ruleId, details });
}

export async function addException(tenantId: string, actor: string, input: ExceptionInput): Promise<string> {
  const e = exceptionInput.parse(input);
  const id = randomUUID();
  await getPool().query(
    `INSERT INTO detection_exceptions (tenant_id, id, rule_id, field, operator, value, reason, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenantId, id, e.ruleId, e.field, e.operator, e.value, e.reason, actor],
  );
  // The value may be content (a command, a path): the audit keeps the field and operator only.
  await recordAudit({ tenantId, actor, action: "detection.exception.add", target: id, details: { rule: e.ruleId ?? "all", field: e.field, operator: e.operator } });
  return id;
}

export async function removeException(tenantId: string, actor: string, id: string): Promise<boolean> {
  const r = await getPool().query(`DELETE FROM detection_exceptions WHERE tenant_id = $1 AND id::text = $2`, [tenantId, id]);
  if (r.rowCount) await recordAudit({ tenantId, actor, action: "detection.exception.remove", target: id });
  return Boolean(r.rowCount);
}

export async function addAllowlistEntry(tenantId: string, actor: string, input: AllowlistInput): Promise<void> {
  const e = allowlistInput.parse(input);
  await getPool().query(
    `INSERT INTO detection_allowlist (tenant_id, list, value, reason, created_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, list, value) DO UPDATE SET reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = now()`,
    [tenantId, e.list, e.value, e.reason, actor],
  );
  await recordAudit({ tenantId, actor, action: "detection.allowlist.add", target: `${e.list}:${e.value}` });
}

export async function removeAllowlistEntry(tenantId: string, actor: string, list: AllowlistName, value: string): Promise<boolean> {
  const r = await getPool().query(`DELETE FROM detection_allowlist WHERE tenant_id = $1 AND list = $2 AND value = $3`, [tenantId, list, value]);
  if (r.rowCount) await recordAudit({ tenantId, actor, action: "detection.allowlist.remove", target: `${list}:${value}` });
  return Boolean(r.rowCount);
}
