import Link from "next/link";
import { AcceptDecisionBadge, Badge } from "@/components/ui/badge";
import { requireUser } from "@/lib/auth/session";
import { officeAppLabel } from "@/lib/domain/vocabulary";
import { formatTime } from "@/lib/presentation/format";
import { officeToolExecutions } from "@/lib/queries/office-executions";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";

export const dynamic = "force-dynamic";

/** The Office tool executions behind an approvals-dashboard number. */
export default async function OfficeDecisionsPage({ searchParams }: { searchParams: Promise<{ decision?: string; readWrite?: string; range?: string; from?: string; to?: string }> }) {
  const user = await requireUser();
  const p = await searchParams;
  const w = await consoleWindow(p);
  const rows = await officeToolExecutions(user.tenantId, { decision: p.decision, readWrite: p.readWrite, from: w.from, to: w.to });
  return (
    <div className="mx-auto max-w-6xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500"><Link className="link" href={`/approvals?${rangeQuery(w)}`}>Approvals</Link> / Office tool executions</nav>
      <h1 className="text-lg font-semibold tracking-tight">Office tool executions{p.decision ? `: ${p.decision}` : ""}{p.readWrite ? `, ${p.readWrite}` : ""}</h1>
      <p className="mt-1 text-xs text-slate-500">{rows.length} shown, {w.label.toLowerCase()}.</p>
      <div className="mt-4 overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-xs">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Time</th>
              <th scope="col" className="px-3 py-2 font-medium">User</th>
              <th scope="col" className="px-3 py-2 font-medium">App</th>
              <th scope="col" className="px-3 py-2 font-medium">Tool</th>
              <th scope="col" className="px-3 py-2 font-medium">Decision</th>
              <th scope="col" className="px-3 py-2 font-medium">Read/write</th>
              <th scope="col" className="px-3 py-2 font-medium">Result</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.trace_id}/${r.span_id}`} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="whitespace-nowrap px-3 py-1.5 font-mono"><Link className="link" href={`/traces/${r.trace_id}`}>{formatTime(r.start_time)}</Link></td>
                <td className="px-3 py-1.5">{r.user_email ?? "–"}</td>
                <td className="px-3 py-1.5">{r.surface ? officeAppLabel(r.surface) : "–"}</td>
                <td className="px-3 py-1.5 font-mono">{r.tool_name ?? "–"}</td>
                <td className="px-3 py-1.5"><AcceptDecisionBadge decision={r.decision} /></td>
                <td className="px-3 py-1.5">{r.read_write ?? "–"}</td>
                <td className="px-3 py-1.5">{r.success === false ? <Badge tone="red">failed</Badge> : r.success ? <Badge tone="emerald">ok</Badge> : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
