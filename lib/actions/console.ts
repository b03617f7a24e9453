"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { requireUser, TENANT_COOKIE } from "@/lib/auth/session";
import { RANGE_COOKIE } from "@/lib/console-range";
import { prisma } from "@/lib/db/prisma";
import { publicUrlIsHttps } from "@/lib/public-url";
import { rangeParams, rangeQuery, rangeTarget, timeWindow } from "@/lib/time-range";

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

/**
 * The range picker and "show the last 30 days": remember the chosen range (it then applies to
 * every page whose URL names none) and reopen the page with it. Input that is not a usable range
 * is not stored; the page then shows why.
 */
export async function chooseRange(form: FormData): Promise<void> {
  await requireUser();
  const field = (k: string, max = 100) => {
    const v = form.get(k);
    return typeof v === "string" && v.trim() ? v.trim().slice(0, max) : undefined;
  };
  const input = { range: field("range"), from: field("from"), to: field("to") };
  const next = field("next", 4000) ?? "/";
  const w = timeWindow(input);
  if (w.error) {
    redirect(rangeTarget(next, Object.entries(input).filter((e): e is [string, string] => e[1] !== undefined)));
  }
  (await cookies()).set(RANGE_COOKIE, rangeQuery(w), {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 365 * 86_400,
    secure: process.env.NODE_ENV === "production" && process.env.NEXTAUTH_URL?.startsWith("https:"),
  });
  redirect(rangeTarget(next, rangeParams(w)));
}
