import Link from "next/link";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { personKeyHref } from "@/lib/presentation/links";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { AddException } from "@/components/alerts/add-exception";
import { SeverityBadge, StatusBadge } from "@/components/alerts/alert-badges";
import { AlertTriage } from "@/components/alerts/alert-triage";
import { RuleExplanation, type RuleExplanationProps } from "@/components/alerts/rule-explanation";
import { ConversationPanel } from "@/components/timeline/conversation-panel";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { recordContentView } from "@/lib/audit";
import { canTriageAlerts } from "@/lib/auth/roles";
import { requireUser } from "@/lib/auth/session";
import { recordTitle } from "@/lib/presentation/page-title";
import { getApiAlert, type ApiAlertEvidence } from "@/lib/detections/alert-read";
import { alertHistory, alertNotes, assignableUsers, listAlerts } from "@/lib/detections/alerts";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { RESOLUTION_INFO, SERVICE_LABELS, STATUS_INFO } from "@/lib/presentation/alert-labels";
import { promptConversation } from "@/lib/queries/conversation";
import { promptTimeline } from "@/lib/queries/prompts";
import { addExceptionFromAlertAction, triageAlertAction } from "@/lib/actions/alerts";
import { ruleById } from "@/lib/detections/pack";
import { exploreHref } from "@/lib/explore/url";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: recordTitle("Alert", (await params).id) };
}

