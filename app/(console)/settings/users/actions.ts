"use server";

import { randomBytes } from "node:crypto";
import { revalidatePath } from "next/cache";
import { recordAudit } from "@/lib/audit";
import { isRole } from "@/lib/auth/roles";
import { requireUser } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
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
    await createUser({ tenantId: admin.tenantId, email, role, name, password, actor: admin.email });
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

export async function changeRoleAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  const id = String(form.get("id") ?? "");
  const role = String(form.get("role") ?? "");
  const user = await prisma().user.findUnique({ where: { id } });
  if (!user || user.tenantId !== admin.tenantId || !isRole(role) || user.role === role) return;
  if (user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, id))) return;
  await prisma().user.update({ where: { id }, data: { role } });
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: "user.role", target: user.email, details: { from: user.role, to: role } });
  revalidatePath("/settings/users");
}

export async function setActiveAction(form: FormData): Promise<void> {
  const admin = await requireUser({ roles: ["admin"] });
  const id = String(form.get("id") ?? "");
  const active = form.get("active") === "true";
  const user = await prisma().user.findUnique({ where: { id } });
  if (!user || user.tenantId !== admin.tenantId || user.id === admin.id) return;
  if (!active && user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, id))) return;
  await prisma().user.update({ where: { id }, data: { deactivatedAt: active ? null : new Date() } });
  await recordAudit({ tenantId: admin.tenantId, actor: admin.email, action: active ? "user.reactivate" : "user.deactivate", target: user.email });
  revalidatePath("/settings/users");
}
