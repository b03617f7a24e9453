import Link from "next/link";
import { ImportForm } from "@/components/compliance/import-form";
import { TBody, THead, Table, TableEmpty, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { listComplianceImports } from "@/lib/compliance/import";
import { formatTime } from "@/lib/presentation/format";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Import", "Compliance activity") };

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
      <Table>
        <THead>
          <tr>
            <Th>Started</Th>
            <Th>File</Th>
            <Th>Status</Th>
            <Th numeric>New</Th>
            <Th numeric>Already stored</Th>
            <Th numeric>Rejected</Th>
            <Th>By</Th>
          </tr>
        </THead>
        <TBody>
          {recent.length === 0 && (
            <TableEmpty colSpan={7}>No imports yet.</TableEmpty>
          )}
          {recent.map((r) => (
            <Tr key={r.id}>
              <Td nowrap mono muted>{formatTime(r.createdAt)}</Td>
              <Td>{r.filename}</Td>
              <Td>{r.status}</Td>
              <Td numeric>{r.accepted}</Td>
              <Td numeric>{r.duplicates}</Td>
              <Td numeric className={r.rejected ? "text-red-700 dark:text-red-400" : ""}>{r.rejected}</Td>
              <Td>{r.createdBy}</Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
