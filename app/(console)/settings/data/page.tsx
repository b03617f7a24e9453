import Link from "next/link";
import { DataPolicyForm } from "@/components/settings/data-policy-form";
import { DataPolicyView } from "@/components/settings/data-policy-view";
import { RescanControls } from "@/components/settings/rescan-controls";
import { Badge } from "@/components/ui/badge";
import { Card, CodeBlock } from "@/components/ui/card";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { activeJobs, lastFinishedJob } from "@/lib/jobs/queue";
import { KNOWN_TARGETS } from "@/lib/secrets/policy-schema";
import { getPolicyVersion, listPolicyVersions } from "@/lib/secrets/policy-store";
import { latestRescan, RESCAN_JOB_KIND, type RescanInfo } from "@/lib/secrets/rescan";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Data policy", "Settings") };

// Settings → Data: the tenant's data policy (what ingest keeps, masks, hashes or drops per field
// and attribute key), its editor, and every saved version with who, when and why.

function when(d: Date | undefined): string {
  return d ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC` : "–";
}

const FILE_USAGE = `npm run blindspot -- policy export [--tenant <slug>] > policy.yaml
npm run blindspot -- policy apply policy.yaml --reason "SEC-142: drop prompt text" [--tenant <slug>]`;

export default async function DataPolicyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser({ roles: ["admin"] });
  const params = await searchParams;
  const versions = await listPolicyVersions(user.tenantId);
  const currentVersion = versions[0]?.version ?? 0;
  const current = (await getPolicyVersion(user.tenantId, currentVersion))!;
  const asked = typeof params.version === "string" && /^\d{1,9}$/.test(params.version) ? Number(params.version) : null;
  const shown = asked !== null && asked !== currentVersion ? await getPolicyVersion(user.tenantId, asked) : null;
  const targets = [...KNOWN_TARGETS].sort();
  const [rescan, rescanJobs, lastJob] = await Promise.all([latestRescan(user.tenantId), activeJobs(user.tenantId, RESCAN_JOB_KIND), lastFinishedJob(user.tenantId, RESCAN_JOB_KIND)]);
  const open = rescan !== null && (rescan.status === "queued" || rescan.status === "running");
  // An open re-scan with no job left: its job gave up; say why (the error is content-free).
  const stalled = open && rescanJobs.length === 0 && lastJob?.status === "failed" ? lastJob.lastError : null;
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-600 dark:text-slate-300">
        What ingest stores of each content field and attribute key: <strong>keep</strong> it, <strong>mask</strong> the secrets in it (the default),{" "}
        <strong>hash</strong> it with a keyed digest (equal values still match), or <strong>drop</strong> it. Every save is a new version with its reason, written to
        the audit log; records carry the version they were stored under. A change applies to data received from then on.
      </p>
      <Card title={currentVersion === 0 ? "Current policy: the default (version 0)" : `Current policy: version ${currentVersion}`}>
        {currentVersion > 0 && (
          <p className="mb-3 text-xs text-slate-500 dark:text-slate-400" data-testid="current-version">
            Saved by {current.createdBy} at {when(current.createdAt)}: {current.reason}
          </p>
        )}
        <DataPolicyView policy={current.policy} label={`Rules of version ${currentVersion}`} />
      </Card>
      <Card title="Change the policy">
        <DataPolicyForm policy={current.policy} version={currentVersion} targets={targets} />
      </Card>
      <Card title="Stored data" aside={rescan && <span data-testid="rescan-state"><Badge tone={RESCAN_TONE[rescan.status]}>{rescan.status}</Badge></span>}>
        <p className="mb-3 max-w-3xl text-xs text-slate-600 dark:text-slate-300">
          A new version applies to data received from then on. To apply a stricter version to what is already stored, re-scan it: content is rewritten in
          batches (markers already in place are left as they are) and each record notes the version it now complies with.
        </p>
        {rescan && <RescanProgress rescan={rescan} stalled={stalled} />}
        <div className="mt-3">
          <RescanControls running={open && !stalled} />
        </div>
      </Card>
      {asked !== null && asked !== currentVersion && (
        <Card title={`Version ${asked}`}>
          {shown ? (
            <>
              <p className="mb-3 text-xs text-slate-500 dark:text-slate-400">
                {asked === 0 ? "The default, before any policy was saved." : `Saved by ${shown.createdBy} at ${when(shown.createdAt)}: ${shown.reason}`}
              </p>
              <DataPolicyView policy={shown.policy} label={`Rules of version ${asked}`} />
            </>
          ) : (
            <p className="text-xs text-slate-500 dark:text-slate-400">This tenant has no version {asked}.</p>
          )}
        </Card>
      )}
      <Card title="History">
        {versions.length === 0 ? (
          <p className="text-xs text-slate-500 dark:text-slate-400">No policy saved yet: the default applies (mask secrets everywhere, keep the rest).</p>
        ) : (
          <div data-testid="policy-history">
            <Table variant="bare" label="Policy versions">
              <THead>
                <tr>
                  <Th numeric>Version</Th>
                  <Th>Saved</Th>
                  <Th>By</Th>
                  <Th>Reason</Th>
                  <Th>
                    <span className="sr-only">View</span>
                  </Th>
                </tr>
              </THead>
              <TBody>
                {versions.map((v) => (
                  <Tr key={v.version}>
                    <Td numeric>{v.version}</Td>
                    <Td nowrap className="tabular-nums">{when(v.createdAt)}</Td>
                    <Td>{v.createdBy}</Td>
                    <Td className="[overflow-wrap:anywhere]">{v.reason}</Td>
                    <Td nowrap>
                      {v.version === currentVersion ? (
                        <span className="text-slate-500 dark:text-slate-400">current</span>
                      ) : (
                        <Link href={`/settings/data?version=${v.version}`} prefetch={false} className="link">
                          View
                        </Link>
                      )}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          </div>
        )}
      </Card>
      <Card title="As a file, for automation">
        <p className="mb-2 text-xs text-slate-600 dark:text-slate-300">
          The same policy as YAML, validated the same way; an apply is a new version in the history (by <code className="font-mono">cli</code>). Set{" "}
          <code className="font-mono">BLINDSPOT_DATA_POLICY_FILE</code> to apply a file to the default tenant at every start (nothing is saved when it already matches).
        </p>
        <CodeBlock label="Export and apply">{FILE_USAGE}</CodeBlock>
      </Card>
    </div>
  );
}

const RESCAN_TONE: Record<RescanInfo["status"], "slate" | "sky" | "emerald" | "red"> = { queued: "sky", running: "sky", done: "emerald", failed: "red", superseded: "slate" };

function RescanProgress({ rescan, stalled }: { rescan: RescanInfo; stalled: string | null }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-xs" data-testid="rescan-progress">
      <dt className="text-slate-500 dark:text-slate-400">Latest re-scan</dt>
      <dd>
        under version {rescan.policyVersion}, started by {rescan.startedBy} at {when(rescan.createdAt)}
        {rescan.finishedAt && `, ended ${when(rescan.finishedAt)}`}
      </dd>
      <dt className="text-slate-500 dark:text-slate-400">Progress</dt>
      <dd className="tabular-nums">
        {rescan.scanned} records scanned, {rescan.changed} rewritten{rescan.status === "running" || rescan.status === "queued" ? ` (now: ${rescan.tableName})` : ""}
      </dd>
      {stalled && (
        <>
          <dt className="text-slate-500 dark:text-slate-400">Stopped</dt>
          <dd className="text-red-800 dark:text-red-300">{stalled} — “Apply to stored data” resumes it.</dd>
        </>
      )}
    </dl>
  );
}
