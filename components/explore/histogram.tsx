"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Bar, BarChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { EXPLORE_PATH } from "@/lib/explore/url";
import { formatEventCount } from "./format";

// Matching events over time, above the Explorer's table. Drag across the bars (or click one) to
// narrow the view to that time: the selection becomes explicit from/to bounds in the URL.

interface Props {
  buckets: Array<{ start: string; count: number }>;
  bucketMs: number;
  total: { count: number; exact: boolean };
  /** The current view's parameters without its time bounds, paging or panel. */
  viewParams: string;
}

const MINUTE = 60_000;

/** An axis label as short as the bucket width allows (UTC). */
function tick(iso: string, bucketMs: number): string {
  if (bucketMs >= 24 * 60 * MINUTE) return iso.slice(5, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function bucketText(iso: string, bucketMs: number): string {
  const end = new Date(new Date(iso).getTime() + bucketMs).toISOString();
  return `${iso.slice(0, 16).replace("T", " ")} → ${end.slice(0, 16).replace("T", " ")} UTC`;
}

export function ExploreHistogram({ buckets, bucketMs, total, viewParams }: Props) {
  const router = useRouter();
  const [anchor, setAnchor] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);

  const select = (a: number, b: number) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const from = buckets[lo]?.start;
    const last = buckets[hi]?.start;
    if (!from || !last) return;
    const p = new URLSearchParams(viewParams);
    for (const k of ["range", "from", "to", "cursor", "event"]) p.delete(k);
    p.set("from", from);
    p.set("to", new Date(new Date(last).getTime() + bucketMs).toISOString());
    router.push(`${EXPLORE_PATH}?${p}`);
  };

  const index = (state: unknown): number | null => {
    const i = (state as { activeTooltipIndex?: number | string | null } | null)?.activeTooltipIndex;
    const n = typeof i === "string" ? Number(i) : i;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null;
  };

  const data = buckets.map((b, i) => ({ i, start: b.start, count: b.count }));
  const selecting = anchor !== null && hover !== null;
  const countText = formatEventCount(total.count, total.exact);

  return (
    <section aria-label="Matching events over time" className="rounded-md border border-slate-200 bg-white px-3 pb-1 pt-2 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-baseline justify-between gap-3">
        <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="explore-count">
          <span className="font-semibold text-slate-900 dark:text-slate-100">{countText}</span>
          {total.exact ? "" : " (estimated)"}
        </p>
        <p className="text-[11px] text-slate-500 dark:text-slate-400">Drag across the bars to zoom into that time · one bar = {formatBucket(bucketMs)}</p>
      </div>
      {buckets.length === 0 ? null : (
        <div className="h-24 w-full select-none" role="img" aria-label={`Histogram: ${countText} in ${buckets.length} buckets of ${formatBucket(bucketMs)}`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={data}
              margin={{ top: 4, right: 4, bottom: 0, left: 0 }}
              barCategoryGap={1}
              onMouseDown={(state) => {
                const i = index(state);
                if (i !== null) {
                  setAnchor(i);
                  setHover(i);
                }
              }}
              onMouseMove={(state) => {
                if (anchor !== null) setHover(index(state) ?? hover);
              }}
              onMouseUp={(state) => {
                const end = index(state) ?? hover;
                if (anchor !== null && end !== null) select(anchor, end);
                setAnchor(null);
                setHover(null);
              }}
              onMouseLeave={() => {
                setAnchor(null);
                setHover(null);
              }}
              style={{ cursor: "crosshair" }}
            >
              <XAxis dataKey="i" tickFormatter={(i: number) => (data[i] ? tick(data[i].start, bucketMs) : "")} tick={{ fontSize: 10 }} minTickGap={24} tickLine={false} />
              <YAxis allowDecimals={false} tick={{ fontSize: 10 }} width={36} tickLine={false} axisLine={false} />
              <Tooltip
                cursor={{ fill: "#0ea5e922" }}
                contentStyle={{ fontSize: 11, padding: "2px 6px" }}
                labelFormatter={(i) => (data[Number(i)] ? bucketText(data[Number(i)].start, bucketMs) : "")}
                formatter={(v) => [String(v), "events"]}
              />
              <Bar dataKey="count" fill="#0284c7" isAnimationActive={false} />
              {selecting && <ReferenceArea x1={Math.min(anchor, hover)} x2={Math.max(anchor, hover)} fill="#0ea5e9" fillOpacity={0.25} />}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}

function formatBucket(ms: number): string {
  if (ms % (24 * 60 * MINUTE) === 0) return `${ms / (24 * 60 * MINUTE)} d`;
  if (ms % (60 * MINUTE) === 0) return `${ms / (60 * MINUTE)} h`;
  return `${Math.round(ms / MINUTE)} min`;
}
