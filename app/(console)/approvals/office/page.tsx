import Link from "next/link";
import { AcceptDecisionBadge, Badge } from "@/components/ui/badge";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { officeAppLabel } from "@/lib/domain/vocabulary";
import { formatTime } from "@/lib/presentation/format";
import { officeToolExecutions } from "@/lib/queries/office-executions";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Office approvals") };

/** The Office tool executions behind an approvals-dashboard number. */
export default async function OfficeDecisionsPage({ searchParams }: { searchParams: Promise<{ decision?: string; readWrite?: string; user?: string; range?: string; from?: string; to?: string }> }) {
  const user = await requireUser();
  const p = await searchParams;
  const w = await consoleWindow(p);
  const rows = await officeToolExecutions(user.tenantId, { decision: p.decision, readWrite: p.readWrite, user: p.user, from: w.from, to: w.to });
  return (
    <div className="mx-auto max-w-6xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500"><Link className="link" href={`/approvals?${rangeQuery(w)}`}>Approvals</Link> / Office tool executions</nav>
      <h1 className="text-lg font-semibold tracking-tight">Office tool executions{p.decision ? `: ${p.decision}` : ""}{p.readWrite ? `, ${p.readWrite}` : ""}{p.user ? `, ${p.user}` : ""}</h1>
      <p className="mt-1 text-xs text-slate-500">{rows.length} shown, {w.label.toLowerCase()}.</p>
      <Table className="mt-4">
        <THead>
          <tr>
            <Th>Time</Th>
            <Th>User</Th>
            <Th>App</Th>
            <Th>Tool</Th>
            <Th>Decision</Th>
            <Th>Read/write</Th>
            <Th>Result</Th>
          </tr>
        </THead>
        <TBody>
          {rows.map((r) => (
            <Tr key={`${r.trace_id}/${r.span_id}`}>
              <Td nowrap mono><Link className="link" href={`/traces/${r.trace_id}`}>{formatTime(r.start_time)}</Link></Td>
              <Td>{r.user_email ?? "–"}</Td>
              <Td>{r.surface ? officeAppLabel(r.surface) : "–"}</Td>
              <Td mono>{r.tool_name ?? "–"}</Td>
              <Td><AcceptDecisionBadge decision={r.decision} /></Td>
              <Td>{r.read_write ?? "–"}</Td>
              <Td>{r.success === false ? <Badge tone="red">failed</Badge> : r.success ? <Badge tone="emerald">ok</Badge> : "–"}</Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
