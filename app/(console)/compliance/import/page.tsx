import Link from "next/link";
import { ImportForm } from "@/components/compliance/import-form";
import { requireUser } from "@/lib/auth/session";
import { listComplianceImports } from "@/lib/compliance/import";
import { formatTime } from "@/lib/presentation/format";

export const dynamic = "force-dynamic";

export default async function ComplianceImportPage() {
  const user = await requireUser({ roles: ["admin"] });
  const recent = await listComplianceImports(user.tenantId);
  return (
    <div className="mx-auto max-w-5xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/compliance">Compliance activity</Link> / Import
      </nav>
      <h1 className="text-lg font-semibold tracking-tight">Import Compliance API exports</h1>
      <p className="mt-1 max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        Activities, chats (with their messages), session transcripts, users and organizations, as JSON (an API response page, an array or one record) or NDJSON (one record per line; best for large files).
        Records already stored, by the connector or an earlier import, are recognised by id and skipped. Also from the server: <code className="font-mono">npm run blindspot -- compliance import &lt;file&gt;</code>.
      </p>
      <div className="mt-4">
        <ImportForm />
      </div>
      <h2 className="mb-2 mt-8 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Recent imports</h2>
      <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-xs">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Started</th>
              <th scope="col" className="px-3 py-2 font-medium">File</th>
              <th scope="col" className="px-3 py-2 font-medium">Status</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">New</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Already stored</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Rejected</th>
              <th scope="col" className="px-3 py-2 font-medium">By</th>
            </tr>
          </thead>
          <tbody>
            {recent.length === 0 && (
              <tr><td colSpan={7} className="px-3 py-3 text-center text-slate-500">No imports yet.</td></tr>
            )}
            {recent.map((r) => (
              <tr key={r.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="whitespace-nowrap px-3 py-1.5 font-mono text-slate-500">{formatTime(r.createdAt)}</td>
                <td className="px-3 py-1.5">{r.filename}</td>
                <td className="px-3 py-1.5">{r.status}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{r.accepted}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{r.duplicates}</td>
                <td className={`px-3 py-1.5 text-right tabular-nums ${r.rejected ? "text-red-700 dark:text-red-400" : ""}`}>{r.rejected}</td>
                <td className="px-3 py-1.5">{r.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
