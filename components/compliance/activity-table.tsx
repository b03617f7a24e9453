import Link from "next/link";
import { Badge } from "@/components/ui/badge";
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
    <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-left text-xs">
        <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">Time</th>
            <th scope="col" className="px-3 py-2 font-medium">Type</th>
            <th scope="col" className="px-3 py-2 font-medium">Actor</th>
            <th scope="col" className="px-3 py-2 font-medium">Organization</th>
            <th scope="col" className="px-3 py-2 font-medium">IP</th>
            <th scope="col" className="px-3 py-2 font-medium">Details</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => {
            const person = a.actorEmail ?? a.actorUserId;
            return (
              <tr key={a.id} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                <td className="whitespace-nowrap px-3 py-1.5 font-mono text-slate-500">{formatTime(a.createdAt)}</td>
                <td className="px-3 py-1.5 font-mono">{a.type}</td>
                <td className="px-3 py-1.5">
                  {person ? <Link className="link" href={`/people/${encodeURIComponent(person)}`}>{person}</Link> : <span className="text-slate-500">–</span>}
                  {a.actorType && a.actorType !== "user_actor" && <> <Badge>{a.actorType.replace(/_actor$/, "")}</Badge></>}
                </td>
                <td className="px-3 py-1.5 font-mono text-slate-600 dark:text-slate-300">{a.organizationId ?? "–"}</td>
                <td className="px-3 py-1.5 font-mono text-slate-600 dark:text-slate-300">{a.actorIp ?? "–"}</td>
                <td className="max-w-xl px-3 py-1.5">
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
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
