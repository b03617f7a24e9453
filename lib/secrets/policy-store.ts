import { DEFAULT_DATA_POLICY, type StoredDataPolicy } from "./policy";

// CONTRACT SEAM: the tenant's current data policy, read by ingest on every batch (so it must be
// cached; a saved change must reach every instance within seconds). The data-policy work
// replaces this body with the stored, versioned policy.

export async function getDataPolicy(tenantId: string): Promise<StoredDataPolicy> {
  void tenantId;
  return { version: 0, policy: DEFAULT_DATA_POLICY };
}
