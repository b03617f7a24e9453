import Link from "next/link";
import { PERSON_KIND_LABELS, isOfficeSurface } from "@/lib/queries/inventory/agent-ref";
import type { AgentSummary } from "@/lib/queries/inventory/agents";
import { SurfaceBadge, SurfaceDot } from "./surface-badge";
import { Time, Value, ago, count } from "./text";

export const AGENT_SORTS = {
  last: { label: "Last seen", compare: (a: AgentSummary, b: AgentSummary) => b.lastSeen.getTime() - a.lastSeen.getTime() },
  first: { label: "First seen", compare: (a: AgentSummary, b: AgentSummary) => a.firstSeen.getTime() - b.firstSeen.getTime() },
  name: { label: "Agent", compare: (a: AgentSummary, b: AgentSummary) => a.name.localeCompare(b.name) },
  sessions: { label: "Sessions", compare: (a: AgentSummary, b: AgentSummary) => b.sessions - a.sessions },
  events: { label: "Events", compare: (a: AgentSummary, b: AgentSummary) => b.events - a.events },
} as const;

export type AgentSort = keyof typeof AGENT_SORTS;

export function isAgentSort(v: string | undefined): v is AgentSort {
  return v !== undefined && v in AGENT_SORTS;
}

function SortHeader({ id, sort, hrefFor, className = "", align = "left" }: {
  id: AgentSort;
  sort: AgentSort;
  hrefFor: (sort: AgentSort) => string;
  className?: string;
  align?: "left" | "right";
}) {
  const active = id === sort;
  return (
    <th scope="col" aria-sort={active ? (id === "name" || id === "first" ? "ascending" : "descending") : undefined}
      className={`px-3 py-2 font-medium ${align === "right" ? "text-right" : ""} ${className}`}>
      <Link href={hrefFor(id)} className={`hover:text-slate-900 dark:hover:text-white ${active ? "text-slate-900 dark:text-white" : ""}`}>
        {AGENT_SORTS[id].label}
        {active && <span aria-hidden> {id === "name" || id === "first" ? "↑" : "↓"}</span>}
      </Link>
    </th>
  );
}

/** The agent list: one dense row per agent, each linking to its entities. */
export function AgentsTable({
  agents,
  sort,
  hrefFor,
  agentHref,
  newSince,
  now,
}: {
  agents: AgentSummary[];
  sort: AgentSort;
  hrefFor: (sort: AgentSort) => string;
  agentHref: (agent: AgentSummary) => string;
  /** Agents whose identity was first observed after this time are marked new. */
  newSince: Date | undefined;
  now: Date;
}) {
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-left text-xs">
        <caption className="sr-only">Agents: one per surface and person, with owner, activity and versions</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-slate-500 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
          <tr>
            <th scope="col" className="hidden px-3 py-2 font-medium xl:table-cell">Surface</th>
            <SortHeader id="name" sort={sort} hrefFor={hrefFor} />
            <th scope="col" className="hidden px-3 py-2 font-medium xl:table-cell">Owner</th>
            <SortHeader id="first" sort={sort} hrefFor={hrefFor} className="hidden xl:table-cell" />
            <SortHeader id="last" sort={sort} hrefFor={hrefFor} />
            <th scope="col" className="px-3 py-2 font-medium">Versions</th>
            <SortHeader id="sessions" sort={sort} hrefFor={hrefFor} align="right" />
            <SortHeader id="events" sort={sort} hrefFor={hrefFor} align="right" />
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => {
            const isNew = newSince !== undefined && a.knownSince !== null && a.knownSince >= newSince;
            return (
              <tr key={a.key} className="border-b border-slate-100 align-top last:border-0 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800/50">
                <td className="hidden px-3 py-1.5 xl:table-cell"><SurfaceBadge surface={a.surface} /></td>
                <td className="whitespace-nowrap px-3 py-1.5">
                  <SurfaceDot surface={a.surface} className="mr-1.5 xl:hidden" />
                  <Link href={agentHref(a)} className="link font-medium">
                    <Value value={a.name} max={48} />
                  </Link>
                  {isNew && (
                    <span title={`First observed ${a.knownSince!.toISOString()} (all time)`}
                      className="ml-1.5 rounded bg-sky-50 px-1 py-px text-[10px] font-semibold uppercase tracking-wide text-sky-800 ring-1 ring-inset ring-sky-200 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800">
                      new
                    </span>
                  )}
                  {/* Below xl the owner sits under the name, so the row fits 1024 px. */}
                  <span className="block max-w-64 xl:hidden">
                    <Owner agent={a} />
                  </span>
                </td>
                <td className="hidden max-w-72 px-3 py-1.5 xl:table-cell">
                  <Owner agent={a} />
                </td>
                <td className="hidden px-3 py-1.5 text-slate-600 xl:table-cell dark:text-slate-300"><Time value={a.firstSeen} /></td>
                <td className="px-3 py-1.5 text-slate-600 dark:text-slate-300">
                  <Time value={a.lastSeen} />
                  <span className="block text-[11px] text-slate-500 dark:text-slate-400">{ago(a.lastSeen, now)}</span>
                </td>
                <td className="px-3 py-1.5">
                  <Versions versions={a.versions} office={isOfficeSurface(a.surface)} />
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">{count(a.sessions)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{count(a.events)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Owner({ agent: a }: { agent: AgentSummary }) {
  if (a.kind === "none") return <span className="text-[11px] text-slate-500 dark:text-slate-400">no identity sent</span>;
  return (
    <>
      <Value value={a.person} max={64} className="block truncate font-mono text-[11px] text-slate-800 dark:text-slate-200" />
      <span className="block text-[11px] text-slate-500 dark:text-slate-400">
        {PERSON_KIND_LABELS[a.kind]}
        {a.devices > 1 && ` · ${a.devices} devices`}
      </span>
    </>
  );
}

function Versions({ versions, office }: { versions: string[]; office: boolean }) {
  if (versions.length === 0) return <span className="text-slate-400 dark:text-slate-500">–</span>;
  const shown = versions.slice(0, 2);
  return (
    <span className="flex flex-wrap items-center gap-1" title={`${office ? "office.version" : "service.version"}: ${versions.join(", ")}`}>
      {shown.map((v) => (
        <span key={v} className="rounded bg-slate-100 px-1 py-px font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-200">
          <Value value={v} max={24} />
        </span>
      ))}
      {versions.length > shown.length && <span className="text-[11px] text-slate-500">+{versions.length - shown.length}</span>}
    </span>
  );
}
