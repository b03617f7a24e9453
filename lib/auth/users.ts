import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { discardInitialAdminPassword } from "@/lib/bootstrap";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { clearApiTokenCache } from "./api-tokens";
import { passwordChecks } from "./password-checks";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords";
import type { Role } from "./roles";

// Console users: one home tenant and a role each. Passwords are bcrypt hashes; SSO users may
// have none. Owners are admins of the whole instance (every tenant, instance settings).

/** Active owners: admins flagged owner and not deactivated. */
export function activeOwnerCount(exceptUserId?: string): Promise<number> {
  return prisma().user.count({ where: { isOwner: true, role: "admin", deactivatedAt: null, ...(exceptUserId ? { NOT: { id: exceptUserId } } : {}) } });
}

export function findUserByEmail(email: string) {
  return prisma().user.findUnique({ where: { email } });
}

/** The user with this id if they belong to the tenant. */
export async function tenantUser(tenantId: string, id: string) {
  const user = await prisma().user.findUnique({ where: { id } });
  return user && user.tenantId === tenantId ? user : null;
}

/** The tenant's users, by email (Settings → Users). */
export function listTenantUsers(tenantId: string) {
  return prisma().user.findMany({ where: { tenantId }, orderBy: { email: "asc" } });
}

/** Whether the user can sign in with a password (SSO users may have none). */
export async function hasPassword(userId: string): Promise<boolean> {
  const row = await prisma().user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  return Boolean(row?.passwordHash);
}

/** Whether an active admin other than this user remains (changes must not leave a tenant without one). */
export async function keepsAnAdmin(tenantId: string, changingUserId: string): Promise<boolean> {
  const others = await prisma().user.count({ where: { tenantId, role: "admin", deactivatedAt: null, NOT: { id: changingUserId } } });
  return others > 0;
}

export async function setUserRole(user: { id: string; tenantId: string; email: string; role: string }, role: Role, actor: string): Promise<void> {
  await prisma().user.update({ where: { id: user.id }, data: { role } });
  await recordAudit({ tenantId: user.tenantId, actor, action: "user.role", target: user.email, details: { from: user.role, to: role } });
}

export async function createUser(input: { tenantId: string; email: string; role: Role; name?: string; password?: string; owner?: boolean; actor: string }) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`"${input.email}" is not an email address`);
  if (input.owner && input.role !== "admin") throw new Error("an owner must have the admin role");
  // An installation whose admins were all created without one (say, by the CLI before the
  // first start) would have nobody to manage instance settings: its first admin is the owner.
  const isOwner = input.role === "admin" && (input.owner === true || (input.owner === undefined && (await activeOwnerCount()) === 0));
  const user = await prisma().user.create({
    data: {
      id: randomUUID(),
      tenantId: input.tenantId,
      email,
      name: input.name ?? null,
      role: input.role,
      isOwner,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    },
  });
  await recordAudit({ tenantId: input.tenantId, actor: input.actor, action: "user.create", target: email, details: { role: input.role, owner: isOwner } });
  return user;
}

/**
 * Makes an active admin an instance owner, or takes that back; one active owner always remains.
 * Returns why it was refused, or null when done (or nothing to change).
 */
export async function setOwner(userId: string, makeOwner: boolean, actor: string): Promise<string | null> {
  const user = await prisma().user.findUnique({ where: { id: userId } });
  if (!user) return "no such user";
  if (user.isOwner === makeOwner) return null;
  if (makeOwner && (user.role !== "admin" || user.deactivatedAt)) return `${user.email} is not an active admin`;
  if (!makeOwner && (await activeOwnerCount(user.id)) === 0) return `${user.email} is the only owner: make another admin owner first`;
  await prisma().user.update({ where: { id: user.id }, data: { isOwner: makeOwner } });
  // Ownership is instance-wide: recorded without a tenant, where owners read it.
  await recordAudit({ tenantId: null, actor, action: makeOwner ? "user.owner.grant" : "user.owner.revoke", target: user.email });
  return null;
}

