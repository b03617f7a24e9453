import Link from "next/link";
import { AcceptDecisionBadge, Badge } from "@/components/ui/badge";
import { requireUser } from "@/lib/auth/session";
import { getPool } from "@/lib/db/pool";
import { officeAppLabel } from "@/lib/domain/vocabulary";
import { formatTime } from "@/lib/presentation/format";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";

export const dynamic = "force-dynamic";

/** The Office tool executions behind an approvals-dashboard number. */
export default async function OfficeDecisionsPage({ searchParams }: { searchParams: Promise<{ decision?: string; readWrite?: string; range?: string; from?: string; to?: string }> }) {
  const user = await requireUser();
  const p = await searchParams;
  const w = await consoleWindow(p);
  const { rows } = await getPool().query<{ trace_id: string; span_id: string; start_time: Date; tool_name: string | null; decision: string | null; read_write: string | null; success: boolean | null; user_email: string | null; surface: string | null }>(
    `SELECT s.trace_id, s.span_id, s.start_time, s.tool_name, s.decision, s.read_write, s.success,
            COALESCE(s.user_email, q.user_email) AS user_email, COALESCE(s.surface, q.surface) AS surface
     FROM spans s
     LEFT JOIN LATERAL (SELECT user_email, surface FROM spans r WHERE r.tenant_id = s.tenant_id AND r.trace_id = s.trace_id AND r.name = 'agent.query' LIMIT 1) q ON true
     WHERE s.tenant_id = $1 AND s.name = 'agent.tool_execution' AND ($2::text IS NULL OR s.decision = $2) AND ($3::text IS NULL OR s.read_write = $3)
       AND ($4::timestamptz IS NULL OR s.start_time >= $4) AND ($5::timestamptz IS NULL OR s.start_time < $5)
     ORDER BY s.start_time DESC LIMIT 500`,
    [user.tenantId, p.decision || null, p.readWrite || null, w.from ?? null, w.to ?? null],
  );
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
