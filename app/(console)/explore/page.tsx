import type { Metadata } from "next";
import Link from "next/link";
import { EventPanel } from "@/components/explore/event-panel";
import { EventsTable } from "@/components/explore/events-table";
import { FilterBar, type FilterValues } from "@/components/explore/filter-bar";
import { ExploreHistogram } from "@/components/explore/histogram";
import { QueryBar } from "@/components/explore/query-bar";
import { SearchMenu } from "@/components/explore/search-menu";
import { recordContentView } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { InvalidCursorError } from "@/lib/db/sql";
import { EXPLORE_SORTS, type ExploreSort } from "@/lib/explore/columns";
import { exploreEventDetail } from "@/lib/explore/event-detail";
import { exploreFacets } from "@/lib/explore/facets";
import { listSavedSearches, queryHistory, recordQuery, savedSearchParams } from "@/lib/explore/saved-searches";
import {
  canonicalQueryParams,
  DEFAULT_PAGE_SIZE,
  PAGE_SIZES,
  parseExploreParams,
  toSearchParams,
  type ExploreQuery,
  type SearchParamsRecord,
} from "@/lib/explore/params";
import { exploreEvents, type ExplorePage } from "@/lib/explore/query";
import { exploreCount, exploreHistogram } from "@/lib/explore/stats";
import { exploreHref, FILTER_PARAMS } from "@/lib/explore/url";
import { RangeHint } from "@/components/shell/range-hint";
import { stickyRange } from "@/lib/console-range";
import { parseTimeParam, RANGE_PARAMS } from "@/lib/time-range";
import { checkQuery } from "@/lib/query/compile";
import { SpansView } from "@/components/explore/spans-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Explore · Blindspot" };

// The Explorer: every event of the tenant, filtered, sorted and paged on the server. The URL is
// the state (filters, range, sort, cursor), so any view can be bookmarked, shared or exported.

const SORT_LABELS: Record<ExploreSort, string> = {
  time: "time",
  source: "source",
  event_name: "event",
  user_email: "user",
  tool_name: "tool",
  mcp_server: "MCP server",
  decision_source: "decided by",
  duration_ms: "duration",
  cost_usd: "cost",
};

/** A from/to URL parameter as the filter shows it: "2026-11-22 10:15:03" (UTC), or as typed when it does not parse. */
function timeInput(value: string | null): string {
  const d = parseTimeParam(value);
  if (!d) return value ?? "";
  return d.toISOString().replace("T", " ").replace(/(\.000)?Z$/, "");
}

