import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { processSingleton } from "@/lib/process-singleton";
import type { Signal } from "@/lib/otlp/types";
import { bearerTokenStore, type BearerTokenInfo } from "./bearer-tokens";

// Ingest tokens: what OTLP senders present. Each is scoped to one tenant and environment and,
// optionally, to some signals. The receiver authenticates every request through a small cache
// (lib/auth/bearer-tokens) so a lookup is not a database round trip per request; revocation
// reaches a running server within 10 s (at once when revoked through this process).

export const SIGNALS: readonly Signal[] = ["logs", "traces", "metrics"];
export const DEFAULT_TOKEN_DAYS = 365;
const LAST_USED_EVERY_MS = 60_000;

const store = bearerTokenStore("ingest", () => prisma().ingestToken);

export interface IngestTokenInfo extends BearerTokenInfo {
  environmentId: string;
  signals: string[];
  rotatedFromId: string | null;
}

export interface CreateIngestTokenInput {
  tenantId: string;
  environmentId: string;
  name: string;
  signals?: Signal[];
  /** Days until expiry; 0 means never. */
  expiresInDays?: number;
  /** Use exactly this secret (headless setup); otherwise a random one is generated. */
  secret?: string;
  createdBy?: string;
  rotatedFromId?: string;
}

export async function createIngestToken(input: CreateIngestTokenInput): Promise<{ token: IngestTokenInfo; secret: string }> {
  const { secret, ...stored } = store.issue({ chosen: input.secret, expiresInDays: input.expiresInDays ?? DEFAULT_TOKEN_DAYS });
  const token = await prisma().ingestToken.create({
    data: {
      id: randomUUID(),
      tenantId: input.tenantId,
      environmentId: input.environmentId,
      name: input.name,
      ...stored,
      signals: input.signals ?? [],
      createdBy: input.createdBy ?? null,
      rotatedFromId: input.rotatedFromId ?? null,
    },
  });
  await recordAudit({ tenantId: input.tenantId, actor: input.createdBy ?? "system", action: "ingest_token.create", target: token.id, details: { name: input.name } });
  return { token: strip(token), secret };
}

export async function listIngestTokens(tenantId?: string): Promise<IngestTokenInfo[]> {
  const rows = await prisma().ingestToken.findMany({
    where: tenantId ? { tenantId } : undefined,
    orderBy: { createdAt: "asc" },
  });
  return rows.map(strip);
}

/** A tenant's tokens, newest first, with their environment's name (Settings → Ingest tokens). */
export async function listTenantIngestTokens(tenantId: string): Promise<(IngestTokenInfo & { environment: { name: string } })[]> {
  const rows = await prisma().ingestToken.findMany({ where: { tenantId }, include: { environment: { select: { name: true } } }, orderBy: { createdAt: "desc" } });
  return rows.map((r) => ({ ...strip(r), environment: r.environment }));
}

/** Finds a token by id or by its displayed prefix (what an admin can see). */
export async function findIngestToken(idOrPrefix: string): Promise<IngestTokenInfo | null> {
  const rows = await prisma().ingestToken.findMany({
    where: { OR: [{ id: idOrPrefix }, { tokenPrefix: idOrPrefix }] },
  });
  if (rows.length > 1) throw new Error(`"${idOrPrefix}" matches ${rows.length} tokens; use the id`);
  return rows[0] ? strip(rows[0]) : null;
}

/** The token with this id if it belongs to the tenant (what a tenant's admin may act on). */
export async function tenantIngestToken(tenantId: string, id: string): Promise<IngestTokenInfo | null> {
  const row = await prisma().ingestToken.findUnique({ where: { id } });
  return row && row.tenantId === tenantId ? strip(row) : null;
}

export async function revokeIngestToken(id: string, actor = "system"): Promise<IngestTokenInfo> {
  return strip(await store.revoke(id, actor));
}

/** A new secret with the same scope; the old token keeps working until it is revoked. */
export async function rotateIngestToken(id: string, actor = "system"): Promise<{ token: IngestTokenInfo; secret: string }> {
  const old = await prisma().ingestToken.findUniqueOrThrow({ where: { id } });
  if (old.revokedAt) throw new Error("cannot rotate a revoked token; create a new one");
  return createIngestToken({
    tenantId: old.tenantId,
    environmentId: old.environmentId,
    name: old.name,
    signals: old.signals as Signal[],
    expiresInDays: DEFAULT_TOKEN_DAYS,
    createdBy: actor,
    rotatedFromId: old.id,
  });
}

function strip(row: IngestTokenInfo & { tokenHash?: string }): IngestTokenInfo {
  const { tokenHash: _hash, ...rest } = row;
  return rest;
}

// ---- authentication on the ingest path -------------------------------------------------

export type IngestAuth =
  | { ok: true; token: IngestTokenInfo }
  | { ok: false; status: 401 | 403; message: string };

const lastUsedWritten = processSingleton("ingestTokenLastUsed", () => new Map<string, number>());

export function clearIngestTokenCache(): void {
  store.clearCache();
}

export async function authenticateIngest(secret: string | null, signal: Signal): Promise<IngestAuth> {
  const auth = await store.authenticate(secret);
  if (!auth.ok) return auth;
  const row = auth.row;
  if (row.signals.length > 0 && !row.signals.includes(signal)) {
    return { ok: false, status: 403, message: `ingest token is not allowed to send ${signal} (allowed: ${row.signals.join(", ")})` };
  }
  touchLastUsed(row.id);
  return { ok: true, token: strip(row) };
}

/** Records last use at most once a minute per token, off the request path. */
function touchLastUsed(id: string): void {
  const now = Date.now();
  if (now - (lastUsedWritten.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
  lastUsedWritten.set(id, now);
  prisma()
    .ingestToken.update({ where: { id }, data: { lastUsedAt: new Date(now) } })
    .catch((err: Error) => console.error(`[ingest] could not record token use: ${err.message}`));
}
