import { auditEntriesFor } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { formatTime } from "@/lib/presentation/format";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Audit log") };

// Admins: who viewed content, who signed in, who changed tokens and users. Entries of no tenant
// (instance settings, ownership, failed sign-ins of unknown emails) are for owners only.
export default async function AuditPage() {
  const user = await requireUser({ roles: ["admin"] });
  const entries = await auditEntriesFor(user);
  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-lg font-semibold tracking-tight">Audit log</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">The latest {entries.length} entries for tenant {user.tenantSlug}{user.isOwner ? " and the instance" : ""}.</p>
      <Table className="mt-4">
        <THead>
          <tr>
            <Th>Time</Th>
            <Th>Actor</Th>
            <Th>Action</Th>
            <Th>Target</Th>
          </tr>
        </THead>
        <TBody>
          {entries.map((e) => (
            <Tr key={String(e.id)}>
              <Td nowrap mono muted>{formatTime(e.at)}</Td>
              <Td>{e.actor}</Td>
              <Td mono>
                {e.action}
                {e.tenantId === null && <span className="ml-1.5 font-sans text-[11px] text-slate-500">(instance)</span>}
              </Td>
              <Td mono className="[overflow-wrap:anywhere]">{e.target ?? ""}</Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
