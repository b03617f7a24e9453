import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import {
  addAllowlistEntry, addException, exceptionMatches, loadTuning, removeAllowlistEntry, removeException, setRuleSetting,
} from "./tuning";

// A tenant's tuning round-trips through the database, stays inside its tenant, and every change is audited.

let db: TestDatabase;
let tenant: TestTenant;
let other: TestTenant;
const RULE = "6f0e3c0e-7d43-4a43-9a1f-0b7a9c1d2e3f";

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("tuning");
  other = await createTestTenant("tuning-other");
});
afterAll(async () => db?.stop());

describe("detection tuning", () => {
  it("stores rule settings, exceptions and allowlists per tenant, with an audit row per change", async () => {
    await setRuleSetting(tenant.tenantId, "ana@example.com", RULE, { enabled: false });
    await setRuleSetting(tenant.tenantId, "ana@example.com", RULE, { level: "critical" });
    const id = await addException(tenant.tenantId, "ana@example.com", { ruleId: RULE, field: "command", operator: "startswith", value: "npm publish --dry-run", reason: "release rehearsal" });
    await addAllowlistEntry(tenant.tenantId, "ana@example.com", { list: "mcp_servers", value: "soc_demo", reason: "our own server" });

    const t = await loadTuning(tenant.tenantId);
    expect(t.settings.get(RULE)).toEqual({ enabled: false, level: "critical" });
    expect(t.exceptions).toMatchObject([{ id, ruleId: RULE, field: "command", operator: "startswith", createdBy: "ana@example.com" }]);
    expect(t.allowlists.mcp_servers).toEqual(["soc_demo"]);
    expect(t.allowlists.network_destinations).toEqual([]);

    const theirs = await loadTuning(other.tenantId);
    expect(theirs.settings.size + theirs.exceptions.length + theirs.allowlists.mcp_servers.length).toBe(0);

    // Level back to the rule's own; enabled untouched.
    await setRuleSetting(tenant.tenantId, "ana@example.com", RULE, { level: null });
    expect((await loadTuning(tenant.tenantId)).settings.get(RULE)).toEqual({ enabled: false, level: null });

    expect(await removeException(other.tenantId, "eve@example.com", id)).toBe(false);
    expect(await removeException(tenant.tenantId, "ana@example.com", id)).toBe(true);
    expect(await removeAllowlistEntry(tenant.tenantId, "ana@example.com", "mcp_servers", "soc_demo")).toBe(true);

    const audit = await getPool().query<{ action: string; details: Record<string, unknown> | null }>(
      `SELECT action, details FROM audit_log WHERE tenant_id = $1 AND action LIKE 'detection.%' ORDER BY id`, [tenant.tenantId]);
    expect(audit.rows.map((r) => r.action)).toEqual([
      "detection.rule.update", "detection.rule.update", "detection.exception.add", "detection.allowlist.add",
      "detection.rule.update", "detection.exception.remove", "detection.allowlist.remove",
    ]);
    // The exception's value may be content: it is not in the audit log.
    expect(JSON.stringify(audit.rows)).not.toContain("npm publish");
  });

  it("refuses an exception without a reason", async () => {
    await expect(addException(tenant.tenantId, "ana@example.com", { ruleId: null, field: "command", operator: "equals", value: "x", reason: "" }))
      .rejects.toThrow(/say why/);
  });

  it("matches exceptions case-insensitively on strings and arrays", () => {
    expect(exceptionMatches({ operator: "startswith", value: "git push" }, "GIT PUSH origin main")).toBe(true);
    expect(exceptionMatches({ operator: "contains", value: ".env" }, ["/repo/a.txt", "/repo/.env"])).toBe(true);
    expect(exceptionMatches({ operator: "equals", value: "soc_demo" }, "soc_demo_2")).toBe(false);
    expect(exceptionMatches({ operator: "equals", value: "x" }, null)).toBe(false);
  });
});
