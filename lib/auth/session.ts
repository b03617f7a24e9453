import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { decode, encode } from "next-auth/jwt";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { authOptions } from "./options";
import { canAdminister, canReadContent, isRole, type Role } from "./roles";

// Who is asking, for pages, server actions and console API routes. The session cookie names
// the user; the database says whether they still exist, their role, their tenant and whether
// they own the instance.

export interface ConsoleUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  homeTenantId: string;
  /** The tenant being viewed: owners may switch (TENANT_COOKIE); everyone else sees their own. */
  tenantId: string;
  tenantSlug: string;
  canReadContent: boolean;
  /** Administers the tenant being viewed (tokens, users, connector). */
  isAdmin: boolean;
  /** Instance owner: every tenant, instance settings, audit entries of no tenant. */
  isOwner: boolean;
}

export const TENANT_COOKIE = "bs_tenant";

export async function currentUser(): Promise<ConsoleUser | null> {
  const session = await getServerSession(authOptions());
  if (!session?.uid) return null;
  const user = await prisma().user.findUnique({ where: { id: session.uid }, include: { tenant: true } });
  if (!user || user.deactivatedAt || !isRole(user.role)) return null;
  // A password change raised the version: sessions begun before it are over.
  if ((session.sv ?? 0) !== user.sessionVersion) return null;
  const isOwner = user.isOwner && canAdminister(user.role);
  let tenant = user.tenant;
  const wanted = (await cookies()).get(TENANT_COOKIE)?.value;
  // Only owners look into other tenants; anyone else's cookie (stale, or forged) is ignored.
  if (wanted && wanted !== user.tenantId && isOwner) {
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
    isOwner,
  };
}

/**
 * For pages and server actions: sends anonymous visitors to sign in, and answers a role that may
 * not use the page with 403 (app/(console)/forbidden.tsx says who may).
 */
export async function requireUser(options: { roles?: Role[]; owner?: boolean } = {}): Promise<ConsoleUser> {
  const user = await currentUser();
  if (!user) {
    const h = await headers();
    const path = h.get("x-blindspot-path") ?? "/";
    redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  }
  if (options.roles && !options.roles.includes(user.role)) forbidden();
  if (options.owner && !user.isOwner) forbidden();
  return user;
}

/** For console API routes and server actions: null means 401. */
export async function userForApi(): Promise<ConsoleUser | null> {
  return currentUser();
}

/** next-auth's session cookie: the __Secure- name when the public URL is https (as next-auth decides). */
function sessionCookieName(): string {
  return process.env.NEXTAUTH_URL?.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

/**
 * After a password change: writes the asking browser's session cookie again with the new
 * session version, so this session continues while every other one ends. False when there was
 * no readable session cookie (the user then signs in again).
 */
export async function renewSessionCookie(sessionVersion: number): Promise<boolean> {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) return false;
  const jar = await cookies();
  const name = sessionCookieName();
  const current = jar.get(name)?.value;
  const token = current ? await decode({ token: current, secret }).catch(() => null) : null;
  if (!token) return false;
  const maxAge = config().BLINDSPOT_SESSION_HOURS * 3600;
  const value = await encode({ token: { ...token, sv: sessionVersion }, secret, maxAge });
  jar.set(name, value, { httpOnly: true, sameSite: "lax", path: "/", secure: name.startsWith("__Secure-"), maxAge });
  return true;
}