function Section({ title, children, aside, id }: { title: string; children: ReactNode; aside?: ReactNode; id?: string }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="mb-2 flex items-baseline justify-between gap-3">
        <h2 id={id} className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** Where an evidence record is shown with itself highlighted. */
function evidenceHref(e: ApiAlertEvidence, samePrompt: string[]): string | null {
  if (e.kind === "event" && e.promptId) return `/prompts/${encodeURIComponent(e.promptId)}?highlight=${encodeURIComponent(samePrompt.join(","))}`;
  if (e.kind === "event" && e.sessionId) return `/sessions/${encodeURIComponent(e.sessionId)}`;
  if (e.kind === "span") {
    const [traceId, spanId] = e.id.split("/");
    return traceId && spanId ? `/traces/${traceId}?highlight=${encodeURIComponent(spanId)}` : null;
  }
  if (e.kind === "compliance") {
    const t = Date.parse(e.time);
    return `/compliance?${new URLSearchParams({ type: e.name, from: new Date(t - 1000).toISOString(), to: new Date(t + 1000).toISOString() })}`;
  }
  return null;
}

const KIND_LABEL = { event: "Event", span: "Span", compliance: "Compliance activity" } as const;

const HISTORY_TEXT: Record<string, (d: Record<string, unknown> | null) => string> = {
  "alert.status": (d) => {
    const to = String(d?.to ?? "");
    const res = typeof d?.resolution === "string" ? RESOLUTION_INFO[d.resolution as keyof typeof RESOLUTION_INFO]?.label.toLowerCase() : null;
    return to === "closed" ? `closed it${res ? ` as ${res}` : ""}` : d?.from === "closed" ? "reopened it" : `set it to ${STATUS_INFO[to as keyof typeof STATUS_INFO]?.label.toLowerCase() ?? to}`;
  },
  "alert.assign": (d) => (d?.assignee === "nobody" ? "unassigned it" : `assigned it to ${String(d?.assignee)}`),
  "alert.note": () => "added a note",
};

export default async function AlertPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser();
  const alert = await getApiAlert(user.tenantId, id, user.canReadContent);
  if (!alert) notFound();
  const triage = canTriageAlerts(user.role);
  const timeline = alert.promptId ? await promptTimeline(user.tenantId, alert.promptId, user.canReadContent, 500) : null;
  const [notes, history, assignable, others, conversation] = await Promise.all([
    alertNotes(user.tenantId, id, user.canReadContent),
    alertHistory(user.tenantId, id),
    triage ? assignableUsers(user.tenantId) : Promise.resolve([]),
    alert.person ? listAlerts(user.tenantId, { person: alert.person }, { limit: 11, canReadContent: false }) : null,
    timeline ? promptConversation(user.tenantId, timeline.events, user.canReadContent) : null,
  ]);
  if (user.canReadContent) await recordContentView(user.tenantId, user.email, `alert:${id}`);
  const otherAlerts = (others?.alerts ?? []).filter((a) => a.id !== id).slice(0, 10);
  const matched = alert.matched ? Object.entries(alert.matched) : [];
  // Evidence events of one prompt are highlighted together on its timeline.
  const byPrompt = new Map<string, string[]>();
  for (const e of alert.evidence) if (e.kind === "event" && e.promptId) byPrompt.set(e.promptId, [...(byPrompt.get(e.promptId) ?? []), e.id]);
  const packed = ruleById(alert.rule.id);
  const rule: RuleExplanationProps | null = packed && {
    id: packed.id, title: packed.title, description: packed.description, conditionText: packed.conditionText, tags: packed.tags,
    falsepositives: packed.falsepositives, references: packed.references, file: packed.file,
  };
  const who = alert.person ?? "an unknown person";
  const service = SERVICE_LABELS[alert.service] ?? alert.service;

  return (
    <div className="mx-auto max-w-7xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/alerts">Alerts</Link> / {alert.rule.title}
      </nav>
      <header className="mb-4">
        <h1 className="flex flex-wrap items-center gap-2 text-lg font-semibold tracking-tight">
          <SeverityBadge level={alert.rule.level} />
          <span>{alert.rule.title}</span>
          <StatusBadge status={alert.status} resolution={alert.resolution} />
        </h1>
        <div className="mt-1 text-sm text-slate-700 dark:text-slate-200" data-testid="alert-summary">
          {alert.hits === 1 ? "Fired once" : `Fired ${formatCount(alert.hits)} times`} for{" "}
          {alert.person ? (
            <PivotMenu field="user" value={alert.person} keep={{ range: "all" }} openHref={personKeyHref(alert.person) ?? undefined} openLabel="Open person">{who}</PivotMenu>
          ) : who} in {service}
          {alert.hits === 1 ? `, at ${formatTime(alert.firstSeen)}` : `, from ${formatTime(alert.firstSeen)} to ${formatTime(alert.lastSeen)}`}.
        </div>
        <p className="mt-0.5 text-xs text-slate-500">
          Raised {formatTime(alert.createdAt)} · {alert.assignee ? `assigned to ${alert.assignee}` : "not assigned"}
          {/* A correlation's group-by values may be content (a command, a path): content readers only. */}
          {alert.groupKey && user.canReadContent && <> · correlated on <span className="font-mono">{alert.groupKey}</span></>}
          {alert.sessionId && (
            <>
              {" · "}
              <Link className="link" href={`/sessions/${encodeURIComponent(alert.sessionId)}`}>session {alert.sessionId.slice(0, 8)}…</Link>
            </>
          )}
          {alert.traceId && (
            <>
              {" · "}
              <Link className="link" href={`/traces/${alert.traceId}`}>trace {alert.traceId.slice(0, 8)}…</Link>
            </>
          )}
        </p>
      </header>

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Section title="What fired" id="fired-heading">
            {alert.matched === null ? (
              <p className="text-xs text-slate-600 dark:text-slate-300">
                The values that matched (commands, paths, URLs, prompts) are hidden for the {user.role} role. The rule and the evidence below say what kind of action it was.
              </p>
            ) : matched.length === 0 ? (
              <p className="text-xs text-slate-500">The rule matched on the kind of record alone (no field values recorded).</p>
            ) : (
              <Table variant="bare" labelledBy="fired-heading">
                <THead>
                  <tr>
                    <Th className="w-48">Field</Th>
                    <Th>Value that matched</Th>
                    {triage && <Th className="w-56"><span className="sr-only">Tune</span></Th>}
                  </tr>
                </THead>
                <TBody>
                  {matched.map(([field, value]) => (
                    <Tr key={field} hover={false} data-field={field}>
                      <Td mono muted className="[overflow-wrap:anywhere]">{field}</Td>
                      <Td mono className="[overflow-wrap:anywhere]">{value}</Td>
                      {triage && (
                        <Td>
                          <AddException alertId={alert.id} ruleId={alert.rule.id} field={field} value={value} action={addExceptionFromAlertAction} />
                        </Td>
                      )}
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
            <div className="mt-3 border-t border-slate-100 pt-3 dark:border-slate-800">
              <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Why it fired</h3>
              <RuleExplanation rule={rule} ruleId={alert.rule.id} />
            </div>
          </Section>

          <Section
            title={`Evidence (${alert.evidence.length})`}
            id="evidence-heading"
            aside={
              byPrompt.size > 0 && (
                <span className="text-xs">
                  {[...byPrompt].slice(0, 3).map(([promptId, ids]) => (
                    <Link key={promptId} className="link ml-3" href={`/prompts/${encodeURIComponent(promptId)}?highlight=${encodeURIComponent(ids.join(","))}`}>
                      Show on the prompt timeline →
                    </Link>
                  ))}
                </span>
              )
            }
          >
            {alert.evidence.length === 0 ? (
              <p className="text-xs text-slate-500">No evidence records are linked to this alert.</p>
            ) : (
              <Table variant="bare" labelledBy="evidence-heading">
                <THead>
                  <tr>
                    <Th>Time</Th>
                    <Th>Record</Th>
                    <Th>Kind</Th>
                    <Th>Where</Th>
                  </tr>
                </THead>
                <TBody>
                  {alert.evidence.map((e) => {
                    const href = evidenceHref(e, (e.promptId && byPrompt.get(e.promptId)) || [e.id]);
                    return (
                      <Tr key={`${e.kind}/${e.id}`}>
                        <Td nowrap className="tabular-nums">{formatTime(e.time)}</Td>
                        <Td mono>{href ? <Link className="link" href={href}>{e.name}</Link> : e.name}</Td>
                        <Td muted nowrap>{KIND_LABEL[e.kind]}</Td>
                        <Td mono muted>{e.promptId ? `prompt ${e.promptId.slice(0, 8)}…` : e.sessionId ? `session ${e.sessionId.slice(0, 8)}…` : e.id.slice(0, 24)}</Td>
                      </Tr>
                    );
                  })}
                </TBody>
              </Table>
            )}
          </Section>

          {alert.secretSightings && (
            <Section title={`Secrets (${alert.secretSightings.length})`} id="secrets-heading">
              <p className="mb-2 text-xs text-slate-500">
                Masked at ingest: each secret is stored as a marker with a keyed fingerprint, so the same secret can be followed without being kept.
              </p>
              <Table variant="bare" labelledBy="secrets-heading">
                <THead>
                  <tr>
                    <Th>Kind</Th>
                    <Th>Fingerprint</Th>
                    <Th>First seen</Th>
                    <Th>Elsewhere</Th>
                  </tr>
                </THead>
                <TBody>
                  {alert.secretSightings.map((s) => {
                    const before = s.elsewhere.firstSeen !== null && s.elsewhere.firstSeen < alert.firstSeen;
                    return (
                      <Tr key={s.fingerprint}>
                        <Td mono nowrap>{s.kind}</Td>
                        <Td mono nowrap>{s.fingerprint.slice(s.kind.length + 1)}</Td>
                        <Td nowrap className="tabular-nums">
                          {formatTime(s.firstSeen)}
                          {before && <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-[11px] font-medium text-amber-900">seen before</span>}
                        </Td>
                        <Td>
                          {s.elsewhere.records === 0
                            ? <span className="text-slate-500">only in this alert</span>
                            : `${formatCount(s.elsewhere.records)} records in ${formatCount(s.elsewhere.sessions)} sessions, ${formatCount(s.elsewhere.people)} people`}
                          <Link className="link ml-3" href={exploreHref(new URLSearchParams({ q: `secret:"${s.fingerprint}"`, range: "all" }))}>
                            Every record with it →
                          </Link>
                        </Td>
                      </Tr>
                    );
                  })}
                </TBody>
              </Table>
            </Section>
          )}

          {conversation && <ConversationPanel conversation={conversation} />}
        </div>

        <div className="space-y-4">
          <Section title="Triage" id="triage-heading">
            {triage ? (
              <AlertTriage alertId={alert.id} status={alert.status} assignee={alert.assignee} me={user.email} assignable={assignable} action={triageAlertAction} />
            ) : (
              <p className="text-xs text-slate-500">Analysts and admins triage alerts; the {user.role} role reads them.</p>
            )}
          </Section>

          <Section title={`Notes and history (${notes.length + history.filter((h) => h.action !== "alert.note").length})`} id="history-heading">
            {notes.length === 0 && history.length === 0 ? (
              <p className="text-xs text-slate-500">Nobody has worked on this alert yet.</p>
            ) : (
              <ol className="space-y-2 text-xs">
                {history.map((h, i) => {
                  const noteId = h.action === "alert.note" ? String(h.details?.note ?? "") : null;
                  const note = noteId ? notes.find((n) => n.id === noteId) : undefined;
                  return (
                    <li key={i} className="border-l-2 border-slate-200 pl-2 dark:border-slate-700">
                      <div className="text-slate-500">
                        <span className="font-medium text-slate-700 dark:text-slate-200">{h.actor}</span> {(HISTORY_TEXT[h.action] ?? (() => h.action))(h.details)} · {formatTime(h.at)}
                      </div>
                      {note && (note.body !== null ? <p className="mt-0.5 whitespace-pre-wrap [overflow-wrap:anywhere]">{note.body}</p> : <p className="mt-0.5 text-slate-500">Note text hidden for your role.</p>)}
                    </li>
                  );
                })}
              </ol>
            )}
          </Section>

          <Section
            title={`${alert.person ? "This person's" : "Other"} alerts`}
            id="others-heading"
            aside={alert.person && <Link className="link text-xs" href={`/alerts?person=${encodeURIComponent(alert.person)}&status=any&range=all`}>All →</Link>}
          >
            {otherAlerts.length === 0 ? (
              <p className="text-xs text-slate-500">{alert.person ? `No other alert for ${alert.person}.` : "The alert names no person."}</p>
            ) : (
              <ul className="space-y-1.5 text-xs">
                {otherAlerts.map((a) => (
                  <li key={a.id} className="flex items-center gap-2">
                    <SeverityBadge level={a.rule.level} />
                    <Link className="link min-w-0 flex-1 truncate" href={`/alerts/${a.id}`} title={a.rule.title}>{a.rule.title}</Link>
                    <span className="whitespace-nowrap text-slate-500">{STATUS_INFO[a.status].label.toLowerCase()}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      </div>
    </div>
  );
}
