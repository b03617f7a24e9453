"use server";

import { randomBytes } from "node:crypto";
import { revalidatePath } from "next/cache";
import { recordAudit } from "@/lib/audit";
import { isRole } from "@/lib/auth/roles";
import { requireUser, type ConsoleUser } from "@/lib/auth/session";
import { activeOwnerCount, createUser, setOwner, setUserActive } from "@/lib/auth/users";
import { prisma } from "@/lib/db/prisma";

export interface InviteState {
  email?: string;
  password?: string;
  error?: string;
}

export async function inviteUserAction(_prev: InviteState, form: FormData): Promise<InviteState> {
  const admin = await requireUser({ roles: ["admin"] });
  const email = String(form.get("email") ?? "").trim().toLowerCase();
  const role = String(form.get("role") ?? "");
  const name = String(form.get("name") ?? "").trim() || undefined;
  if (!isRole(role)) return { error: "Choose a role." };
  if (await prisma().user.findUnique({ where: { email } })) return { error: `${email} already has an account.` };
  // The first password is shown once; with single sign-on configured it may never be used.
  const password = randomBytes(15).toString("base64url");
  try {
    // Invitations never create owners; an owner grants that on this page afterwards.
    await createUser({ tenantId: admin.tenantId, email, role, name, password, owner: false, actor: admin.email });
  } catch (err) {
    return { error: (err as Error).message };
  }
  revalidatePath("/settings/users");
  return { email, password };
}

/** Refuses changes that would leave the tenant without an active admin. */
async function keepsAnAdmin(tenantId: string, changingUserId: string): Promise<boolean> {
  const others = await prisma().user.count({ where: { tenantId, role: "admin", deactivatedAt: null, NOT: { id: changingUserId } } });
  return others > 0;
}

/**
 * A user of the tenant being administered, if this admin may change them: owners are changed
 * only by owners (a tenant admin must not lock the instance's owner out), and nobody here
 * changes themselves.
 */
async function manageableUser(admin: ConsoleUser, id: string) {
  const user = await prisma().user.findUnique({ where: { id } });
  if (!user || user.tenantId !== admin.tenantId || user.id === admin.id) return null;
  if (user.isOwner && !admin.isOwner) return null;
  return user;
}

export async function changeRoleAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  const role = String(form.get("role") ?? "");
  const user = await manageableUser(admin, String(form.get("id") ?? ""));
  // An owner is an admin; ownership is removed first (setOwnerAction).
  if (!user || !isRole(role) || user.role === role || user.isOwner) return;
  if (user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, user.id))) return;
  await prisma().user.update({ where: { id: user.id }, data: { role } });
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "user.role", target: user.email, details: { from: user.role, to: role } });
  revalidatePath("/settings/users");
}

export async function setActiveAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  const active = form.get("active") === "true";
  const user = await manageableUser(admin, String(form.get("id") ?? ""));
  if (!user) return;
  if (!active && user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, user.id))) return;
  if (!active && user.isOwner && (await activeOwnerCount(user.id)) === 0) return;
  await setUserActive(user.id, active, admin.email);
  revalidatePath("/settings/users");
}

/** Owners make another active admin an owner, or take it back (one owner always remains). */
export async function setOwnerAction(form: FormData): Promise<void> {
  const owner = await requireUser({ owner: true });
  const makeOwner = form.get("owner") === "true";
  const user = await manageableUser(owner, String(form.get("id") ?? ""));
  if (!user) return;
  await setOwner(user.id, makeOwner, owner.email);
  revalidatePath("/settings/users");
}
