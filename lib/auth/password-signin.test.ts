import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { authOptions } from "./options";
import { PasswordCheckPool, PasswordChecksBusyError } from "./password-checks";
import { passwordSignIn } from "./password-signin";
import { hashPassword } from "./passwords";
import { SigninLimiter, signinLimiter, type SigninLimitPolicy } from "./signin-limits";

// Password sign-in under attack, on the real database (PGlite, or TEST_DATABASE_URL's server):
// limits are checked before bcrypt runs (proved by counting the checks the worker pool started),
// they live in Postgres (a second limiter, as a second app instance would have, sees them), and
// the right password works again once a lock has ended.

const PASSWORD = "correct horse battery staple";
const POLICY: SigninLimitPolicy = { accountFailures: 3, addressFailures: 5, unknownAddressFailures: 4, windowSeconds: 300, lockSeconds: 300 };

let db: TestDatabase;
let tenantId: string;
let checks: PasswordCheckPool;

beforeAll(async () => {
  db = await startTestDatabase();
  tenantId = await ensureTenant("signin");
  checks = new PasswordCheckPool(1, 8);
}, 120_000);

afterAll(async () => {
  await checks?.close();
  await db?.stop();
});

async function addUser(email: string): Promise<void> {
  await prisma().user.create({ data: { id: randomUUID(), tenantId, email, role: "analyst", passwordHash: await hashPassword(PASSWORD) } });
}

function attempt(email: string, password: string, address: string | null, limiter: SigninLimiter) {
  return passwordSignIn({ email, password }, address, { limiter, checks });
}

