import { recordAudit } from "@/lib/audit";
import { processSingleton } from "@/lib/process-singleton";
import { assertStrongSecret, digestsEqual, displayPrefix, generateSecret, hashSecret, type SecretKind } from "./secrets";

// One store for every bearer token (ingest tokens, read-API tokens): how a secret is issued
// (generated, or an operator's chosen one checked for strength), stored (SHA-256 and a display
// prefix only), looked up (through a per-process cache, so a request is not a database round trip)
// and refused (unknown, revoked, expired), and how a token is revoked. The token tables differ
// (scope columns); each module names its table.

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 10_000;

/** The columns every token table has. */
export interface BearerTokenRow {
  id: string;
  tenantId: string;
  tokenHash: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** What every token module shows of a token (never its hash). */
export interface BearerTokenInfo {
  id: string;
  tenantId: string;
  name: string;
  tokenPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** The part of a token table's Prisma delegate the store uses (prisma().apiToken, prisma().ingestToken). */
export interface BearerTokenTable<Row extends BearerTokenRow> {
  findUnique(args: { where: { tokenHash: string } }): PromiseLike<Row | null>;
  update(args: { where: { id: string }; data: { revokedAt: Date } }): PromiseLike<Row>;
}

/** What is stored for a new secret; the secret itself is shown once and never stored. */
export interface IssuedSecret {
  secret: string;
  tokenHash: string;
  tokenPrefix: string;
  expiresAt: Date | null;
}

export type BearerAuth<Row> = { ok: true; row: Row } | { ok: false; status: 401 | 403; message: string };

export interface BearerTokenStore<Row extends BearerTokenRow> {
  /** A new random secret, or `chosen` when it is strong enough; `expiresInDays` 0 = never. */
  issue(opts: { chosen?: string; expiresInDays: number }): IssuedSecret;
  /** The token behind a presented secret, or why it is refused (401 unknown, 403 revoked/expired). */
  authenticate(secret: string | null): Promise<BearerAuth<Row>>;
  /** Revokes at once in this process (other processes within the cache TTL) and audits it. */
  revoke(id: string, actor: string): Promise<Row>;
  clearCache(): void;
}

/** How messages name each kind, how a client sends it, and its audit actions (<prefix>.revoke). */
const KINDS: Record<SecretKind, { label: string; missingMessage: string; auditPrefix: string }> = {
  ingest: { label: "ingest token", missingMessage: "missing ingest token: send Authorization: Bearer <token> or x-api-key", auditPrefix: "ingest_token" },
  api: { label: "API token", missingMessage: "missing API token: send Authorization: Bearer <token>", auditPrefix: "api_token" },
};

/** `table` is looked up when used: the database client opens lazily. */
export function bearerTokenStore<Row extends BearerTokenRow>(kind: SecretKind, table: () => BearerTokenTable<Row>): BearerTokenStore<Row> {
  const spec = { kind, table, ...KINDS[kind] };
  const cache = processSingleton(`bearerTokenCache:${kind}`, () => new Map<string, { row: Row | null; at: number }>());

  async function lookup(hash: string): Promise<Row | null> {
    const hit = cache.get(hash);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.row;
    const row = await spec.table().findUnique({ where: { tokenHash: hash } });
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(hash, { row, at: Date.now() });
    return row;
  }

  return {
    issue({ chosen, expiresInDays }) {
      if (chosen !== undefined) assertStrongSecret(chosen, spec.label);
      const secret = chosen ?? generateSecret(spec.kind);
      return {
        secret,
        tokenHash: hashSecret(secret),
        tokenPrefix: displayPrefix(secret),
        expiresAt: expiresInDays > 0 ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
      };
    },

    async authenticate(secret) {
      if (!secret) return { ok: false, status: 401, message: spec.missingMessage };
      const hash = hashSecret(secret);
      const row = await lookup(hash);
      if (!row || !digestsEqual(row.tokenHash, hash)) return { ok: false, status: 401, message: `unknown ${spec.label}` };
      if (row.revokedAt) return { ok: false, status: 403, message: `${spec.label} has been revoked` };
      if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return { ok: false, status: 403, message: `${spec.label} has expired` };
      return { ok: true, row };
    },

    async revoke(id, actor) {
      const row = await spec.table().update({ where: { id }, data: { revokedAt: new Date() } });
      cache.clear();
      await recordAudit({ tenantId: row.tenantId, actor, action: `${spec.auditPrefix}.revoke`, target: id });
      return row;
    },

    clearCache() {
      cache.clear();
    },
  };
}
