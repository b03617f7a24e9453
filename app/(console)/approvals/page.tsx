import Link from "next/link";
import { DecisionsOverTime, OfficeDecisions } from "@/components/charts/approval-charts";
import { Badge, DecisionBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TBody, THead, Table, TableEmpty, Td, Th, Tr, Truncate } from "@/components/ui/table";
import { Stat, StatGrid } from "@/components/ui/stat";
import { requireUser } from "@/lib/auth/session";
import { labelOfPersonKey } from "@/lib/domain/person";
import { AUTOMATIC_DECISION_SOURCES, DECISION_SOURCES, sourceLabel } from "@/lib/domain/vocabulary";
import { termFor, type PivotField } from "@/lib/query/terms";
import { exploreHref, type ExploreLink } from "@/lib/explore/url";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { approvalPage, escalations, WRITE_TOOLS, withoutTargets, type ApprovalGroup } from "@/lib/queries/approvals";
import { RangeFields } from "@/components/shell/range-fields";
import { RangeHint } from "@/components/shell/range-hint";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Approvals") };

type Params = { range?: string; from?: string; to?: string; user?: string; team?: string; tool?: string; mcpServer?: string; surface?: string; window?: string; groupBy?: string };

/**
 * An Explorer link with a query-language part (`q`) for what its filter parameters cannot say
 * (one of several tools or decision sources).
 */
function exploreWithQuery(view: ExploreLink, q: string): string {
  const href = exploreHref(view);
  return `${href}${href.includes("?") ? "&" : "?"}q=${encodeURIComponent(q)}`;
}

const anyOf = (field: PivotField, values: readonly string[]) => `(${values.map((v) => termFor(field, v)).join(" or ")})`;
/** Automatic approvals of writes (lib/queries/approvals countColumns) as the query language says it. */
const AUTO_WRITES_QUERY = `${anyOf("source", AUTOMATIC_DECISION_SOURCES)} ${anyOf("tool", [...WRITE_TOOLS])}`;

/** The change from the previous period, as a tile's detail line. */
function Delta({ now, before }: { now: number; before: number }) {
  const d = now - before;
  const pct = before > 0 ? ` (${d > 0 ? "+" : ""}${Math.round((d / before) * 100)}%)` : "";
  return (
    <span title="Change from the period of equal length just before">
      {d === 0 ? "no change" : `${d > 0 ? "▲ +" : "▼ −"}${formatCount(Math.abs(d))}${pct}`} <span className="text-slate-400">vs {formatCount(before)} before</span>
    </span>
  );
}

/** What an empty table of the dashboard says (its headers alone would read as a rendering fault). */
const NO_DECISIONS = "No decisions in this window.";

function NumLink({ n, href }: { n: number; href: string }) {
  return n === 0 ? <span className="text-slate-400">0</span> : <Link className="link tabular-nums" href={href}>{formatCount(n)}</Link>;
}

