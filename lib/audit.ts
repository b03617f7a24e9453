import type pg from "pg";
import { prisma } from "@/lib/db/prisma";

// The audit trail: who viewed content and who changed configuration. Written synchronously so
// a content view that was served is always on record.

export async function recordAudit(
  entry: {
    tenantId: string | null;
    actor: string;
    action: string;
    target?: string;
    details?: Record<string, string | number | boolean>;
  },
  /** A transaction's client: the entry commits (or rolls back) with the change it records. */
  db?: Pick<pg.ClientBase, "query">,
): Promise<void> {
  if (db) {
    await db.query(`INSERT INTO audit_log (tenant_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)`, [
      entry.tenantId, entry.actor, entry.action, entry.target ?? null, entry.details === undefined ? null : JSON.stringify(entry.details),
    ]);
    return;
  }
  await prisma().auditLog.create({
    data: { tenantId: entry.tenantId, actor: entry.actor, action: entry.action, target: entry.target ?? null, details: entry.details },
  });
}

export function recordContentView(tenantId: string, actor: string, target: string): Promise<void> {
  return recordAudit({ tenantId, actor, action: "content.view", target });
}

/**
 * The latest entries a console viewer may read: their tenant's, and for owners also the entries
 * of no tenant (instance settings, ownership, failed sign-ins of unknown emails).
 */
export function auditEntriesFor(viewer: { tenantId: string; isOwner: boolean }, take = 500) {
  return prisma().auditLog.findMany({
    where: viewer.isOwner ? { OR: [{ tenantId: viewer.tenantId }, { tenantId: null }] } : { tenantId: viewer.tenantId },
    orderBy: { id: "desc" },
    take,
  });
}
