import { cookies, headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { prisma } from "@/lib/db/prisma";
import { authOptions } from "./options";
import { canAdminister, canReadContent, isRole, type Role } from "./roles";

// Who is asking, for pages, server actions and console API routes. The session cookie names
// the user; the database says whether they still exist, their role and their tenant.

export interface ConsoleUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  homeTenantId: string;
  /** The tenant being viewed (admins may switch; everyone else sees their own). */
  tenantId: string;
  tenantSlug: string;
  canReadContent: boolean;
  isAdmin: boolean;
}

export const TENANT_COOKIE = "bs_tenant";

export async function currentUser(): Promise<ConsoleUser | null> {
  const session = await getServerSession(authOptions());
  if (!session?.uid) return null;
  const user = await prisma().user.findUnique({ where: { id: session.uid }, include: { tenant: true } });
  if (!user || user.deactivatedAt || !isRole(user.role)) return null;
  let tenant = user.tenant;
  const wanted = (await cookies()).get(TENANT_COOKIE)?.value;
  if (wanted && wanted !== user.tenantId && canAdminister(user.role)) {
    tenant = (await prisma().tenant.findUnique({ where: { id: wanted } })) ?? user.tenant;
  }
  return {
    id: user.id,
    email: user.email,
    name: user.name ?? user.email,
    role: user.role,
    homeTenantId: user.tenantId,
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    canReadContent: canReadContent(user.role),
    isAdmin: canAdminister(user.role),
  };
}

/** For pages: sends anonymous visitors to sign in, and hides pages a role may not use. */
export async function requireUser(options: { roles?: Role[] } = {}): Promise<ConsoleUser> {
  const user = await currentUser();
  if (!user) {
    const h = await headers();
    const path = h.get("x-blindspot-path") ?? "/";
    redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  }
  if (options.roles && !options.roles.includes(user.role)) notFound();
  return user;
}

/** For console API routes and server actions: null means 401. */
export async function userForApi(): Promise<ConsoleUser | null> {
  return currentUser();
}