export default async function ApprovalsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const user = await requireUser();
  const p = await searchParams;
  const w = await consoleWindow(p);
  const to = w.to ?? new Date();
  const from = w.from ?? new Date(to.getTime() - 90 * 86_400_000);
  const windowMinutes = [5, 10, 30, 60].includes(Number(p.window)) ? Number(p.window) : 10;
  const filters = { from, to, user: p.user || undefined, team: p.team || undefined, tool: p.tool || undefined, mcpServer: p.mcpServer || undefined, surface: p.surface || undefined };
  const groupBy = p.groupBy === "team" ? "team" : "person";
  const [{ summary: s, groups, before }, escRaw] = await Promise.all([
    approvalPage(user.tenantId, filters, groupBy),
    escalations(user.tenantId, { ...filters, windowMinutes }),
  ]);
  const esc = user.canReadContent ? escRaw : withoutTargets(escRaw);
  // Links to the events behind a number keep the page's window and filters.
  const filterLink: ExploreLink = { user: p.user, tool: p.tool, mcpServer: p.mcpServer, source: p.surface !== "office" ? p.surface : undefined };
  const explore = (view: ExploreLink) => exploreHref({ name: "tool_decision", ...view, from, to });
  const sources = DECISION_SOURCES.filter((x) => s.bySource[x]);
  const office = (q: Record<string, string | undefined>) =>
    `/approvals/office?${new URLSearchParams(Object.entries({ ...q, user: q.user ?? p.user }).filter((e): e is [string, string] => !!e[1]))}&${rangeQuery(w)}`;
  /** This dashboard, filtered further (a team's numbers: the Explorer has no team filter). */
  const dashboard = (extra: Record<string, string>) =>
    `/approvals?${new URLSearchParams(Object.entries({ ...p, ...extra }).filter((e): e is [string, string] => !!e[1] && e[0] !== "range" && e[0] !== "from" && e[0] !== "to"))}&${rangeQuery(w)}`;
  const t = s.totals;
  const prev = s.previous;

  const select = (name: keyof Params, label: string, values: string[], show: (v: string) => string = (v) => v) => (
    <label className="flex flex-col gap-1">
      <span className="text-slate-500">{label}</span>
      <select name={name} defaultValue={p[name] ?? ""} className="field max-w-56">
        <option value="">All</option>
        {values.map((v) => <option key={v} value={v}>{show(v)}</option>)}
      </select>
    </label>
  );

  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={w} kinds={["events", "spans"]} />
      <h1 className="text-lg font-semibold tracking-tight">Approvals</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        Who or what approved Claude&apos;s actions, {w.label.toLowerCase()}. Numbers link to the events behind them.
      </p>
      <form method="get" className="mt-4 flex flex-wrap items-end gap-3 text-xs">
        <RangeFields window={w} />
        {select("surface", "Surface", s.facets.surfaces, sourceLabel)}
        {select("user", "User", s.facets.users)}
        {s.facets.teams.length > 0 && select("team", "Team", s.facets.teams)}
        {select("tool", "Tool", s.facets.tools)}
        {s.facets.mcpServers.length > 0 && select("mcpServer", "MCP server", s.facets.mcpServers)}
        {p.window && <input type="hidden" name="window" value={p.window} />}
        {p.groupBy && <input type="hidden" name="groupBy" value={p.groupBy} />}
        <button type="submit" className="btn-primary">Apply</button>
        <Link href={`/approvals?${rangeQuery(w)}`} className="btn-secondary">Reset</Link>
      </form>

      <div className="mt-4">
        <StatGrid>
          <Stat label="Decisions (Code, Cowork)" value={formatCount(t.decisions)} href={explore(filterLink)} detail={<Delta now={t.decisions} before={prev.decisions} />} />
          <Stat label="Rejected" value={formatCount(t.rejected)} href={explore({ ...filterLink, decision: "reject" })} detail={<Delta now={t.rejected} before={prev.rejected} />} />
          <Stat label="“Always allow” choices" value={formatCount(t.alwaysAllow)} alert={t.alwaysAllow > 0} href={explore({ ...filterLink, decisionSource: "user_permanent" })} detail={<Delta now={t.alwaysAllow} before={prev.alwaysAllow} />} />
          <Stat label="Automatic approvals of writes" value={formatCount(t.autoApprovedWrites)} href={exploreWithQuery({ name: "tool_decision", ...filterLink, decision: "accept", from, to }, AUTO_WRITES_QUERY)} detail={<Delta now={t.autoApprovedWrites} before={prev.autoApprovedWrites} />} />
          <Stat label="Office tool executions" value={formatCount(t.officeExecutions)} href={office({})} detail={<><Link className="link" href={office({ decision: "auto_accept" })}>{formatCount(t.officeAutoAccept)} auto-accepted</Link> · <Delta now={t.officeExecutions} before={prev.officeExecutions} /></>} />
          <Stat label="Escalations" value={formatCount(esc.length)} alert={esc.length > 0} href="#escalations" />
        </StatGrid>
      </div>

      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <Card title={`Decisions by source per ${s.bucket} (Claude Code and Cowork)`}>
            {s.overTime.length ? <DecisionsOverTime data={s.overTime} sources={sources} bucket={s.bucket} filter={filterLink} /> : <p className="text-xs text-slate-500">No tool decisions in this window.</p>}
          </Card>
        </div>
        <Card title="Outcome by surface">
          <Table variant="bare">
            <THead><tr><Th>Surface</Th><Th numeric>Accepted</Th><Th numeric>Rejected</Th></tr></THead>
            <TBody>
              {Object.keys(s.byOutcome).length === 0 && <TableEmpty colSpan={3}>{NO_DECISIONS}</TableEmpty>}
              {Object.entries(s.byOutcome).map(([surface, o]) => (
                <Tr key={surface}>
                  <Td>{sourceLabel(surface)}</Td>
                  <Td numeric><NumLink n={o.accept ?? 0} href={explore({ ...filterLink, source: surface, decision: "accept" })} /></Td>
                  <Td numeric><NumLink n={o.reject ?? 0} href={explore({ ...filterLink, source: surface, decision: "reject" })} /></Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          <h3 className="mb-1 mt-4 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Office accept decisions (tool executions)</h3>
          {s.office.length ? <OfficeDecisions data={s.office} baseQuery={`&${rangeQuery(w)}`} /> : <p className="text-xs text-slate-500">No Office tool executions in this window.</p>}
        </Card>
      </div>

      <section id="escalations" className="mt-6 scroll-mt-16">
        <h2 className="mb-1 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Escalations</h2>
        <form method="get" className="mb-2 flex items-center gap-2 text-xs text-slate-500">
          <RangeFields window={w} />
          {/* The dashboard's filters apply to the escalations too: keep them when the window changes. */}
          {(["surface", "user", "team", "tool", "mcpServer", "groupBy"] as const).map((k) => p[k] && <input key={k} type="hidden" name={k} value={p[k]} />)}
          <label htmlFor="esc-window">A rejection followed by an automatic approval of the same or a near-identical action within</label>
          <select id="esc-window" name="window" defaultValue={String(windowMinutes)} className="field py-0.5 text-xs">
            {[5, 10, 30, 60].map((m) => <option key={m} value={m}>{m} minutes</option>)}
          </select>
          <button type="submit" className="btn-secondary py-0.5 text-xs">Apply</button>
        </form>
        {esc.length === 0 ? (
          <p className="rounded-md border border-dashed border-slate-300 px-3 py-3 text-xs text-slate-500 dark:border-slate-700">None in this window.</p>
        ) : (
          <Table tone="red">
            <THead>
              <tr>
                <Th>User</Th>
                <Th>Tool</Th>
                <Th>Rejected</Th>
                <Th>Then approved</Th>
                <Th>After</Th>
                <Th>Match</Th>
              </tr>
            </THead>
            <TBody>
              {esc.map((e) => (
                <Tr key={e.rejected.eventId}>
                  <Td title={e.user}>{labelOfPersonKey(e.user)}</Td>
                  <Td mono>{e.tool}</Td>
                  <Td>
                    <DecisionBadge decision="reject" source={e.rejected.source} />
                    {e.rejected.target && <div className="mt-1 font-mono [overflow-wrap:anywhere]">{e.rejected.target}</div>}
                    <div className="mt-1">{e.rejected.promptId ? <Link className="link" href={`/prompts/${e.rejected.promptId}`}>{formatTime(e.rejected.time)}</Link> : formatTime(e.rejected.time)}</div>
                  </Td>
                  <Td>
                    <DecisionBadge decision="accept" source={e.accepted.source} />
                    {e.accepted.target && <div className="mt-1 font-mono [overflow-wrap:anywhere]">{e.accepted.target}</div>}
                    <div className="mt-1">{e.accepted.promptId ? <Link className="link" href={`/prompts/${e.accepted.promptId}`}>{formatTime(e.accepted.time)}</Link> : formatTime(e.accepted.time)}</div>
                  </Td>
                  <Td className="tabular-nums">{e.gapSeconds} s</Td>
                  <Td><Badge tone={e.similarity === "same tool" ? "slate" : "red"}>{e.similarity}</Badge></Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </section>

      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <div className="lg:col-span-2">
        <Card
          title={`Per ${groupBy} (most “always allow” first)`}
          aside={
            <nav aria-label="Group by" className="flex gap-2 text-xs">
              {(["person", "team"] as const).map((g) =>
                g === groupBy ? <span key={g} aria-current="true" className="font-semibold">{g}</span> : <Link key={g} className="link" href={dashboard({ groupBy: g })}>{g}</Link>,
              )}
            </nav>
          }
        >
          <Table variant="bare">
            <THead>
              <tr>
                <Th>{groupBy === "team" ? "Team" : "User"}</Th>
                <Th numeric nowrap={false}>Decisions</Th>
                <Th numeric nowrap={false}>vs before</Th>
                <Th numeric nowrap={false}>Always allow</Th>
                <Th numeric nowrap={false}>Allow once</Th>
                <Th numeric>Config</Th>
                <Th numeric nowrap={false}>Auto writes</Th>
                <Th numeric>Rejected</Th>
                <Th numeric nowrap={false}>Office auto</Th>
              </tr>
            </THead>
            <TBody>
              {groups.length === 0 && <TableEmpty colSpan={9}>{NO_DECISIONS}</TableEmpty>}
              {groups.map((g: ApprovalGroup) => {
                const was = before.get(g.key)?.total ?? 0;
                const change = g.total - was;
                const changeText = `${change > 0 ? "+" : change < 0 ? "−" : ""}${formatCount(Math.abs(change))}`;
                if (groupBy === "team") {
                  // The Explorer cannot filter by team: a team's numbers open this dashboard for the team.
                  const open = g.key ? dashboard({ team: g.key, groupBy: "person" }) : undefined;
                  const cell = (n: number) => (open ? <NumLink n={n} href={open} /> : formatCount(n));
                  return (
                    <Tr key={`team:${g.key}`}>
                      <Td>{open ? <Link className="link" href={open}>{g.key}</Link> : <span className="text-slate-500">(no team)</span>}</Td>
                      <Td numeric>{cell(g.total)}</Td>
                      <Td numeric title={`${formatCount(was)} in the period before`}>{changeText}</Td>
                      <Td numeric>{cell(g.userPermanent)}</Td>
                      <Td numeric>{cell(g.userTemporary)}</Td>
                      <Td numeric>{cell(g.config)}</Td>
                      <Td numeric>{cell(g.autoApprovedWrites)}</Td>
                      <Td numeric>{cell(g.rejected)}</Td>
                      <Td numeric>{cell(g.officeAutoAccept)}</Td>
                    </Tr>
                  );
                }
                const uq: ExploreLink = { ...filterLink, user: g.key };
                return (
                  <Tr key={`person:${g.key}`}>
                    <Td><Truncate value={labelOfPersonKey(g.key)} title={g.key} max="max-w-32" /></Td>
                    <Td numeric><NumLink n={g.total} href={explore(uq)} /></Td>
                    <Td numeric title={`${formatCount(was)} in the period before`}>{changeText}</Td>
                    <Td numeric><NumLink n={g.userPermanent} href={explore({ ...uq, decisionSource: "user_permanent" })} /></Td>
                    <Td numeric><NumLink n={g.userTemporary} href={explore({ ...uq, decisionSource: "user_temporary" })} /></Td>
                    <Td numeric><NumLink n={g.config} href={explore({ ...uq, decisionSource: "config" })} /></Td>
                    <Td numeric><NumLink n={g.autoApprovedWrites} href={exploreWithQuery({ name: "tool_decision", ...uq, decision: "accept", from, to }, AUTO_WRITES_QUERY)} /></Td>
                    <Td numeric><NumLink n={g.rejected} href={explore({ ...uq, decision: "reject" })} /></Td>
                    <Td numeric><NumLink n={g.officeAutoAccept} href={office({ decision: "auto_accept", user: g.key })} /></Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        </Card>
        </div>
        <Card title="Per tool (most approved by policy first)">
          <Table variant="bare">
            <THead>
              <tr>
                <Th>Tool</Th>
                <Th numeric>Config</Th>
                <Th numeric>Hook</Th>
                <Th numeric>Always allow</Th>
                <Th numeric>Rejected</Th>
                <Th numeric>All</Th>
              </tr>
            </THead>
            <TBody>
              {s.perTool.length === 0 && <TableEmpty colSpan={6}>{NO_DECISIONS}</TableEmpty>}
              {s.perTool.map((t) => {
                const tq: ExploreLink = { ...filterLink, tool: t.tool, mcpServer: t.mcpServer };
                return (
                  <Tr key={`${t.tool}/${t.mcpServer}`}>
                    <Td mono>{t.tool || "(unknown)"}{t.mcpServer && <span className="text-slate-500"> · {t.mcpServer}</span>}</Td>
                    <Td numeric><NumLink n={t.config} href={explore({ ...tq, decisionSource: "config" })} /></Td>
                    <Td numeric><NumLink n={t.hook} href={explore({ ...tq, decisionSource: "hook" })} /></Td>
                    <Td numeric><NumLink n={t.userPermanent} href={explore({ ...tq, decisionSource: "user_permanent" })} /></Td>
                    <Td numeric><NumLink n={t.rejected} href={explore({ ...tq, decision: "reject" })} /></Td>
                    <Td numeric><NumLink n={t.total} href={explore(tq)} /></Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        </Card>
      </div>

      <div className="mt-4">
        <Card title="Automatic approvals of writes and commands">
          {s.autoApprovedWrites.length === 0 ? (
            <p className="text-xs text-slate-500">None in this window.</p>
          ) : (
            <ul className="space-y-1 text-xs">
              {s.autoApprovedWrites.map((x) => (
                <li key={`${x.surface}/${x.tool}/${x.source}`} className="flex flex-wrap items-center gap-2">
                  <Badge tone="sky">{sourceLabel(x.surface)}</Badge>
                  <span className="font-mono">{x.tool}</span>
                  <span className="text-slate-500">approved by {x.source}:</span>
                  {x.surface === "office" ? (
                    <Link className="link" href={office({ decision: "auto_accept", readWrite: "write" })}>{formatCount(x.count)}</Link>
                  ) : (
                    <NumLink n={x.count} href={explore({ ...filterLink, source: x.surface, tool: x.tool, decisionSource: x.source, decision: "accept" })} />
                  )}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}
