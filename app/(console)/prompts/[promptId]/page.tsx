import Link from "next/link";
import { notFound } from "next/navigation";
import { TimelineView } from "@/components/timeline/timeline-view";
import { Badge, SourceBadge } from "@/components/ui/badge";
import { Stat, StatGrid } from "@/components/ui/stat";
import { recordContentView } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { recordTitle } from "@/lib/presentation/page-title";
import { exploreHref } from "@/lib/explore/url";
import { formatCost, formatCount, formatDuration, formatTime, personLabel } from "@/lib/presentation/format";
import { DECISION_SOURCE_INFO } from "@/lib/presentation/labels";
import { promptConversation } from "@/lib/queries/conversation";
import { promptNeighbors, promptTimeline, subagentReportOf } from "@/lib/queries/prompts";
import { PersonPivot } from "@/components/pivot/person-pivot";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { sessionHref } from "@/lib/presentation/links";
import { promptTraces } from "@/lib/queries/traces";
import { ConversationPanel } from "@/components/timeline/conversation-panel";
import { ScrollToHighlight } from "@/components/ui/scroll-to-highlight";
import { highlightIds } from "@/lib/presentation/highlight";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ promptId: string }> }) {
  return { title: recordTitle("Prompt", (await params).promptId) };
}

export default async function PromptPage({ params, searchParams }: { params: Promise<{ promptId: string }>; searchParams: Promise<{ highlight?: string | string[]; event?: string | string[] }> }) {
  const { promptId } = await params;
  const query = await searchParams;
  const highlight = highlightIds(query.highlight);
  // `?event=<id>`: the event a link pointed at (a search result, an Explorer row), scrolled to and marked.
  const focus = typeof query.event === "string" && query.event.length <= 200 ? query.event : undefined;
  const user = await requireUser();
  const timeline = await promptTimeline(user.tenantId, promptId, user.canReadContent);
  if (!timeline) notFound();
  if (user.canReadContent) await recordContentView(user.tenantId, user.email, `prompt:${promptId}`);
  const [neighbors, conversation, subagent, traces] = await Promise.all([
    timeline.sessionId ? promptNeighbors(user.tenantId, timeline.sessionId, promptId) : null,
    promptConversation(user.tenantId, timeline.events, user.canReadContent),
    subagentReportOf(user.tenantId, timeline.sessionId, promptId),
    promptTraces(user.tenantId, timeline.sessionId, promptId),
  ]);
  const focusFound = focus !== undefined && timeline.events.some((e) => e.id === focus);
  const s = timeline.summary;
  const first = timeline.events[0];
  const { query: personQuery } = personLabel(first.user);

  return (
    <div className="mx-auto max-w-6xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/explore">Explore</Link>
        {timeline.sessionId && (
          <>
            {" / "}
            <Link className="link" href={sessionHref(timeline.sessionId)}>Session {timeline.sessionId.slice(0, 8)}…</Link>
          </>
        )}
        {" / "}Prompt
      </nav>
      <header className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-lg font-semibold tracking-tight">
            {subagent ? "Subagent report" : "Prompt"}{" "}
            <PivotMenu field="prompt" value={promptId}><span className="font-mono text-sm font-normal text-slate-500">{promptId}</span></PivotMenu>
          </h1>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-300">
            <SourceBadge source={timeline.source} />
            <PersonPivot user={first.user} />
            {timeline.sessionId && (
              <>
                <span>·</span>
                <PivotMenu field="session" value={timeline.sessionId} openHref={sessionHref(timeline.sessionId)} openLabel="Open session">
                  <span className="font-mono">session {timeline.sessionId.slice(0, 8)}…</span>
                </PivotMenu>
              </>
            )}
            <span>·</span>
            <span>{formatTime(s.start)}</span>
            {first.service.version && (
              <>
                <span>·</span>
                <span>v{first.service.version}</span>
              </>
            )}
            {first.terminalType && (
              <>
                <span>·</span>
                <span>{first.terminalType}</span>
              </>
            )}
          </div>
        </div>
        {neighbors && neighbors.total > 1 && (
          <div className="flex items-center gap-2 text-xs">
            {neighbors.previous ? <Link className="btn-secondary py-1 text-xs" href={`/prompts/${neighbors.previous}`}>← Previous prompt</Link> : <span className="btn-secondary py-1 text-xs opacity-40">← Previous prompt</span>}
            <span className="text-slate-500">{neighbors.position} of {neighbors.total}</span>
            {neighbors.next ? <Link className="btn-secondary py-1 text-xs" href={`/prompts/${neighbors.next}`}>Next prompt →</Link> : <span className="btn-secondary py-1 text-xs opacity-40">Next prompt →</span>}
          </div>
        )}
      </header>

      <StatGrid>
        <Stat label="Duration" value={formatDuration(s.durationMs)} />
        <Stat label="Tools run" value={formatCount(s.toolCalls)} detail={s.failedToolCalls ? `${s.failedToolCalls} failed` : undefined} alert={s.failedToolCalls > 0} />
        <Stat label="Rejected actions" value={formatCount(s.rejectedDecisions)} alert={s.rejectedDecisions > 0} />
        <Stat label="API requests" value={formatCount(s.apiRequests)} detail={s.apiErrors ? `${s.apiErrors} errors` : undefined} alert={s.apiErrors > 0} />
        <Stat label="Cost" value={formatCost(s.costUsd)} detail={`${formatCount(s.inputTokens)} in / ${formatCount(s.outputTokens)} out tokens`} />
        <Stat label="Events" value={formatCount(s.eventCount)} />
      </StatGrid>
      {Object.keys(s.decisionsBySource).length > 0 && (
        <div className="mt-3 flex flex-wrap items-center gap-2 text-xs">
          <span className="text-slate-500 dark:text-slate-400">Decisions by source:</span>
          {Object.entries(s.decisionsBySource).map(([source, n]) => (
            <Badge key={source} tone={DECISION_SOURCE_INFO[source]?.tone ?? "slate"} title={DECISION_SOURCE_INFO[source]?.help}>
              {DECISION_SOURCE_INFO[source]?.label ?? source}: {n}
            </Badge>
          ))}
        </div>
      )}
      {!user.canReadContent && (
        <p className="mt-3 rounded-md bg-slate-100 px-3 py-2 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
          Content (prompt text, commands, file contents, tool inputs and outputs) is hidden for the {user.role} role.
        </p>
      )}

      {traces.traceIds.length > 0 && (
        <p className="mt-3 flex flex-wrap items-center gap-2 text-xs" data-prompt-traces>
          <span className="text-slate-500 dark:text-slate-400">Traces of this prompt:</span>
          {traces.traceIds.map((t) => <Link key={t} className="link font-mono" href={`/traces/${t}`}>{t.slice(0, 12)}…</Link>)}
        </p>
      )}
      {traces.unreported.length > 0 && (
        <div role="alert" className="mt-3 rounded-md border border-orange-300 bg-orange-50 px-3 py-2 text-xs text-orange-900 dark:border-orange-800 dark:bg-orange-950 dark:text-orange-100">
          <p className="font-semibold">The trace and the logs disagree: {traces.unreported.length === 1 ? "a rejected action" : `${traces.unreported.length} rejected actions`} in the trace never reached the logs (a telemetry gap).</p>
          <ul className="mt-1 space-y-0.5">
            {traces.unreported.map((u) => (
              <li key={`${u.traceId}/${u.spanId}`}>
                <Link className="link font-mono" href={`/traces/${u.traceId}?highlight=${u.spanId}`}>{u.toolName ?? "tool"}{u.toolUseId ? ` ${u.toolUseId}` : ""}</Link>
                {u.decisionSource && <span className="text-orange-800 dark:text-orange-200"> rejected by {u.decisionSource}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}

      <ConversationPanel conversation={conversation} />

      <h2 className="mb-2 mt-6 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Timeline</h2>
      {timeline.truncated && (
        <p role="status" className="mb-2 rounded-md bg-orange-50 px-3 py-2 text-xs text-orange-800 dark:bg-orange-950 dark:text-orange-200">
          Truncated: the first {formatCount(timeline.eventLimit)} of {formatCount(s.eventCount)} events are shown (the totals above count them all).{" "}
          <Link className="link" href={exploreHref({ from: s.start, to: new Date(Date.parse(s.end) + 1), sort: "time", dir: "asc", user: personQuery || undefined })}>Explore</Link> lists every event of that time.
        </p>
      )}
      {highlight.size > 0 && (
        <p role="status" className="mb-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {(() => {
            const n = timeline.events.filter((e) => highlight.has(e.id)).length;
            return n === 0 ? "None of this prompt's events is the alert's evidence (the link may be older than the data)." : `${n === 1 ? "One event" : `${n} events`} below ${n === 1 ? "is" : "are"} evidence of an alert, marked “Evidence”.`;
          })()}
        </p>
      )}
      {focus !== undefined && !focusFound && (
        <p role="status" className="mb-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          The linked event is not among this prompt&apos;s events{timeline.truncated ? " shown (the timeline is truncated)" : ""}.
        </p>
      )}
      <TimelineView events={timeline.events} canReadContent={user.canReadContent} transcriptTools={conversation.tools} highlight={highlight} focus={focus} subagent={subagent} />
      {(highlight.size > 0 || focusFound) && <ScrollToHighlight selector={focusFound ? `[id="event-${focus}"]` : undefined} />}
    </div>
  );
}
