import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, SourceBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { recordContentView } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { formatCost, formatCount, formatDuration, formatTime, personLabel } from "@/lib/presentation/format";
import type { ApiEvent } from "@/lib/queries/events";
import { sessionOverview, type SessionTrace } from "@/lib/queries/sessions";
import { officeAppLabel, sourceLabel } from "@/lib/domain/vocabulary";
import { recordTitle } from "@/lib/presentation/page-title";
import { PersonPivot } from "@/components/pivot/person-pivot";
import { ModeChange } from "@/components/timeline/timeline-view";
import { personHref, promptHref } from "@/lib/presentation/links";

export const dynamic = "force-dynamic";

/** The person a session of traces only names (no events): their page when the trace names one. */
function TracedPerson({ href, label }: { href: string | null; label: string }) {
  return href ? <Link className="link" href={href}>{label}</Link> : <>{label}</>;
}

export async function generateMetadata({ params }: { params: Promise<{ sessionId: string }> }) {
  return { title: recordTitle("Session", (await params).sessionId) };
}

function text(e: ApiEvent | undefined, key: string): string | null {
  const v = e?.attributes[key];
  return typeof v === "string" ? v : null;
}

export default async function SessionPage({ params }: { params: Promise<{ sessionId: string }> }) {
  const sessionId = decodeURIComponent((await params).sessionId);
  const user = await requireUser();
  const session = await sessionOverview(user.tenantId, sessionId, user.canReadContent);
  if (!session) notFound();
  if (user.canReadContent) await recordContentView(user.tenantId, user.email, `session:${sessionId}`);

  const first = session.first;
  const prompts = session.prompts;
  const modeChanges = session.modeChanges;
  const startup = session.outsidePrompts;
  const hostPaths = session.workspacePaths;
  const resource = first?.resource ?? {};
  // A session of traces only (an Office agent session) is described by its traces' spans.
  const traced = session.traces.find((t) => t.userEmail || t.accountUuid) ?? session.traces[0];
  const person = first
    ? personLabel(first.user)
    : traced && personLabel({ email: traced.userEmail, enduserId: null, accountUuid: traced.accountUuid, accountId: null, id: null });
  const apps = [...new Set(session.traces.map((t) => t.app).filter((a): a is string => !!a))];
  const spanCount = session.traces.reduce((n, t) => n + t.spanCount, 0);
  // Traces listed under their source: Office agent turns apart from Claude Code beta traces.
  const tracesBySource = new Map<string, SessionTrace[]>();
  for (const t of session.traces) tracesBySource.set(t.source, [...(tracesBySource.get(t.source) ?? []), t]);

  return (
    <div className="mx-auto max-w-6xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/explore">Explore</Link> / Session
      </nav>
      <h1 className="text-lg font-semibold tracking-tight">
        Session <span className="font-mono text-sm font-normal text-slate-500">{sessionId}</span>
      </h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        {formatCount(session.eventCount)} events, {prompts.length} prompts
        {prompts.some((p) => p.subagentReport) && <> ({prompts.filter((p) => !p.subagentReport).length} typed, {prompts.filter((p) => p.subagentReport).length} subagent reports)</>}
        {session.traces.length > 0 && <>, {formatCount(session.traces.length)} traces ({formatCount(spanCount)} spans)</>}
      </p>

      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card title="Who and where">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
            <dt className="text-slate-500">Source</dt>
            <dd>{first ? <SourceBadge source={first.source} /> : traced ? <SourceBadge source={traced.source} /> : "–"}</dd>
            <dt className="text-slate-500">User</dt>
            <dd className="[overflow-wrap:anywhere]">{first && person?.query ? <PersonPivot user={first.user} /> : traced && person ? <TracedPerson href={personHref({ userEmail: traced.userEmail, accountUuid: traced.accountUuid })} label={person.label} /> : "–"}</dd>
            {!first && traced?.accountUuid && (<><dt className="text-slate-500">Account</dt><dd className="font-mono">{traced.accountUuid}</dd></>)}
            {!first && traced?.organizationId && (<><dt className="text-slate-500">Organization</dt><dd className="font-mono">{traced.organizationId}</dd></>)}
            {apps.length > 0 && (<><dt className="text-slate-500">App</dt><dd>{apps.map(officeAppLabel).join(", ")}</dd></>)}
            {first?.user.accountId && (<><dt className="text-slate-500">Account</dt><dd className="font-mono">{first.user.accountId}</dd></>)}
            {first?.user.organizationId && (<><dt className="text-slate-500">Organization</dt><dd className="font-mono">{first.user.organizationId}</dd></>)}
            {first?.user.id && (<><dt className="text-slate-500">Device</dt><dd className="font-mono" title={first.user.id}>{first.user.id.slice(0, 16)}…</dd></>)}
            <dt className="text-slate-500">Client</dt>
            <dd>{first ? `${first.service.name ?? "–"} ${first.service.version ?? ""}` : [traced?.serviceName, traced?.platform, traced?.version].filter(Boolean).join(" ") || "–"}</dd>
            <dt className="text-slate-500">Terminal</dt>
            <dd>{first?.terminalType ?? "–"}</dd>
            <dt className="text-slate-500">OS</dt>
            <dd>{[resource["os.type"], resource["os.version"], resource["host.arch"]].filter(Boolean).map(String).join(" ") || "–"}</dd>
          </dl>
        </Card>
        <Card title="Workspace">
          {hostPaths.length ? (
            <ul className="space-y-1 font-mono text-xs">{hostPaths.map((p) => <li key={p} className="[overflow-wrap:anywhere]">{p}</li>)}</ul>
          ) : session.hiddenWorkspacePaths > 0 ? (
            <p className="text-xs text-slate-500">{session.hiddenWorkspacePaths} folder{session.hiddenWorkspacePaths === 1 ? "" : "s"}: paths hidden for your role.</p>
          ) : (
            <p className="text-xs text-slate-500">No workspace folders reported (Cowork and Desktop sessions send workspace.host_paths).</p>
          )}
        </Card>
        <Card title="Permission mode changes">
          {modeChanges.length ? (
            <ul className="space-y-1 text-xs">
              {modeChanges.map((e) => (
                <li key={e.id}>
                  <span className="text-slate-500">{formatTime(e.timestamp)}</span>{" "}
                  <ModeChange e={e} />
                  {e.promptId && <> <Link className="link" href={promptHref(e.promptId, e.id)}>in prompt</Link></>}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-xs text-slate-500">None in this session.</p>
          )}
          {session.truncated.modeChanges && <p className="mt-1 text-xs text-orange-700 dark:text-orange-400">Truncated: the first {modeChanges.length} changes are shown.</p>}
        </Card>
      </div>

      {prompts.length > 0 && (
        <section className="mt-6">
          <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Prompts ({prompts.length}{session.truncated.prompts ? ", truncated: the first by time" : ""})</h2>
          <Table>
            <THead>
              <tr>
                <Th>Started</Th>
                <Th>Prompt</Th>
                <Th numeric>Tools</Th>
                <Th numeric>Rejected</Th>
                <Th numeric>Errors</Th>
                <Th numeric>Cost</Th>
                <Th numeric>Duration</Th>
              </tr>
            </THead>
            <TBody>
              {prompts.map((p) => (
                <Tr key={p.promptId}>
                  <Td nowrap mono muted>{formatTime(p.start)}</Td>
                  <Td className="max-w-xl">
                    <Link className="link" href={promptHref(p.promptId)}>
                      {p.subagentReport ? (
                        <span className="inline-flex items-center gap-1"><Badge tone="violet">Subagent report</Badge><span className="font-mono">{p.promptId.slice(0, 8)}…</span></span>
                      ) : p.text && p.text !== "<REDACTED>" ? <span className="line-clamp-2">{p.text}</span> : <span className="font-mono">{p.promptId}</span>}
                    </Link>
                  </Td>
                  <Td numeric>{p.summary.toolCalls}</Td>
                  <Td numeric className={p.summary.rejectedDecisions ? "font-semibold text-red-700 dark:text-red-400" : ""}>{p.summary.rejectedDecisions}</Td>
                  <Td numeric className={p.summary.apiErrors + p.summary.failedToolCalls ? "text-red-700 dark:text-red-400" : ""}>{p.summary.apiErrors + p.summary.failedToolCalls}</Td>
                  <Td numeric>{formatCost(p.summary.costUsd)}</Td>
                  <Td numeric>{formatDuration(p.summary.durationMs)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </section>
      )}

      {[...tracesBySource].map(([source, traces]) => (
        <section key={source} className="mt-6">
          <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
            {source === "office" ? "Office agent turns" : `${sourceLabel(source)} traces`} ({traces.length}{session.truncated.traces ? ", truncated: the first by time" : ""})
          </h2>
          <ul className="space-y-1 text-xs">
            {traces.map((t) => (
              <li key={t.traceId} className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-slate-500">{formatTime(t.start)}</span>
                <Link className="link font-mono" href={`/traces/${t.traceId}`}>{t.rootName}</Link>
                {t.app && <span>{officeAppLabel(t.app)}</span>}
                <span className="text-slate-500">{t.spanCount} spans</span>
              </li>
            ))}
          </ul>
        </section>
      ))}

      {startup.length > 0 && (
        <section className="mt-6">
          <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Session events outside prompts ({startup.length}{startup.length === 200 ? ", first 200" : ""})</h2>
          <ul className="space-y-1 text-xs">
            {startup.map((e) => (
              <li key={e.id} className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-slate-500">#{e.sequence ?? "–"}</span>
                <span className="font-medium">{e.name}</span>
                {e.mcpServer && <span className="font-mono">{e.mcpServer}</span>}
                {text(e, "status") && <Badge tone={text(e, "status") === "failed" ? "red" : "slate"}>{text(e, "status")}</Badge>}
                {text(e, "hook_event") && <span className="font-mono">{text(e, "hook_event")}</span>}
                {text(e, "plugin.name") && <span className="font-mono">{text(e, "plugin.name")}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