/**
 * Deactivates or reactivates a user. Deactivation also revokes every read-API token the user
 * created (in any tenant), so an admin who leaves takes their automation access with them;
 * reactivation does not bring those tokens back.
 */
export async function setUserActive(userId: string, active: boolean, actor: string) {
  const db = prisma();
  const { user, revoked } = await db.$transaction(async (tx) => {
    const user = await tx.user.update({ where: { id: userId }, data: { deactivatedAt: active ? null : new Date() } });
    if (active) return { user, revoked: [] as { id: string; tenantId: string }[] };
    const revoked = await tx.apiToken.findMany({ where: { createdBy: user.email, revokedAt: null }, select: { id: true, tenantId: true } });
    if (revoked.length) await tx.apiToken.updateMany({ where: { id: { in: revoked.map((t) => t.id) } }, data: { revokedAt: new Date() } });
    return { user, revoked };
  });
  // This process refuses the tokens at once; other app instances within their 10-second cache.
  if (revoked.length) clearApiTokenCache();
  await recordAudit({ tenantId: user.tenantId, actor, action: active ? "user.reactivate" : "user.deactivate", target: user.email, details: active ? undefined : { apiTokensRevoked: revoked.length } });
  for (const t of revoked) {
    await recordAudit({ tenantId: t.tenantId, actor, action: "api_token.revoke", target: t.id, details: { reason: "creator deactivated", creator: user.email } });
  }
  return { user, revokedApiTokens: revoked.length };
}

export async function deactivateUser(email: string, actor: string) {
  const row = await prisma().user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!row) throw new Error(`no user "${email}"`);
  return setUserActive(row.id, false, actor);
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The new password may have at most ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}

/**
 * Sets a user's password and raises their session version, which ends every console session
 * they had (the caller re-issues the one that asked, if any). When the replaced password was the
 * generated first-start one, its file in the data directory is deleted.
 */
export async function setPassword(userId: string, password: string, actor: string, action: "user.password_change" | "user.password_set") {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  const before = await prisma().user.findUnique({ where: { id: userId } });
  if (!before) throw new Error("no such user");
  const user = await prisma().user.update({
    where: { id: userId },
    data: { passwordHash: await hashPassword(password), sessionVersion: { increment: 1 } },
  });
  const discarded = before.passwordHash ? await discardInitialAdminPassword(config().dataDir, before.passwordHash) : false;
  await recordAudit({ tenantId: user.tenantId, actor, action, target: user.email, details: discarded ? { initialPasswordFileDeleted: true } : undefined });
  return { user, initialPasswordFileDeleted: discarded };
}

export type PasswordChangeResult =
  | { ok: true; sessionVersion: number }
  | { ok: false; field: "currentPassword" | "newPassword"; error: string };

/** A signed-in user changes their own password: the current one is required. */
export async function changeOwnPassword(userId: string, currentPassword: string, newPassword: string): Promise<PasswordChangeResult> {
  const user = await prisma().user.findUnique({ where: { id: userId } });
  if (!user || user.deactivatedAt) return { ok: false, field: "currentPassword", error: "No such user." };
  if (!user.passwordHash) return { ok: false, field: "currentPassword", error: "This account signs in with single sign-on and has no password here." };
  if (currentPassword.length > MAX_PASSWORD_LENGTH || !(await passwordChecks().verify(currentPassword, user.passwordHash))) {
    await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "user.password_change.failed", target: user.email });
    return { ok: false, field: "currentPassword", error: "The current password is not right." };
  }
  const problem = passwordProblem(newPassword);
  if (problem) return { ok: false, field: "newPassword", error: problem };
  if (newPassword === currentPassword) return { ok: false, field: "newPassword", error: "The new password must differ from the current one." };
  const { user: updated } = await setPassword(user.id, newPassword, user.email, "user.password_change");
  return { ok: true, sessionVersion: updated.sessionVersion };
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
