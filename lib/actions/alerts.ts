"use server";

import { revalidatePath } from "next/cache";
import { canTriageAlerts } from "@/lib/auth/roles";
import { requireUser } from "@/lib/auth/session";
import { AlertInputError, AlertNotFoundError, AlertStateError, updateAlert, type AlertUpdate } from "@/lib/detections/alerts";
import type { PreviewResult } from "@/components/rules/rule-preview";
import { recordContentView } from "@/lib/audit";
import { previewRule, RuleCompileError, RuleNotFoundError } from "@/lib/detections/backfill";
import { addException } from "@/lib/detections/tuning";
import { EXCEPTION_OPERATORS, type ExceptionOperator } from "@/lib/detections/types";

// Triage from the console: the same updateAlert as PATCH /api/v1/alerts/{id}, acting as the
// signed-in analyst or admin; and an exception raised from one of the alert's matched values.

export interface AlertActionState {
  error?: string;
  done?: string;
}

const optional = (form: FormData, key: string): string | undefined => {
  const v = form.get(key);
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
};

export async function triageAlertAction(_prev: AlertActionState, form: FormData): Promise<AlertActionState> {
  const user = await requireUser();
  if (!canTriageAlerts(user.role)) return { error: `The ${user.role} role reads alerts; analysts and admins triage them.` };
  const id = String(form.get("id") ?? "");
  const change: AlertUpdate = {};
  const status = optional(form, "status");
  if (status) change.status = status as AlertUpdate["status"];
  const resolution = optional(form, "resolution");
  if (resolution) change.resolution = resolution as AlertUpdate["resolution"];
  if (form.has("assignee")) change.assignee = optional(form, "assignee") ?? null;
  const note = optional(form, "note");
  if (note) change.note = note;
  try {
    const r = await updateAlert(user.tenantId, user.email, id, change);
    revalidatePath(`/alerts/${id}`);
    revalidatePath("/alerts");
    return { done: r.changed.length ? `Saved: ${r.changed.join(", ")}.` : "Nothing changed." };
  } catch (err) {
    if (err instanceof AlertInputError || err instanceof AlertStateError || err instanceof AlertNotFoundError) return { error: err.message };
    throw err;
  }
}

export async function addExceptionFromAlertAction(_prev: AlertActionState, form: FormData): Promise<AlertActionState> {
  const user = await requireUser();
  if (!canTriageAlerts(user.role)) return { error: `The ${user.role} role cannot add exceptions.` };
  const operator = String(form.get("operator") ?? "");
  if (!(EXCEPTION_OPERATORS as readonly string[]).includes(operator)) return { error: "Choose how the value is compared." };
  const scope = String(form.get("scope") ?? "rule");
  const input = {
    ruleId: scope === "all" ? null : String(form.get("ruleId") ?? ""),
    field: String(form.get("field") ?? ""),
    operator: operator as ExceptionOperator,
    value: String(form.get("value") ?? ""),
    reason: String(form.get("reason") ?? ""),
  };
  if (input.reason.trim().length < 3) return { error: "Say why this value is safe to ignore (at least 3 characters): the next analyst reads it." };
  if (!input.value) return { error: "The value is empty." };
  if (input.value.includes("\u0000") || input.reason.includes("\u0000")) return { error: "The value or reason contains NUL (\\u0000)." };
  try {
    await addException(user.tenantId, user.email, input);
  } catch (err) {
    if (err instanceof Error && err.name === "ZodError") return { error: "The exception is not valid: check the field, the value (at most 2000 characters) and the reason." };
    throw err;
  }
  const alertId = String(form.get("alertId") ?? "");
  if (alertId) revalidatePath(`/alerts/${alertId}`);
  const verb = operator === "equals" ? "is" : operator === "startswith" ? "starts with" : "contains";
  return { done: `Exception added: new hits where ${input.field} ${verb} this value are suppressed ${input.ruleId ? "for this rule" : "for every rule"}.` };
}

/** "Test this rule against the last 30 days" on the rules page: the rule over stored history, no alert written. */
export async function previewRuleAction(ruleId: string): Promise<PreviewResult> {
  const user = await requireUser();
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  try {
    const r = await previewRule(user.tenantId, ruleId, from, to);
    // Matched values are content: only readers of content see them.
    if (user.canReadContent) await recordContentView(user.tenantId, user.email, `rule-preview:${ruleId}`);
    return {
      scanned: r.scanned,
      ms: r.ms,
      hits: r.hits.map((h) => ({
        person: h.person, sessionId: h.sessionId, promptId: h.promptId, firstSeen: h.firstSeen.toISOString(), lastSeen: h.lastSeen.toISOString(),
        level: h.level, matched: user.canReadContent ? h.matched : {},
      })),
    };
  } catch (err) {
    // Only the preview's own refusals are shown; anything else is logged by class, never with its text.
    if (err instanceof RuleNotFoundError || err instanceof RuleCompileError || err instanceof RangeError) return { hits: [], scanned: 0, ms: 0, error: err.message };
    console.error(`rule preview failed: ${err instanceof Error ? err.name : typeof err}`);
    return { hits: [], scanned: 0, ms: 0, error: "The preview failed; try a shorter range or ask an admin to check the server log." };
  }
}
