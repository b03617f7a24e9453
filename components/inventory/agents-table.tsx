import Link from "next/link";
import { PERSON_KIND_LABELS, isOfficeSurface } from "@/lib/queries/inventory/agent-ref";
import type { AgentSummary } from "@/lib/queries/inventory/agents";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
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

/** Each sort has one direction: names and first-seen ascending, the rest newest / largest first. */
function sortDir(id: AgentSort): "asc" | "desc" {
  return id === "name" || id === "first" ? "asc" : "desc";
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
  const sortBy = (id: AgentSort) => ({ href: hrefFor(id), active: id === sort, dir: sortDir(id) });
  return (
    <Table caption="Agents: one per surface and person, with owner, activity and versions">
      <THead>
        <tr>
          <Th className="hidden xl:table-cell">Surface</Th>
          <Th sort={sortBy("name")}>{AGENT_SORTS.name.label}</Th>
          <Th className="hidden xl:table-cell">Owner</Th>
          <Th sort={sortBy("first")} className="hidden xl:table-cell">{AGENT_SORTS.first.label}</Th>
          <Th sort={sortBy("last")}>{AGENT_SORTS.last.label}</Th>
          <Th>Versions</Th>
          <Th numeric sort={sortBy("sessions")}>{AGENT_SORTS.sessions.label}</Th>
          <Th numeric sort={sortBy("events")}>{AGENT_SORTS.events.label}</Th>
        </tr>
      </THead>
      <TBody>
        {agents.map((a) => {
          const isNew = newSince !== undefined && a.knownSince !== null && a.knownSince >= newSince;
          return (
            <Tr key={a.key}>
              <Td className="hidden xl:table-cell"><SurfaceBadge surface={a.surface} /></Td>
              <Td nowrap>
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
              </Td>
              <Td className="hidden max-w-64 xl:table-cell">
                <Owner agent={a} />
              </Td>
              <Td muted className="hidden xl:table-cell"><Time value={a.firstSeen} /></Td>
              <Td muted>
                <Time value={a.lastSeen} />
                <span className="block text-[11px] text-slate-500 dark:text-slate-400">{ago(a.lastSeen, now)}</span>
              </Td>
              <Td>
                <Versions versions={a.versions} office={isOfficeSurface(a.surface)} />
              </Td>
              <Td numeric>{count(a.sessions)}</Td>
              <Td numeric>{count(a.events)}</Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
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
