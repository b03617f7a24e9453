import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import RulePage from "@/app/(console)/rules/[ruleId]/page";
import RulesPage from "@/app/(console)/rules/page";
import { addAllowlistAction, addExceptionAction, saveRuleSettingAction } from "@/app/(console)/rules/actions";
import { createUser } from "@/lib/auth/users";
import { firstStart } from "@/lib/bootstrap";
import { config, resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import { loadPack } from "@/lib/detections/pack";
import { loadTuning } from "@/lib/detections/tuning";
import { asBrowser, form, installNextHeaders, nextControlFlow, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// The rules page and its actions with real sessions: admins change a rule, exceptions and
// allowlists (audited); analysts read; managers read without exception values; bad input is a
// message, not a failure.

let db: TestDatabase;
let dataDir: string;
let tenantId: string;
let admin: CookieJar;
let analyst: CookieJar;
let manager: CookieJar;
const PASSWORD = "a-long-enough-password-42";
const bypass = () => loadPack().rules.find((r) => r.file.endsWith("permission-mode-bypass.yml"))!;

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "rules-page-test-secret-0123456789";
  process.env.NEXTAUTH_URL = "http://127.0.0.1";
  dataDir = mkdtempSync(path.join(os.tmpdir(), "bs-rules-"));
  process.env.BLINDSPOT_DATA_DIR = dataDir;
  db = await startTestDatabase();
  installNextHeaders();
  await firstStart({ ...config(), BLINDSPOT_INIT_ADMIN_EMAIL: "root@example.com", BLINDSPOT_INIT_ADMIN_PASSWORD: PASSWORD }, true);
  const root = await prisma().user.findUniqueOrThrow({ where: { email: "root@example.com" } });
  tenantId = root.tenantId;
  admin = await signedInBrowser(root);
  analyst = await signedInBrowser(await createUser({ tenantId, email: "ana@example.com", role: "analyst", password: PASSWORD, actor: "test" }));
  manager = await signedInBrowser(await createUser({ tenantId, email: "max@example.com", role: "manager", password: PASSWORD, actor: "test" }));
});

afterAll(async () => {
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
  delete process.env.BLINDSPOT_DATA_DIR;
  resetConfigForTests();
});

describe("rule tuning actions", () => {
  it("let an admin disable a rule, change its level, add an exception and an allowlist entry, each audited", async () => {
    const rule = bypass();
    expect(await asBrowser(admin, () => saveRuleSettingAction({ status: "idle" }, form({ ruleId: rule.id, level: "critical" })))).toMatchObject({ status: "saved" });
    expect(await asBrowser(admin, () => addExceptionAction({ status: "idle" }, form({ ruleId: rule.id, field: "command", operator: "startswith", value: "make sandbox", reason: "the CI sandbox" })))).toMatchObject({ status: "saved" });
    expect(await asBrowser(admin, () => addAllowlistAction({ status: "idle" }, form({ list: "mcp_servers", value: "soc_demo", reason: "our own server" })))).toMatchObject({ status: "saved" });
    const t = await loadTuning(tenantId);
    expect(t.settings.get(rule.id)).toEqual({ enabled: false, level: "critical" }); // the unchecked box disables
    expect(t.exceptions).toHaveLength(1);
    expect(t.allowlists.mcp_servers).toEqual(["soc_demo"]);
    const audit = await prisma().auditLog.findMany({ where: { tenantId, action: { startsWith: "detection." } } });
    expect(audit.map((a) => a.action).sort()).toEqual(["detection.allowlist.add", "detection.exception.add", "detection.rule.update"]);
  });

  it("answer bad input with a message", async () => {
    const rule = bypass();
    expect(await asBrowser(admin, () => saveRuleSettingAction({ status: "idle" }, form({ ruleId: rule.id, level: "apocalyptic" })))).toMatchObject({ status: "error" });
    expect(await asBrowser(admin, () => saveRuleSettingAction({ status: "idle" }, form({ ruleId: "no-such-rule", level: "low" })))).toMatchObject({ status: "error", message: "No such rule in the pack." });
    expect(await asBrowser(admin, () => addExceptionAction({ status: "idle" }, form({ ruleId: "", field: "person", operator: "regex", value: "x", reason: "why" })))).toMatchObject({ status: "error" });
    expect(await asBrowser(admin, () => addAllowlistAction({ status: "idle" }, form({ list: "mcp_servers", value: "x", reason: "" })))).toMatchObject({ status: "error" });
    expect((await loadTuning(tenantId)).settings.get(rule.id)?.level).toBe("critical");
  });

  it("refuse analysts and managers", async () => {
    const rule = bypass();
    for (const jar of [analyst, manager]) {
      const outcome = await asBrowser(jar, () => nextControlFlow(() => saveRuleSettingAction({ status: "idle" }, form({ ruleId: rule.id, enabled: "on", level: "low" }))));
      expect(outcome).not.toBeNull();
    }
    expect((await loadTuning(tenantId)).settings.get(rule.id)).toEqual({ enabled: false, level: "critical" });
  });
});

describe("the rules page", () => {
  it("lists every rule with its tenant level, state and hits; managers see no exception values", async () => {
    const rule = bypass();
    await getPool().query(
      `INSERT INTO alerts (tenant_id, id, rule_id, rule_title, level, dedup_key, hits, window_start, first_seen, last_seen, service)
       VALUES ($1, gen_random_uuid(), $2, $3, 'high', 'k1', 7, now(), now(), now(), 'claude_code')`,
      [tenantId, rule.id, rule.title],
    );
    await getPool().query(`INSERT INTO detection_rule_state (tenant_id, rule_id, last_error, failing_since) VALUES ($1, $2, 'boom in evaluation', now())`, [tenantId, rule.id]);
    const asAnalyst = renderToStaticMarkup(await asBrowser(analyst, () => RulesPage()));
    for (const r of loadPack().rules) expect(asAnalyst).toContain(`/rules/${r.id}`);
    expect(asAnalyst).toContain("7 hits in 30 days");
    expect(asAnalyst).toContain("failing");
    expect(asAnalyst).toContain("make sandbox");
    expect(asAnalyst).not.toContain("Add to allowlist"); // analysts read only
    const asManager = renderToStaticMarkup(await asBrowser(manager, () => RulesPage()));
    expect(asManager).not.toContain("make sandbox");
    expect(asManager).toContain("value hidden");
    const asAdmin = renderToStaticMarkup(await asBrowser(admin, () => RulesPage()));
    expect(asAdmin).toContain("Add to allowlist");
  });

  it("shows one rule's condition, YAML, test results and failure", async () => {
    const rule = bypass();
    const html = renderToStaticMarkup(await asBrowser(analyst, () => RulePage({ params: Promise.resolve({ ruleId: rule.id }) })));
    expect(html).toContain(rule.conditionText.replace(/'/g, "&#x27;"));
    expect(html).toContain("to_mode: bypassPermissions");
    expect(html).toMatch(/Test cases \((\d+)\/\1 pass\)/);
    expect(html).toContain("boom in evaluation");
    expect(await nextControlFlow(() => asBrowser(analyst, () => RulePage({ params: Promise.resolve({ ruleId: "nope" }) })))).toMatch(/NEXT_HTTP_ERROR_FALLBACK;404|NEXT_NOT_FOUND/);
  });
});
