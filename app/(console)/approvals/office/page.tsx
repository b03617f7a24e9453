import Link from "next/link";
import { AcceptDecisionBadge, Badge } from "@/components/ui/badge";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { getPool } from "@/lib/db/pool";
import { formatTime } from "@/lib/presentation/format";
import { SURFACE_LABELS } from "@/lib/presentation/labels";
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
              <Td>{r.surface ? (SURFACE_LABELS[r.surface] ?? r.surface) : "–"}</Td>
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
