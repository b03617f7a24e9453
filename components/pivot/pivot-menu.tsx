import Link from "next/link";
import type { ReactNode } from "react";
import { exploreHref } from "@/lib/explore/url";
import { termFor, withTerm, type PivotField } from "@/lib/query/terms";

// A value an analyst can pivot on (as in Kibana's and Datadog's cells): "filter for" and "filter
// out" open the Explorer with that term added to the current query; "open" goes to the value's own
// page (a person, session or prompt). A <details> disclosure: it works without JavaScript and the
// keyboard opens it (Enter/Space on the summary). Server and client components alike can render it.

interface Props {
  field: PivotField;
  value: string;
  /** Shown instead of the raw value. */
  children?: ReactNode;
  /** The query the pivot adds to (the Explorer's current `q`); none: a new query. */
  query?: string;
  /** The value's own page, when it has one. */
  openHref?: string;
  openLabel?: string;
  /** Extra Explorer parameters kept on the pivot links (time range). */
  keep?: Record<string, string>;
}

export function PivotMenu({ field, value, children, query, openHref, openLabel = "Open", keep }: Props) {
  const href = (mode: "include" | "exclude") => {
    const params = new URLSearchParams(keep);
    params.set("q", withTerm(query, termFor(field, value, mode)));
    return exploreHref(params);
  };
  return (
    <details className="pivot relative inline-block max-w-full align-baseline" data-pivot-field={field}>
      <summary
        className="cursor-pointer list-none truncate rounded px-0.5 decoration-dotted underline-offset-2 hover:bg-sky-50 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 [&::-webkit-details-marker]:hidden"
        title={`${value} — filter or open`}
      >
        {children ?? value}
      </summary>
      <div role="menu" className="absolute left-0 z-30 mt-1 min-w-44 rounded-md border border-slate-200 bg-white py-1 text-xs shadow-lg">
        <Link role="menuitem" className="block px-3 py-1.5 hover:bg-slate-100" href={href("include")}>
          Filter for <span className="font-mono">{field}</span>
        </Link>
        <Link role="menuitem" className="block px-3 py-1.5 hover:bg-slate-100" href={href("exclude")}>
          Filter out <span className="font-mono">{field}</span>
        </Link>
        {openHref ? (
          <Link role="menuitem" className="block border-t border-slate-100 px-3 py-1.5 hover:bg-slate-100" href={openHref}>
            {openLabel}
          </Link>
        ) : null}
      </div>
    </details>
  );
}
