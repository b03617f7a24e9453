import type pg from "pg";
import { recordAudit } from "@/lib/audit";
import { getPool, withTransaction } from "@/lib/db/pool";
import { DEFAULT_DATA_POLICY, type DataPolicy, type StoredDataPolicy } from "./policy";
import { canonicalPolicy, describePolicyChange, readStoredPolicy, validatePolicy } from "./policy-schema";

// The tenant's data policy, stored as append-only versions in data_policies (current = highest
// version; none = version 0, DEFAULT_DATA_POLICY). Ingest reads it on every batch through
// getDataPolicy, so it is cached per process; every instance notices a saved change within
// POLICY_CACHE_TTL_MS because an entry older than that is checked against the database (one
// primary-key lookup of the highest version; the policy itself is re-read only when it changed).
// A database error propagates like any other (ingest answers 503): falling back to the default
// could store content under a weaker policy than the one saved.

type Db = Pick<pg.ClientBase, "query">;

/** How long a process trusts its cached version before checking the database again. */
export const POLICY_CACHE_TTL_MS = 2_000;

interface Entry {
  value: StoredDataPolicy;
  checkedAt: number;
}

async function currentVersion(db: Db, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ version: number }>(`SELECT version FROM data_policies WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`, [tenantId]);
  return rows[0]?.version ?? 0;
}

async function readVersion(db: Db, tenantId: string, version: number): Promise<StoredDataPolicy | null> {
  if (version === 0) return { version: 0, policy: DEFAULT_DATA_POLICY };
  const { rows } = await db.query<{ policy: unknown }>(`SELECT policy FROM data_policies WHERE tenant_id = $1 AND version = $2`, [tenantId, version]);
  return rows[0] ? { version, policy: readStoredPolicy(rows[0].policy) } : null;
}

/** A per-process cache of current policies (one per app instance; tests make several). */
export class DataPolicyCache {
  private entries = new Map<string, Entry>();
  private inflight = new Map<string, Promise<StoredDataPolicy>>();

  constructor(
    private readonly ttlMs = POLICY_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `db`: the caller's connection when it holds a transaction (the embedded engine has one connection to give). */
  async get(tenantId: string, db?: Db): Promise<StoredDataPolicy> {
    const entry = this.entries.get(tenantId);
    if (entry && this.now() - entry.checkedAt < this.ttlMs) return entry.value;
    // Concurrent batches of one tenant share one lookup.
    let pending = this.inflight.get(tenantId);
    if (!pending) {
      pending = this.refresh(tenantId, entry, db ?? getPool()).finally(() => this.inflight.delete(tenantId));
      this.inflight.set(tenantId, pending);
    }
    return pending;
  }

  private async refresh(tenantId: string, entry: Entry | undefined, db: Db): Promise<StoredDataPolicy> {
    const checkedAt = this.now();
    const version = await currentVersion(db, tenantId);
    // Versions are append-only: the row of the highest version is there (null only if deleted by hand).
    const value = (entry?.value.version === version ? entry.value : await readVersion(db, tenantId, version)) ?? { version: 0, policy: DEFAULT_DATA_POLICY };
    this.entries.set(tenantId, { value, checkedAt });
    return value;
  }

  /** Forgets a tenant's entry (this process saved a new version). */
  invalidate(tenantId?: string): void {
    if (tenantId === undefined) this.entries.clear();
    else this.entries.delete(tenantId);
  }
}

const holder = globalThis as unknown as { __blindspotPolicyCache?: DataPolicyCache };
function processCache(): DataPolicyCache {
  holder.__blindspotPolicyCache ??= new DataPolicyCache();
  return holder.__blindspotPolicyCache;
}

/** The tenant's current policy and its version (0 = no saved policy: the default). Cached. */
export async function getDataPolicy(tenantId: string, db?: Db): Promise<StoredDataPolicy> {
  return processCache().get(tenantId, db);
}

/** Tests: forget every cached policy of this process. */
export function clearDataPolicyCache(): void {
  processCache().invalidate();
}

export interface PolicyVersionInfo {
  version: number;
  createdAt: Date;
  createdBy: string;
  reason: string;
}

/** Every saved version of a tenant, newest first (without the policies). */
export async function listPolicyVersions(tenantId: string, limit = 200): Promise<PolicyVersionInfo[]> {
  const { rows } = await getPool().query<{ version: number; created_at: Date; created_by: string; reason: string }>(
    `SELECT version, created_at, created_by, reason FROM data_policies WHERE tenant_id = $1 ORDER BY version DESC LIMIT $2`,
    [tenantId, limit],
  );
  return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by, reason: r.reason }));
}

