"use server";

import { z } from "zod";
import { createApiToken, revokeApiToken, tenantApiToken } from "@/lib/auth/api-tokens";
import { createIngestToken, revokeIngestToken, rotateIngestToken, SIGNALS, tenantIngestToken } from "@/lib/auth/ingest-tokens";
import { ROLES } from "@/lib/auth/roles";
import { ensureEnvironment } from "@/lib/tenants";
import { adminAction } from "./admin-action";

// Ingest tokens (Settings → Ingest tokens, the setup wizard) and read-API tokens (Settings → API
// tokens). The token modules audit creation, rotation and revocation themselves.

export interface TokenActionState {
  id?: string;
  secret?: string;
  name?: string;
  error?: string;
}

const EXPIRY_PROBLEM = "Expiry is a whole number of days from 0 (never) to 3650.";
/** Days until expiry: 365 when the field is absent, 0 = never. */
const expiresInDays = z
  .string({ error: EXPIRY_PROBLEM })
  .optional()
  .transform((v) => Number(v ?? 365))
  .pipe(z.number({ error: EXPIRY_PROBLEM }).int(EXPIRY_PROBLEM).min(0, EXPIRY_PROBLEM).max(3650, EXPIRY_PROBLEM));
const tokenId = z.object({ id: z.string().default("") });
const refused = (error: string): TokenActionState => ({ error });

const createIngest = adminAction({
  input: z.object({
    name: z.string().default("").transform((v) => v.trim()).pipe(z.string().min(1, "Give the token a name (who or what sends with it).")),
    environment: z
      .string()
      .default("")
      .transform((v) => v.trim() || "default")
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, "Environment names use letters, digits, dot, dash and underscore.")),
    expiresInDays,
    ...Object.fromEntries(SIGNALS.map((s) => [`signal-${s}`, z.string().optional().transform((v) => v === "on")])),
  }),
  invalid: refused,
  revalidate: "/settings/tokens",
  async run({ admin }, input): Promise<TokenActionState> {
    const signals = SIGNALS.filter((s) => (input as Record<string, unknown>)[`signal-${s}`] === true);
    const environmentId = await ensureEnvironment(admin.tenantId, input.environment);
    const { secret, token } = await createIngestToken({
      tenantId: admin.tenantId,
      environmentId,
      name: input.name,
      signals: signals.length === SIGNALS.length ? [] : signals,
      expiresInDays: input.expiresInDays,
      createdBy: admin.email,
    });
    return { id: token.id, secret, name: token.name };
  },
});

const rotateIngest = adminAction({
  input: tokenId,
  invalid: refused,
  revalidate: "/settings/tokens",
  async run({ admin }, { id }): Promise<TokenActionState> {
    const token = await tenantIngestToken(admin.tenantId, id);
    if (!token) return { error: "No such token." };
    try {
      const { secret } = await rotateIngestToken(token.id, admin.email);
      return { secret, name: token.name };
    } catch (err) {
      return { error: (err as Error).message };
    }
  },
});

const revokeIngest = adminAction({
  input: tokenId,
  invalid: () => undefined,
  revalidate: "/settings/tokens",
  async run({ admin }, { id }) {
    const token = await tenantIngestToken(admin.tenantId, id);
    if (token && !token.revokedAt) await revokeIngestToken(token.id, admin.email);
  },
});

const createApi = adminAction({
  input: z.object({
    name: z.string().default("").transform((v) => v.trim()).pipe(z.string().min(1, "Give the token a name (the system that will use it).")),
    role: z.enum(ROLES, { error: "Choose a role." }),
    expiresInDays,
  }),
  invalid: refused,
  revalidate: "/settings/api-tokens",
  async run({ admin }, input): Promise<TokenActionState> {
    const { secret, token } = await createApiToken({ tenantId: admin.tenantId, name: input.name, role: input.role, expiresInDays: input.expiresInDays, createdBy: admin.email });
    return { secret, name: token.name };
  },
});

const revokeApi = adminAction({
  input: tokenId,
  invalid: () => undefined,
  revalidate: "/settings/api-tokens",
  async run({ admin }, { id }) {
    const token = await tenantApiToken(admin.tenantId, id);
    if (token && !token.revokedAt) await revokeApiToken(token.id, admin.email);
  },
});

export async function createIngestTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  return createIngest(form);
}

export async function rotateIngestTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  return rotateIngest(form);
}

export async function revokeIngestTokenAction(form: FormData): Promise<void> {
  await revokeIngest(form);
}

export async function createApiTokenAction(_prev: TokenActionState, form: FormData): Promise<TokenActionState> {
  return createApi(form);
}

export async function revokeApiTokenAction(form: FormData): Promise<void> {
  await revokeApi(form);
}
