"use server";

import { z } from "zod";
import { saveConnector } from "@/lib/compliance/connector-config";
import { SYNC_JOB_KIND } from "@/lib/compliance/sync/catalog";
import { connectorStatus, type ConnectorStatus } from "@/lib/compliance/sync/status";
import { enqueueJob } from "@/lib/jobs/queue";
import { adminAction } from "./admin-action";

// Settings → Compliance API: the connector's settings and "Sync now".

export interface ConnectorFormState {
  status: "idle" | "saved" | "error";
  message?: string;
  /** Per field: baseUrl, apiKey, enabled, pollSeconds. */
  errors?: Record<string, string>;
  /** What was submitted (the key excepted), so a rejected form keeps the user's input. */
  values?: { baseUrl: string; enabled: boolean; pollSeconds: string };
}

/** Saves the tenant's connector; a new key, URL or re-enabling queues a pull right away. */
const saveConnectorSettings = adminAction({
  // The values are checked by saveConnector, which answers per field.
  input: z.object({
    baseUrl: z.string().default(""),
    enabled: z.string().optional().transform((v) => v === "on"),
    pollSeconds: z.string().default(""),
    apiKey: z.string().default(""),
  }),
  invalid: (message): ConnectorFormState => ({ status: "error", message }),
  revalidate: "/settings/compliance",
  async run({ admin, audit }, { apiKey, ...values }): Promise<ConnectorFormState> {
    const result = await saveConnector(admin.tenantId, { ...values, apiKey });
    if (!result.ok) return { status: "error", message: result.errors.form ?? "Not saved: fix the fields marked below.", errors: result.errors, values };
    await audit({
      action: "compliance.connector.update",
      target: result.settings.baseUrl,
      details: { enabled: result.settings.enabled, pollSeconds: result.settings.pollSeconds, keyChanged: apiKey.trim() !== "" },
    });
    if (!(result.credentialsChanged && result.settings.enabled)) return { status: "saved", message: "Saved." };
    await enqueueJob({ tenantId: admin.tenantId, kind: SYNC_JOB_KIND, payload: { force: true } });
    return { status: "saved", message: "Saved. A first pull is queued." };
  },
});

export interface SyncNowState {
  status: "idle" | "queued" | "error";
  message?: string;
  connector?: ConnectorStatus;
}

/** "Sync now": queue (or bring forward) a forced pull of every stream. */
const syncNow = adminAction({
  input: z.object({}),
  invalid: (message): SyncNowState => ({ status: "error", message }),
  async run({ admin, audit }): Promise<SyncNowState> {
    const before = await connectorStatus(admin.tenantId, new Date(), { errorDetail: true });
    if (!before.configured) return { status: "error", message: "Configure the connector first.", connector: before };
    if (before.state === "needs_key") return { status: "error", message: before.settings.keyProblem ?? "Enter the access key first.", connector: before };
    await enqueueJob({ tenantId: admin.tenantId, kind: SYNC_JOB_KIND, payload: { force: true } });
    await audit({ action: "compliance.sync.requested", target: before.settings.baseUrl });
    return { status: "queued", message: "Sync queued; it starts within a few seconds.", connector: await connectorStatus(admin.tenantId, new Date(), { errorDetail: true }) };
  },
});

export async function saveComplianceConnectorAction(_prev: ConnectorFormState, form: FormData): Promise<ConnectorFormState> {
  return saveConnectorSettings(form);
}

export async function syncComplianceNowAction(_prev: SyncNowState, form: FormData): Promise<SyncNowState> {
  return syncNow(form);
}
