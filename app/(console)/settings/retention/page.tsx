import { RetentionForm } from "@/components/privacy/retention-form";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { lastFinishedJob } from "@/lib/jobs/queue";
import { listErasures } from "@/lib/privacy/erase";
import { RETENTION_JOB_KIND, getRetention, tableSizes, type TableSize } from "@/lib/privacy/retention";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Data retention", "Settings") };

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const days = (n: number | null) => (n === null ? "forever" : `${n} days`);
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "the start");

/** "9 daily, 2026-11-01 → 2026-12-12, + default": partitions by day, the span they cover (end exclusive). */
function describePartitions(p: TableSize["partitions"]): string {
  if (!p) return "—";
  const ranged = p.count - (p.hasDefault ? 1 : 0);
  return `${ranged}${ranged ? `, ${day(p.from)} → ${day(p.to)}` : ""}${p.hasDefault ? ", + default" : ""}`;
}

export default async function RetentionPage() {
  const admin = await requireUser({ roles: ["admin"] });
  const [retention, sizes, last, erasures] = await Promise.all([
    getRetention(admin.tenantId), tableSizes(), lastFinishedJob(admin.tenantId, RETENTION_JOB_KIND), listErasures(admin.tenantId, 20),
  ]);
  return (
    <div className="space-y-6">
      <div className="space-y-2">
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Now: content kept {days(retention.contentDays)}, records kept {days(retention.metadataDays)}
          {retention.from === "environment"
            ? " (the instance default: BLINDSPOT_CONTENT_RETENTION_DAYS, BLINDSPOT_METADATA_RETENTION_DAYS)"
            : ` (set by ${retention.updatedBy} ${formatTime(retention.updatedAt)})`}.
          {last ? ` Last pass ${formatTime(last.finishedAt)}: ${last.status}${last.lastError ? ` (${last.lastError})` : ""}.` : " No pass has run yet."}
          {" "}Alerts and the audit log are kept. Whole daily partitions older than every tenant&apos;s record retention are dropped; the rest goes in small batches.
        </p>
        <RetentionForm contentDays={retention.contentDays} metadataDays={retention.metadataDays} />
      </div>

      <section>
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Stored data (whole database)</h2>
        <Table>
          <THead>
            <tr><Th>Table</Th><Th numeric>Rows</Th><Th numeric>Size on disk</Th><Th>Partitions (by day)</Th></tr>
          </THead>
          <TBody>
            {sizes.map((s) => (
              <Tr key={s.table}>
                <Td mono>{s.table}</Td>
                <Td numeric>{s.estimated ? "≈" : ""}{formatCount(s.rows)}</Td>
                <Td numeric>{formatBytes(s.bytes)}</Td>
                <Td mono muted>{describePartitions(s.partitions)}</Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      </section>

      <section>
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Erasures</h2>
        {erasures.length === 0 ? (
          <p className="text-xs text-slate-500">None. Erase a person from their page (People) or with `npm run blindspot -- people erase`.</p>
        ) : (
          <Table>
            <THead>
              <tr><Th>Pseudonym</Th><Th>Requested</Th><Th>By</Th><Th>Reason</Th><Th>Status</Th></tr>
            </THead>
            <TBody>
              {erasures.map((e) => (
                <Tr key={e.id}>
                  <Td mono>{e.pseudonym}</Td>
                  <Td mono muted>{formatTime(e.requestedAt)}</Td>
                  <Td>{e.requestedBy}</Td>
                  <Td>{e.reason}</Td>
                  <Td>{e.status}{e.lastError ? `: ${e.lastError}` : ""}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </section>
    </div>
  );
}
