// The console's time range, shared by every page: a preset (`?range=24h`) or absolute bounds
// (`?from=2026-11-20T00:00Z&to=2026-11-22T00:00Z`). Pure functions, used by server pages and by
// the client range picker alike. Which range applies when the URL names none (the one the
// person chose last) is lib/console-range.ts.

export const RANGES = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { id: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
  { id: "all", label: "All time", ms: null },
] as const;

export type RangeId = (typeof RANGES)[number]["id"];
export const DEFAULT_RANGE: RangeId = "7d";

/** The URL parameters that select the range. */
export const RANGE_PARAMS = ["range", "from", "to"] as const;

export interface TimeWindow {
  /** A preset, or "custom" for absolute bounds. */
  id: RangeId | "custom";
  label: string;
  from: Date | undefined;
  to: Date | undefined;
  /** Why the requested range was not usable (the window is then the fallback). */
  error?: string;
}

export interface RangeInput {
  range?: string | string[] | null;
  from?: string | string[] | null;
  to?: string | string[] | null;
}

export function isRangeId(v: unknown): v is RangeId {
  return RANGES.some((r) => r.id === v);
}

function first(v: string | string[] | null | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() ? s.trim() : undefined;
}

/**
 * A time from a URL: ISO-8601 with a zone, epoch milliseconds, or a zone-less
 * "YYYY-MM-DD[ T]HH:MM[:SS[.fff]]" / "YYYY-MM-DD" as the console shows times (and as a
 * datetime-local input sends them), which is UTC. Calendar overflow ("2026-02-31") is refused.
 */
