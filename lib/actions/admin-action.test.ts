import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createUser } from "@/lib/auth/users";
import { getPool } from "@/lib/db/pool";
import { asBrowser, form, installNextHeaders, nextControlFlow, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { adminAction } from "./admin-action";
import { createApiTokenAction, createIngestTokenAction } from "./tokens";

const revalidated = vi.hoisted(() => [] as string[]);
vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: (path: string) => void revalidated.push(path) }));

// The one path every configuration change takes: role check, parsed input, audit, revalidation.
// Runs with real next-auth session cookies against a real database.

let db: TestDatabase;
let tenantId: string;
let owner: CookieJar;
let admin: CookieJar;
let analyst: CookieJar;

type LabelState = { saved?: string; error?: string; field?: string };
const labelAction = adminAction({
  input: z.object({ label: z.string().default("").pipe(z.string().min(3, "A label has at least 3 characters.")) }),
  invalid: (error, field): LabelState => ({ error, field }),
  revalidate: "/settings/labels",
  async run({ audit }, { label }): Promise<LabelState> {
    await audit({ action: "label.set", target: label, details: { length: label.length } });
    return { saved: label };
  },
});

const instanceAction = adminAction({
  access: "owner",
  input: z.object({}),
  invalid: (error): { done?: boolean; error?: string } => ({ error }),
  async run({ audit }) {
    await audit({ action: "instance.touch" });
    return { done: true };
  },
});

async function auditRows(action: string) {
  const { rows } = await getPool().query(`SELECT tenant_id, actor, action, target, details FROM audit_log WHERE action = $1 ORDER BY id`, [action]);
  return rows;
}

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "admin-action-test-secret-0123456789";
  process.env.NEXTAUTH_URL = "http://127.0.0.1";
  db = await startTestDatabase();
  installNextHeaders();
  tenantId = await ensureTenant("actions");
  owner = await signedInBrowser(await createUser({ tenantId, email: "owner@actions.example", role: "admin", owner: true, actor: "test" }));
  admin = await signedInBrowser(await createUser({ tenantId, email: "admin@actions.example", role: "admin", owner: false, actor: "test" }));
  analyst = await signedInBrowser(await createUser({ tenantId, email: "analyst@actions.example", role: "analyst", actor: "test" }));
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  revalidated.length = 0;
});

describe("adminAction", () => {
  it("refuses a non-admin with a 403 before reading the form: nothing audited, nothing revalidated", async () => {
    const outcome = await asBrowser(analyst, () => nextControlFlow(() => labelAction(form({ label: "from-analyst" }))));
    expect(outcome).toMatch(/;403$/);
    expect(await auditRows("label.set")).toEqual([]);
    expect(revalidated).toEqual([]);
  });

  it("answers input that does not parse with the first problem and its field, and changes nothing", async () => {
    expect(await asBrowser(admin, () => labelAction(form({ label: "ab" })))).toEqual({ error: "A label has at least 3 characters.", field: "label" });
    expect(await asBrowser(admin, () => labelAction(form({})))).toEqual({ error: "A label has at least 3 characters.", field: "label" });
    expect(await auditRows("label.set")).toEqual([]);
    expect(revalidated).toEqual([]);
  });

  it("runs for an admin, writes the audit entry as that admin in their tenant, and revalidates the page", async () => {
    expect(await asBrowser(admin, () => labelAction(form({ label: "quarterly" })))).toEqual({ saved: "quarterly" });
    expect(await auditRows("label.set")).toEqual([{ tenant_id: tenantId, actor: "admin@actions.example", action: "label.set", target: "quarterly", details: { length: 9 } }]);
    expect(revalidated).toEqual(["/settings/labels"]);
  });

  it("keeps instance-wide actions to the owner", async () => {
    expect(await asBrowser(admin, () => nextControlFlow(() => instanceAction(form({}))))).toMatch(/;403$/);
    expect(await auditRows("instance.touch")).toEqual([]);
    expect(await asBrowser(owner, () => instanceAction(form({})))).toEqual({ done: true });
    expect(await auditRows("instance.touch")).toEqual([{ tenant_id: tenantId, actor: "owner@actions.example", action: "instance.touch", target: null, details: null }]);
  });
});

describe("the token actions through adminAction", () => {
  it("answer bad fields with the form's messages and create nothing", async () => {
    const before = await getPool().query(`SELECT (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM ingest_tokens) AS n`);
    expect(await asBrowser(admin, () => createApiTokenAction({}, form({ name: " ", role: "admin" })))).toEqual({ error: "Give the token a name (the system that will use it)." });
    expect(await asBrowser(admin, () => createApiTokenAction({}, form({ name: "siem", role: "boss" })))).toEqual({ error: "Choose a role." });
    expect(await asBrowser(admin, () => createApiTokenAction({}, form({ name: "siem", role: "analyst", expiresInDays: "1.5" })))).toEqual({ error: "Expiry is a whole number of days from 0 (never) to 3650." });
    expect(await asBrowser(admin, () => createApiTokenAction({}, form({ name: "siem", role: "analyst", expiresInDays: "soon" })))).toEqual({ error: "Expiry is a whole number of days from 0 (never) to 3650." });
    expect(await asBrowser(admin, () => createIngestTokenAction({}, form({ name: "laptops", environment: "bad name!" })))).toEqual({ error: "Environment names use letters, digits, dot, dash and underscore." });
    expect(await asBrowser(admin, () => createIngestTokenAction({}, form({ name: "laptops", expiresInDays: "3651" })))).toEqual({ error: "Expiry is a whole number of days from 0 (never) to 3650." });
    const after = await getPool().query(`SELECT (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM ingest_tokens) AS n`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("create with defaults (365 days, environment default, every signal) for an admin, refuse an analyst", async () => {
    expect(await asBrowser(analyst, () => nextControlFlow(() => createIngestTokenAction({}, form({ name: "laptops" }))))).toMatch(/;403$/);
    const made = await asBrowser(admin, () => createIngestTokenAction({}, form({ name: "laptops", "signal-logs": "on", "signal-traces": "on", "signal-metrics": "on" })));
    expect(made.secret).toMatch(/^bsi_/);
    const { rows } = await getPool().query(
      `SELECT t.name, t.signals, e.name AS environment, t.created_by, round(extract(epoch FROM t.expires_at - t.created_at) / 86400) AS days
       FROM ingest_tokens t JOIN environments e ON e.id = t.environment_id WHERE t.id = $1`,
      [made.id],
    );
    expect(rows).toEqual([{ name: "laptops", signals: [], environment: "default", created_by: "admin@actions.example", days: "365" }]);
    expect(revalidated).toEqual(["/settings/tokens"]);
    const scoped = await asBrowser(admin, () => createIngestTokenAction({}, form({ name: "office", "signal-traces": "on", expiresInDays: "0" })));
    expect(scoped.error).toBeUndefined();
    const s = await getPool().query(`SELECT signals, expires_at FROM ingest_tokens WHERE id = $1`, [scoped.id]);
    expect(s.rows).toEqual([{ signals: ["traces"], expires_at: null }]);
  });
});
