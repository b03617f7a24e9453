import Link from "next/link";
import { AllowlistForm, ExceptionForm } from "@/components/rules/rule-forms";
import { EnabledBadge, EXCEPTION_FIELDS, LevelBadge, SERVICE_LABELS } from "@/components/rules/rule-badges";
import { Sparkline } from "@/components/rules/sparkline";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { effectiveLevel, isEnabled, loadPack } from "@/lib/detections/pack";
import { loadTuning } from "@/lib/detections/tuning";
import { DETECTION_SERVICES } from "@/lib/detections/types";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { ACTIVITY_DAYS, allowlistEntries, ruleActivity, ruleHealth } from "@/lib/queries/rules";
import { removeAllowlistAction, removeExceptionAction } from "./actions";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Rules") };

// The detection rules: every rule of the pack with its level, status, hits over the last 30 days
// and health, the files that did not load, and the tenant's allowlists and exceptions. Admins
// change them; analysts and managers read (managers without exception values, which may be content).
export default async function RulesPage() {
  const user = await requireUser();
  const pack = loadPack();
  const [tuning, activity, health, allowlist] = await Promise.all([
    loadTuning(user.tenantId), ruleActivity(user.tenantId), ruleHealth(user.tenantId), allowlistEntries(user.tenantId),
  ]);
  const enabledCount = pack.rules.filter((r) => isEnabled(r, tuning)).length;
  const titles = new Map(pack.rules.map((r) => [r.id, r.title]));

  return (
    <div className="mx-auto max-w-6xl space-y-4">
      <div>
        <h1 className="text-lg font-semibold tracking-tight">Detection rules</h1>
        <p className="mt-1 max-w-3xl text-xs text-slate-500 dark:text-slate-400">
          {pack.rules.length} Sigma rules ({enabledCount} enabled for {user.tenantSlug}), evaluated on every batch as it is stored and, for
          correlations, over a moving window. Hits are the last {ACTIVITY_DAYS} days of alerts. Rules live in <code>rules/</code> of the repository;
          <code> npm run blindspot -- rules check</code> validates them.
        </p>
      </div>

      {pack.errors.length > 0 && (
        <Card title={`Rule files that did not load (${pack.errors.length})`}>
          <p className="mb-2 text-xs text-slate-600 dark:text-slate-300">These files are skipped; every other rule runs.</p>
          <ul className="space-y-1 text-xs">
            {pack.errors.map((e, i) => (
              <li key={i} className="font-mono text-red-700 dark:text-red-400">
                {e.file}{e.line !== null ? `:${e.line}` : ""}: <span className="font-sans">{e.reason}</span>
              </li>
            ))}
          </ul>
        </Card>
      )}

      {DETECTION_SERVICES.map((service) => {
        const rules = pack.rules.filter((r) => r.service === service).sort((a, b) => a.title.localeCompare(b.title));
        if (rules.length === 0) return null;
        return (
          <Table
            key={service}
            region={{ labelledBy: `svc-${service}` }}
            labelledBy={`svc-${service}`}
            tableClassName="table-fixed"
            toolbar={
              <h2 id={`svc-${service}`} className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
                {SERVICE_LABELS[service]} · {rules.length}
              </h2>
            }
          >
            <THead>
              <tr>
                <Th>Rule</Th>
                <Th className="w-24 xl:w-28">Level</Th>
                <Th className="w-36 xl:w-52">Kind</Th>
                <Th className="w-24 xl:w-28">Status</Th>
                <Th className="w-28 xl:w-36">State</Th>
                <Th numeric className="w-28">Hits ({ACTIVITY_DAYS} d)</Th>
                <Th className="hidden w-32 xl:table-cell"><span className="sr-only">Hits per day</span></Th>
              </tr>
            </THead>
            <TBody>
              {rules.map((r) => {
                const a = activity.get(r.id);
                const h = health.get(r.id);
                return (
                  <Tr key={r.id}>
                    <Td>
                      <Link href={`/rules/${r.id}`} className="link">{r.title}</Link>
                    </Td>
                    <Td><LevelBadge level={effectiveLevel(r, tuning)} shipped={r.level} /></Td>
                    <Td muted>{r.kind === "correlation" ? `correlation (${r.correlation!.type})` : "single event"}</Td>
                    <Td muted>{r.status}</Td>
                    <Td>
                      <span className="inline-flex gap-1">
                        <EnabledBadge enabled={isEnabled(r, tuning)} />
                        {h?.lastError && <Badge tone="red" title={h.lastError}>failing</Badge>}
                      </span>
                    </Td>
                    <Td numeric>{formatCount(a?.hits ?? 0)}</Td>
                    <Td className="hidden xl:table-cell"><Sparkline values={a?.perDay ?? new Array(ACTIVITY_DAYS).fill(0)} label={`${a?.hits ?? 0} hits in ${ACTIVITY_DAYS} days`} /></Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        );
      })}

      <Card title="Allowlists">
        <p className="mb-2 max-w-3xl text-xs text-slate-600 dark:text-slate-300">
          Rules refer to these lists as <code>%mcp_servers%</code>, <code>%plugin_marketplaces%</code> and <code>%network_destinations%</code>: an
          allowlisted MCP server, marketplace or host raises no alert in those rules.
        </p>
        {allowlist.length === 0 ? (
          <p className="text-xs text-slate-500">No entries: every MCP server, third-party marketplace and egress destination counts as unknown.</p>
        ) : (
          <Table variant="bare" label="Allowlist entries" className="mb-3">
            <THead>
              <tr>
                <Th>List</Th>
                <Th>Value</Th>
                <Th>Why</Th>
                <Th>Added</Th>
                <Th><span className="sr-only">Actions</span></Th>
              </tr>
            </THead>
            <TBody>
              {allowlist.map((e) => (
                <Tr key={`${e.list}:${e.value}`}>
                  <Td mono nowrap>{e.list}</Td>
                  <Td mono className="[overflow-wrap:anywhere]">{e.value}</Td>
                  <Td>{e.reason}</Td>
                  <Td muted>{e.createdBy}, {formatTime(e.createdAt)}</Td>
                  <Td align="right">
                    {user.isAdmin && (
                      <form action={removeAllowlistAction}>
                        <input type="hidden" name="list" value={e.list} />
                        <input type="hidden" name="value" value={e.value} />
                        <button type="submit" className="link text-red-700 dark:text-red-400">Remove</button>
                      </form>
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        {user.isAdmin && <AllowlistForm />}
      </Card>

      <Card title="Exceptions">
        <p className="mb-2 max-w-3xl text-xs text-slate-600 dark:text-slate-300">
          A record whose field matches an exception raises no alert in that rule (or in any rule). Exceptions for one rule are added on its page.
        </p>
        {tuning.exceptions.length === 0 ? (
          <p className="text-xs text-slate-500">No exceptions.</p>
        ) : (
          <Table variant="bare" label="Exceptions" className="mb-3">
            <THead>
              <tr>
                <Th>Rule</Th>
                <Th>Match</Th>
                <Th>Why</Th>
                <Th>Added</Th>
                <Th><span className="sr-only">Actions</span></Th>
              </tr>
            </THead>
            <TBody>
              {tuning.exceptions.map((e) => (
                <Tr key={e.id}>
                  <Td>{e.ruleId ? <Link className="link" href={`/rules/${e.ruleId}`}>{titles.get(e.ruleId) ?? e.ruleId}</Link> : "every rule"}</Td>
                  <Td mono className="[overflow-wrap:anywhere]">
                    {e.field} {e.operator} {user.canReadContent ? `"${e.value}"` : <span className="font-sans italic text-slate-500">value hidden</span>}
                  </Td>
                  <Td>{e.reason}</Td>
                  <Td muted>{e.createdBy}, {formatTime(e.createdAt)}</Td>
                  <Td align="right">
                    {user.isAdmin && (
                      <form action={removeExceptionAction}>
                        <input type="hidden" name="id" value={e.id} />
                        <button type="submit" className="link text-red-700 dark:text-red-400">Remove</button>
                      </form>
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        {user.isAdmin && (
          <>
            <h3 className="mb-2 mt-3 text-xs font-medium">Add an exception for every rule</h3>
            <ExceptionForm ruleId={null} fields={EXCEPTION_FIELDS} />
          </>
        )}
      </Card>
    </div>
  );
}
