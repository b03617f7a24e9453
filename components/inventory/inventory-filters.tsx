import { AGENT_SURFACES } from "@/lib/domain/vocabulary";
import type { SurfaceId } from "@/lib/queries/inventory/agent-ref";

// A plain GET form: filters live in the URL (shareable, back button works), no client code.
export function InventoryFilters({
  surface,
  q,
  range,
  sort,
  counts,
}: {
  surface: SurfaceId | undefined;
  q: string;
  /** The window's URL parameters (range=7d, or from/to). */
  range: [string, string][];
  sort: string;
  counts: Partial<Record<SurfaceId, number>>;
}) {
  const filtered = Boolean(surface || q);
  return (
    <form method="get" action="/inventory" role="search" aria-label="Filter agents" className="flex flex-wrap items-end gap-3">
      {range.map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      {sort !== "last" && <input type="hidden" name="sort" value={sort} />}
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-300">
        Surface
        <select name="surface" defaultValue={surface ?? ""} className="field min-w-40 py-1 text-sm">
          <option value="">All surfaces</option>
          {AGENT_SURFACES.filter((s) => s.id === surface || (counts[s.id] ?? 0) > 0).map((s) => (
            <option key={s.id} value={s.id}>
              {s.label} ({counts[s.id] ?? 0})
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-300">
        Agent, owner or version
        <input
          type="search"
          name="q"
          defaultValue={q}
          maxLength={200}
          placeholder="e.g. jon.snow, 2.1.197"
          className="field w-64 py-1 text-sm"
        />
      </label>
      <button type="submit" className="btn-secondary py-1">
        Apply
      </button>
      {filtered && (
        <a className="link pb-1.5 text-xs" href={`/inventory?${new URLSearchParams(range)}`}>
          Clear filters
        </a>
      )}
    </form>
  );
}
