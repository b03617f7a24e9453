import Link from "next/link";
import { InvalidCursorError } from "@/lib/db/sql";
import { SeverityBadge, StatusBadge } from "@/components/alerts/alert-badges";
import { RangeHint } from "@/components/shell/range-hint";
import { NoValue, Table, TableEmpty, TBody, Td, Th, THead, Tr, Truncate } from "@/components/ui/table";
import { recordContentView } from "@/lib/audit";
import { requireUser } from "@/lib/auth/session";
import { consoleWindow } from "@/lib/console-range";
import {
  AlertInputError, alertQueueCounts, groupAlerts, listAlerts, parseServiceParam, parseSeverityParam, parseStatusParam,
  type AlertFilters, type AlertGroup, type AlertPage, type AlertQueueCounts,
} from "@/lib/detections/alerts";
import { DETECTION_SERVICES, type AlertStatus, type RuleLevel } from "@/lib/detections/types";
import { LEVEL_INFO, LEVELS_HOTTEST_FIRST, SERVICE_LABELS } from "@/lib/presentation/alert-labels";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { ageText, rangeParams, windowPhrase } from "@/lib/time-range";

export const dynamic = "force-dynamic";
export const metadata = { title: "Alerts · Blindspot" };

// The alert queue: most severe first, then the most recent hit; filters by severity, status,
// rule, person and surface; grouped by rule or person on request. Dense rows, one per alert.

type Params = {
  severity?: string; status?: string; rule?: string; person?: string; service?: string; group?: string; cursor?: string;
  range?: string; from?: string; to?: string;
};

const STATUS_CHOICES: { value: string; label: string }[] = [
  { value: "open", label: "Open" },
  { value: "new", label: "New" },
  { value: "acknowledged", label: "Acknowledged" },
  { value: "closed", label: "Closed" },
  { value: "any", label: "Any status" },
];

const SEVERITY_CHOICES: { value: string; label: string }[] = [
  { value: "", label: "Any severity" },
  { value: "critical", label: "Critical" },
  { value: "critical,high", label: "High and above" },
  { value: "critical,high,medium", label: "Medium and above" },
  ...LEVELS_HOTTEST_FIRST.slice(1).map((l) => ({ value: l, label: `${LEVEL_INFO[l].label} only` })),
];

function Select({ id, name, label, value, options }: { id: string; name: string; label: string; value: string; options: { value: string; label: string }[] }) {
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="mb-0.5 block text-[11px] font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</label>
      <select id={id} name={name} defaultValue={value} className="field w-full py-1 text-xs">
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </div>
  );
}

function GroupTable({ groups, by, hrefFor }: { groups: AlertGroup[]; by: "rule" | "person"; hrefFor: (g: AlertGroup) => string }) {
  return (
    <>
      <THead>
        <tr>
          <Th className="w-24">Highest</Th>
          <Th>{by === "rule" ? "Rule" : "Person"}</Th>
          <Th numeric>Alerts</Th>
          <Th numeric>Open</Th>
          <Th numeric>Hits</Th>
          <Th>Last hit</Th>
        </tr>
      </THead>
      <TBody>
        {groups.map((g) => (
          <Tr key={g.key ?? "none"}>
            <Td><SeverityBadge level={g.level} /></Td>
            <Td><Link className="link font-medium" href={hrefFor(g)}>{g.label}</Link></Td>
            <Td numeric>{formatCount(g.alerts)}</Td>
            <Td numeric>{formatCount(g.open)}</Td>
            <Td numeric>{formatCount(g.hits)}</Td>
            <Td numeric align="left" muted nowrap>{formatTime(g.lastSeen).replace(/\.\d{3} UTC$/, " UTC")}</Td>
          </Tr>
        ))}
      </TBody>
    </>
  );
}

