// The console's time range: a `range` URL parameter shared by every page (?range=24h).

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

export interface TimeWindow {
  id: RangeId;
  label: string;
  from: Date | undefined;
  to: Date | undefined;
}

export function timeWindow(range: string | string[] | undefined, now = new Date()): TimeWindow {
  const id = typeof range === "string" ? range : undefined;
  const r = RANGES.find((x) => x.id === id) ?? RANGES.find((x) => x.id === DEFAULT_RANGE)!;
  return { id: r.id, label: r.label, from: r.ms === null ? undefined : new Date(now.getTime() - r.ms), to: undefined };
}
