import { rangeParams, type TimeWindow } from "@/lib/time-range";
import type { ExploreSort, SortDir } from "./columns";

// The Explorer's URL, written: the names of its parameters and one typed builder for links to it,
// so that every page (and client component) links to a view the Explorer reads back as meant
// (lib/explore/params.ts reads it). Pure, and safe in client components.

export const EXPLORE_PATH = "/explore";

/** Filter parameters in the URL (page, export link and export route share them). */
export const FILTER_PARAMS = ["q", "source", "name", "user", "tool", "mcpServer", "decisionSource", "decision", "success", "from", "to"] as const;
/** Everything that decides which rows, in which order (not which page, not how many). */
export const QUERY_PARAMS = ["dataset", "range", ...FILTER_PARAMS, "sort", "dir"] as const;
/** Every parameter a link may carry, in the order links write them: what to show, then when, then how. */
const LINK_PARAMS = [
  "dataset", ...FILTER_PARAMS.filter((p) => p !== "from" && p !== "to"), "range", "from", "to", "sort", "dir", "limit", "cursor",
] as const satisfies readonly (typeof QUERY_PARAMS[number] | "limit" | "cursor")[];

type Bound = Date | string;

/** A view of the Explorer. Absent, undefined and empty values are left out of the link. */
export interface ExploreLink {
  /** "spans": Office agent and trace spans instead of events (the default). */
  dataset?: "events" | "spans";
  /** A query in the query language (lib/query/parse.ts): `tool:Bash -decision:accept`. */
  q?: string;
  source?: string;
  /** Event name, bare (tool_decision) or prefixed. */
  name?: string;
  /** Email, user.id, account UUID, tagged account id or enduser.id. */
  user?: string;
  tool?: string;
  mcpServer?: string;
  decisionSource?: string;
  decision?: string;
  success?: boolean;
  /** A range preset ("24h", "all"); explicit from/to win over it in the Explorer. */
  range?: string;
  /** Inclusive lower bound. */
  from?: Bound;
  /** Exclusive upper bound. */
  to?: Bound;
  /** A console window, written as its preset or its bounds (instead of range/from/to). */
  window?: Pick<TimeWindow, "id" | "from" | "to">;
  sort?: ExploreSort;
  dir?: SortDir;
  limit?: number;
  cursor?: string;
}

function value(v: string | number | boolean | Date): string {
  return v instanceof Date ? v.toISOString() : String(v);
}

/** `/explore?…` for a view; URLSearchParams are taken as they are (already Explorer parameters). */
export function exploreHref(view: ExploreLink | URLSearchParams = {}): string {
  let params: URLSearchParams;
  if (view instanceof URLSearchParams) {
    params = view;
  } else {
    const { window, ...fields } = view;
    const all: Record<string, string | number | boolean | Date | undefined> = { ...fields, ...(window ? Object.fromEntries(rangeParams(window)) : {}) };
    params = new URLSearchParams();
    for (const key of LINK_PARAMS) {
      const v = all[key];
      if (v !== undefined && v !== "") params.set(key, value(v));
    }
  }
  const qs = params.toString();
  return qs ? `${EXPLORE_PATH}?${qs}` : EXPLORE_PATH;
}
