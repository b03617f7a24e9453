import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { PasswordChecksBusyError, passwordChecks, type PasswordCheckPool } from "./password-checks";
import { signinLimiter, type SigninLimiter } from "./signin-limits";

// Email + password sign-in (next-auth's credentials `authorize`, lib/auth/options.ts), in this
// order so that an attacker's attempts cost as little as possible:
//   1. a place among the attempts under way (as many as the password checks can run or hold):
//      when all are taken the attempt is refused at once, before any database work;
//   2. the limits (one indexed read per key): a locked account or address is refused at once;
//   3. bcrypt on a worker thread, against a dummy hash when the email is unknown, so neither the
//      answer nor its timing reveals which accounts exist;
//   4. failures counted (and a new lock audited), success clears the account's count.

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email(), password: z.string().min(1).max(1024) });

// A bcrypt hash (cost 12, like real ones) to compare against when the email is unknown.
const DUMMY_HASH = "$2b$12$eDdsMSNS.FObJJLhQvBRReWBZGtK9sRToiuExg47fNLSFGFCbqeQq";

export type PasswordSignInResult =
  | { ok: true; user: { id: string; email: string; name: string } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; retryAfterSeconds: number }
  | { ok: false; reason: "busy" };

export interface PasswordSignInDeps {
  limiter: SigninLimiter;
  checks: PasswordCheckPool;
}

export async function passwordSignIn(
  raw: unknown,
  address: string | null,
  deps: PasswordSignInDeps = { limiter: signinLimiter(), checks: passwordChecks() },
): Promise<PasswordSignInResult> {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  const { email, password } = parsed.data;

  if (!deps.checks.tryEnter()) return { ok: false, reason: "busy" };
  try {
    return await attempt(email, password, address, deps);
  } finally {
    deps.checks.leave();
  }
}

async function attempt(email: string, password: string, address: string | null, deps: PasswordSignInDeps): Promise<PasswordSignInResult> {
  const gate = await deps.limiter.check(email, address);
  if (!gate.allowed) return { ok: false, reason: "locked", retryAfterSeconds: gate.retryAfterSeconds };

  const user = await prisma().user.findUnique({ where: { email } });
  let matches: boolean;
  try {
    matches = await deps.checks.verify(password, user?.passwordHash ?? DUMMY_HASH);
  } catch (err) {
    if (err instanceof PasswordChecksBusyError) return { ok: false, reason: "busy" };
    throw err;
  }

  if (!user || !matches || !user.passwordHash || user.deactivatedAt) {
    const locked = await deps.limiter.recordFailure(email, address);
    await recordAudit({ tenantId: user?.tenantId ?? null, actor: email, action: "signin.failed", details: { method: "password" } });
    if (locked.length > 0) {
      await recordAudit({
        tenantId: user?.tenantId ?? null,
        actor: email,
        action: "signin.locked",
        details: { scope: locked.join(","), ...(address ? { address } : {}), lockSeconds: deps.limiter.policy.lockSeconds },
      });
    }
    return { ok: false, reason: "invalid" };
  }
  await deps.limiter.recordSuccess(email);
  await prisma().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "signin", details: { method: "password" } });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name ?? user.email } };
}
