import { labelOfPerson, personOf } from "@/lib/domain/person";

// Formatting shared by console pages: durations, money, counts, times. Pure functions.

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "–";
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return new Intl.NumberFormat("en-US").format(n);
}

/** "1 prompt", "2,048 prompts". */
export function formatCountOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/** Absolute time in UTC, to the millisecond: investigations compare times across sources. */
export function formatTime(iso: string | Date | null | undefined): string {
  if (!iso) return "–";
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return `${d.toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)} s`;
}

export function shortId(id: string | null | undefined, n = 8): string {
  if (!id) return "–";
  return id.length > n + 1 ? `${id.slice(0, n)}…` : id;
}

/**
 * The person behind a record (lib/domain/person.ts decides which identifier names them), as a
 * label and the value the Explorer's user filter matches (the identifier as stored).
 */
export function personLabel(u: { email: string | null; enduserId: string | null; accountUuid?: string | null; accountId: string | null; id: string | null }): { label: string; query: string | null } {
  const ref = personOf({ userEmail: u.email, enduserId: u.enduserId, accountUuid: u.accountUuid, accountId: u.accountId, userId: u.id });
  const query = { email: u.email, enduser: u.enduserId, account: u.accountUuid ?? u.accountId, device: u.id, none: null }[ref.kind] ?? null;
  return { label: labelOfPerson(ref), query };
}
