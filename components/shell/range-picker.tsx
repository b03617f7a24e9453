"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useState, useTransition } from "react";
import { chooseRange } from "@/lib/actions/console";
import { hasRange, parseTimeParam, RANGE_PARAMS, rangeQuery, RANGES, timeWindow, type RangeId } from "@/lib/time-range";

// The console's time range: presets, or absolute From/To in UTC (the console shows every time in
// UTC). Choosing one stores it (chooseRange), so it stays across pages until changed.

/** The current page, for coming back to it with the chosen range. */
function useCurrentPath(): string {
  const pathname = usePathname();
  const params = useSearchParams();
  const qs = params.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/** A datetime-local value ("2026-11-22T02:15") in UTC. */
function localValue(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 16) : "";
}

/** One click to a preset (e.g. "Show the last 30 days"): stores it and reopens this page with it. */
export function RangeButton({ range, children, className }: { range: RangeId; children: React.ReactNode; className?: string }) {
  const next = useCurrentPath();
  return (
    <form action={chooseRange}>
      <input type="hidden" name="range" value={range} />
      <input type="hidden" name="next" value={next} />
      <button type="submit" className={className ?? "btn-primary py-1 text-xs"}>
        {children}
      </button>
    </form>
  );
}

/** Absolute bounds, typed as UTC (native datetime-local inputs). */
function CustomRange({ initialFrom, initialTo, next }: { initialFrom: Date | undefined; initialTo: Date | undefined; next: string }) {
  const [from, setFrom] = useState(localValue(initialFrom));
  const [to, setTo] = useState(localValue(initialTo));
  const fromDate = parseTimeParam(from);
  const toDate = parseTimeParam(to);
  const problem = !from && !to ? "Set From, To or both" : fromDate && toDate && fromDate >= toDate ? "From must be before To" : null;
  return (
    <form action={chooseRange} className="flex items-center gap-1" aria-label="Absolute time range (UTC)">
      <input type="hidden" name="range" value="custom" />
      <input type="hidden" name="next" value={next} />
      <input type="datetime-local" name="from" aria-label="From (UTC)" className="field w-44 py-1 text-xs" value={from} onChange={(e) => setFrom(e.target.value)} />
      <span aria-hidden>→</span>
      <input type="datetime-local" name="to" aria-label="To (UTC)" className="field w-44 py-1 text-xs" value={to} onChange={(e) => setTo(e.target.value)} />
      <span>UTC</span>
      <button type="submit" className="btn-secondary py-1 text-xs" disabled={problem !== null} title={problem ?? undefined}>
        Apply
      </button>
      {problem && from && to && (
        <span role="status" className="text-red-700 dark:text-red-400">
          {problem}
        </span>
      )}
    </form>
  );
}

export function RangePicker({ sticky }: { sticky: string | null }) {
  const params = useSearchParams();
  const next = useCurrentPath();
  const [pending, startTransition] = useTransition();
  // The URL's range wins; without one the page shows the stored choice (see lib/console-range).
  const fromUrl = Object.fromEntries(RANGE_PARAMS.map((k) => [k, params.get(k)]));
  const current = timeWindow(hasRange(fromUrl) ? fromUrl : Object.fromEntries(new URLSearchParams(sticky ?? "")));
  const [customOpen, setCustomOpen] = useState(false);
  const showCustom = customOpen || current.id === "custom";

  function choosePreset(id: string) {
    if (id === "custom") {
      setCustomOpen(true);
      return;
    }
    setCustomOpen(false);
    const form = new FormData();
    form.set("range", id);
    form.set("next", next);
    startTransition(() => chooseRange(form));
  }

  return (
    <div className="flex flex-wrap items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400" aria-busy={pending}>
      <label htmlFor="range-preset">Time range</label>
      <select
        id="range-preset"
        className="field py-1 text-xs"
        value={showCustom ? "custom" : current.id}
        disabled={pending}
        onChange={(e) => choosePreset(e.target.value)}
      >
        {RANGES.map((r) => (
          <option key={r.id} value={r.id}>
            {r.label}
          </option>
        ))}
        <option value="custom">From / to…</option>
      </select>
      {showCustom && <CustomRange key={rangeQuery(current)} initialFrom={current.from} initialTo={current.to} next={next} />}
    </div>
  );
}
