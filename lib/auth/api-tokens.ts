import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { bearerTokenStore, type BearerTokenInfo } from "./bearer-tokens";
import { type Role, isRole } from "./roles";

// Read-API tokens (/api/v1): bearer secrets bound to a tenant and a role.

const DEFAULT_DAYS = 365;

const store = bearerTokenStore("api", () => prisma().apiToken);

export interface ApiTokenInfo extends BearerTokenInfo {
  role: string;
}

export interface ApiPrincipal {
  kind: "api_token";
  id: string;
  tenantId: string;
  role: Role;
  name: string;
}

export async function createApiToken(input: {
  tenantId: string;
  name: string;
  role: Role;
  expiresInDays?: number;
  secret?: string;
  createdBy?: string;
}): Promise<{ token: ApiTokenInfo; secret: string }> {
  const { secret, ...stored } = store.issue({ chosen: input.secret, expiresInDays: input.expiresInDays ?? DEFAULT_DAYS });
  const row = await prisma().apiToken.create({
    data: { id: randomUUID(), tenantId: input.tenantId, name: input.name, role: input.role, ...stored, createdBy: input.createdBy ?? null },
  });
  await recordAudit({ tenantId: input.tenantId, actor: input.createdBy ?? "system", action: "api_token.create", target: row.id, details: { name: input.name, role: input.role } });
  const { tokenHash: _h, ...token } = row;
  return { token, secret };
}

export async function listApiTokens(tenantId?: string, { newestFirst = false } = {}): Promise<ApiTokenInfo[]> {
  const rows = await prisma().apiToken.findMany({ where: tenantId ? { tenantId } : undefined, orderBy: { createdAt: newestFirst ? "desc" : "asc" } });
  return rows.map(({ tokenHash: _h, ...t }) => t);
}

export async function revokeApiToken(id: string, actor = "system"): Promise<void> {
  await store.revoke(id, actor);
}

export type ApiAuth = { ok: true; principal: ApiPrincipal } | { ok: false; status: 401 | 403; message: string };

export async function authenticateApi(secret: string | null): Promise<ApiAuth> {
  const auth = await store.authenticate(secret);
  if (!auth.ok) return auth;
  const row = auth.row;
  if (!isRole(row.role)) return { ok: false, status: 403, message: "API token has no valid role" };
  return { ok: true, principal: { kind: "api_token", id: row.id, tenantId: row.tenantId, role: row.role, name: row.name } };
}

export function clearApiTokenCache(): void {
  store.clearCache();
}

/** The token with this id if it belongs to the tenant (what a tenant's admin may act on). */
export async function tenantApiToken(tenantId: string, id: string): Promise<ApiTokenInfo | null> {
  const row = await prisma().apiToken.findUnique({ where: { id } });
  if (!row || row.tenantId !== tenantId) return null;
  const { tokenHash: _h, ...token } = row;
  return token;
}
