import Link from "next/link";
import type { ReactNode } from "react";
import { RangeHint } from "@/components/shell/range-hint";
import { Badge, DecisionBadge, SourceBadge } from "@/components/ui/badge";
import { openAlertsBySeverity } from "@/lib/detections/alerts";
import { LEVEL_INFO, LEVELS_HOTTEST_FIRST } from "@/lib/presentation/alert-labels";
import type { RuleLevel } from "@/lib/detections/types";
import { NoValue, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { recordContentView } from "@/lib/audit";
import { exploreHref } from "@/lib/explore/url";
import type { ConsoleUser } from "@/lib/auth/session";
import { labelOfPersonKey } from "@/lib/domain/person";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { promptHref } from "@/lib/presentation/links";
import { homeOverview, type HomeOverview, type SetupProgress, type SurfaceVolume } from "@/lib/queries/home";
import { ageText, rangeQuery, windowPhrase, type TimeWindow } from "@/lib/time-range";

// The console's home: what needs attention now (tiles with counts that open their evidence),
// the newest rejections and escalations, the last 24 hours per surface, and the first-run
// checklist until data arrives. Managers see the same page without content (no commands).

const time = (iso: string) => formatTime(iso).replace(/\.\d{3} UTC$/, " UTC");

function Tile({ label, value, href, tone, detail }: { label: string; value: number; href: string | null; tone: "red" | "amber"; detail: string }) {
  const hot = value > 0;
  const colors = hot
    ? tone === "red"
      ? "border-red-200 bg-red-50/60 text-red-800 dark:border-red-900 dark:bg-red-950/40 dark:text-red-300"
      : "border-amber-200 bg-amber-50/60 text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-200"
    : "border-slate-200 bg-white text-slate-400 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-500";
  const body = (
    <>
      <div className="text-[11px] font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</div>
      <div className="mt-0.5 text-2xl font-semibold tabular-nums">{formatCount(value)}</div>
      <div className="mt-0.5 truncate text-[11px] text-slate-500 dark:text-slate-400" title={detail}>
        {detail}
      </div>
    </>
  );
  const cls = `block rounded-lg border px-3 py-2.5 shadow-sm ${colors}`;
  return href ? (
    <Link href={href} className={`${cls} hover:ring-2 hover:ring-sky-500/30`} data-testid={`tile-${label}`}>
      {body}
    </Link>
  ) : (
    <div className={cls} data-testid={`tile-${label}`}>
      {body}
    </div>
  );
}

function Section({ title, aside, children, id }: { title: string; aside?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="mb-2 flex items-baseline justify-between gap-3">
        <h2 id={id} className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** Open alerts per severity, each opening the queue at that severity (whatever the time range: open is open). */
function OpenAlerts({ counts }: { counts: Record<RuleLevel, number> }) {
  const total = LEVELS_HOTTEST_FIRST.reduce((s, l) => s + counts[l], 0);
  return (
    <section aria-labelledby="open-alerts-heading" className="mt-3 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h2 id="open-alerts-heading" className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
          Open alerts
        </h2>
        {total === 0 ? (
          <span className="text-xs text-slate-500">None: every alert has been closed, or no rule has fired.</span>
        ) : (
          <ul className="flex flex-wrap items-center gap-2" aria-label="Open alerts by severity">
            {LEVELS_HOTTEST_FIRST.filter((l) => l !== "informational" || counts[l] > 0).map((l) => (
              <li key={l}>
                <Link
                  href={`/alerts?status=open&severity=${l}&range=all`}
                  data-testid={`open-alerts-${l}`}
                  className={`inline-flex items-center gap-2 rounded-md border px-2.5 py-1 text-xs hover:ring-2 hover:ring-sky-500/30 ${counts[l] ? "border-slate-200 dark:border-slate-700" : "border-slate-100 text-slate-400 dark:border-slate-800"}`}
                >
                  <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${counts[l] ? LEVEL_INFO[l].dot : "bg-slate-200 dark:bg-slate-700"}`} />
                  <span>{LEVEL_INFO[l].label}</span>
                  <span className="font-semibold tabular-nums">{formatCount(counts[l])}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        <Link className="link ml-auto text-xs" href="/alerts?status=open&range=all">
          Alert queue →
        </Link>
      </div>
    </section>
  );
}

function Sparkline({ hourly, label }: { hourly: number[]; label: string }) {
  const max = Math.max(...hourly, 1);
  return (
    <div className="flex h-6 w-28 shrink-0 items-end gap-px" role="img" aria-label={`${label}: records per hour over the last 24 hours`}>
      {hourly.map((n, i) => (
        <div
          key={i}
          className={n ? "flex-1 rounded-sm bg-sky-500 dark:bg-sky-400" : "flex-1 rounded-sm bg-slate-200 dark:bg-slate-700"}
          style={{ height: n ? `${Math.max(12, (n / max) * 100)}%` : "2px" }}
          title={`${n} record${n === 1 ? "" : "s"}, ${24 - i} h ago`}
        />
      ))}
    </div>
  );
}

function volumeHref(v: SurfaceVolume): string {
  if (v.id === "compliance") return "/compliance?range=24h";
  if (v.id === "office") return "/inventory?range=24h";
  return exploreHref({ source: v.id, range: "24h" });
}

function Volume({ volume, now }: { volume: SurfaceVolume[]; now: Date }) {
  return (
    <ul className="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Records per surface in the last 24 hours">
      {volume.map((v) => (
        <li key={v.id} className="flex items-center gap-3 py-2" data-surface={v.id}>
          <div className="min-w-0 flex-1">
            <Link className="link text-sm font-medium" href={volumeHref(v)}>
              {v.label}
            </Link>
            <div className="text-[11px] text-slate-500 dark:text-slate-400">
              {v.lastSeen ? `last record ${ageText(new Date(v.lastSeen), now)}` : "nothing received yet"}
            </div>
          </div>
          <Sparkline hourly={v.hourly} label={v.label} />
          <div className={`w-12 shrink-0 text-right text-sm font-semibold tabular-nums ${v.records ? "" : "text-slate-400"}`}>{formatCount(v.records)}</div>
        </li>
      ))}
    </ul>
  );
}

function Check({ done, children, optional }: { done: boolean; children: ReactNode; optional?: boolean }) {
  return (
    <li className="flex items-start gap-2">
      <span
        aria-hidden
        className={`mt-0.5 inline-flex h-4 w-4 shrink-0 items-center justify-center rounded-full text-[10px] font-bold ${
          done ? "bg-emerald-600 text-white" : "border border-slate-400 text-transparent dark:border-slate-500"
        }`}
      >
        ✓
      </span>
      <span className={done ? "text-slate-500 line-through decoration-slate-300 dark:text-slate-400" : ""}>
        <span className="sr-only">{done ? "Done: " : "To do: "}</span>
        {children}
        {optional && <span className="ml-1 text-slate-400">(optional)</span>}
      </span>
    </li>
  );
}

function SetupChecklist({ setup, isAdmin }: { setup: SetupProgress; isAdmin: boolean }) {
  return (
    <section aria-labelledby="setup-heading" className="mb-4 rounded-lg border border-sky-200 bg-sky-50/70 p-4 dark:border-sky-900 dark:bg-sky-950/40">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="setup-heading" className="text-sm font-semibold text-slate-800 dark:text-slate-100">
            Set up Blindspot: no telemetry has arrived yet
          </h2>
          <p className="mt-0.5 text-xs text-slate-600 dark:text-slate-300">This list goes away once the first event arrives.</p>
        </div>
        {isAdmin ? (
          <Link href="/settings/setup" className="btn-primary py-1 text-xs">
            Open the setup guide
          </Link>
        ) : (
          <span className="text-xs text-slate-600 dark:text-slate-300">An admin sets this up in Settings → Setup.</span>
        )}
      </div>
      <ol className="mt-3 grid gap-x-6 gap-y-1.5 text-xs text-slate-700 sm:grid-cols-2 lg:grid-cols-3 dark:text-slate-200">
        <Check done={setup.ingestTokens > 0}>
          Create an ingest token{setup.ingestTokens > 0 ? ` (${setup.ingestTokens} active)` : ""}
        </Check>
        <Check done={false}>Point Claude Code, Cowork or the Office agents at this server</Check>
        <Check done={setup.firstDataAt !== null}>First event arrives</Check>
        <Check done={setup.complianceConfigured} optional>
          Connect the Compliance API
        </Check>
        <Check done={setup.users > 1} optional>
          Invite analysts and managers
        </Check>
      </ol>
    </section>
  );
}

export async function HomeDashboard({ user, window: w, now = new Date() }: { user: ConsoleUser; window: TimeWindow; now?: Date }) {
  const [o, openAlerts]: [HomeOverview, Record<RuleLevel, number>] = await Promise.all([
    homeOverview(user.tenantId, w, { withContent: user.canReadContent, now }),
    openAlertsBySeverity(user.tenantId),
  ]);
  if (user.canReadContent && o.rejections.rows.some((r) => r.target !== null)) {
    await recordContentView(user.tenantId, user.email, "home:rejections");
  }
  const rq = rangeQuery(w);
  const firstRun = o.setup.firstDataAt === null;
  const period = windowPhrase(w);
  const connectorHref = user.isAdmin ? "/settings/compliance" : null;
  const connectorDetail = !o.connector.configured
    ? "not connected"
    : o.connector.failing.length
      ? `failing: ${o.connector.failing.map((f) => f.label).join(", ")}`
      : "all streams OK";

  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={w} now={now} />
      {firstRun && <SetupChecklist setup={o.setup} isAdmin={user.isAdmin} />}

      <div className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1">
        <h1 className="text-lg font-semibold tracking-tight">Home</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          What needs attention in tenant <span className="font-medium text-slate-700 dark:text-slate-200">{user.tenantSlug}</span>, {period}
          {user.canReadContent ? "" : " · content hidden for your role"}
        </p>
      </div>

      <OpenAlerts counts={openAlerts} />

      <div className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-3 xl:grid-cols-6" aria-label="Needs attention">
        <Tile label="Rejections" value={o.rejections.total} tone="amber" href={exploreHref({ name: "tool_decision", decision: "reject", window: w })} detail="tool calls refused" />
        <Tile label="Escalations" value={o.escalations.total} tone="red" href={`/approvals?${rq}#escalations`} detail="rejected, then auto-approved" />
        <Tile label="People silent" value={o.silentPeople.length} tone="amber" href={`/coverage?${rq}`} detail="silent in a surface they use" />
        <Tile label="Surfaces gone silent" value={o.silentSurfaces.length} tone="amber" href={`/coverage?${rq}`} detail="nothing for 24 h" />
        <Tile label="Quiet ingest tokens" value={o.quietTokens.length} tone="amber" href={user.isAdmin ? "/settings/tokens" : `/coverage?${rq}`} detail="nothing sent for 24 h" />
        <Tile label="Connector errors" value={o.connector.failing.length} tone="red" href={connectorHref} detail={connectorDetail} />
      </div>

      <div className="mt-4 grid gap-4 xl:grid-cols-3">
        <div className="space-y-4 xl:col-span-2">
          <Section
            title="Newest rejections"
            id="rejections-heading"
            aside={
              o.rejections.total > 0 && (
                <Link className="link text-xs" href={exploreHref({ name: "tool_decision", decision: "reject", window: w })}>
                  All {formatCount(o.rejections.total)} in Explore →
                </Link>
              )
            }
          >
            {o.rejections.rows.length === 0 ? (
              <p className="text-xs text-slate-500">No tool call was rejected in {period}.</p>
            ) : (
              <Table variant="bare" labelledBy="rejections-heading">
                <THead>
                  <tr>
                    <Th>Time (prompt)</Th>
                    <Th>Person</Th>
                    <Th>Tool</Th>
                    {user.canReadContent && <Th>Command or target</Th>}
                    <Th>Decided by</Th>
                  </tr>
                </THead>
                <TBody>
                  {o.rejections.rows.map((r) => (
                    <Tr key={r.eventId}>
                      <Td nowrap className="tabular-nums">
                        {r.promptId ? (
                          <Link className="link" href={promptHref(r.promptId, r.eventId)} title="Open the prompt at this decision">
                            {time(r.time)}
                          </Link>
                        ) : (
                          time(r.time)
                        )}
                      </Td>
                      <Td nowrap title={r.person.query ?? undefined}>
                        {r.person.query ? (
                          <Link className="link" href={r.personPage ?? exploreHref({ user: r.person.query, window: w })}>
                            {r.person.label}
                          </Link>
                        ) : (
                          r.person.label
                        )}
                      </Td>
                      <Td nowrap>
                        <span className="font-mono">{r.tool}</span>
                        {r.mcpServer && <span className="text-slate-500"> · {r.mcpServer}</span>}
                        <span className="ml-1.5">
                          <SourceBadge source={r.source} />
                        </span>
                      </Td>
                      {user.canReadContent && <Td mono className="max-w-md [overflow-wrap:anywhere]">{r.target ?? <NoValue />}</Td>}
                      <Td>
                        <DecisionBadge decision={null} source={r.decisionSource} />
                      </Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </Section>

          <Section
            title="Escalations"
            id="escalations-heading"
            aside={
              <Link className="link text-xs" href={`/approvals?${rq}#escalations`}>
                Approvals →
              </Link>
            }
          >
            {o.escalations.rows.length === 0 ? (
              <p className="text-xs text-slate-500">No rejection was followed by an automatic approval of the same action in {period}.</p>
            ) : (
              <ul className="space-y-1.5 text-xs">
                {o.escalations.rows.map((e) => (
                  <li key={e.rejected.eventId} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <Badge tone="red">{e.similarity}</Badge>
                    <span title={e.user}>{labelOfPersonKey(e.user)}</span>
                    <span className="font-mono">{e.tool}</span>
                    {e.rejected.target && <span className="font-mono text-slate-600 [overflow-wrap:anywhere] dark:text-slate-300">{e.rejected.target}</span>}
                    <span className="text-slate-500">rejected, auto-approved {e.gapSeconds} s later</span>
                    {e.rejected.promptId && (
                      <Link className="link" href={`/prompts/${e.rejected.promptId}`}>
                        {time(e.rejected.time)}
                      </Link>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>

        <div className="space-y-4">
          <Section title="Last 24 hours" aside={<span className="text-[11px] text-slate-500">records per surface</span>}>
            <Volume volume={o.volume} now={now} />
          </Section>

          <Section title="Gone silent" aside={<Link className="link text-xs" href={`/coverage?${rq}`}>Coverage →</Link>}>
            {o.silentPeople.length === 0 && o.silentSurfaces.length === 0 ? (
              <p className="text-xs text-slate-500">Every surface that reported in {period} reported in the last 24 hours, and nobody is silent where they work.</p>
            ) : (
              <ul className="space-y-1.5 text-xs">
                {o.silentSurfaces.slice(0, 6).map((s) => (
                  <li key={`${s.layer}/${s.surface}`}>
                    <span className="font-medium">{s.layer}</span>
                    {s.layer.endsWith(s.surface) ? "" : <span className="text-slate-500"> on {s.surface}</span>}
                    <span className="text-slate-500">: last record {ageText(new Date(s.lastSeen), now)}</span>
                  </li>
                ))}
                {o.silentPeople.slice(0, 6).map((p) => (
                  <li key={p.person}>
                    <Link className="link" href={`/people/${encodeURIComponent(p.person)}?${rq}`}>
                      {p.person}
                    </Link>
                    <span className="text-slate-500">: {p.gaps[0]}</span>
                  </li>
                ))}
                {o.silentSurfaces.length + o.silentPeople.length > 12 && <li className="text-slate-500">… and more on the Coverage page</li>}
              </ul>
            )}
            {o.quietTokens.length > 0 && (
              <p className="mt-2 border-t border-slate-100 pt-2 text-xs text-slate-500 dark:border-slate-800">
                Quiet ingest tokens: {o.quietTokens.slice(0, 4).map((t) => `${t.name} (${t.lastUsedAt ? `last used ${ageText(new Date(t.lastUsedAt), now)}` : "never used"})`).join(", ")}
                {o.quietTokens.length > 4 ? ", …" : ""}
              </p>
            )}
          </Section>
        </div>
      </div>
    </div>
  );
}
