import Link from "next/link";
import { notFound } from "next/navigation";
import { SpanTree } from "@/components/span-tree/span-tree";
import { SourceBadge } from "@/components/ui/badge";
import { ScrollToHighlight } from "@/components/ui/scroll-to-highlight";
import { highlightIds } from "@/lib/presentation/highlight";
import { Stat, StatGrid } from "@/components/ui/stat";
import { recordContentView } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { officeAppLabel, SPAN } from "@/lib/domain/vocabulary";
import { formatCount, formatDuration, formatTime } from "@/lib/presentation/format";
import { flattenSpanTree } from "@/lib/presentation/span-rows";
import { tracePromptIds, traceTree } from "@/lib/queries/traces";
import { PersonPivot } from "@/components/pivot/person-pivot";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { promptHref, sessionHref } from "@/lib/presentation/links";
import { recordTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ traceId: string }> }) {
  return { title: recordTitle("Trace", (await params).traceId) };
}

export default async function TracePage({ params, searchParams }: { params: Promise<{ traceId: string }>; searchParams: Promise<{ highlight?: string | string[] }> }) {
  const { traceId } = await params;
  // Evidence ids are "<trace_id>/<span_id>" or a bare span id.
  const highlight = [...highlightIds((await searchParams).highlight)].map((h) => h.split("/").pop()!);
  if (!/^[0-9a-fA-F]{32}$/.test(traceId)) notFound();
  const user = await requireUser();
  const tree = await traceTree(user.tenantId, traceId, user.canReadContent);
  if (!tree) notFound();
  if (user.canReadContent) await recordContentView(user.tenantId, user.email, `trace:${tree.traceId}`);
  const rows = flattenSpanTree(tree.roots);
  const promptIds = await tracePromptIds(user.tenantId, tree.traceId);
  const root = rows[0];
  const total = tree.end ? Date.parse(tree.end) - Date.parse(tree.start) : 0;
  const tools = rows.filter((r) => r.name === SPAN.officeToolExecution || r.name === "claude_code.tool");
  const errors = rows.filter((r) => r.status.code === 2).length;
  const surface = rows.find((r) => r.surface)?.surface ?? null;
  const sessionId = rows.find((r) => r.sessionId)?.sessionId ?? null;
  const email = rows.find((r) => r.userEmail)?.userEmail ?? null;
  const accountUuid = rows.find((r) => r.accountUuid)?.accountUuid ?? null;
  const tokensIn = rows.reduce((s, r) => s + (r.inputTokens ?? 0), 0);
  const tokensOut = rows.reduce((s, r) => s + (r.outputTokens ?? 0), 0);

  return (
    <div className="mx-auto max-w-7xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/explore">Explore</Link>
        {sessionId && (
          <>
            {" / "}
            <Link className="link" href={`/sessions/${encodeURIComponent(sessionId)}`}>Session {sessionId.slice(0, 12)}…</Link>
          </>
        )}
        {" / "}Trace
      </nav>
      <h1 className="text-lg font-semibold tracking-tight">
        {root.name} <span className="font-mono text-sm font-normal text-slate-500">{tree.traceId}</span>
      </h1>
      <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-300">
        <SourceBadge source={root.source} />
        {surface && <span className="font-medium">{officeAppLabel(surface)}</span>}
        {(email || accountUuid) && <PersonPivot user={{ email, enduserId: null, accountUuid, accountId: null, id: null }} />}
        {sessionId && <PivotMenu field="session" value={sessionId} openHref={sessionHref(sessionId)} openLabel="Open session"><span className="font-mono">session {sessionId.slice(0, 12)}…</span></PivotMenu>}
        {promptIds.map((p) => <Link key={p} className="link font-mono" href={promptHref(p)}>prompt {p.slice(0, 8)}…</Link>)}
        <span>{formatTime(tree.start)}</span>
      </div>
      <div className="mt-4">
        <StatGrid>
          <Stat label="Duration" value={formatDuration(total)} />
          <Stat label="Spans" value={formatCount(tree.spanCount)} />
          <Stat label="Tool executions" value={formatCount(tools.length)} detail={`${tools.filter((t) => t.readWrite === "write").length} writes`} />
          <Stat label="Failed tools" value={formatCount(tools.filter((t) => t.success === false).length)} alert={tools.some((t) => t.success === false)} />
          <Stat label="Errors" value={formatCount(errors)} alert={errors > 0} />
          <Stat label="Tokens" value={formatCount(tokensIn + tokensOut)} detail={`${formatCount(tokensIn)} in / ${formatCount(tokensOut)} out`} />
        </StatGrid>
      </div>
      {!user.canReadContent && (
        <p className="mt-3 rounded-md bg-slate-100 px-3 py-2 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
          Content (user messages, document URLs, tool inputs and outputs) is hidden for the {user.role} role.
        </p>
      )}
      <h2 className="mb-2 mt-6 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Span tree</h2>
      {highlight.length > 0 && (
        <p role="status" className="mb-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {(() => {
            const n = rows.filter((r) => highlight.includes(r.spanId)).length;
            return n === 0 ? "None of this trace's spans is the alert's evidence." : `${n === 1 ? "One span" : `${n} spans`} below ${n === 1 ? "is" : "are"} evidence of an alert, marked “Evidence” and opened.`;
          })()}
        </p>
      )}
      <SpanTree rows={rows} totalMs={total} canReadContent={user.canReadContent} highlight={highlight} />
      {highlight.length > 0 && <ScrollToHighlight />}
    </div>
  );
}
