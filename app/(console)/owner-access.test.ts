import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import AuditPage from "@/app/(console)/audit/page";
import { selectTenant } from "@/lib/actions/console";
import * as exportRoute from "@/app/api/console/events/export/route";
import * as connectorsRoute from "@/app/api/console/connectors/route";
import { createApiTokenAction } from "@/lib/actions/tokens";
import { saveComplianceConnectorAction } from "@/lib/actions/compliance";
import { saveOriginsAction } from "@/lib/actions/receiver";
import { changeRoleAction, inviteUserAction, setActiveAction, setOwnerAction } from "@/lib/actions/users";
import { recordAudit } from "@/lib/audit";
import { currentUser, TENANT_COOKIE } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { getConnector } from "@/lib/compliance/connector-config";
import { prisma } from "@/lib/db/prisma";
import { startConsoleInstance, type ConsoleInstance } from "@/lib/testing/console-instance";
import { asBrowser, form, nextControlFlow, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import { fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { ensureTenant } from "@/lib/tenants";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// Tenants are walls: an admin administers their own tenant only, whatever tenant cookie their
// browser sends; the instance owner (the first-start admin) may act in any tenant, alone
// changes instance settings, and alone reads audit entries of no tenant. Each case runs the
// real server actions, pages and console routes with a real next-auth session cookie.

let instance: ConsoleInstance;
let acme: string; // tenant A, administered by alice
let globex: TestTenant; // tenant B, with telemetry
let defaultTenant: string;
let owner: CookieJar;
let alice: CookieJar;
let bob: CookieJar; // a plain admin of the owner's home tenant
let ownerId: string;

const PASSWORD = "a-long-enough-password-42";

beforeAll(async () => {
  // The connectors below are saved, never called: their hosts only need to pass the allowlist.
  process.env.BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS = "compliance.globex.example,attacker.example";
  instance = await startConsoleInstance({ name: "owner-access", adminPassword: PASSWORD });
  ({ ownerId, owner, tenantId: defaultTenant } = instance);

  acme = await ensureTenant("acme");
  globex = await createTestTenant("globex");
  const a = await createUser({ tenantId: acme, email: "alice@acme.example", role: "admin", password: PASSWORD, actor: "test" });
  alice = await signedInBrowser(a);
  const b = await createUser({ tenantId: defaultTenant, email: "bob@example.com", role: "admin", password: PASSWORD, actor: "test" });
  bob = await signedInBrowser(b);

  // Tenant B holds telemetry; its connector points at its own Compliance API.
  for (const f of fixturesOf("b-tool-denied", "http-json")) expect((await postFixture(instance.app.url, globex.ingestToken, f)).status).toBe(200);
  const saved = await (await import("@/lib/compliance/connector-config")).saveConnector(globex.tenantId, { baseUrl: "https://compliance.globex.example", apiKey: "sk-ant-api01-globex-key-0123456789", enabled: false, pollSeconds: 60 });
  expect(saved.ok).toBe(true);
});

afterAll(async () => {
  delete process.env.BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS;
  await instance.stop();
});

/** The browser with its tenant cookie pointing at tenant B. */
function lookingAt(jar: CookieJar, tenantId: string): CookieJar {
  return jar.set(TENANT_COOKIE, tenantId);
}

describe("the first-start admin", () => {
  it("is the instance owner; admins created later are not", async () => {
    expect((await prisma().user.findUniqueOrThrow({ where: { email: "root@example.com" } })).isOwner).toBe(true);
    expect((await prisma().user.findUniqueOrThrow({ where: { email: "alice@acme.example" } })).isOwner).toBe(false);
    expect((await prisma().user.findUniqueOrThrow({ where: { email: "bob@example.com" } })).isOwner).toBe(false);
  });
});

describe("an admin of tenant A whose tenant cookie names tenant B", () => {
  beforeAll(() => {
    lookingAt(alice, globex.tenantId);
  });

  it("is still in tenant A", async () => {
    const me = await asBrowser(alice, () => currentUser());
    expect(me).toMatchObject({ tenantId: acme, isAdmin: true, isOwner: false });
  });

  it("cannot set the cookie through the tenant picker", async () => {
    const jar = await signedInBrowser(await prisma().user.findUniqueOrThrow({ where: { email: "alice@acme.example" } }));
    const outcome = await asBrowser(jar, () => nextControlFlow(() => selectTenant(form({ tenantId: globex.tenantId }))));
    expect(outcome).toMatch(/^NEXT_REDIRECT/);
    expect(jar.has(TENANT_COOKIE)).toBe(false);
  });

  it("reads none of B's telemetry through the console export", async () => {
    const res = await asBrowser(alice, () => exportRoute.GET(new Request("http://127.0.0.1/api/console/events/export?format=ndjson&range=all")));
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe("");
    // The same request as the owner looking at B returns B's events (so the check above can fail).
    const asOwner = await asBrowser(lookingAt(owner, globex.tenantId), () => exportRoute.GET(new Request("http://127.0.0.1/api/console/events/export?format=ndjson&range=all")));
    expect((await asOwner.text()).trim().split("\n").length).toBeGreaterThan(1);
  });

  it("sees A's connector, not B's", async () => {
    const res = await asBrowser(alice, () => connectorsRoute.GET());
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).not.toContain("compliance.globex.example");
  });

  it("mints API tokens in A only", async () => {
    const before = await prisma().apiToken.count({ where: { tenantId: globex.tenantId } });
    const state = await asBrowser(alice, () => createApiTokenAction({}, form({ name: "siem", role: "admin", expiresInDays: "30" })));
    expect(state.secret).toBeTruthy();
    expect(await prisma().apiToken.count({ where: { tenantId: globex.tenantId } })).toBe(before);
    expect(await prisma().apiToken.count({ where: { tenantId: acme, name: "siem" } })).toBe(1);
  });

  it("invites users (admins included) into A only", async () => {
    const state = await asBrowser(alice, () => inviteUserAction({}, form({ email: "mallory@example.com", role: "admin" })));
    expect(state.error).toBeUndefined();
    const invited = await prisma().user.findUniqueOrThrow({ where: { email: "mallory@example.com" } });
    expect(invited.tenantId).toBe(acme);
    expect(invited.isOwner).toBe(false);
  });

  it("changes A's connector, never B's", async () => {
    const state = await asBrowser(alice, () =>
      saveComplianceConnectorAction({ status: "idle" }, form({ baseUrl: "https://attacker.example", enabled: "", pollSeconds: "60", apiKey: "sk-ant-api01-attacker-key-0123456789" })),
    );
    expect(state.status).toBe("saved");
    expect((await getConnector(globex.tenantId))?.baseUrl).toBe("https://compliance.globex.example");
    expect((await getConnector(acme))?.baseUrl).toBe("https://attacker.example");
  });

  it("is refused instance settings (browser origins)", async () => {
    const outcome = await asBrowser(alice, () => nextControlFlow(() => saveOriginsAction({}, form({ origins: "https://evil.example" }))));
    expect(outcome).toMatch(/;403$/);
    expect(await prisma().instanceSetting.findUnique({ where: { key: "cors.allowed_origins" } })).toBeNull();
  });
});

describe("the owner", () => {
  it("switches tenant with the picker and acts in B", async () => {
    const jar = await signedInBrowser(await prisma().user.findUniqueOrThrow({ where: { id: ownerId } }));
    expect(await asBrowser(jar, () => nextControlFlow(() => selectTenant(form({ tenantId: globex.tenantId }))))).toMatch(/^NEXT_REDIRECT/);
    expect(jar.get(TENANT_COOKIE)?.value).toBe(globex.tenantId);
    expect(await asBrowser(jar, () => currentUser())).toMatchObject({ tenantId: globex.tenantId, isOwner: true, isAdmin: true });
    const state = await asBrowser(jar, () => createApiTokenAction({}, form({ name: "owner-made", role: "analyst", expiresInDays: "30" })));
    expect(state.secret).toBeTruthy();
    expect(await prisma().apiToken.count({ where: { tenantId: globex.tenantId, name: "owner-made" } })).toBe(1);
  });

  it("changes instance settings", async () => {
    const state = await asBrowser(owner, () => saveOriginsAction({}, form({ origins: "https://addin.example.com" })));
    expect(state).toEqual({ saved: true });
  });

  it("alone reads audit entries of no tenant", async () => {
    await recordAudit({ tenantId: null, actor: "cli:ops", action: "instance.marker-for-test" });
    const page = async (jar: CookieJar) => renderToStaticMarkup(await asBrowser(jar, () => AuditPage({ searchParams: Promise.resolve({}) })));
    const ownerHome = await page(lookingAt(owner, defaultTenant));
    expect(ownerHome).toContain("instance.marker-for-test");
    expect(ownerHome).toContain("settings.cors_origins");
    const aliceView = await page(alice);
    expect(aliceView).toContain("api_token.create"); // her own tenant's entries are there
    expect(aliceView).not.toContain("instance.marker-for-test");
    expect(aliceView).not.toContain("settings.cors_origins");
    expect(await page(bob)).not.toContain("instance.marker-for-test");
  });

  it("cannot be deactivated or demoted by an admin of their home tenant", async () => {
    lookingAt(owner, defaultTenant);
    await asBrowser(bob, () => setActiveAction(form({ id: ownerId, active: "false" })));
    await asBrowser(bob, () => changeRoleAction(form({ id: ownerId, role: "analyst" })));
    const row = await prisma().user.findUniqueOrThrow({ where: { id: ownerId } });
    expect(row.deactivatedAt).toBeNull();
    expect(row.role).toBe("admin");
    expect(await asBrowser(owner, () => currentUser())).toMatchObject({ isOwner: true });
  });

  it("grants and takes back ownership, keeping one owner", async () => {
    const bobRow = await prisma().user.findUniqueOrThrow({ where: { email: "bob@example.com" } });
    // bob (not an owner) cannot make himself one through the action.
    expect(await asBrowser(bob, () => nextControlFlow(() => setOwnerAction(form({ id: bobRow.id, owner: "true" }))))).toMatch(/;403$/);
    await asBrowser(owner, () => setOwnerAction(form({ id: bobRow.id, owner: "true" })));
    expect((await prisma().user.findUniqueOrThrow({ where: { id: bobRow.id } })).isOwner).toBe(true);
    expect(await prisma().auditLog.count({ where: { action: "user.owner.grant", target: "bob@example.com", tenantId: null } })).toBe(1);
    await asBrowser(bob, () => setOwnerAction(form({ id: bobRow.id, owner: "false" }))); // nobody changes themselves
    await asBrowser(owner, () => setOwnerAction(form({ id: bobRow.id, owner: "false" })));
    expect((await prisma().user.findUniqueOrThrow({ where: { id: bobRow.id } })).isOwner).toBe(false);
  });
});
