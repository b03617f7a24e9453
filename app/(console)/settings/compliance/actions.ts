"use server";

import { revalidatePath } from "next/cache";
import { recordAudit } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { saveConnector } from "@/lib/compliance/connector-config";
import { SYNC_JOB_KIND } from "@/lib/compliance/sync/catalog";
import { connectorStatus, type ConnectorStatus } from "@/lib/compliance/sync/status";
import { enqueueJob } from "@/lib/jobs/queue";

export interface ConnectorFormState {
  status: "idle" | "saved" | "error";
  message?: string;
  /** Per field: baseUrl, apiKey, enabled, pollSeconds. */
  errors?: Record<string, string>;
  /** What was submitted (the key excepted), so a rejected form keeps the user's input. */
  values?: { baseUrl: string; enabled: boolean; pollSeconds: string };
}

/** Saves the tenant's connector; a new key, URL or re-enabling queues a pull right away. */
export async function saveComplianceConnectorAction(_prev: ConnectorFormState, form: FormData): Promise<ConnectorFormState> {
  const admin = await requireUser({ roles: ["admin"] });
  const values = { baseUrl: String(form.get("baseUrl") ?? ""), enabled: form.get("enabled") === "on", pollSeconds: String(form.get("pollSeconds") ?? "") };
  const apiKey = String(form.get("apiKey") ?? "");
  const result = await saveConnector(admin.tenantId, { ...values, apiKey });
  if (!result.ok) return { status: "error", message: result.errors.form ?? "Not saved: fix the fields marked below.", errors: result.errors, values };
  await recordAudit({
    tenantId: admin.tenantId,
    actor: admin.email,
    action: "compliance.connector.update",
    target: result.settings.baseUrl,
    details: { enabled: result.settings.enabled, pollSeconds: result.settings.pollSeconds, keyChanged: apiKey.trim() !== "" },
  });
  let message = "Saved.";
  if (result.credentialsChanged && result.settings.enabled) {
    await enqueueJob({ tenantId: admin.tenantId, kind: SYNC_JOB_KIND, payload: { force: true } });
    message = "Saved. A first pull is queued.";
  }
  revalidatePath("/settings/compliance");
  return { status: "saved", message };
}

export interface SyncNowState {
  status: "idle" | "queued" | "error";
  message?: string;
  connector?: ConnectorStatus;
}

/** "Sync now": queue (or bring forward) a forced pull of every stream. */
export async function syncComplianceNowAction(_prev: SyncNowState, _form: FormData): Promise<SyncNowState> {
  const admin = await requireUser({ roles: ["admin"] });
  const before = await connectorStatus(admin.tenantId, new Date(), { errorDetail: true });
  if (!before.configured) return { status: "error", message: "Configure the connector first.", connector: before };
  if (before.state === "needs_key") return { status: "error", message: before.settings.keyProblem ?? "Enter the access key first.", connector: before };
  await enqueueJob({ tenantId: admin.tenantId, kind: SYNC_JOB_KIND, payload: { force: true } });
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "compliance.sync.requested", target: before.settings.baseUrl });
  return { status: "queued", message: "Sync queued; it starts within a few seconds.", connector: await connectorStatus(admin.tenantId, new Date(), { errorDetail: true }) };
}
