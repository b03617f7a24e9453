import type { EventFilter } from "@/lib/queries/event-filter";
import { parseTimeParam, timeWindow, type TimeWindow } from "@/lib/time-range";
import { EXPLORE_SORTS, isExploreSort, type ExploreSort, type SortDir } from "./columns";
import { MAX_QUERY_LENGTH } from "@/lib/query/parse";
import { QUERY_PARAMS } from "./url";

// The Explorer's state lives in its URL: which events (filters, time range), in which order,
// which page and how many rows. This reads it; lib/explore/url.ts writes it.

export interface ExploreQuery extends EventFilter {
  sort: ExploreSort;
  dir: SortDir;
  cursor?: string;
  limit: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
export const PAGE_SIZES = [50, 100, 250, 500] as const;

export type SearchParamsRecord = Record<string, string | string[] | undefined>;

export function toSearchParams(record: SearchParamsRecord): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === "string") out.set(k, v);
    else if (Array.isArray(v) && v.length > 0) out.set(k, v[0]);
  }
  return out;
}

function text(params: URLSearchParams, key: string): string | undefined {
  const v = params.get(key)?.trim();
  return v ? v.slice(0, 500) : undefined;
}

export interface ParsedExplore {
  query: ExploreQuery;
  /** The console time range (?range=), used when no explicit from/to is given. */
  window: TimeWindow;
}

/**
 * Reads the Explorer's URL parameters leniently: unknown sorts, bad numbers and empty values fall
 * back to defaults (a hand-edited link still shows something). Only a bad cursor is an error,
 * raised when the page is read.
 */
export function parseExploreParams(params: URLSearchParams, now = new Date()): ParsedExplore {
  const window = timeWindow(params.get("range") ?? undefined, now);
  const explicitFrom = parseTimeParam(params.get("from"));
  const explicitTo = parseTimeParam(params.get("to"));
  const sortRaw = params.get("sort") ?? "time";
  const sort: ExploreSort = isExploreSort(sortRaw) ? sortRaw : "time";
  const dirRaw = params.get("dir");
  const dir: SortDir = dirRaw === "asc" || dirRaw === "desc" ? dirRaw : EXPLORE_SORTS[sort].defaultDir;
  const limitRaw = Number(params.get("limit") ?? DEFAULT_PAGE_SIZE);
  const limit = Number.isInteger(limitRaw) ? Math.min(Math.max(limitRaw, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const successRaw = params.get("success");
  return {
    window,
    query: {
      // Kept whole (a cut query would mean something else); the parser refuses one that is too long.
      q: params.get("q")?.trim().slice(0, MAX_QUERY_LENGTH + 1) || undefined,
      source: text(params, "source"),
      name: text(params, "name"),
      user: text(params, "user"),
      tool: text(params, "tool"),
      mcpServer: text(params, "mcpServer"),
      decisionSource: text(params, "decisionSource"),
      decision: text(params, "decision"),
      success: successRaw === "true" ? true : successRaw === "false" ? false : undefined,
      // Explicit bounds win over the range picker; either bound alone keeps the other open.
      from: explicitFrom ?? (explicitTo ? undefined : window.from),
      to: explicitTo ?? (explicitFrom ? undefined : window.to),
      sort,
      dir,
      cursor: text(params, "cursor"),
      limit,
    },
  };
}

/** The parameters that select and order rows, in a fixed order, empty ones dropped. */
export function canonicalQueryParams(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of QUERY_PARAMS) {
    const v = params.get(key)?.trim();
    if (v) out.set(key, v);
  }
  return out;
}
