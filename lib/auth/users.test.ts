import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { changePasswordAction } from "@/lib/actions/account";
import { createApiTokenAction } from "@/lib/actions/tokens";
import { setActiveAction } from "@/lib/actions/users";
import { createApiToken } from "@/lib/auth/api-tokens";
import bcrypt from "bcryptjs";
import { currentUser } from "@/lib/auth/session";
import { openEmbeddedDatabase } from "@/lib/db/embedded";
import { defaultMigrationsDir, migrate, readMigrations } from "@/lib/db/migrate";
import { prisma } from "@/lib/db/prisma";
import { startConsoleInstance, type ConsoleInstance } from "@/lib/testing/console-instance";
import { asBrowser, form, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import type { RouteServer } from "@/lib/testing/route-server";
import { createUser, deactivateUser, setPassword } from "./users";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// People leaving and passwords changing: deactivating a user revokes the API tokens they
// created (refused over real HTTP at once, cache or not); a password change needs the current
// password, ends the user's other sessions and deletes the first-start password file once that
// password is replaced; and the owner migration gives an existing installation one owner.

let instance: ConsoleInstance;
let app: RouteServer;
let dataDir: string;
let tenantId: string;
let owner: CookieJar;

const PASSWORD = "first-password-0123456789";

beforeAll(async () => {
  // First start with a generated password: it lands in <data dir>/initial-admin-password.
  instance = await startConsoleInstance({ name: "users" });
  ({ app, dataDir, tenantId, owner } = instance);
  expect(instance.setup.adminPasswordFile).toBe(path.join(dataDir, "initial-admin-password"));
});

afterAll(async () => {
  await instance.stop();
});

function events(token: string): Promise<Response> {
  return fetch(`${app.url}/api/v1/events?limit=1`, { headers: { authorization: `Bearer ${token}` } });
}

describe("deactivating a user", () => {
  it("revokes the API tokens they created, at once, and audits it", async () => {
    const carol = await createUser({ tenantId, email: "carol@example.com", role: "admin", password: PASSWORD, actor: "test" });
    const carolBrowser = await signedInBrowser(carol);
    const minted = await asBrowser(carolBrowser, () => createApiTokenAction({}, form({ name: "carol-siem", role: "analyst", expiresInDays: "30" })));
    const other = await createApiToken({ tenantId, name: "ops", role: "analyst", createdBy: "root@example.com" });
    expect((await events(minted.secret!)).status).toBe(200); // also puts the token in the 10-second cache
    expect((await events(other.secret)).status).toBe(200);

    await asBrowser(owner, () => setActiveAction(form({ id: carol.id, active: "false" })));

    const refused = await events(minted.secret!);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining("revoked") });
    expect((await events(other.secret)).status).toBe(200);
    const revoke = await prisma().auditLog.findFirstOrThrow({ where: { action: "api_token.revoke", actor: "root@example.com" } });
    expect(revoke.details).toMatchObject({ reason: "creator deactivated", creator: "carol@example.com" });
    expect(await prisma().auditLog.findFirstOrThrow({ where: { action: "user.deactivate", target: "carol@example.com" } })).toMatchObject({ details: { apiTokensRevoked: 1 } });
    expect(await asBrowser(carolBrowser, () => currentUser())).toBeNull();

    // Reactivation does not bring the token back.
    await asBrowser(owner, () => setActiveAction(form({ id: carol.id, active: "true" })));
    expect((await events(minted.secret!)).status).toBe(403);
  });

  it("through the CLI's path too", async () => {
    const dave = await createUser({ tenantId, email: "dave@example.com", role: "admin", password: PASSWORD, actor: "test" });
    const token = await createApiToken({ tenantId, name: "dave-bot", role: "admin", createdBy: dave.email });
    expect((await events(token.secret)).status).toBe(200);
    await deactivateUser("dave@example.com", "cli:ops");
    expect((await events(token.secret)).status).toBe(403);
  });
});

