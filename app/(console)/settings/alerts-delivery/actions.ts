"use server";

import { revalidatePath } from "next/cache";
import { ALERT_DELIVERY_JOB_KIND, sendTestDelivery } from "@/lib/alert-delivery/deliver";
import { retryFailedDeliveries } from "@/lib/alert-delivery/outbox";
import { deleteWebhook, saveWebhook } from "@/lib/alert-delivery/webhook-config";
import { recordAudit } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { enqueueJob } from "@/lib/jobs/queue";

const PATH = "/settings/alerts-delivery";

export interface WebhookFormState {
  status: "idle" | "saved" | "error";
  message?: string;
  /** Per field: url, secret, form. */
  errors?: Record<string, string>;
  /** What was submitted (the secret excepted), so a rejected form keeps the input. */
  values?: { url: string; enabled: boolean; includeContent: boolean };
  /** A secret Blindspot generated: shown once. */
  generatedSecret?: string;
}

/** Saves the tenant's webhook (admins only); the secret is write-only. */
export async function saveWebhookAction(_prev: WebhookFormState, form: FormData): Promise<WebhookFormState> {
  const admin = await requireUser({ roles: ["admin"] });
  const values = { url: String(form.get("url") ?? ""), enabled: form.get("enabled") === "on", includeContent: form.get("includeContent") === "on" };
  const secret = String(form.get("secret") ?? "");
  const generate = form.get("generateSecret") === "on";
  const result = await saveWebhook(admin.tenantId, admin.email, { ...values, secret, generateSecret: generate });
  if (!result.ok) return { status: "error", message: result.errors.form ?? "Not saved: fix the fields marked below.", errors: result.errors, values };
  await recordAudit({
    tenantId: admin.tenantId,
    actor: admin.email,
    action: "alerts.webhook.update",
    target: result.settings.url,
    details: { enabled: result.settings.enabled, includeContent: result.settings.includeContent, secretChanged: secret.trim() !== "" || result.generatedSecret !== null },
  });
  revalidatePath(PATH);
  return {
    status: "saved",
    message: result.generatedSecret ? "Saved with a new signing secret." : "Saved.",
    ...(result.generatedSecret ? { generatedSecret: result.generatedSecret } : {}),
  };
}

export interface DeliveryActionState {
  status: "idle" | "ok" | "error";
  message?: string;
}

/** "Send test": a signed sample alert, now, with the outcome shown and kept. */
export async function sendTestAction(_prev: DeliveryActionState, _form: FormData): Promise<DeliveryActionState> {
  const admin = await requireUser({ roles: ["admin"] });
  const result = await sendTestDelivery(admin.tenantId);
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "alerts.webhook.test", details: { delivered: result.ok } });
  revalidatePath(PATH);
  return { status: result.ok ? "ok" : "error", message: result.message };
}

/** Failed deliveries back to the outbox, sent on the next run. */
export async function retryFailedAction(_prev: DeliveryActionState, _form: FormData): Promise<DeliveryActionState> {
  const admin = await requireUser({ roles: ["admin"] });
  const n = await retryFailedDeliveries(admin.tenantId);
  if (n > 0) await enqueueJob({ tenantId: admin.tenantId, kind: ALERT_DELIVERY_JOB_KIND });
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "alerts.webhook.retry", details: { deliveries: n } });
  revalidatePath(PATH);
  return { status: "ok", message: n === 0 ? "No failed deliveries." : `${n} ${n === 1 ? "delivery" : "deliveries"} queued again.` };
}

export async function deleteWebhookAction(_prev: DeliveryActionState, _form: FormData): Promise<DeliveryActionState> {
  const admin = await requireUser({ roles: ["admin"] });
  const removed = await deleteWebhook(admin.tenantId);
  if (!removed) return { status: "error", message: "Nothing removed (a webhook set by environment variables stays until they are removed)." };
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "alerts.webhook.delete" });
  revalidatePath(PATH);
  return { status: "ok", message: "Webhook removed." };
}
