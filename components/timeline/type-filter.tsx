"use client";

import { useState } from "react";

// Which event types the prompt timeline shows. The rows are server HTML marked with
// data-event-type; hiding a type is one CSS rule, so the filter costs nothing per row and
// without JavaScript every row simply stays visible.

const LABELS: Record<string, string> = { tool_call: "tool calls" };

export function TimelineTypeFilter({ types }: { types: string[] }) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  if (types.length < 2) return null;
  const toggle = (t: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(t)) next.delete(t);
      else next.add(t);
      return next;
    });
  // Type names come from our own rendering (event.name values are [a-z_.]); quote them for the selector anyway.
  const css = [...hidden].map((t) => `[data-timeline] li[data-event-type="${t.replace(/["\\]/g, "")}"]{display:none}`).join("");
  return (
    <fieldset className="mb-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-300">
      <legend className="sr-only">Event types shown</legend>
      <span className="text-slate-500" aria-hidden>Show:</span>
      {types.map((t) => (
        <label key={t} className="inline-flex items-center gap-1">
          <input type="checkbox" checked={!hidden.has(t)} onChange={() => toggle(t)} data-type-filter={t} />
          {LABELS[t] ?? t.replace(/_/g, " ")}
        </label>
      ))}
      {css && <style>{css}</style>}
    </fieldset>
  );
}
