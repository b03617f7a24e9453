"use server";

import { revalidatePath } from "next/cache";
import { createApiToken, revokeApiToken } from "@/lib/auth/api-tokens";
import { isRole } from "@/lib/auth/roles";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db/prisma";
import type { TokenActionState } from "../tokens/actions";

export async function createApiTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  const user = await requireUser({ roles: ["admin"] });
  const name = String(form.get("name") ?? "").trim();
  const role = String(form.get("role") ?? "");
  const days = Number(form.get("expiresInDays") ?? 365);
  if (!name) return { error: "Give the token a name (the system that will use it)." };
  if (!isRole(role)) return { error: "Choose a role." };
  if (!Number.isInteger(days) || days < 0 || days > 3650) return { error: "Expiry is a whole number of days from 0 (never) to 3650." };
  const { secret, token } = await createApiToken({ tenantId: user.tenantId, name, role, expiresInDays: days, createdBy: user.email });
  revalidatePath("/settings/api-tokens");
  return { secret, name: token.name };
}

export async function revokeApiTokenAction(form: FormData): Promise<void> {
  const user = await requireUser({ roles: ["admin"] });
  const token = await prisma().apiToken.findUnique({ where: { id: String(form.get("id") ?? "") } });
  if (token && token.tenantId === user.tenantId && !token.revokedAt) await revokeApiToken(token.id, user.email);
  revalidatePath("/settings/api-tokens");
}