/** A short line of what matched, for the queue row (analysts and admins only). */
function matchedSummary(matched: Record<string, string> | null): string | null {
  if (!matched) return null;
  const entries = Object.entries(matched);
  if (entries.length === 0) return null;
  return entries.slice(0, 2).map(([k, v]) => `${k}: ${v.length > 90 ? `${v.slice(0, 90)}…` : v}`).join(" · ");
}

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const user = await requireUser();
  const p = await searchParams;
  const window = await consoleWindow(p);
  const now = new Date();
  const statusParam = p.status ?? "open";
  const group = p.group === "rule" || p.group === "person" ? p.group : null;

  let error: string | null = null;
  let filters: AlertFilters = { from: window.from, to: window.to };
  try {
    filters = {
      ...filters,
      status: statusParam === "any" ? undefined : parseStatusParam(statusParam),
      severity: parseSeverityParam(p.severity),
      service: parseServiceParam(p.service),
      rule: p.rule?.trim() || undefined,
      person: p.person?.trim() || undefined,
    };
  } catch (err) {
    if (!(err instanceof AlertInputError)) throw err;
    error = err.message;
  }

  let page: AlertPage = { alerts: [], nextCursor: null };
  let groups: AlertGroup[] = [];
  let ruleChoices: AlertGroup[] = [];
  let bySeverity: Record<RuleLevel, number> | null = null;
  if (!error) {
    try {
      let counts: AlertQueueCounts;
      [page, groups, counts] = await Promise.all([
        group ? Promise.resolve(page) : listAlerts(user.tenantId, filters, { cursor: p.cursor || undefined, limit: 100, canReadContent: user.canReadContent }),
        group ? groupAlerts(user.tenantId, filters, group) : Promise.resolve([]),
        // The rule filter's choices (the window's rules), and every severity's count under the
        // other filters (the chips switch the severity filter): one pass over the window.
        alertQueueCounts(user.tenantId, { from: window.from, to: window.to }, filters),
      ]);
      ({ rules: ruleChoices, bySeverity } = counts);
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      error = "That page link is no longer valid; showing the first page.";
      page = await listAlerts(user.tenantId, filters, { limit: 100, canReadContent: user.canReadContent });
    }
  }
  if (user.canReadContent && page.alerts.some((a) => a.matched && Object.keys(a.matched).length > 0)) {
    await recordContentView(user.tenantId, user.email, "alerts:queue");
  }

  const range = rangeParams(window);
  const keep = (over: Record<string, string | undefined>) => {
    const q = new URLSearchParams(range);
    const merged: Record<string, string | undefined> = { severity: p.severity, status: p.status, rule: p.rule, person: p.person, service: p.service, group: p.group, ...over };
    for (const [k, v] of Object.entries(merged)) if (v) q.set(k, v);
    return `/alerts?${q}`;
  };
  const filtered = Boolean(p.severity || p.rule || p.person || p.service || (p.status && p.status !== "open"));

  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={window} />
      <div className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1">
        <h1 className="text-lg font-semibold tracking-tight">Alerts</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Most severe first, then the most recent hit · alerts with a hit in {windowPhrase(window)}
          {user.canReadContent ? "" : " · matched values hidden for your role"}
        </p>
      </div>

      <form method="get" action="/alerts" className="mt-3 grid grid-cols-2 items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 shadow-sm sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-7 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter alerts">
        {range.map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
        <Select id="f-severity" name="severity" label="Severity" value={p.severity ?? ""} options={SEVERITY_CHOICES.some((c) => c.value === (p.severity ?? "")) ? SEVERITY_CHOICES : [...SEVERITY_CHOICES, { value: p.severity!, label: p.severity! }]} />
        <Select id="f-status" name="status" label="Status" value={statusParam} options={STATUS_CHOICES} />
        <Select
          id="f-rule"
          name="rule"
          label="Rule"
          value={p.rule ?? ""}
          options={[{ value: "", label: "Any rule" }, ...ruleChoices.map((g) => ({ value: g.key ?? "", label: `${g.label} (${g.alerts})` })), ...(p.rule && !ruleChoices.some((g) => g.key === p.rule) ? [{ value: p.rule, label: p.rule }] : [])]}
        />
        <div className="min-w-0">
          <label htmlFor="f-person" className="mb-0.5 block text-[11px] font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Person</label>
          <input id="f-person" name="person" defaultValue={p.person ?? ""} placeholder="email or person key" className="field w-full py-1 text-xs" autoComplete="off" spellCheck={false} />
        </div>
        <Select id="f-service" name="service" label="Surface" value={p.service ?? ""} options={[{ value: "", label: "Any surface" }, ...DETECTION_SERVICES.map((s) => ({ value: s, label: SERVICE_LABELS[s] }))]} />
        <Select id="f-group" name="group" label="Group by" value={group ?? ""} options={[{ value: "", label: "No grouping" }, { value: "rule", label: "Rule" }, { value: "person", label: "Person" }]} />
        <div className="flex gap-2">
          <button type="submit" className="btn-primary py-1 text-xs">Apply</button>
          {filtered && <Link className="btn-secondary py-1 text-xs" href={`/alerts?${new URLSearchParams(range)}`}>Reset</Link>}
        </div>
      </form>

      {bySeverity && (
        <ul className="mt-3 flex flex-wrap items-center gap-2" aria-label="Alerts by severity">
          {LEVELS_HOTTEST_FIRST.map((l) => {
            const active = p.severity === l;
            return (
              <li key={l}>
                <Link
                  href={keep({ severity: active ? undefined : l, cursor: undefined })}
                  aria-current={active ? "true" : undefined}
                  data-testid={`severity-count-${l}`}
                  className={`inline-flex items-center gap-2 rounded-md border px-2.5 py-1 text-xs shadow-sm ${
                    active ? "border-sky-500 bg-sky-50 ring-2 ring-sky-500/30 dark:bg-sky-950" : "border-slate-200 bg-white hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900"
                  } ${bySeverity[l] ? "" : "text-slate-400"}`}
                >
                  <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${bySeverity[l] ? LEVEL_INFO[l].dot : "bg-slate-200 dark:bg-slate-700"}`} />
                  {LEVEL_INFO[l].label}
                  <span className="font-semibold tabular-nums">{formatCount(bySeverity[l])}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}

      {error && <p role="alert" className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">{error}</p>}

      {group ? (
        <Table
          className="mt-3"
          label={`Alerts grouped by ${group}`}
          empty={groups.length === 0 && <TableEmpty>No alerts match these filters in {windowPhrase(window)}.</TableEmpty>}
        >
          <GroupTable groups={groups} by={group} hrefFor={(g) => keep(group === "rule" ? { rule: g.key ?? undefined, group: undefined } : { person: g.key ?? undefined, group: undefined })} />
        </Table>
      ) : (
        <Table
          className="mt-3"
          label="Alert queue"
          empty={
            page.alerts.length === 0 && (
              <TableEmpty>
                No {statusParam === "open" ? "open " : ""}alerts match these filters in {windowPhrase(window)}.
                {statusParam === "open" && <> <Link className="link" href={keep({ status: "any" })}>Include closed alerts</Link>.</>}
              </TableEmpty>
            )
          }
        >
          <THead>
            <tr>
              <Th className="w-20">Severity</Th>
              <Th>Alert</Th>
              <Th className="w-36">Status</Th>
              <Th>Person</Th>
              <Th>Surface</Th>
              <Th numeric>Hits</Th>
              <Th>Last hit</Th>
              <Th>Assignee</Th>
            </tr>
          </THead>
          <TBody>
            {page.alerts.map((a) => {
              const summary = matchedSummary(a.matched);
              const closed = a.status === "closed";
              return (
                <Tr key={a.id} className={closed ? "text-slate-500 dark:text-slate-400" : ""} data-alert-id={a.id}>
                  {/* The severity stripe: open alerts only, so closed ones recede. */}
                  <Td className={`border-l-4 ${closed ? "border-l-transparent" : borderFor(a.rule.level)}`}><SeverityBadge level={a.rule.level} /></Td>
                  <Td className="max-w-xl">
                    <Link className="font-medium text-slate-900 hover:underline dark:text-slate-100" href={`/alerts/${a.id}`}>{a.rule.title}</Link>
                    {summary && <Truncate value={summary} max="max-w-xl" className="mt-0.5 font-mono text-[11px] text-slate-500 dark:text-slate-400" />}
                  </Td>
                  <Td><StatusBadge status={a.status as AlertStatus} resolution={a.resolution} /></Td>
                  <Td className="max-w-[14rem]">
                    {a.person ? (
                      <Link className="link block truncate" title={a.person} href={keep({ person: a.person, cursor: undefined })}>{a.person}</Link>
                    ) : (
                      <span className="text-slate-400">unknown</span>
                    )}
                  </Td>
                  <Td nowrap>{SERVICE_LABELS[a.service] ?? a.service}</Td>
                  <Td numeric>{formatCount(a.hits)}</Td>
                  <Td nowrap className="tabular-nums" title={formatTime(a.lastSeen)}>{ageText(new Date(a.lastSeen), now)}</Td>
                  <Td muted className="max-w-[12rem]">{a.assignee ? <Truncate value={a.assignee} max="max-w-[12rem]" /> : <NoValue />}</Td>
                </Tr>
              );
            })}
          </TBody>
        </Table>
      )}
      {!group && (page.nextCursor || p.cursor) && (
        <div className="mt-2 flex justify-end gap-2 text-xs">
          {p.cursor && <Link className="btn-secondary py-1 text-xs" href={keep({ cursor: undefined })}>First page</Link>}
          {page.nextCursor && <Link className="btn-secondary py-1 text-xs" href={keep({ cursor: page.nextCursor })}>Next 100 →</Link>}
        </div>
      )}
    </div>
  );
}

function borderFor(level: string): string {
  return level === "critical" ? "border-l-red-600" : level === "high" ? "border-l-orange-500" : level === "medium" ? "border-l-amber-400" : level === "low" ? "border-l-sky-400" : "border-l-slate-300";
}
