"use server";

import { revalidatePath } from "next/cache";
import { createIngestToken, revokeIngestToken, rotateIngestToken, SIGNALS } from "@/lib/auth/ingest-tokens";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db/prisma";
import type { Signal } from "@/lib/otlp/types";
import { ensureEnvironment } from "@/lib/tenants";

export interface TokenActionState {
  id?: string;
  secret?: string;
  name?: string;
  error?: string;
}

/** The token, if it belongs to the admin's current tenant. */
async function ownToken(tenantId: string, id: string) {
  const token = await prisma().ingestToken.findUnique({ where: { id } });
  return token && token.tenantId === tenantId ? token : null;
}

export async function createIngestTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  const user = await requireUser({ roles: ["admin"] });
  const name = String(form.get("name") ?? "").trim();
  const environment = String(form.get("environment") ?? "").trim() || "default";
  const days = Number(form.get("expiresInDays") ?? 365);
  const signals = SIGNALS.filter((s) => form.get(`signal-${s}`) === "on") as Signal[];
  if (!name) return { error: "Give the token a name (who or what sends with it)." };
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(environment)) return { error: "Environment names use letters, digits, dot, dash and underscore." };
  if (!Number.isInteger(days) || days < 0 || days > 3650) return { error: "Expiry is a whole number of days from 0 (never) to 3650." };
  const environmentId = await ensureEnvironment(user.tenantId, environment);
  const { secret, token } = await createIngestToken({
    tenantId: user.tenantId,
    environmentId,
    name,
    signals: signals.length === SIGNALS.length ? [] : signals,
    expiresInDays: days,
    createdBy: user.email,
  });
  revalidatePath("/settings/tokens");
  return { id: token.id, secret, name: token.name };
}

export async function rotateIngestTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  const user = await requireUser({ roles: ["admin"] });
  const token = await ownToken(user.tenantId, String(form.get("id") ?? ""));
  if (!token) return { error: "No such token." };
  try {
    const { secret } = await rotateIngestToken(token.id, user.email);
    revalidatePath("/settings/tokens");
    return { secret, name: token.name };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export async function revokeIngestTokenAction(form: FormData): Promise<void> {
  const user = await requireUser({ roles: ["admin"] });
  const token = await ownToken(user.tenantId, String(form.get("id") ?? ""));
  if (token && !token.revokedAt) await revokeIngestToken(token.id, user.email);
  revalidatePath("/settings/tokens");
}