export function parseTimeParam(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const local = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?$/.exec(v);
  const zoned = /^(\d{4}-\d{2}-\d{2})T.*(Z|[+-]\d{2}:?\d{2})$/i.exec(v);
  let d: Date;
  if (/^\d{10,}$/.test(v)) d = new Date(Number(v));
  else if (local) d = new Date(`${local[1]}T${local[2] ?? "00:00"}Z`);
  else if (zoned) d = new Date(v);
  else return undefined;
  if (Number.isNaN(d.getTime())) return undefined;
  // JavaScript rolls 2026-02-31 over to March; a person typing it meant something else.
  if (local && d.toISOString().slice(0, 10) !== local[1]) return undefined;
  if (zoned) {
    const day = new Date(`${zoned[1]}T00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== zoned[1]) return undefined;
  }
  return d;
}

/** "2026-11-22 02:15 UTC": how the console writes a bound. */
export function formatBound(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function presetWindow(id: RangeId, now: Date): TimeWindow {
  const r = RANGES.find((x) => x.id === id)!;
  return { id: r.id, label: r.label, from: r.ms === null ? undefined : new Date(now.getTime() - r.ms), to: undefined };
}

/** True when the input names a range at all (a preset or either bound). */
export function hasRange(input: RangeInput): boolean {
  return RANGE_PARAMS.some((k) => first(input[k]) !== undefined);
}

/**
 * The window a range selects. Absolute bounds win over a preset; either bound alone leaves the
 * other end open. Input that cannot be used (an unknown preset, an unreadable time, from not
 * before to) never throws: it yields the preset (or the default) with `error` saying why.
 * A bare string is read as the preset (the older `timeWindow(p.range)` form).
 */
export function timeWindow(input: RangeInput | string | string[] | undefined, now = new Date()): TimeWindow {
  const params: RangeInput = typeof input === "string" || Array.isArray(input) || input === undefined ? { range: input } : input;
  const range = first(params.range);
  const fromText = first(params.from);
  const toText = first(params.to);
  const errors: string[] = [];
  let preset: RangeId = DEFAULT_RANGE;
  if (range !== undefined && range !== "custom") {
    if (isRangeId(range)) preset = range;
    else errors.push(`“${range.slice(0, 40)}” is not a time range (use ${RANGES.map((r) => r.id).join(", ")}, or From and To)`);
  }
  if (fromText !== undefined || toText !== undefined) {
    const from = parseTimeParam(fromText);
    const to = parseTimeParam(toText);
    if (fromText !== undefined && !from) errors.push(`From “${fromText.slice(0, 40)}” is not a time (use 2026-11-22 10:15 UTC or ISO-8601 with a zone)`);
    if (toText !== undefined && !to) errors.push(`To “${toText.slice(0, 40)}” is not a time (use 2026-11-22 10:15 UTC or ISO-8601 with a zone)`);
    if (from && to && from.getTime() >= to.getTime()) errors.push("From must be before To");
    if (errors.length === 0) {
      const label = from && to ? `${formatBound(from)} → ${formatBound(to)}` : from ? `Since ${formatBound(from)}` : `Until ${formatBound(to!)}`;
      return { id: "custom", label, from, to };
    }
  } else if (range === "custom") {
    errors.push("A custom range needs From or To");
  }
  const w = presetWindow(preset, now);
  return errors.length ? { ...w, error: `${errors.join("; ")}. Showing ${w.label.toLowerCase()} instead.` } : w;
}

/** The URL parameters that reproduce a window: `range=7d`, or `from=…&to=…` (ISO, UTC). */
export function rangeParams(w: Pick<TimeWindow, "id" | "from" | "to">): [string, string][] {
  if (w.id !== "custom") return [["range", w.id]];
  const out: [string, string][] = [];
  if (w.from) out.push(["from", w.from.toISOString()]);
  if (w.to) out.push(["to", w.to.toISOString()]);
  return out;
}

/** `range=7d` or `from=…&to=…`, for building links that keep the window. */
export function rangeQuery(w: Pick<TimeWindow, "id" | "from" | "to">): string {
  return new URLSearchParams(rangeParams(w)).toString();
}

/** The smallest preset that reaches back to `t` (for "newest event: 12 days ago — show the last 30 days"). */
export function smallestPresetHolding(t: Date, now = new Date()): RangeId {
  const age = now.getTime() - t.getTime();
  return RANGES.find((r) => r.ms !== null && age < r.ms)?.id ?? "all";
}

/** "12 days ago", "3 hours ago": how long ago `t` was, rounded down. */
export function ageText(t: Date, now = new Date()): string {
  const s = Math.max(0, Math.floor((now.getTime() - t.getTime()) / 1000));
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"} ago`;
  if (s < 60) return "just now";
  if (s < 3600) return unit(Math.floor(s / 60), "minute");
  if (s < 86_400) return unit(Math.floor(s / 3600), "hour");
  return unit(Math.floor(s / 86_400), "day");
}

/**
 * Where to go after choosing a range: the same page (`next`, a same-site path) with its own
 * range parameters and page cursor replaced by the chosen window's. Anything that is not a
 * same-site path becomes "/" (never a redirect to another origin).
 */
export function rangeTarget(next: string, range: [string, string][]): string {
  const safe = next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
  const url = new URL(safe, "http://console.invalid");
  for (const k of [...RANGE_PARAMS, "cursor"]) url.searchParams.delete(k);
  for (const [k, v] of range) url.searchParams.set(k, v);
  const qs = url.searchParams.toString();
  return `${url.pathname}${qs ? `?${qs}` : ""}`;
}

/** The stored choice (a cookie holding `range=30d` or `from=…&to=…`), or null when unusable. */
export function parseStoredRange(value: string | undefined | null): RangeInput | null {
  if (!value) return null;
  const p = new URLSearchParams(value);
  const input: RangeInput = { range: p.get("range"), from: p.get("from"), to: p.get("to") };
  return hasRange(input) && !timeWindow(input).error ? input : null;
}

/** How a sentence names the window: "the last 7 days", "all time", or its bounds. */
export function windowPhrase(w: Pick<TimeWindow, "id" | "label">): string {
  if (w.id === "custom") return w.label;
  return w.id === "all" ? "all time" : `the ${w.label.toLowerCase()}`;
}
