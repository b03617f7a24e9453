import { randomUUID } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { isRangeId, parseTimeParam, RANGES } from "@/lib/time-range";

// The Explorer's saved searches (a name, a query and its time range; private, or shared with the
// tenant) and each person's query history (the last MAX_HISTORY distinct queries they ran).
// A saved search is only a link's worth of state: opening it is opening the Explorer URL it holds.

export const MAX_HISTORY = 50;
export const MAX_QUERY_CHARS = 2000;
export const MAX_NAME_CHARS = 100;
/** Saved searches per person: a list an analyst can still read. */
export const MAX_SAVED_PER_USER = 200;

export interface SearchViewer {
  tenantId: string;
  /** users.id */
  id: string;
  email: string;
  isAdmin: boolean;
}

export interface SavedSearchView {
  id: string;
  name: string;
  q: string;
  range: string | null;
  from: Date | null;
  to: Date | null;
  shared: boolean;
  ownerEmail: string;
  /** The viewer saved it (and may rename, share or delete it). */
  mine: boolean;
  /** The viewer may delete it: their own, or a shared one when they administer the tenant. */
  canDelete: boolean;
}

export class SavedSearchError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** What a save form sends; the time range is a preset or explicit bounds (either bound may be open). */
export const savedSearchInput = z
  .object({
    name: z.string().trim().min(1, "Give the search a name.").max(MAX_NAME_CHARS, `A name has at most ${MAX_NAME_CHARS} characters.`),
    q: z.string().trim().max(MAX_QUERY_CHARS, `A query has at most ${MAX_QUERY_CHARS} characters.`),
    range: optionalText.refine((v) => v === undefined || isRangeId(v), {
      message: `The range is one of ${RANGES.map((r) => r.id).join(", ")}.`,
    }),
    from: optionalText.refine((v) => v === undefined || parseTimeParam(v) !== undefined, { message: "From is not a time." }),
    to: optionalText.refine((v) => v === undefined || parseTimeParam(v) !== undefined, { message: "To is not a time." }),
    shared: z
      .union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal("")])
      .optional()
      .transform((v) => v === "on" || v === "true"),
  })
  .refine((v) => v.q !== "" || v.range || v.from || v.to, { message: "There is nothing to save: enter a query first.", path: ["q"] });
export type SavedSearchInput = z.output<typeof savedSearchInput>;

function toView(viewer: SearchViewer, r: {
  id: string; name: string; q: string; range: string | null; fromTime: Date | null; toTime: Date | null; shared: boolean; ownerId: string; ownerEmail: string;
}): SavedSearchView {
  const mine = r.ownerId === viewer.id;
  return {
    id: r.id, name: r.name, q: r.q, range: r.range, from: r.fromTime, to: r.toTime, shared: r.shared, ownerEmail: r.ownerEmail,
    mine,
    canDelete: mine || (r.shared && viewer.isAdmin),
  };
}