describe("per-account limit", () => {
  it("refuses the attempt after N failures before any password check, even with the right password", async () => {
    const limiter = new SigninLimiter(POLICY);
    await addUser("alice@corp.example");
    for (let i = 0; i < POLICY.accountFailures; i++) {
      // Different addresses: the account's count alone locks it.
      expect(await attempt("alice@corp.example", `wrong ${i}`, `198.51.100.${i}`, limiter)).toEqual({ ok: false, reason: "invalid" });
    }
    const before = checks.started;
    const refused = await attempt("Alice@Corp.example", PASSWORD, "198.51.100.200", limiter);
    expect(refused).toMatchObject({ ok: false, reason: "locked" });
    expect(checks.started).toBe(before);
    const locks = await prisma().auditLog.findMany({ where: { actor: "alice@corp.example", action: "signin.locked" } });
    expect(locks.map((l) => (l.details as Record<string, string>).scope)).toEqual(["account"]);
  });

  it("holds across limiter instances sharing the database, as across app instances", async () => {
    const second = new SigninLimiter(POLICY);
    const before = checks.started;
    expect(await attempt("alice@corp.example", PASSWORD, null, second)).toMatchObject({ ok: false, reason: "locked" });
    expect(checks.started).toBe(before);
    const { rows } = await getPool().query<{ key: string; points: number }>(`SELECT key, points FROM signin_limits WHERE key LIKE 'signin-account:%'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => !r.key.includes("alice"))).toBe(true); // hashed: no addresses in the table
  });

  it("counts unknown accounts the same way (no difference tells which accounts exist)", async () => {
    const limiter = new SigninLimiter(POLICY);
    for (let i = 0; i < POLICY.accountFailures; i++) {
      expect(await attempt("nobody@corp.example", "guess", `192.0.2.${i}`, limiter)).toEqual({ ok: false, reason: "invalid" });
    }
    expect(await attempt("nobody@corp.example", "guess", "192.0.2.99", limiter)).toMatchObject({ ok: false, reason: "locked" });
  });

  it("forgets earlier failures after a successful sign-in", async () => {
    const limiter = new SigninLimiter(POLICY);
    await addUser("bob@corp.example");
    for (const round of [1, 2]) {
      for (let i = 0; i < POLICY.accountFailures - 1; i++) {
        expect((await attempt("bob@corp.example", "wrong", `203.0.113.${round}`, limiter)).ok).toBe(false);
      }
      expect(await attempt("bob@corp.example", PASSWORD, `203.0.113.${round}`, limiter)).toMatchObject({ ok: true });
    }
  });

  it("lets the right password in again once the lock has ended", async () => {
    const limiter = new SigninLimiter({ ...POLICY, lockSeconds: 3 });
    await addUser("carol@corp.example");
    for (let i = 0; i < POLICY.accountFailures; i++) await attempt("carol@corp.example", "wrong", null, limiter);
    const refused = await attempt("carol@corp.example", PASSWORD, null, limiter);
    expect(refused).toMatchObject({ ok: false, reason: "locked" });
    if (refused.ok || refused.reason !== "locked") throw new Error("not locked");
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3);
    await new Promise((r) => setTimeout(r, refused.retryAfterSeconds * 1000 + 100));
    expect(await attempt("carol@corp.example", PASSWORD, null, limiter)).toMatchObject({ ok: true, user: { email: "carol@corp.example" } });
  });
});

describe("per-address limit", () => {
  it("locks an address that fails across many accounts, before bcrypt, and only that address", async () => {
    const limiter = new SigninLimiter(POLICY);
    await addUser("dave@corp.example");
    for (let i = 0; i < POLICY.addressFailures; i++) {
      expect(await attempt(`spray-${i}@corp.example`, "Winter2026!", "2001:db8:7:7::1", limiter)).toEqual({ ok: false, reason: "invalid" });
    }
    const before = checks.started;
    // Another address in the same /64 is the same client.
    expect(await attempt("dave@corp.example", PASSWORD, "2001:db8:7:7:ffff::2", limiter)).toMatchObject({ ok: false, reason: "locked" });
    expect(checks.started).toBe(before);
    expect(await attempt("dave@corp.example", PASSWORD, "2001:db8:7:8::1", limiter)).toMatchObject({ ok: true });
  });

  it("puts attempts of unknown address in one shared bucket", async () => {
    const limiter = new SigninLimiter({ ...POLICY, accountFailures: 100 });
    await addUser("erin@corp.example");
    for (let i = 0; i < POLICY.unknownAddressFailures; i++) await attempt(`unknown-${i}@corp.example`, "guess", null, limiter);
    const before = checks.started;
    expect(await attempt("erin@corp.example", PASSWORD, null, limiter)).toMatchObject({ ok: false, reason: "locked" });
    expect(checks.started).toBe(before);
    expect(await attempt("erin@corp.example", PASSWORD, "192.0.2.50", limiter)).toMatchObject({ ok: true });
  });
});

describe("bounded password checks", () => {
  it("refuses at once when every thread is busy and the waiting line is full", async () => {
    const pool = new PasswordCheckPool(1, 1);
    const hash = (await prisma().user.findUniqueOrThrow({ where: { email: "dave@corp.example" } })).passwordHash!;
    try {
      const first = pool.verify(PASSWORD, hash);
      const second = pool.verify("wrong", hash);
      await expect(pool.verify(PASSWORD, hash)).rejects.toBeInstanceOf(PasswordChecksBusyError);
      expect(pool.started).toBe(1);
      expect(await first).toBe(true);
      expect(await second).toBe(false);
      expect(pool.started).toBe(2);
      expect(await pool.verify(PASSWORD, hash)).toBe(true); // room again
    } finally {
      await pool.close();
    }
  });

  it("refuses an attempt beyond what the checks can run or hold before it does any other work", async () => {
    const pool = new PasswordCheckPool(1, 1);
    const limiter = new SigninLimiter(POLICY);
    try {
      const attempts = [PASSWORD, "wrong", PASSWORD].map((password) => passwordSignIn({ email: "dave@corp.example", password }, "192.0.2.60", { limiter, checks: pool }));
      expect(await attempts[2]).toEqual({ ok: false, reason: "busy" });
      expect(await attempts[0]).toMatchObject({ ok: true });
      expect(await attempts[1]).toEqual({ ok: false, reason: "invalid" });
      expect(pool.started).toBe(2);
      expect(await passwordSignIn({ email: "dave@corp.example", password: PASSWORD }, "192.0.2.60", { limiter, checks: pool })).toMatchObject({ ok: true });
    } finally {
      await pool.close();
    }
  });

  it("answers a locked attempt through next-auth's authorize with TooManyAttempts, keyed by the trusted proxy's address", async () => {
    process.env.BLINDSPOT_TRUST_PROXY = "1";
    resetConfigForTests();
    try {
      const limiter = signinLimiter();
      for (let i = 0; i < limiter.policy.addressFailures; i++) await limiter.recordFailure(`x${i}@corp.example`, "192.0.2.77");
      const provider = authOptions().providers.find((p) => p.id === "credentials")! as unknown as {
        options: { authorize: (c: unknown, req: { headers: Record<string, string> }) => Promise<unknown> };
      };
      const authorize = provider.options.authorize;
      // The client's own X-Forwarded-For entry (left) is ignored; the proxy's (right) counts.
      await expect(authorize({ email: "dave@corp.example", password: PASSWORD }, { headers: { "x-forwarded-for": "10.9.9.9, 192.0.2.77" } })).rejects.toThrow("TooManyAttempts");
      await expect(authorize({ email: "dave@corp.example", password: PASSWORD }, { headers: { "x-forwarded-for": "192.0.2.77, 10.9.9.9" } })).resolves.toMatchObject({ email: "dave@corp.example" });
    } finally {
      delete process.env.BLINDSPOT_TRUST_PROXY;
      resetConfigForTests();
    }
  });
});
