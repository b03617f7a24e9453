import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { DEFAULT_TENANT_SLUG, ensureDefaultScope, ensureTenant } from "@/lib/tenants";
import { applyEnvironmentPolicyFile } from "./policy-file";
import { clearDataPolicyCache, getDataPolicy, listPolicyVersions } from "./policy-store";

// The policy file: the real CLI (a separate process on the same database) exports a tenant's
// policy, an edited file applied with a reason becomes the next version (audited as the CLI),
// applying it again changes nothing, and a bad file or a missing reason is refused with why.
// BLINDSPOT_DATA_POLICY_FILE applies a file to the default tenant once, idempotently.

const run = promisify(execFile);
const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await startTestDatabase();
  await ensureDefaultScope();
  await ensureTenant("file-tenant");
  dir = mkdtempSync(path.join(os.tmpdir(), "policy-file-"));
});

afterAll(async () => {
  delete process.env.BLINDSPOT_DATA_POLICY_FILE;
  resetConfigForTests();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, USER: "ops" };
  return run(tsx, [path.join(process.cwd(), "scripts", "blindspot.ts"), ...args], { env, timeout: 180_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" }),
  );
}

describe("CLI round trip", () => {
  it("export → edit → apply → export gives the edited policy; re-apply is a no-op; bad input is refused", async () => {
    const exported = await cli("policy", "export", "--tenant", "file-tenant");
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("# Blindspot data policy of tenant file-tenant, version 0");
    expect(exported.stdout).toContain("defaultAction: mask");

    const file = path.join(dir, "policy.yaml");
    writeFileSync(
      file,
      exported.stdout.replace("rules: []", "rules:\n  - target: prompt\n    action: drop\n  - target: tool_input\n    action: hash").replace("dropEmail: false", "dropEmail: true"),
    );
    const applied = await cli("policy", "apply", file, "--tenant", "file-tenant", "--reason", "SEC-142 drop prompts");
    expect(applied.stdout).toContain("Data policy of tenant file-tenant: version 1 saved (drop email off → on; + rule prompt: drop; + rule tool_input: hash)");
    expect(applied.code).toBe(0);

    const again = await cli("policy", "export", "--tenant", "file-tenant");
    expect(again.stdout).toContain("version 1");
    expect(again.stdout.split("\n").slice(2).join("\n")).toBe(
      "defaultAction: mask\ndropEmail: true\nrules:\n  - target: prompt\n    action: drop\n  - target: tool_input\n    action: hash\nextraPatterns: []\nexemptions: []\n",
    );

    // The exported file applied back: the same policy, no new version.
    writeFileSync(file, again.stdout);
    const noop = await cli("policy", "apply", file, "--tenant", "file-tenant", "--reason", "re-apply");
    expect(noop.stdout).toContain("unchanged, version 1 already says this");

    writeFileSync(file, "defaultAction: mask\nextraPatterns:\n  - kind: internal-id\n    pattern: 'ACME-(\\d+'\n");
    const bad = await cli("policy", "apply", file, "--tenant", "file-tenant", "--reason", "typo");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: policy\.yaml: extraPatterns\[0\]\.pattern: pattern of kind "internal-id": not a valid RE2 pattern/);

    const noReason = await cli("policy", "apply", file, "--tenant", "file-tenant");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("policy apply needs --reason");

    const tenantId = (await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'file-tenant'`)).rows[0].id;
    expect((await listPolicyVersions(tenantId)).map((v) => [v.version, v.createdBy, v.reason])).toEqual([[1, "cli:ops", "SEC-142 drop prompts"]]);
    const audit = await getPool().query<{ actor: string; target: string }>(`SELECT actor, target FROM audit_log WHERE tenant_id = $1 AND action = 'data_policy.update'`, [tenantId]);
    expect(audit.rows).toEqual([{ actor: "cli:ops", target: "version 1" }]);
  }, 600_000);
});

describe("BLINDSPOT_DATA_POLICY_FILE", () => {
  it("applies the file to the default tenant once, and refuses an invalid file", async () => {
    const file = path.join(dir, "env-policy.yaml");
    writeFileSync(file, "defaultAction: hash\nrules:\n  - target: gen_ai.*\n    action: drop\n");
    process.env.BLINDSPOT_DATA_POLICY_FILE = file;
    resetConfigForTests();
    const first = await applyEnvironmentPolicyFile();
    expect(first?.result).toMatchObject({ changed: true, version: 1 });
    const second = await applyEnvironmentPolicyFile();
    expect(second?.result).toEqual({ ok: true, changed: false, version: 1 });

    const tenantId = (await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [DEFAULT_TENANT_SLUG])).rows[0].id;
    clearDataPolicyCache();
    expect((await getDataPolicy(tenantId)).policy).toMatchObject({ defaultAction: "hash", rules: [{ target: "gen_ai.*", action: "drop" }] });
    expect((await listPolicyVersions(tenantId))[0]).toMatchObject({ createdBy: "environment", reason: "BLINDSPOT_DATA_POLICY_FILE env-policy.yaml" });

    writeFileSync(file, "defaultAction: shred\n");
    await expect(applyEnvironmentPolicyFile()).rejects.toThrow(`BLINDSPOT_DATA_POLICY_FILE: env-policy.yaml: defaultAction: unknown action "shred"`);
    process.env.BLINDSPOT_DATA_POLICY_FILE = path.join(dir, "missing.yaml");
    resetConfigForTests();
    await expect(applyEnvironmentPolicyFile()).rejects.toThrow(/BLINDSPOT_DATA_POLICY_FILE: cannot read .*missing\.yaml: ENOENT/);
    expect((await listPolicyVersions(tenantId)).length).toBe(1);
  });
});
