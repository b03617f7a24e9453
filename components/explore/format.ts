// Display formats for the Explorer. Locale-free on purpose: the server render and the browser
// must produce the same text (no hydration differences), and times are UTC everywhere in the
// console so that analysts compare like with like.

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatCost(usd: number | null): string {
  if (usd === null) return "";
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(usd < 1 ? 3 : 2)}`;
}

function group(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatCount(n: number | null): string {
  return n === null ? "" : group(n);
}

/** A long opaque id shortened for a cell (the full value goes in the title). */
export function shortId(id: string, keep = 8): string {
  return id.length > keep + 1 ? `${id.slice(0, keep)}…` : id;
}

/** The Explorer's total: "1,234 events" when counted, "≈ 1.2 M events" when it is the planner's estimate. */
export function formatEventCount(count: number, exact: boolean): string {
  if (exact) return `${group(count)} ${count === 1 ? "event" : "events"}`;
  const [div, unit] = count >= 1e9 ? [1e9, " B"] : count >= 1e6 ? [1e6, " M"] : count >= 1e3 ? [1e3, " k"] : [1, ""];
  const n = count / div;
  return `≈ ${unit ? n.toFixed(n < 10 ? 1 : 0) : group(n)}${unit} events`;
}
