import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/prisma";
import { processSingleton } from "@/lib/process-singleton";
import { type Role, isRole } from "./roles";
import { assertStrongSecret, digestsEqual, displayPrefix, generateSecret, hashSecret } from "./secrets";

// Read-API tokens (/api/v1): bearer secrets bound to a tenant and a role.

const CACHE_TTL_MS = 10_000;
const DEFAULT_DAYS = 365;

export interface ApiTokenInfo {
  id: string;
  tenantId: string;
  name: string;
  tokenPrefix: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
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
  const secret = input.secret ?? generateSecret("api");
  if (input.secret) assertStrongSecret(input.secret, "API token");
  const days = input.expiresInDays ?? DEFAULT_DAYS;
  const row = await prisma().apiToken.create({
    data: {
      id: randomUUID(),
      tenantId: input.tenantId,
      name: input.name,
      role: input.role,
      tokenHash: hashSecret(secret),
      tokenPrefix: displayPrefix(secret),
      expiresAt: days > 0 ? new Date(Date.now() + days * 86_400_000) : null,
      createdBy: input.createdBy ?? null,
    },
  });
  await prisma().auditLog.create({
    data: { tenantId: input.tenantId, actor: input.createdBy ?? "system", action: "api_token.create", target: row.id, details: { name: input.name, role: input.role } },
  });
  const { tokenHash: _h, ...token } = row;
  return { token, secret };
}

export async function listApiTokens(tenantId?: string): Promise<ApiTokenInfo[]> {
  const rows = await prisma().apiToken.findMany({ where: tenantId ? { tenantId } : undefined, orderBy: { createdAt: "asc" } });
  return rows.map(({ tokenHash: _h, ...t }) => t);
}

export async function revokeApiToken(id: string, actor = "system"): Promise<void> {
  const row = await prisma().apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  cache.clear();
  await prisma().auditLog.create({ data: { tenantId: row.tenantId, actor, action: "api_token.revoke", target: id } });
}

const cache = processSingleton("apiTokenCache", () => new Map<string, { row: Awaited<ReturnType<typeof fetchRow>>; at: number }>());

function fetchRow(hash: string) {
  return prisma().apiToken.findUnique({ where: { tokenHash: hash } });
}

export type ApiAuth = { ok: true; principal: ApiPrincipal } | { ok: false; status: 401 | 403; message: string };

export async function authenticateApi(secret: string | null): Promise<ApiAuth> {
  if (!secret) return { ok: false, status: 401, message: "missing API token: send Authorization: Bearer <token>" };
  const hash = hashSecret(secret);
  let hit = cache.get(hash);
  if (!hit || Date.now() - hit.at >= CACHE_TTL_MS) {
    hit = { row: await fetchRow(hash), at: Date.now() };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, hit);
  }
  const row = hit.row;
  if (!row || !digestsEqual(row.tokenHash, hash)) return { ok: false, status: 401, message: "unknown API token" };
  if (row.revokedAt) return { ok: false, status: 403, message: "API token has been revoked" };
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return { ok: false, status: 403, message: "API token has expired" };
  if (!isRole(row.role)) return { ok: false, status: 403, message: "API token has no valid role" };
  return { ok: true, principal: { kind: "api_token", id: row.id, tenantId: row.tenantId, role: row.role, name: row.name } };
}

export function clearApiTokenCache(): void {
  cache.clear();
}