/** The viewer's own searches and those shared with the tenant, by name. */
export async function listSavedSearches(viewer: SearchViewer): Promise<SavedSearchView[]> {
  const rows = await prisma().savedSearch.findMany({
    where: { tenantId: viewer.tenantId, OR: [{ ownerId: viewer.id }, { shared: true }] },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  return rows.map((r) => toView(viewer, r));
}

/**
 * Saves the viewer's search under its name (saving again under the same name replaces it). Sharing
 * with the tenant, and un-sharing, is written to the audit log: others see (and may act on) it.
 */
export async function saveSearch(viewer: SearchViewer, input: SavedSearchInput): Promise<SavedSearchView> {
  // Explicit bounds win over a preset, as in the Explorer's URL.
  const explicit = input.from !== undefined || input.to !== undefined;
  const data = {
    q: input.q,
    range: explicit ? null : (input.range ?? null),
    fromTime: input.from ? parseTimeParam(input.from)! : null,
    toTime: input.to ? parseTimeParam(input.to)! : null,
    shared: input.shared,
    ownerEmail: viewer.email,
  };
  const key = { tenantId_ownerId_name: { tenantId: viewer.tenantId, ownerId: viewer.id, name: input.name } };
  const db = prisma();
  const before = await db.savedSearch.findUnique({ where: key, select: { shared: true } });
  if (!before && (await db.savedSearch.count({ where: { tenantId: viewer.tenantId, ownerId: viewer.id } })) >= MAX_SAVED_PER_USER) {
    throw new SavedSearchError(`You have ${MAX_SAVED_PER_USER} saved searches: delete one first.`, "name");
  }
  const row = await db.savedSearch.upsert({
    where: key,
    create: { tenantId: viewer.tenantId, id: randomUUID(), ownerId: viewer.id, name: input.name, ...data },
    update: { ...data, updatedAt: new Date() },
  });
  const wasShared = before?.shared ?? false;
  if (row.shared !== wasShared || (row.shared && before)) {
    await recordAudit({
      tenantId: viewer.tenantId,
      actor: viewer.email,
      action: row.shared ? (wasShared ? "saved_search.update" : "saved_search.share") : "saved_search.unshare",
      target: row.name,
      details: { id: row.id, q: row.q },
    });
  }
  return toView(viewer, row);
}

/** Deletes a saved search the viewer may delete; a shared one's deletion is audited. */
export async function deleteSavedSearch(viewer: SearchViewer, id: string): Promise<void> {
  if (!z.string().uuid().safeParse(id).success) throw new SavedSearchError("No such saved search.");
  const db = prisma();
  const row = await db.savedSearch.findUnique({ where: { tenantId_id: { tenantId: viewer.tenantId, id } } });
  // Another person's private search is as absent as one that does not exist.
  if (!row || (row.ownerId !== viewer.id && !row.shared)) throw new SavedSearchError("No such saved search.");
  if (!toView(viewer, row).canDelete) throw new SavedSearchError("Only its owner or an admin may delete a shared search.");
  await db.savedSearch.delete({ where: { tenantId_id: { tenantId: viewer.tenantId, id } } });
  if (row.shared) {
    await recordAudit({
      tenantId: viewer.tenantId,
      actor: viewer.email,
      action: "saved_search.delete",
      target: row.name,
      details: { id: row.id, q: row.q, owner: row.ownerEmail },
    });
  }
}

/** The Explorer URL parameters a saved search opens with (q and its time range). */
export function savedSearchParams(s: Pick<SavedSearchView, "q" | "range" | "from" | "to">): URLSearchParams {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.from || s.to) {
    if (s.from) p.set("from", s.from.toISOString());
    if (s.to) p.set("to", s.to.toISOString());
  } else if (s.range) {
    p.set("range", s.range);
  }
  return p;
}

// ---- history ------------------------------------------------------------------------------

/** Remembers a query the person ran (most recent first, MAX_HISTORY distinct kept). */
export async function recordQuery(tenantId: string, userId: string, raw: string, at = new Date()): Promise<void> {
  const q = raw.trim();
  if (q === "" || q.length > MAX_QUERY_CHARS) return;
  const db = prisma();
  await db.queryHistory.upsert({
    where: { tenantId_userId_q: { tenantId, userId, q } },
    create: { tenantId, userId, q, lastUsedAt: at },
    update: { lastUsedAt: at },
  });
  const stale = await db.queryHistory.findMany({
    where: { tenantId, userId },
    orderBy: [{ lastUsedAt: "desc" }, { q: "asc" }],
    skip: MAX_HISTORY,
    select: { q: true },
  });
  if (stale.length > 0) await db.queryHistory.deleteMany({ where: { tenantId, userId, q: { in: stale.map((s) => s.q) } } });
}

export async function queryHistory(tenantId: string, userId: string): Promise<Array<{ q: string; lastUsedAt: Date }>> {
  return prisma().queryHistory.findMany({
    where: { tenantId, userId },
    orderBy: [{ lastUsedAt: "desc" }, { q: "asc" }],
    take: MAX_HISTORY,
    select: { q: true, lastUsedAt: true },
  });
}

export async function clearQueryHistory(tenantId: string, userId: string): Promise<void> {
  await prisma().queryHistory.deleteMany({ where: { tenantId, userId } });
}
