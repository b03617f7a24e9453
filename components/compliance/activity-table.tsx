import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { NoValue, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { formatTime } from "@/lib/presentation/format";
import type { ActivityRow } from "@/lib/queries/compliance-activities";

function compact(details: ActivityRow["details"]): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== "")
    .slice(0, 4)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("  ");
}

/** Compliance activities, newest first; type-specific fields inline, the whole record one click away. */
export function ActivityTable({ rows }: { rows: ActivityRow[] }) {
  if (rows.length === 0) {
    return <p className="rounded-md border border-dashed border-slate-300 px-3 py-4 text-center text-xs text-slate-500 dark:border-slate-700">No Compliance activities match. Widen the time range, or configure the connector in Settings → Compliance API.</p>;
  }
  return (
    <Table>
      <THead>
        <tr>
          <Th>Time</Th>
          <Th>Type</Th>
          <Th>Actor</Th>
          <Th>Organization</Th>
          <Th>IP</Th>
          <Th>Details</Th>
        </tr>
      </THead>
      <TBody>
        {rows.map((a) => {
          const person = a.actorEmail ?? a.actorUserId;
          return (
            <Tr key={a.id}>
              <Td nowrap mono muted>{formatTime(a.createdAt)}</Td>
              <Td nowrap mono>{a.type}</Td>
              <Td>
                {person ? <Link className="link" href={`/people/${encodeURIComponent(person)}`}>{person}</Link> : <NoValue />}
                {a.actorType && a.actorType !== "user_actor" && <> <Badge>{a.actorType.replace(/_actor$/, "")}</Badge></>}
              </Td>
              <Td mono>{a.organizationId ?? "–"}</Td>
              <Td mono>{a.actorIp ?? "–"}</Td>
              {/* Last and elastic: the width the other columns leave, the summary cut to it (as the Explorer's Content). */}
              <Td className="w-full min-w-48 max-w-0">
                <details>
                  <summary className="cursor-pointer truncate text-slate-600 dark:text-slate-300">
                    {compact(a.details) || (a.hiddenKeys.length ? "" : "(no extra fields)")}
                    {a.hiddenKeys.length > 0 && <span className="text-slate-500"> {a.hiddenKeys.length} field{a.hiddenKeys.length === 1 ? "" : "s"} hidden for your role</span>}
                  </summary>
                  <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded bg-slate-100 p-2 font-mono text-[11px] dark:bg-slate-950">
                    {JSON.stringify({ id: a.id, origin: a.origin, actorUserAgent: a.actorUserAgent, ...a.details }, null, 2)}
                  </pre>
                </details>
                {a.hiddenKeys.length > 0 && (
                  <p className="text-[11px] text-slate-500 dark:text-slate-400" data-testid="activity-hidden">
                    Hidden: {a.hiddenKeys.join(", ")}
                  </p>
                )}
              </Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}