/** One version as saved (uncached), or null when the tenant has no such version. */
export async function getPolicyVersion(tenantId: string, version: number): Promise<(StoredDataPolicy & Partial<PolicyVersionInfo>) | null> {
  if (version === 0) return { version: 0, policy: DEFAULT_DATA_POLICY };
  const { rows } = await getPool().query<{ policy: unknown; created_at: Date; created_by: string; reason: string }>(
    `SELECT policy, created_at, created_by, reason FROM data_policies WHERE tenant_id = $1 AND version = $2`,
    [tenantId, version],
  );
  const r = rows[0];
  return r ? { version, policy: readStoredPolicy(r.policy), createdAt: r.created_at, createdBy: r.created_by, reason: r.reason } : null;
}

export type SavePolicyResult =
  | { ok: true; changed: true; version: number; changes: string[] }
  | { ok: true; changed: false; version: number }
  | { ok: false; error: string };

/** Longest change summary kept in one audit entry. */
const AUDIT_CHANGES_CHARS = 2000;

/**
 * Saves a policy as the tenant's next version, with the audit entry (actor, reason, the diff) in
 * the same transaction. The same policy as the current version saves nothing (idempotent, so a
 * policy file applied at every start adds no versions). Invalid input: { ok: false } with the
 * first problem, nothing written.
 */
export async function saveDataPolicy(tenantId: string, input: unknown, by: { actor: string; reason: string }): Promise<SavePolicyResult> {
  const reason = by.reason.trim();
  if (!reason) return { ok: false, error: "a reason is required" };
  if (reason.length > 500) return { ok: false, error: "the reason has at most 500 characters" };
  const valid = validatePolicy(input);
  if (!valid.ok) return valid;
  const policy: DataPolicy = valid.policy;
  const result = await withTransaction(async (tx): Promise<SavePolicyResult> => {
    // One writer per tenant at a time: versions are numbered without gaps or duplicates.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`data_policy:${tenantId}`]);
    const version = await currentVersion(tx, tenantId);
    const current = (await readVersion(tx, tenantId, version)) ?? { version: 0, policy: DEFAULT_DATA_POLICY };
    if (canonicalPolicy(current.policy) === canonicalPolicy(policy)) return { ok: true, changed: false, version };
    const next = version + 1;
    await tx.query(`INSERT INTO data_policies (tenant_id, version, policy, created_by, reason) VALUES ($1, $2, $3::jsonb, $4, $5)`, [
      tenantId, next, JSON.stringify(policy), by.actor, reason,
    ]);
    const changes = describePolicyChange(current.policy, policy);
    const summary = changes.join("; ");
    await recordAudit(
      {
        tenantId,
        actor: by.actor,
        action: "data_policy.update",
        target: `version ${next}`,
        details: {
          version: next,
          previousVersion: version,
          reason,
          changes: summary.length > AUDIT_CHANGES_CHARS ? `${summary.slice(0, AUDIT_CHANGES_CHARS)}… (${changes.length} changes)` : summary,
        },
      },
      tx,
    );
    return { ok: true, changed: true, version: next, changes };
  });
  if (result.ok && result.changed) processCache().invalidate(tenantId);
  return result;
}
