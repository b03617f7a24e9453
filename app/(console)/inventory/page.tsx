import { AGENT_SORTS, AgentsTable, isAgentSort, type AgentSort } from "@/components/inventory/agents-table";
import { InventoryFilters } from "@/components/inventory/inventory-filters";
import { Value, count } from "@/components/inventory/text";
import { requireUser } from "@/lib/auth/session";
import { isSurfaceId, listAgents, matchesText, type SurfaceId } from "@/lib/queries/inventory";
import { RangeHint } from "@/components/shell/range-hint";
import { consoleWindow } from "@/lib/console-range";
import { rangeParams, rangeQuery } from "@/lib/time-range";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Inventory") };

/** Rows rendered at once; filters narrow a bigger fleet. */
const MAX_ROWS = 500;

type SearchParams = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

// The agent inventory: every (surface, person) pair seen in the time range, with owner,
// activity and versions; each agent's page lists its entities.
export default async function InventoryPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const window = await consoleWindow(sp);
  const surfaceParam = one(sp.surface);
  const surface: SurfaceId | undefined = surfaceParam && isSurfaceId(surfaceParam) ? surfaceParam : undefined;
  const q = (one(sp.q) ?? "").slice(0, 200);
  const sortParam = one(sp.sort);
  const sort: AgentSort = isAgentSort(sortParam) ? sortParam : "last";
  const now = new Date();

  const all = await listAgents(user.tenantId, { from: window.from, to: window.to });
  const counts: Partial<Record<SurfaceId, number>> = {};
  for (const a of all) counts[a.surface] = (counts[a.surface] ?? 0) + 1;
  const matching = all.filter((a) => (!surface || a.surface === surface) && matchesText(a, q));
  const sorted = [...matching].sort((a, b) => AGENT_SORTS[sort].compare(a, b) || b.lastSeen.getTime() - a.lastSeen.getTime() || a.name.localeCompare(b.name));
  const rows = sorted.slice(0, MAX_ROWS);

  const people = new Set(all.filter((a) => a.kind !== "none").map((a) => `${a.kind}:${a.person}`)).size;
  const newAgents = window.from ? all.filter((a) => a.knownSince !== null && a.knownSince >= window.from!).length : 0;
  const unattributed = all.filter((a) => a.kind === "none" || a.kind === "device").length;

  const params = (extra: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of rangeParams(window)) p.set(k, v);
    if (surface) p.set("surface", surface);
    if (q) p.set("q", q);
    for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
    return p.toString();
  };

  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={window} />
      <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-3">
        <div>
          <h1 className="text-lg font-semibold tracking-tight">Inventory</h1>
          <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
            Agents seen in <span className="font-medium text-slate-700 dark:text-slate-200">{window.label.toLowerCase()}</span>: one per
            surface and person, named <span className="font-mono">Surface/owner</span>. Open an agent for its working directories,
            tools, MCP servers, models, plugins and skills.
          </p>
        </div>
        <dl className="flex gap-5 text-xs" aria-label="Inventory totals">
          <Total label="Agents" value={all.length} />
          <Total label="People" value={people} />
          {window.from && <Total label="New in range" value={newAgents} title="Identity first observed (all time) within the selected range" />}
          <Total label="Without email" value={unattributed} title="Agents identified only by a device id, or by nothing at all" />
        </dl>
      </div>

      <div className="mt-4 flex flex-wrap items-end justify-between gap-3">
        <InventoryFilters surface={surface} q={q} range={rangeParams(window)} sort={sort} counts={counts} />
        <p className="text-xs text-slate-500 dark:text-slate-400" aria-live="polite">
          {matching.length === all.length ? `${count(all.length)} agents` : `${count(matching.length)} of ${count(all.length)} agents`}
          {matching.length > rows.length && ` · showing the first ${count(rows.length)}`}
        </p>
      </div>

      <div className="mt-3">
        {rows.length === 0 ? (
          <div className="rounded-md border border-dashed border-slate-300 bg-white px-4 py-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300">
            {all.length === 0 ? (
              <>
                No agent sent telemetry in {window.label.toLowerCase()}.{" "}
                {window.id !== "all" && <a className="link" href="/inventory?range=all">Look at all time</a>}
              </>
            ) : (
              <>
                No agent matches {q && <>“<Value value={q} max={60} />”</>}
                {surface && " on this surface"}. <a className="link" href={`/inventory?${rangeQuery(window)}`}>Clear filters</a>
              </>
            )}
          </div>
        ) : (
          <AgentsTable
            agents={rows}
            sort={sort}
            hrefFor={(s) => `/inventory?${params({ sort: s === "last" ? undefined : s })}`}
            agentHref={(a) => `/inventory/${a.key}?${rangeQuery(window)}`}
            newSince={window.from}
            now={now}
          />
        )}
      </div>
    </div>
  );
}

function Total({ label, value, title }: { label: string; value: number; title?: string }) {
  return (
    <div title={title}>
      <dt className="text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-base font-semibold tabular-nums">{count(value)}</dd>
    </div>
  );
}
