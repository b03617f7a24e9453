"use server";

import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";
import type { ConsoleUser } from "@/lib/auth/session";
import { activeOwnerCount, createUser, findUserByEmail, keepsAnAdmin, setOwner, setUserActive, setUserRole, tenantUser } from "@/lib/auth/users";
import { adminAction } from "./admin-action";

// Settings → Users: invitations, roles, deactivation, ownership.

export interface InviteState {
  email?: string;
  password?: string;
  error?: string;
}

/**
 * A user of the tenant being administered, if this admin may change them: owners are changed
 * only by owners (a tenant admin must not lock the instance's owner out), and nobody here
 * changes themselves.
 */
async function manageableUser(admin: ConsoleUser, id: string) {
  const user = await tenantUser(admin.tenantId, id);
  if (!user || user.id === admin.id) return null;
  if (user.isOwner && !admin.isOwner) return null;
  return user;
}

const userId = z.string().default("");
const flag = z.string().optional().transform((v) => v === "true");

const invite = adminAction({
  input: z.object({
    email: z.string().default("").transform((v) => v.trim().toLowerCase()),
    role: z.enum(ROLES, { error: "Choose a role." }),
    name: z.string().default("").transform((v) => v.trim() || undefined),
  }),
  invalid: (error): InviteState => ({ error }),
  revalidate: "/settings/users",
  async run({ admin }, { email, role, name }): Promise<InviteState> {
    if (await findUserByEmail(email)) return { error: `${email} already has an account.` };
    // The first password is shown once; with single sign-on configured it may never be used.
    const password = randomBytes(15).toString("base64url");
    try {
      // Invitations never create owners; an owner grants that on this page afterwards.
      await createUser({ tenantId: admin.tenantId, email, role, name, password, owner: false, actor: admin.email });
    } catch (err) {
      return { error: (err as Error).message };
    }
    return { email, password };
  },
});

const changeRole = adminAction({
  input: z.object({ id: userId, role: z.enum(ROLES) }),
  invalid: () => undefined,
  revalidate: "/settings/users",
  async run({ admin }, { id, role }) {
    const user = await manageableUser(admin, id);
    // An owner is an admin; ownership is removed first (setOwnerAction).
    if (!user || user.role === role || user.isOwner) return;
    if (user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, user.id))) return;
    await setUserRole(user, role, admin.email);
  },
});

const setActive = adminAction({
  input: z.object({ id: userId, active: flag }),
  invalid: () => undefined,
  revalidate: "/settings/users",
  async run({ admin }, { id, active }) {
    const user = await manageableUser(admin, id);
    if (!user) return;
    if (!active && user.role === "admin" && !(await keepsAnAdmin(admin.tenantId, user.id))) return;
    if (!active && user.isOwner && (await activeOwnerCount(user.id)) === 0) return;
    await setUserActive(user.id, active, admin.email);
  },
});

/** Owners make another active admin an owner, or take it back (one owner always remains). */
const setOwnership = adminAction({
  access: "owner",
  input: z.object({ id: userId, owner: flag }),
  invalid: () => undefined,
  revalidate: "/settings/users",
  async run({ admin }, { id, owner }) {
    const user = await manageableUser(admin, id);
    if (!user) return;
    await setOwner(user.id, owner, admin.email);
  },
});

export async function inviteUserAction(_prev: InviteState, form: FormData): Promise<InviteState> {
  return invite(form);
}

export async function changeRoleAction(form: FormData): Promise<void> {
  await changeRole(form);
}

export async function setActiveAction(form: FormData): Promise<void> {
  await setActive(form);
}

export async function setOwnerAction(form: FormData): Promise<void> {
  await setOwnership(form);
}
