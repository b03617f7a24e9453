import type { Json } from "./compliance-stub";

// The Compliance API stub's request parsing and paging, as the documented API behaves: RFC 3339
// times with microseconds, limits, created_at filters, and first_id/last_id cursors.

// ---- helpers -------------------------------------------------------------------------------

export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}
export const invalid = (message: string) => new ApiFailure(400, "invalid_request_error", message);
export const notFound = (message: string) => new ApiFailure(404, "not_found_error", message);

/** RFC 3339 → microseconds since the epoch (Date.parse alone drops microseconds). */
export function micros(ts: string): number {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return Number.NaN;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(m[2].slice(1, 7).padEnd(6, "0")) : 0;
  return whole * 1000 + frac;
}

export function str(o: Json, key: string): string {
  const v = o[key];
  return typeof v === "string" ? v : "";
}

export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!RFC3339.test(v)) throw invalid(`${name}: Input should be a valid RFC 3339 datetime with a timezone offset`);
  return micros(v);
}

export function limitParam(q: URLSearchParams, dflt: number, max: number): number {
  const v = q.get("limit");
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(`limit: Input should be between 1 and ${max}`);
  return n;
}

export interface TimeFilter {
  gte?: number;
  gt?: number;
  lte?: number;
  lt?: number;
}

export function timeFilter(q: URLSearchParams, field: string): TimeFilter {
  const f = {
    gte: timeParam(q, `${field}.gte`),
    gt: timeParam(q, `${field}.gt`),
    lte: timeParam(q, `${field}.lte`),
    lt: timeParam(q, `${field}.lt`),
  };
  if (f.gte !== undefined && f.lt !== undefined && f.lt <= f.gte) throw invalid(`${field}.lt must be strictly after ${field}.gte`);
  return f;
}

export function inWindow(t: number, f: TimeFilter): boolean {
  return (f.gte === undefined || t >= f.gte) && (f.gt === undefined || t > f.gt) && (f.lte === undefined || t <= f.lte) && (f.lt === undefined || t < f.lt);
}

export interface Keyed<T> {
  item: T;
  t: number;
  id: string;
}

export function compareKeyed(a: { t: number; id: string }, b: { t: number; id: string }): number {
  return a.t !== b.t ? a.t - b.t : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The documented cursor contract: `items` are already filtered and sorted in the requested
 * order; `all` locates the cursor (a cursor need not match the filters). after_id → the page
 * following the cursor in that order; before_id → the page immediately preceding it.
 */
export function cursorPage<T>(items: Keyed<T>[], all: Keyed<T>[], q: URLSearchParams, direction: 1 | -1, limit: number) {
  const afterId = q.get("after_id");
  const beforeId = q.get("before_id");
  if (afterId && beforeId) throw invalid("after_id and before_id are mutually exclusive");
  const cursorId = afterId ?? beforeId;
  let page: Keyed<T>[];
  let hasMore: boolean;
  if (cursorId) {
    const cursor = all.find((x) => x.id === cursorId);
    if (!cursor) throw invalid(`Invalid ${afterId ? "after_id" : "before_id"}: ${cursorId}`);
    const rel = (x: Keyed<T>) => compareKeyed(x, cursor) * direction;
    if (afterId) {
      const rest = items.filter((x) => rel(x) > 0);
      page = rest.slice(0, limit);
      hasMore = rest.length > limit;
    } else {
      const rest = items.filter((x) => rel(x) < 0);
      page = rest.slice(Math.max(0, rest.length - limit));
      hasMore = rest.length > limit;
    }
  } else {
    page = items.slice(0, limit);
    hasMore = items.length > limit;
  }
  return {
    data: page.map((x) => x.item),
    has_more: hasMore,
    first_id: page.length ? page[0].id : null,
    last_id: page.length ? page[page.length - 1].id : null,
  };
}