function utc(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** The requested page; a cursor that does not fit (edited link, other sort) falls back to page one. */
async function readPage(tenantId: string, query: ExploreQuery, canReadContent: boolean): Promise<{ page: ExplorePage; cursorInvalid: boolean }> {
  try {
    return { page: await exploreEvents(tenantId, query, canReadContent), cursorInvalid: false };
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    return { page: await exploreEvents(tenantId, { ...query, cursor: undefined }, canReadContent), cursorInvalid: true };
  }
}

export default async function ExplorePage({ searchParams }: { searchParams: Promise<SearchParamsRecord> }) {
  const user = await requireUser();
  const params = toSearchParams(await searchParams);
  // Without a range in the URL, the one chosen last applies (and is then carried by every link).
  const sticky = RANGE_PARAMS.some((k) => params.has(k)) ? null : await stickyRange();
  for (const [k, v] of new URLSearchParams(sticky ?? "")) params.set(k, v);
  const { query, window: range } = parseExploreParams(params);

  const q = query.q ?? "";
  // Links keep what selects and orders the rows (and a non-default page size), never the cursor.
  const base = canonicalQueryParams(params);
  if (q) base.set("q", q);
  if (query.limit !== DEFAULT_PAGE_SIZE) base.set("limit", String(query.limit));
  // The view as it is (this page of it): what the row panel opens over and closes back to.
  const view = new URLSearchParams(base);
  if (query.cursor) view.set("cursor", query.cursor);
  const eventId = params.get("event")?.trim() || undefined;
  const viewer = { tenantId: user.tenantId, id: user.id, email: user.email, isAdmin: user.isAdmin };

  const datasetSwitch = (
    <nav aria-label="Dataset" className="flex gap-2 text-xs">
      {(["events", "spans"] as const).map((d) => {
        const p = new URLSearchParams(base);
        p.delete("dataset");
        if (d === "spans") p.set("dataset", "spans");
        const current = (params.get("dataset") === "spans" ? "spans" : "events") === d;
        return (
          <Link key={d} prefetch={false} href={exploreHref(p)} aria-current={current ? "page" : undefined} className={current ? "font-semibold underline" : "link"}>
            {d === "events" ? "Events" : "Spans (Office agents, traces)"}
          </Link>
        );
      })}
    </nav>
  );
  if (params.get("dataset") === "spans") {
    const spansBase = new URLSearchParams([...base].filter(([k]) => ["dataset", "q", "range", "from", "to", "limit"].includes(k)));
    return (
      <div className="flex flex-col gap-3">
        <div className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1">
          <h1 className="text-lg font-semibold tracking-tight">Explore spans</h1>
          {datasetSwitch}
        </div>
        <SpansView
          tenantId={user.tenantId}
          email={user.email}
          canReadContent={user.canReadContent}
          q={query.q}
          from={query.from}
          to={query.to}
          cursor={query.cursor}
          limit={query.limit}
          pageHref={(cursor) => exploreHref(new URLSearchParams([...spansBase, ...(cursor ? [["cursor", cursor]] : [])]))}
        />
      </div>
    );
  }

  // A query that cannot run (syntax, unknown field, content for a non-reader) lists nothing: the
  // bar shows why and where, and no unfiltered rows pass for its answer.
  const queryProblem = q ? checkQuery(q, "events", user.canReadContent) : null;
  const queryError = queryProblem ? { message: queryProblem.message, position: queryProblem.position } : null;
  const filter = { ...query, q: q || undefined, canReadContent: user.canReadContent };
  const noRows = { page: { rows: [], nextCursor: null } as ExplorePage, cursorInvalid: false };

  const [{ page, cursorInvalid }, facets, detail, saved, history, stats] = await Promise.all([
    queryError ? noRows : readPage(user.tenantId, filter, user.canReadContent),
    exploreFacets(user.tenantId, { from: query.from, to: query.to }),
    eventId ? exploreEventDetail(user.tenantId, eventId, user.canReadContent) : null,
    listSavedSearches(viewer),
    // A query is recorded when it is run, not again for each page of its results.
    q && !queryError && !query.cursor ? recordQuery(user.tenantId, user.id, q).then(() => queryHistory(user.tenantId, user.id)) : queryHistory(user.tenantId, user.id),
    queryError ? null : Promise.all([exploreHistogram(user.tenantId, filter), exploreCount(user.tenantId, filter)]),
  ]);
  if (user.canReadContent && page.rows.some((r) => r.content !== null)) {
    await recordContentView(user.tenantId, user.email, `explore:${base.toString()}`);
  }
  if (user.canReadContent && detail) await recordContentView(user.tenantId, user.email, `explore-event:${detail.id}`);

  const sortHrefs: Record<string, string> = {};
  for (const key of Object.keys(EXPLORE_SORTS) as ExploreSort[]) {
    const p = new URLSearchParams(base);
    p.delete("sort");
    p.delete("dir");
    const dir = key === query.sort ? (query.dir === "asc" ? "desc" : "asc") : EXPLORE_SORTS[key].defaultDir;
    if (key !== "time") p.set("sort", key);
    if (key !== "time" || dir !== "desc") p.set("dir", dir);
    sortHrefs[key] = exploreHref(p);
  }
  const firstHref = exploreHref(base);
  const nextHref = page.nextCursor ? exploreHref(new URLSearchParams([...base, ["cursor", page.nextCursor]])) : null;
  const exportParams = canonicalQueryParams(params);
  if (!exportParams.has("range") && !exportParams.has("from") && !exportParams.has("to")) exportParams.set("range", range.id);
  const exportHref = (format: string) => `/api/console/events/export?${new URLSearchParams([...exportParams, ["format", format]])}`;

  const values: FilterValues = {
    source: params.get("source") ?? "",
    name: params.get("name") ?? "",
    user: params.get("user") ?? "",
    tool: params.get("tool") ?? "",
    mcpServer: params.get("mcpServer") ?? "",
    decisionSource: params.get("decisionSource") ?? "",
    decision: params.get("decision") ?? "",
    success: params.get("success") === "true" || params.get("success") === "false" ? params.get("success")! : "",
    from: timeInput(params.get("from")),
    to: timeInput(params.get("to")),
    limit: String(query.limit),
  };
  const keep: Record<string, string> = {};
  for (const k of ["q", "range", "sort", "dir"]) {
    const v = base.get(k);
    if (v) keep[k] = v;
  }
  // What the query bar keeps when the query changes, and what pivots keep (the time range).
  const pick = (keys: string[]) => Object.fromEntries(keys.flatMap((k) => (base.get(k) ? [[k, base.get(k)!]] : [])));
  const barKeep = pick(["range", "from", "to", "sort", "dir", "limit"]);
  const pivotKeep = pick(["range", "from", "to"]);
  const timeKeep = pick(["range", "from", "to"]);
  const savedItems = saved.map((s) => ({
    id: s.id, name: s.name, q: s.q, shared: s.shared, ownerEmail: s.ownerEmail, mine: s.mine, canDelete: s.canDelete,
    href: exploreHref(savedSearchParams(s)),
  }));
  const historyItems = history.map((h) => ({ q: h.q, href: exploreHref(new URLSearchParams({ ...timeKeep, q: h.q })) }));
  const facetValues: Record<string, string[]> = {
    app: facets.sources,
    event: facets.eventNames,
    tool: facets.tools,
    mcp_server: facets.mcpServers,
    source: facets.decisionSources,
    decision: ["accept", "reject"],
  };
  const resetParams = new URLSearchParams();
  if (base.get("range")) resetParams.set("range", base.get("range")!);
  const filtered = FILTER_PARAMS.some((k) => base.has(k)) || q !== "";
  const explicitWindow = parseTimeParam(base.get("from")) !== undefined || parseTimeParam(base.get("to")) !== undefined;
  const windowText = explicitWindow
    ? `${query.from ? utc(query.from) : "the beginning"} → ${query.to ? `${utc(query.to)} UTC` : "now"}`
    : range.label.toLowerCase();
  const badTimes = (["from", "to"] as const).filter((k) => base.has(k) && !parseTimeParam(base.get(k))).map((k) => (k === "from" ? "From" : "To"));
  const isFirstPage = !query.cursor || cursorInvalid;
  const sortText = `${SORT_LABELS[query.sort]}, ${
    query.sort === "time" ? (query.dir === "desc" ? "newest first" : "oldest first") : query.dir === "desc" ? "descending" : "ascending"
  }`;

  const pager = (
    <nav aria-label="Pages" className="flex items-center gap-2">
      {isFirstPage ? (
        <span className="btn-secondary pointer-events-none py-1 text-xs opacity-50" aria-disabled="true">
          First page
        </span>
      ) : (
        <Link prefetch={false} href={firstHref} className="btn-secondary py-1 text-xs">
          First page
        </Link>
      )}
      {nextHref ? (
        <Link prefetch={false} href={nextHref} className="btn-secondary py-1 text-xs" rel="next">
          Next page →
        </Link>
      ) : (
        <span className="btn-secondary pointer-events-none py-1 text-xs opacity-50" aria-disabled="true">
          Next page →
        </span>
      )}
    </nav>
  );

  const exportLinks = (
    <div className="flex items-center gap-2 border-l border-slate-200 pl-2 dark:border-slate-700">
      <a
        href={exportHref("csv")}
        download
        className="btn-secondary py-1 text-xs"
        title={user.canReadContent ? "Every matching event; the export is recorded in the audit log" : "Every matching event (content hidden)"}
      >
        Export CSV
      </a>
      <a href={exportHref("ndjson")} download className="btn-secondary py-1 text-xs" title="Every matching event, one JSON object per line">
        Export NDJSON
      </a>
    </div>
  );

  const empty = queryError ? (
    <div className="px-6 py-14 text-center text-sm text-slate-700 dark:text-slate-300">
      The query above cannot run: {queryError.message}. Correct it and press Enter.
    </div>
  ) : (
    <div className="px-6 py-14 text-center">
      <p className="text-sm font-medium text-slate-800 dark:text-slate-200">
        {filtered ? `No events match these filters in ${windowText}.` : `No events in ${windowText}.`}
      </p>
      <ul className="mx-auto mt-3 max-w-xl space-y-1 text-sm text-slate-600 dark:text-slate-400">
        {filtered && (
          <li>
            Loosen a filter, or{" "}
            <Link prefetch={false} href={exploreHref(resetParams)} className="link">
              clear all filters
            </Link>
            .
          </li>
        )}
        <li>Widen the time range (top right){explicitWindow ? " or clear the From / To bounds" : ""}.</li>
        <li>
          Nothing arriving at all? Point Claude Code, Cowork or the Office agents at this server&apos;s OTLP receiver with an
          ingest token: the{" "}
          <Link prefetch={false} href="/" className="link">
            setup page
          </Link>{" "}
          shows the settings.
        </li>
      </ul>
    </div>
  );

  return (
    <div className="flex flex-col gap-3">
      <RangeHint
        tenantId={user.tenantId}
        kinds={["events"]}
        window={{ id: explicitWindow ? "custom" : range.id, label: explicitWindow ? windowText : range.label, from: query.from, to: query.to }}
      />
      <div className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1">
        <h1 className="text-lg font-semibold tracking-tight">Explore</h1>
        {datasetSwitch}
        <p className="text-xs text-slate-500 dark:text-slate-400">
          All events of this tenant, {windowText}
          {explicitWindow ? "" : " (time range, top right)"}
          {user.canReadContent ? "" : " · content hidden for your role"}
        </p>
      </div>

      <div className="flex items-start gap-2">
        <QueryBar key={q} query={q} error={queryError} canReadContent={user.canReadContent} values={facetValues} keep={barKeep} />
        {/* keyed by the view: a menu left open does not stay open on the next view (client navigation keeps the DOM) */}
        <SearchMenu key={`menu:${base}`} saved={savedItems} history={historyItems} current={{ q, ...timeKeep }} />
      </div>

      <FilterBar
        key={base.toString()}
        values={values}
        options={facets}
        keep={keep}
        pageSizes={PAGE_SIZES}
        defaultPageSize={DEFAULT_PAGE_SIZE}
        resetHref={exploreHref(resetParams)}
      />

      {badTimes.length > 0 && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
          {badTimes.join(" and ")} is not a time this page understands, so it is ignored. Use UTC as{" "}
          <span className="font-mono">2026-11-22 10:15:00</span> or an ISO-8601 time with a zone.
        </p>
      )}

      {stats && (
        <ExploreHistogram buckets={stats[0].buckets} bucketMs={stats[0].bucketMs} total={stats[1]} viewParams={base.toString()} />
      )}

      {cursorInvalid && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
          That page link no longer fits this view, so the first page is shown.
        </p>
      )}

      <EventsTable
        // Siblings need distinct keys (the filter bar is keyed by the view too).
        key={`table:${base}`}
        rows={page.rows}
        sort={query.sort}
        dir={query.dir}
        sortHrefs={sortHrefs}
        summary={
          <span>
            <span className="font-semibold text-slate-800 dark:text-slate-200">{page.rows.length}</span>{" "}
            {page.rows.length === 1 ? "row" : "rows"} on this page
            {isFirstPage ? "" : " (not the first page)"} · sorted by {sortText}
          </span>
        }
        actions={
          <>
            {pager}
            {exportLinks}
          </>
        }
        empty={empty}
        query={q}
        keep={pivotKeep}
        viewParams={view.toString()}
        selectedId={detail?.id}
      />

      {eventId && !detail && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
          The event in this link does not exist in this tenant.{" "}
          <Link prefetch={false} href={exploreHref(view)} className="link">
            Close
          </Link>
        </p>
      )}
      {detail && <EventPanel event={detail} query={q} keep={pivotKeep} closeHref={exploreHref(view)} canReadContent={user.canReadContent} />}

    </div>
  );
}
