import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { hashPassword } from "./passwords";
import type { Role } from "./roles";

// Console users: one home tenant and a role each. Passwords are bcrypt hashes; SSO users may
// have none.

export async function createUser(input: { tenantId: string; email: string; role: Role; name?: string; password?: string; actor: string }) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`"${input.email}" is not an email address`);
  const user = await prisma().user.create({
    data: {
      id: randomUUID(),
      tenantId: input.tenantId,
      email,
      name: input.name ?? null,
      role: input.role,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    },
  });
  await recordAudit({ tenantId: input.tenantId, actor: input.actor, action: "user.create", target: email, details: { role: input.role } });
  return user;
}

export async function deactivateUser(email: string, actor: string) {
  const user = await prisma().user.update({ where: { email: email.trim().toLowerCase() }, data: { deactivatedAt: new Date() } });
  await recordAudit({ tenantId: user.tenantId, actor, action: "user.deactivate", target: user.email });
  return user;
}

/**
 * Forgets which single sign-on account (issuer + subject) a user is bound to, so the next SSO
 * sign-in with a verified email binds again: for a person whose provider account was recreated,
 * or after a move to another provider. Refused SSO sign-ins of a bound user are in the audit log
 * (signin.failed, reason subject_mismatch).
 */
export async function unlinkSso(email: string, actor: string) {
  const user = await prisma().user.findUniqueOrThrow({ where: { email: email.trim().toLowerCase() } });
  await prisma().user.update({ where: { id: user.id }, data: { oidcIssuer: null, oidcSubject: null } });
  await recordAudit({
    tenantId: user.tenantId,
    actor,
    action: "user.sso_unbound",
    target: user.email,
    details: { issuer: user.oidcIssuer ?? "", subject: user.oidcSubject ?? "" },
  });
  return user;
}