describe("changing one's password", () => {
  it("needs the current password and a new one of at least 12 characters", async () => {
    const erin = await createUser({ tenantId, email: "erin@example.com", role: "manager", password: PASSWORD, actor: "test" });
    const browser = await signedInBrowser(erin);
    const change = (fields: Record<string, string>) => asBrowser(browser, () => changePasswordAction({ status: "idle" }, form(fields)));
    expect(await change({ currentPassword: "wrong-password-000000", newPassword: "new-password-0123456", confirmPassword: "new-password-0123456" }))
      .toMatchObject({ status: "error", field: "currentPassword" });
    expect(await change({ currentPassword: PASSWORD, newPassword: "too-short", confirmPassword: "too-short" })).toMatchObject({ status: "error", field: "newPassword" });
    expect(await change({ currentPassword: PASSWORD, newPassword: "new-password-0123456", confirmPassword: "new-password-0123457" }))
      .toMatchObject({ status: "error", field: "confirmPassword" });
    const row = await prisma().user.findUniqueOrThrow({ where: { id: erin.id } });
    expect(await bcrypt.compare(PASSWORD, row.passwordHash!)).toBe(true);
    expect(await prisma().auditLog.count({ where: { action: "user.password_change.failed", target: "erin@example.com" } })).toBe(1);
  });

  it("stores the new bcrypt hash, ends the user's other sessions and keeps this one", async () => {
    const frank = await createUser({ tenantId, email: "frank@example.com", role: "analyst", password: PASSWORD, actor: "test" });
    const here = await signedInBrowser(frank);
    const elsewhere = await signedInBrowser(frank);
    const before = here.sessionCookie;
    const result = await asBrowser(here, () =>
      changePasswordAction({ status: "idle" }, form({ currentPassword: PASSWORD, newPassword: "frank-new-password-42", confirmPassword: "frank-new-password-42" })),
    );
    expect(result).toMatchObject({ status: "changed" });
    const row = await prisma().user.findUniqueOrThrow({ where: { id: frank.id } });
    expect(row.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    expect(await bcrypt.compare("frank-new-password-42", row.passwordHash!)).toBe(true);
    expect(await bcrypt.compare(PASSWORD, row.passwordHash!)).toBe(false);
    expect(here.sessionCookie).not.toBe(before);
    expect(await asBrowser(here, () => currentUser())).toMatchObject({ email: "frank@example.com" });
    expect(await asBrowser(elsewhere, () => currentUser())).toBeNull();
    expect(await prisma().auditLog.count({ where: { action: "user.password_change", target: "frank@example.com", actor: "frank@example.com" } })).toBe(1);
    // Someone else's password change leaves the first-start password file alone.
    expect(existsSync(path.join(dataDir, "initial-admin-password"))).toBe(true);
  });

  it("deletes the first-start password file when the first admin replaces that password", async () => {
    const file = path.join(dataDir, "initial-admin-password");
    const initial = readFileSync(file, "utf8").trim();
    const result = await asBrowser(owner, () =>
      changePasswordAction({ status: "idle" }, form({ currentPassword: initial, newPassword: "root-chose-this-password", confirmPassword: "root-chose-this-password" })),
    );
    expect(result).toMatchObject({ status: "changed" });
    expect(existsSync(file)).toBe(false);
    expect(await prisma().auditLog.findFirstOrThrow({ where: { action: "user.password_change", target: "root@example.com" } })).toMatchObject({
      details: { initialPasswordFileDeleted: true },
    });
    expect(await asBrowser(owner, () => currentUser())).toMatchObject({ isOwner: true });
  });

  it("from the CLI (users set-password) ends every session", async () => {
    const gina = await createUser({ tenantId, email: "gina@example.com", role: "analyst", password: PASSWORD, actor: "test" });
    const browser = await signedInBrowser(gina);
    expect(await asBrowser(browser, () => currentUser())).not.toBeNull();
    await setPassword(gina.id, "set-by-the-operator-1", "cli:ops", "user.password_set");
    expect(await asBrowser(browser, () => currentUser())).toBeNull();
    await expect(setPassword(gina.id, "short", "cli:ops", "user.password_set")).rejects.toThrow(/12 characters/);
  });
});

describe("the owner migration", () => {
  it("makes the earliest-created active admin of an existing installation its owner", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bs-owner-migration-"));
    const before = path.join(dir, "migrations");
    const ownerMigration = readMigrations().find((m) => m.name.endsWith("_instance_owner"))!.name;
    for (const m of readMigrations()) if (m.name < ownerMigration) cpSync(path.join(defaultMigrationsDir(), m.name), path.join(before, m.name), { recursive: true });
    const embedded = await openEmbeddedDatabase(path.join(dir, "db"));
    const client = new pg.Client({ connectionString: embedded.url });
    try {
      await client.connect();
      await migrate(client, before);
      await client.query(`INSERT INTO tenants (id, slug, name) VALUES ('t1', 'default', 'Default'), ('t2', 'acme', 'Acme')`);
      await client.query(
        `INSERT INTO users (id, tenant_id, email, role, created_at, deactivated_at) VALUES
           ('u-analyst', 't1', 'early-analyst@example.com', 'analyst', '2026-01-01', NULL),
           ('u-gone',    't1', 'gone-admin@example.com',    'admin',   '2026-01-02', '2026-02-01'),
           ('u-first',   't1', 'first-admin@example.com',   'admin',   '2026-01-03', NULL),
           ('u-second',  't2', 'second-admin@example.com',  'admin',   '2026-01-04', NULL)`,
      );
      await migrate(client);
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM users WHERE is_owner ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(["u-first"]);
    } finally {
      await client.end();
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
