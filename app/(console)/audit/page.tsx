import { auditEntriesFor } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { formatTime } from "@/lib/presentation/format";

export const dynamic = "force-dynamic";

// Admins: who viewed content, who signed in, who changed tokens and users. Entries of no tenant
// (instance settings, ownership, failed sign-ins of unknown emails) are for owners only.
export default async function AuditPage() {
  const user = await requireUser({ roles: ["admin"] });
  const entries = await auditEntriesFor(user);
  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-lg font-semibold tracking-tight">Audit log</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">The latest {entries.length} entries for tenant {user.tenantSlug}{user.isOwner ? " and the instance" : ""}.</p>
      <div className="mt-4 overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-xs">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Time</th>
              <th scope="col" className="px-3 py-2 font-medium">Actor</th>
              <th scope="col" className="px-3 py-2 font-medium">Action</th>
              <th scope="col" className="px-3 py-2 font-medium">Target</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={String(e.id)} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="whitespace-nowrap px-3 py-1.5 font-mono text-slate-500">{formatTime(e.at)}</td>
                <td className="px-3 py-1.5">{e.actor}</td>
                <td className="px-3 py-1.5 font-mono">
                  {e.action}
                  {e.tenantId === null && <span className="ml-1.5 font-sans text-[11px] text-slate-500">(instance)</span>}
                </td>
                <td className="px-3 py-1.5 font-mono [overflow-wrap:anywhere]">{e.target ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
