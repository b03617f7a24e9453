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

/** How to name the person behind telemetry: email, then enduser.id, account, else the device. */
export function personLabel(u: { email: string | null; enduserId: string | null; accountId: string | null; id: string | null }): { label: string; query: string | null } {
  const named = u.email ?? u.enduserId ?? u.accountId;
  if (named) return { label: named, query: named };
  if (u.id) return { label: `device ${u.id.slice(0, 8)}…`, query: u.id };
  return { label: "unknown user", query: null };
}

/** A dashboard user key (email, account or device id) as a short readable label. */
export function userKeyLabel(key: string): string {
  if (!key) return "(anonymous)";
  return /^[0-9a-f]{32,}$/i.test(key) ? `device ${key.slice(0, 8)}…` : key;
}
