import { randomUUID } from "node:crypto";
import type { Account, Profile, User } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { authOptions } from "./options";
import { unlinkSso } from "./users";

// OIDC sign-in as next-auth runs it after the provider's callback: the signIn callback decides,
// the jwt callback names the user of the session. No live provider exists here, so the profiles
// (the ID token's claims) are crafted; the database, the callbacks and the audit trail are real.

const ISSUER = "https://idp.example.com/realms/corp";
const ENV = {
  BLINDSPOT_OIDC_ISSUER: `${ISSUER}/`,
  BLINDSPOT_OIDC_CLIENT_ID: "blindspot",
  BLINDSPOT_OIDC_CLIENT_SECRET: "client-secret-for-tests",
};

let db: TestDatabase;
let tenantId: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  db = await startTestDatabase();
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  resetConfigForTests();
  tenantId = await ensureTenant("oidc");
}, 120_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetConfigForTests();
  await db?.stop();
});

async function addUser(email: string, opts: { deactivated?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  await prisma().user.create({ data: { id, tenantId, email, role: "analyst", deactivatedAt: opts.deactivated ? new Date() : null } });
  return id;
}

/** What next-auth calls after the provider's redirect: signIn, then (when allowed) jwt. */
async function ssoSignIn(profile: Record<string, unknown>): Promise<{ allowed: true | string; uid?: string }> {
  const options = authOptions();
  const sub = String(profile.sub ?? "");
  const user = { id: sub, email: typeof profile.email === "string" ? profile.email.toLowerCase() : null, name: null } as User;
  const account = { provider: "oidc", type: "oauth", providerAccountId: sub } as Account;
  const allowed = await options.callbacks!.signIn!({ user, account, profile: profile as Profile });
  if (allowed !== true) return { allowed: allowed as string };
  const token = await options.callbacks!.jwt!({ token: {} as JWT, user, account, profile: profile as Profile, trigger: "signIn" });
  return { allowed, uid: typeof token.uid === "string" ? token.uid : undefined };
}

async function binding(id: string) {
  return prisma().user.findUniqueOrThrow({ where: { id }, select: { oidcIssuer: true, oidcSubject: true } });
}

async function auditOf(actor: string) {
  return prisma().auditLog.findMany({ where: { actor }, orderBy: { id: "asc" }, select: { action: true, details: true } });
}

describe("OIDC sign-in", () => {
  let aliceId: string;
  beforeEach(async () => {
    await prisma().auditLog.deleteMany();
  });

  it("refuses an email the provider has not verified, whatever it looks like", async () => {
    aliceId = await addUser("alice@corp.example");
    for (const claims of [{}, { email_verified: false }, { email_verified: "true" }, { email_verified: 1 }]) {
      const r = await ssoSignIn({ sub: "alice-sub", email: "alice@corp.example", ...claims });
      expect(r.allowed).toBe("/login?error=SsoEmailUnverified");
    }
    expect(await binding(aliceId)).toEqual({ oidcIssuer: null, oidcSubject: null });
    const audit = await auditOf("alice@corp.example");
    expect(audit).toHaveLength(4);
    expect(audit.every((a) => a.action === "signin.failed" && (a.details as Record<string, string>).reason === "email_unverified")).toBe(true);
  });

  it("binds the user to the provider's subject at the first verified sign-in", async () => {
    const r = await ssoSignIn({ sub: "alice-sub", email: "Alice@Corp.example", email_verified: true });
    expect(r).toEqual({ allowed: true, uid: aliceId });
    expect(await binding(aliceId)).toEqual({ oidcIssuer: ISSUER, oidcSubject: "alice-sub" });
    expect((await auditOf("alice@corp.example")).map((a) => a.action)).toEqual(["user.sso_bound", "signin"]);
  });

  it("refuses, and audits, the same email presented with another subject", async () => {
    const r = await ssoSignIn({ sub: "mallory-sub", email: "alice@corp.example", email_verified: true });
    expect(r.allowed).toBe("/login?error=SsoAccountMismatch");
    expect(await binding(aliceId)).toEqual({ oidcIssuer: ISSUER, oidcSubject: "alice-sub" });
    const audit = await auditOf("alice@corp.example");
    expect(audit).toEqual([{ action: "signin.failed", details: { method: "oidc", reason: "subject_mismatch", issuer: ISSUER, subject: "mallory-sub" } }]);
  });

  it("matches on the subject afterwards, whatever the email claim now says", async () => {
    expect(await ssoSignIn({ sub: "alice-sub", email: "alice.renamed@corp.example", email_verified: false })).toEqual({ allowed: true, uid: aliceId });
    // Bob's address in Alice's token does not make her Bob.
    const bobId = await addUser("bob@corp.example");
    expect(await ssoSignIn({ sub: "alice-sub", email: "bob@corp.example", email_verified: true })).toEqual({ allowed: true, uid: aliceId });
    expect(await binding(bobId)).toEqual({ oidcIssuer: null, oidcSubject: null });
  });

  it("refuses people no admin added, deactivated users (bound or not), and tokens without a subject", async () => {
    expect((await ssoSignIn({ sub: "stranger", email: "stranger@corp.example", email_verified: true })).allowed).toBe("/login?error=NotInvited");
    const carolId = await addUser("carol@corp.example", { deactivated: true });
    expect((await ssoSignIn({ sub: "carol-sub", email: "carol@corp.example", email_verified: true })).allowed).toBe("/login?error=NotInvited");
    expect(await binding(carolId)).toEqual({ oidcIssuer: null, oidcSubject: null });
    await prisma().user.update({ where: { id: aliceId }, data: { deactivatedAt: new Date() } });
    expect((await ssoSignIn({ sub: "alice-sub", email: "alice@corp.example", email_verified: true })).allowed).toBe("/login?error=NotInvited");
    await prisma().user.update({ where: { id: aliceId }, data: { deactivatedAt: null } });
    expect((await ssoSignIn({ email: "bob@corp.example", email_verified: true })).allowed).toBe("/login?error=SsoRefused");
  });

  it("lets exactly one of two racing first sign-ins with different subjects bind the user", async () => {
    const daveId = await addUser("dave@corp.example");
    const results = await Promise.all(
      ["dave-sub-1", "dave-sub-2"].map((sub) => ssoSignIn({ sub, email: "dave@corp.example", email_verified: true })),
    );
    expect(results.filter((r) => r.allowed === true)).toHaveLength(1);
    expect(results.filter((r) => r.allowed === "/login?error=SsoAccountMismatch")).toHaveLength(1);
    const winner = results.findIndex((r) => r.allowed === true);
    expect(await binding(daveId)).toEqual({ oidcIssuer: ISSUER, oidcSubject: `dave-sub-${winner + 1}` });
  });

  it("binds anew after an admin unlinked the user (e.g. the provider account was recreated)", async () => {
    expect((await ssoSignIn({ sub: "alice-sub-2", email: "alice@corp.example", email_verified: true })).allowed).toBe("/login?error=SsoAccountMismatch");
    await unlinkSso("alice@corp.example", "admin@corp.example");
    expect(await ssoSignIn({ sub: "alice-sub-2", email: "alice@corp.example", email_verified: true })).toEqual({ allowed: true, uid: aliceId });
    expect(await binding(aliceId)).toEqual({ oidcIssuer: ISSUER, oidcSubject: "alice-sub-2" });
    expect((await ssoSignIn({ sub: "alice-sub", email: "alice@corp.example", email_verified: true })).allowed).toBe("/login?error=SsoAccountMismatch");
  });

  it("keeps password sign-in sessions on the user id", async () => {
    const options = authOptions();
    const token = await options.callbacks!.jwt!({ token: {} as JWT, user: { id: aliceId } as User, account: { provider: "credentials", type: "credentials", providerAccountId: aliceId } as Account, trigger: "signIn" });
    expect(token.uid).toBe(aliceId);
  });
});
