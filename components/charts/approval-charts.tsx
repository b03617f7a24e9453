"use client";

import { useRouter } from "next/navigation";
import { decisionSourceLabel } from "@/lib/domain/vocabulary";
import { exploreHref, type ExploreLink } from "@/lib/explore/url";
import { CHART_TEXT_CSS, DECISION_SOURCE_COLORS, OTHER_SOURCE_COLOR, READ_WRITE_COLORS } from "@/lib/presentation/chart-palette";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// Approval charts. Every bar is a link to the events behind it (the Explorer, filtered).

const tick = { fontSize: 11, fill: CHART_TEXT_CSS };

/** A legend whose text keeps the page's text colour (legible in both themes); the swatch carries the series colour. */
function ChartLegend({ items }: { items: { label: string; color: string }[] }) {
  return (
    <ul className="flex flex-wrap justify-center gap-x-4 gap-y-1 text-xs" style={{ color: CHART_TEXT_CSS }}>
      {items.map((i) => (
        <li key={i.label} className="flex items-center gap-1.5">
          <span aria-hidden className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: i.color }} />
          {i.label}
        </li>
      ))}
    </ul>
  );
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

export function DecisionsOverTime({
  data,
  sources,
  bucket,
  filter,
}: {
  data: ({ bucket: string } & Record<string, number | string>)[];
  sources: string[];
  bucket: "hour" | "day" | "week";
  /** The page's filters, kept by the link to the decisions behind a bar. */
  filter: ExploreLink;
}) {
  const router = useRouter();
  const open = (bucketKey: string, source: string) => {
    const from = bucket === "hour" ? new Date(bucketKey) : new Date(`${bucketKey}T00:00:00Z`);
    const to = new Date(from.getTime() + BUCKET_MS[bucket]);
    router.push(exploreHref({ ...filter, name: "tool_decision", decisionSource: source, from, to }));
  };
  return (
    <div className="h-72 w-full" role="img" aria-label={`Tool decisions per ${bucket}, stacked by who or what decided`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" />
          <XAxis dataKey="bucket" tick={tick} minTickGap={8} tickFormatter={(v: string) => (bucket === "hour" ? v.slice(5, 13).replace("T", " ") + "h" : v.slice(5))} />
          <YAxis allowDecimals={false} tick={tick} label={{ value: "decisions", angle: -90, position: "insideLeft", fontSize: 11, fill: CHART_TEXT_CSS }} />
          <Tooltip contentStyle={{ fontSize: 12 }} formatter={(v, name) => [String(v), decisionSourceLabel(String(name))]} />
          <Legend content={() => <ChartLegend items={sources.map((x) => ({ label: decisionSourceLabel(x), color: DECISION_SOURCE_COLORS[x] ?? OTHER_SOURCE_COLOR }))} />} />
          {sources.map((s) => (
            <Bar key={s} dataKey={s} stackId="d" fill={DECISION_SOURCE_COLORS[s] ?? OTHER_SOURCE_COLOR} cursor="pointer" onClick={(d) => open(String((d as unknown as { bucket: string }).bucket), s)} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function OfficeDecisions({ data, baseQuery }: { data: { decision: string; read: number; write: number; other: number }[]; baseQuery: string }) {
  const router = useRouter();
  return (
    <div className="h-56 w-full" role="img" aria-label="Office tool executions by accept decision, split by read and write">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 24 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" />
          <XAxis type="number" allowDecimals={false} tick={tick} />
          <YAxis type="category" dataKey="decision" tick={tick} width={90} />
          <Tooltip contentStyle={{ fontSize: 12 }} formatter={(v, name) => [`${String(v)} tool executions`, String(name)]} />
          <Legend verticalAlign="top" content={() => <ChartLegend items={[{ label: "read", color: READ_WRITE_COLORS.read }, { label: "write", color: READ_WRITE_COLORS.write }]} />} />
          <Bar dataKey="read" stackId="o" fill={READ_WRITE_COLORS.read} cursor="pointer" onClick={(d) => router.push(`/approvals/office?decision=${(d as unknown as { decision: string }).decision}&readWrite=read${baseQuery}`)} />
          <Bar dataKey="write" stackId="o" fill={READ_WRITE_COLORS.write} cursor="pointer" onClick={(d) => router.push(`/approvals/office?decision=${(d as unknown as { decision: string }).decision}&readWrite=write${baseQuery}`)} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
