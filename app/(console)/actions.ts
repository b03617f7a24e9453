"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { requireUser, TENANT_COOKIE } from "@/lib/auth/session";
import { prisma } from "@/lib/db/prisma";
import { publicUrlIsHttps } from "@/lib/public-url";

/** Owners switch the tenant they are looking at; everyone else stays in their own. */
export async function selectTenant(form: FormData): Promise<void> {
  const user = await requireUser();
  const id = String(form.get("tenantId") ?? "");
  if (!user.isOwner) redirect("/explore");
  const tenant = await prisma().tenant.findUnique({ where: { id } });
  if (tenant) {
    (await cookies()).set(TENANT_COOKIE, tenant.id, { httpOnly: true, sameSite: "lax", path: "/", secure: publicUrlIsHttps() });
  }
  redirect("/explore");
}
