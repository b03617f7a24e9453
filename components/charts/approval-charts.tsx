"use client";

import { useRouter } from "next/navigation";
import { decisionSourceLabel } from "@/lib/domain/vocabulary";
import { exploreHref, type ExploreLink } from "@/lib/explore/url";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// Approval charts. Every bar is a link to the events behind it (the Explorer, filtered).

const SOURCE_COLORS: Record<string, string> = {
  config: "#64748b",
  hook: "#8b5cf6",
  user_permanent: "#f59e0b",
  user_temporary: "#0ea5e9",
  user_abort: "#f97316",
  user_reject: "#dc2626",
};


export function DecisionsOverTime({
  data,
  sources,
  bucket,
  filter,
}: {
  data: ({ bucket: string } & Record<string, number | string>)[];
  sources: string[];
  bucket: "hour" | "day";
  /** The page's filters, kept by the link to the decisions behind a bar. */
  filter: ExploreLink;
}) {
  const router = useRouter();
  const open = (bucketKey: string, source: string) => {
    const from = bucket === "hour" ? new Date(bucketKey) : new Date(`${bucketKey}T00:00:00Z`);
    const to = new Date(from.getTime() + (bucket === "hour" ? 3_600_000 : 86_400_000));
    router.push(exploreHref({ ...filter, name: "tool_decision", decisionSource: source, from, to }));
  };
  return (
    <div className="h-72 w-full" role="img" aria-label={`Tool decisions per ${bucket}, stacked by who or what decided`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#94a3b833" />
          <XAxis dataKey="bucket" tick={{ fontSize: 11 }} tickFormatter={(v: string) => (bucket === "hour" ? v.slice(5, 13).replace("T", " ") + "h" : v.slice(5))} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} label={{ value: "decisions", angle: -90, position: "insideLeft", fontSize: 11 }} />
          <Tooltip contentStyle={{ fontSize: 12 }} formatter={(v, name) => [String(v), decisionSourceLabel(String(name))]} />
          <Legend wrapperStyle={{ fontSize: 12 }} formatter={(v) => decisionSourceLabel(String(v))} />
          {sources.map((s) => (
            <Bar key={s} dataKey={s} stackId="d" fill={SOURCE_COLORS[s] ?? "#94a3b8"} cursor="pointer" onClick={(d) => open(String((d as unknown as { bucket: string }).bucket), s)} />
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
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="decision" tick={{ fontSize: 11 }} width={90} />
          <Tooltip contentStyle={{ fontSize: 12 }} formatter={(v, name) => [`${String(v)} tool executions`, String(name)]} />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="read" stackId="o" fill="#0ea5e9" cursor="pointer" onClick={(d) => router.push(`/approvals/office?decision=${(d as unknown as { decision: string }).decision}&readWrite=read${baseQuery}`)} />
          <Bar dataKey="write" stackId="o" fill="#f59e0b" cursor="pointer" onClick={(d) => router.push(`/approvals/office?decision=${(d as unknown as { decision: string }).decision}&readWrite=write${baseQuery}`)} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
