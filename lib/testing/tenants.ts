import { createApiToken } from "@/lib/auth/api-tokens";
import { createIngestToken } from "@/lib/auth/ingest-tokens";
import type { Role } from "@/lib/auth/roles";
import type { Signal } from "@/lib/otlp/types";
import { ensureEnvironment, ensureTenant } from "@/lib/tenants";

export interface TestTenant {
  tenantId: string;
  environmentId: string;
  ingestToken: string;
  apiToken: string;
}

/** A tenant with an environment, an ingest token and an API token of the given role. */
export async function createTestTenant(slug: string, opts: { role?: Role; signals?: Signal[] } = {}): Promise<TestTenant> {
  const tenantId = await ensureTenant(slug);
  const environmentId = await ensureEnvironment(tenantId, "test");
  const ingest = await createIngestToken({ tenantId, environmentId, name: `${slug}-ingest`, signals: opts.signals });
  const api = await createApiToken({ tenantId, name: `${slug}-api`, role: opts.role ?? "admin" });
  return { tenantId, environmentId, ingestToken: ingest.secret, apiToken: api.secret };
}
