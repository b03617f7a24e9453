"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { ruleById } from "@/lib/detections/pack";
import {
  addAllowlistEntry, addException, allowlistInput, exceptionInput, removeAllowlistEntry, removeException, setRuleSetting,
} from "@/lib/detections/tuning";
import { ALLOWLISTS, RULE_LEVELS, type AllowlistName } from "@/lib/detections/types";

// Admins tune the pack for their tenant; every change is audited by tuning.ts.

export interface RuleFormState {
  status: "idle" | "saved" | "error";
  message?: string;
}

const settingInput = z.object({
  ruleId: z.string().min(1).max(200),
  enabled: z.enum(["on", "off"]),
  level: z.union([z.enum(RULE_LEVELS), z.literal("default")]),
});

export async function saveRuleSettingAction(_prev: RuleFormState, form: FormData): Promise<RuleFormState> {
  const admin = await requireUser({ roles: ["admin"] });
  const parsed = settingInput.safeParse({ ruleId: form.get("ruleId"), enabled: form.get("enabled") === "on" ? "on" : "off", level: form.get("level") });
  if (!parsed.success) return { status: "error", message: "Choose a level from the list." };
  const rule = ruleById(parsed.data.ruleId);
  if (!rule) return { status: "error", message: "No such rule in the pack." };
  await setRuleSetting(admin.tenantId, admin.email, rule.id, { enabled: parsed.data.enabled === "on", level: parsed.data.level === "default" ? null : parsed.data.level });
  revalidatePath("/rules");
  return { status: "saved", message: "Saved; the evaluators pick it up within a few seconds." };
}

export async function addExceptionAction(_prev: RuleFormState, form: FormData): Promise<RuleFormState> {
  const admin = await requireUser({ roles: ["admin"] });
  const ruleId = String(form.get("ruleId") ?? "");
  if (ruleId && !ruleById(ruleId)) return { status: "error", message: "No such rule in the pack." };
  const parsed = exceptionInput.safeParse({
    ruleId: ruleId || null, field: form.get("field"), operator: form.get("operator"), value: form.get("value"), reason: form.get("reason"),
  });
  if (!parsed.success) return { status: "error", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  await addException(admin.tenantId, admin.email, parsed.data);
  revalidatePath("/rules");
  return { status: "saved", message: "Exception added." };
}

export async function removeExceptionAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  await removeException(admin.tenantId, admin.email, String(form.get("id") ?? ""));
  revalidatePath("/rules");
}

export async function addAllowlistAction(_prev: RuleFormState, form: FormData): Promise<RuleFormState> {
  const admin = await requireUser({ roles: ["admin"] });
  const parsed = allowlistInput.safeParse({ list: form.get("list"), value: form.get("value"), reason: form.get("reason") });
  if (!parsed.success) return { status: "error", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  await addAllowlistEntry(admin.tenantId, admin.email, parsed.data);
  revalidatePath("/rules");
  return { status: "saved", message: "Added to the allowlist." };
}

export async function removeAllowlistAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  const list = String(form.get("list") ?? "");
  if (!(ALLOWLISTS as readonly string[]).includes(list)) return;
  await removeAllowlistEntry(admin.tenantId, admin.email, list as AllowlistName, String(form.get("value") ?? ""));
  revalidatePath("/rules");
}
