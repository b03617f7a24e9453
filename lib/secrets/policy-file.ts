import { readFile } from "node:fs/promises";
import path from "node:path";
import { config } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { DEFAULT_TENANT_SLUG } from "@/lib/tenants";
import { parsePolicyYaml, policyToYaml } from "./policy-schema";
import { getPolicyVersion, listPolicyVersions, saveDataPolicy, type SavePolicyResult } from "./policy-store";

// The data policy as a file, for automation: export a tenant's current version as YAML, apply a
// file as the next version (same validation as Settings → Data; nothing saved when it matches the
// current version), and BLINDSPOT_DATA_POLICY_FILE applied to the default tenant at every start.

/** The tenant's current policy as the YAML file `policy apply` takes. */
export async function exportPolicyYaml(tenantId: string, tenantSlug: string): Promise<string> {
  const version = (await listPolicyVersions(tenantId, 1))[0]?.version ?? 0;
  const current = (await getPolicyVersion(tenantId, version))!;
  return policyToYaml(current.policy, { tenant: tenantSlug, version });
}

/** Reads, validates and saves a policy file as the tenant's next version. A bad file throws with where and why. */
export async function applyPolicyFile(file: string, tenantId: string, by: { actor: string; reason: string }): Promise<Extract<SavePolicyResult, { ok: true }>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
  }
  const parsed = parsePolicyYaml(text);
  if (!parsed.ok) throw new Error(`${path.basename(file)}: ${parsed.error}`);
  const result = await saveDataPolicy(tenantId, parsed.policy, by);
  if (!result.ok) throw new Error(`${path.basename(file)}: ${result.error}`);
  return result;
}

/**
 * BLINDSPOT_DATA_POLICY_FILE: applied to the default tenant when set (by the launcher, before the
 * server accepts data). Idempotent: a file equal to the current version saves nothing. An invalid
 * or unreadable file throws, so Blindspot does not start under a policy other than the one meant.
 */
export async function applyEnvironmentPolicyFile(): Promise<{ file: string; result: Extract<SavePolicyResult, { ok: true }> } | null> {
  const file = config().BLINDSPOT_DATA_POLICY_FILE;
  if (!file) return null;
  const { rows } = await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [DEFAULT_TENANT_SLUG]);
  const tenantId = rows[0]?.id;
  if (!tenantId) return null;
  try {
    const result = await applyPolicyFile(path.resolve(file), tenantId, { actor: "environment", reason: `BLINDSPOT_DATA_POLICY_FILE ${path.basename(file)}` });
    return { file, result };
  } catch (err) {
    throw new Error(`BLINDSPOT_DATA_POLICY_FILE: ${err instanceof Error ? err.message : String(err)}`);
  }
}
