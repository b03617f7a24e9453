import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/prisma";

// Tenants (a Blindspot organization; it may hold several Claude organizations) and their
// environments (e.g. production, corp-laptops). Ingest tokens bind telemetry to one of each.

export const DEFAULT_TENANT_SLUG = "default";
export const DEFAULT_ENVIRONMENT = "default";

export interface TenantScope {
  tenantId: string;
  environmentId: string;
}

export async function ensureTenant(slug: string, name = slug): Promise<string> {
  const existing = await prisma().tenant.findUnique({ where: { slug } });
  if (existing) return existing.id;
  const created = await prisma().tenant.create({ data: { id: randomUUID(), slug, name } });
  return created.id;
}

export async function ensureEnvironment(tenantId: string, name: string): Promise<string> {
  const existing = await prisma().environment.findUnique({ where: { tenantId_name: { tenantId, name } } });
  if (existing) return existing.id;
  const created = await prisma().environment.create({ data: { id: randomUUID(), tenantId, name } });
  return created.id;
}

export async function ensureDefaultScope(): Promise<TenantScope> {
  const tenantId = await ensureTenant(DEFAULT_TENANT_SLUG, "Default");
  const environmentId = await ensureEnvironment(tenantId, DEFAULT_ENVIRONMENT);
  return { tenantId, environmentId };
}

/** Resolves "tenant-slug" or "tenant-slug/environment" (creating neither). */
export async function resolveScope(tenantSlug: string, environmentName: string): Promise<TenantScope> {
  const tenant = await prisma().tenant.findUnique({ where: { slug: tenantSlug } });
  if (!tenant) throw new Error(`no tenant "${tenantSlug}"`);
  const env = await prisma().environment.findUnique({ where: { tenantId_name: { tenantId: tenant.id, name: environmentName } } });
  if (!env) throw new Error(`tenant "${tenantSlug}" has no environment "${environmentName}"`);
  return { tenantId: tenant.id, environmentId: env.id };
}

/** A tenant's environments by name. */
export function listEnvironments(tenantId: string) {
  return prisma().environment.findMany({ where: { tenantId }, orderBy: { name: "asc" } });
}
