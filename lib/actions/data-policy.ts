"use server";

import { z } from "zod";
import { saveDataPolicy } from "@/lib/secrets/policy-store";
import { startRescan } from "@/lib/secrets/rescan";
import { adminAction } from "./admin-action";

// Settings → Data: save the tenant's data policy as a new version (with a reason). The policy
// comes as one JSON field from the editor; saveDataPolicy validates it and writes the version and
// its audit entry (actor, reason, the diff) in one transaction.

export interface PolicyFormState {
  status: "idle" | "saved" | "unchanged" | "error";
  message?: string;
  version?: number;
}

const savePolicy = adminAction({
  input: z.object({
    policy: z.string().max(1_000_000, "the policy is too large"),
    reason: z.string().trim().min(1, "Give a reason for the change (it is kept with the version and in the audit log).").max(500, "The reason has at most 500 characters."),
  }),
  invalid: (message): PolicyFormState => ({ status: "error", message }),
  revalidate: "/settings/data",
  async run({ admin }, { policy, reason }): Promise<PolicyFormState> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy);
    } catch {
      return { status: "error", message: "The policy could not be read (not JSON)." };
    }
    const result = await saveDataPolicy(admin.tenantId, parsed, { actor: admin.email, reason });
    if (!result.ok) return { status: "error", message: `Not saved: ${result.error}` };
    if (!result.changed) return { status: "unchanged", message: `Nothing changed: version ${result.version} already says this.`, version: result.version };
    return { status: "saved", message: `Saved as version ${result.version}. It applies to data received from now on.`, version: result.version };
  },
});

export async function saveDataPolicyAction(_prev: PolicyFormState, form: FormData): Promise<PolicyFormState> {
  return savePolicy(form);
}

export interface RescanFormState {
  status: "idle" | "queued" | "error";
  message?: string;
}

/** "Apply to stored data": queue a re-scan of the tenant's stored content under the current version (audited by startRescan). */
const queueRescan = adminAction({
  input: z.object({}),
  invalid: (message): RescanFormState => ({ status: "error", message }),
  revalidate: "/settings/data",
  async run({ admin }): Promise<RescanFormState> {
    const { rescan, created } = await startRescan(admin.tenantId, admin.email);
    return {
      status: "queued",
      message: created
        ? `Re-scan under version ${rescan.policyVersion} queued; progress shows below.`
        : `A re-scan under version ${rescan.policyVersion} is already under way.`,
    };
  },
});

export async function startRescanAction(_prev: RescanFormState, form: FormData): Promise<RescanFormState> {
  return queueRescan(form);
}
