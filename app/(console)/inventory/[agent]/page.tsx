import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { EntitySection, type EntityColumns } from "@/components/inventory/entity-section";
import { SurfaceBadge } from "@/components/inventory/surface-badge";
import { Time, Value, ago, count, visible } from "@/components/inventory/text";
import { TBody, THead, Table, TableEmpty, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import {
  PERSON_KIND_LABELS,
  agentDetail,
  agentExploreHref,
  agentName,
  countHref,
  entityHref,
  isOfficeSurface,
  parseAgentKey,
  surfaceLabel,
  type AgentDetail,
  type EntityKind,
  type IdentityFacet,
} from "@/lib/queries/inventory";
import { consoleWindow } from "@/lib/console-range";
import { rangeParams, rangeQuery } from "@/lib/time-range";
import { recordTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ agent: string }> }) {
  return { title: recordTitle("Agent", (await params).agent, 32) };
}

interface Group {
  kind: EntityKind;
  title: string;
  columns: EntityColumns;
  empty: string;
}

// Column meanings per group (the query returns the same shape for every entity kind).
const EVENT_GROUPS: Group[] = [
  { kind: "directory", title: "Working directories", columns: { name: "Path (workspace.host_paths)", uses: "Events" },
    empty: "No folders reported. Cowork and Desktop sessions send the folders a user connected; Claude Code in a terminal does not." },
  { kind: "tool", title: "Tools", columns: { name: "Tool", uses: "Runs", rejected: "Rejected", failed: "Failed" }, empty: "No tool use." },
  { kind: "mcp_server", title: "MCP servers", columns: { name: "Server", detail: "Transport", uses: "Calls", rejected: "Rejected", failed: "Failed" },
    empty: "No MCP server named in telemetry." },
  { kind: "mcp_tool", title: "MCP tools (server:tool)", columns: { name: "Server:tool", uses: "Calls", rejected: "Rejected", failed: "Failed" },
    empty: "No MCP tool named in telemetry." },
  { kind: "model", title: "Models", columns: { name: "Model", uses: "Requests", rejected: "Refusals", failed: "Errors" }, empty: "No model requests." },
  { kind: "plugin", title: "Plugins", columns: { name: "Plugin", detail: "Versions", uses: "Loads" }, empty: "No plugin named in telemetry." },
  { kind: "skill", title: "Skills", columns: { name: "Skill", detail: "Source", uses: "Activations" }, empty: "No skill named in telemetry." },
];

const OFFICE_GROUPS: Group[] = [
  { kind: "tool", title: "Tools", columns: { name: "Tool (agent.tool_execution)", detail: "Access", uses: "Runs", failed: "Failed" },
    empty: "No tool executions." },
  { kind: "model", title: "Models", columns: { name: "Model", uses: "Model calls", failed: "Failed" }, empty: "No model calls." },
];

const IDENTITY_LABELS: Record<string, string> = {
  email: "user.email",
  enduser: "enduser.id",
  account_id: "user.account_id",
  account_uuid: "user.account_uuid",
  device: "user.id (device)",
  organization: "organization.id",
  terminal: "terminal.type",
  os: "OS",
  platform: "office.platform",
  version: "Version",
};

export default async function AgentPage({
  params,
  searchParams,
}: {
  params: Promise<{ agent: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser();
  const ref = parseAgentKey((await params).agent);
  if (!ref) notFound();
  const window = await consoleWindow(await searchParams);
  const detail = await agentDetail(user.tenantId, ref, { from: window.from, to: window.to }, user.canReadContent);
  const name = agentName(ref);
  const office = isOfficeSurface(ref.surface);
  const now = new Date();

  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
      <Link className="link" href={`/inventory?${rangeQuery(window)}`}>Inventory</Link>
      {" / "}
      {surfaceLabel(ref.surface)}
    </nav>
  );

  if (!detail) {
    return (
      <div className="mx-auto max-w-7xl">
        {breadcrumb}
        <h1 className="flex items-center gap-2 text-lg font-semibold tracking-tight">
          <SurfaceBadge surface={ref.surface} />
          <Value value={name} max={120} />
        </h1>
        <p className="mt-3 rounded-md border border-dashed border-slate-300 bg-white px-4 py-6 text-sm text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300">
          This agent sent nothing in {window.label.toLowerCase()}.{" "}
          {window.id !== "all" && <Link className="link" href={`/inventory/${(await params).agent}?range=all`}>Look at all time</Link>}
        </p>
      </div>
    );
  }

  const { agent, entities, withheld } = detail;
  const isNew = window.from !== undefined && agent.knownSince !== null && agent.knownSince >= window.from;
  const latestSession = detail.sessions[0]?.sessionId;
  const linkHref = (e: Parameters<typeof entityHref>[1]) => entityHref(agent, e, rangeParams(window));
  const groups = office ? OFFICE_GROUPS : EVENT_GROUPS;

  return (
    <div className="mx-auto max-w-7xl">
      {breadcrumb}
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-lg font-semibold tracking-tight">
            <SurfaceBadge surface={agent.surface} />
            <span className="[overflow-wrap:anywhere]"><Value value={agent.name} max={120} /></span>
            {isNew && (
              <span className="rounded bg-sky-50 px-1 py-px text-[10px] font-semibold uppercase tracking-wide text-sky-800 ring-1 ring-inset ring-sky-200 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800">
                new
              </span>
            )}
          </h1>
          <p className="mt-1 text-xs text-slate-600 dark:text-slate-300">
            Owner{" "}
            {agent.kind === "none" ? (
              <span className="text-slate-500">unknown: this telemetry carries no identity</span>
            ) : (
              <>
                <Value value={agent.person} max={160} className="font-mono [overflow-wrap:anywhere]" />{" "}
                <span className="text-slate-500 dark:text-slate-400">({PERSON_KIND_LABELS[agent.kind]})</span>
              </>
            )}
            {agent.knownSince && (
              <span className="text-slate-500 dark:text-slate-400"> · first observed <Time value={agent.knownSince} /></span>
            )}
          </p>
        </div>
        <div className="flex items-center gap-2 text-xs">
          {office
            ? latestSession && <Link className="btn-secondary py-1 text-xs" href={`/sessions/${encodeURIComponent(latestSession)}`}>Latest session</Link>
            : <Link className="btn-secondary py-1 text-xs" href={agentExploreHref(agent, {}, rangeParams(window))}>All events in Explore</Link>}
        </div>
      </div>

      <dl className="mt-4 grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-6" aria-label="Activity in the time range">
        <Fact label="First seen" value={<Time value={agent.firstSeen} />} />
        <Fact label="Last seen" value={<Time value={agent.lastSeen} />} detail={ago(agent.lastSeen, now)} />
        <Fact label="Sessions" value={count(agent.sessions)} />
        <Fact label={office ? "Spans" : "Events"} value={count(agent.events)} />
        <Fact label="Tools" value={count(entities.tool.length)} detail={withheld.mcpCalls > 0 ? `+ ${count(withheld.mcpCalls)} unnamed MCP calls` : undefined} />
        {office
          ? <Fact label="Office build" value={agent.versions[0] ? <Value value={agent.versions[0]} max={24} /> : "–"} detail={agent.versions.length > 1 ? `${agent.versions.length} builds` : undefined} />
          : <Fact label="MCP servers" value={count(entities.mcp_server.length)} />}
      </dl>

      <div className="mt-4 grid gap-4 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="flex min-w-0 flex-col gap-3">
          {groups.filter((g) => entities[g.kind].length > 0).map((g) => (
            <EntitySection
              key={g.kind}
              id={`entities-${g.kind}`}
              title={g.title}
              entities={entities[g.kind]}
              columns={g.columns}
              hrefFor={linkHref}
              countHrefFor={(e, which) => countHref(agent, e, which, rangeParams(window))}
              linkLabel={office ? "Open the latest session that used it" : "Show these events in Explore"}
              empty={g.empty}
              note={groupNote(g.kind, detail, office)}
              limit={detail.limit}
            />
          ))}
          <NotSeen groups={groups.filter((g) => entities[g.kind].length === 0)} notes={Object.fromEntries(groups.map((g) => [g.kind, groupNote(g.kind, detail, office)]))} />
          {office && (
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Office agents report no working directories, plugins or skills, and name MCP connector tools only as{" "}
              <code className="font-mono">mcp_tool</code>; each tool links to the latest session that used it.
            </p>
          )}
        </div>
        <aside className="flex min-w-0 flex-col gap-3" aria-label="Identity and sessions">
          <IdentityPanel facets={detail.identity} />
          <Table
            region={{ labelledBy: "sessions-heading" }}
            tableClassName="table-fixed"
            toolbar={
              <h2 id="sessions-heading" className="text-xs font-semibold uppercase tracking-wider text-slate-600 dark:text-slate-300">
                Latest sessions <span className="ml-1 font-normal text-slate-400">{count(detail.sessions.length)} of {count(agent.sessions)}</span>
              </h2>
            }
            empty={detail.sessions.length === 0 ? <TableEmpty>No session id in this telemetry.</TableEmpty> : undefined}
          >
            <THead>
              <tr>
                <Th>Session</Th>
                <Th className="w-32">Last seen</Th>
                <Th numeric className="w-16">{office ? "Spans" : "Events"}</Th>
              </tr>
            </THead>
            <TBody>
              {detail.sessions.map((s) => (
                <Tr key={s.sessionId}>
                  <Td className="truncate">
                    <Link href={`/sessions/${encodeURIComponent(s.sessionId)}`} className="link font-mono text-[11px]" title={visible(s.sessionId, 200)}>
                      <Value value={s.sessionId} max={40} />
                    </Link>
                  </Td>
                  <Td muted nowrap className="text-[11px]"><Time value={s.lastSeen} /></Td>
                  <Td numeric>{count(s.events)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </aside>
      </div>
    </div>
  );
}

function groupNote(kind: EntityKind, detail: AgentDetail, office: boolean): ReactNode {
  const { withheld } = detail;
  if (kind === "directory" && detail.hiddenDirectories > 0) return `${count(detail.hiddenDirectories)} folders: paths hidden for your role`;
  if (kind === "tool" && withheld.mcpCalls > 0) {
    return office
      ? `${count(withheld.mcpCalls)} MCP connector calls (names withheld: mcp_tool)`
      : `${count(withheld.mcpCalls)} MCP calls with names withheld (mcp_tool; needs OTEL_LOG_TOOL_DETAILS=1)`;
  }
  if (kind === "plugin" && withheld.plugins > 0) return `third-party plugins withheld in ${count(withheld.plugins)} sessions`;
  if (kind === "skill" && withheld.skills > 0) return `${count(withheld.skills)} activations of unnamed custom skills`;
  return undefined;
}

/** Groups with nothing in the range, in one compact panel instead of a row of empty tables. */
function NotSeen({ groups, notes }: { groups: Group[]; notes: Record<string, ReactNode> }) {
  if (groups.length === 0) return null;
  return (
    <section aria-labelledby="not-seen-heading" className="rounded-md border border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
      <h2 id="not-seen-heading" className="text-xs font-semibold uppercase tracking-wider text-slate-600 dark:text-slate-300">Not seen in this range</h2>
      <dl className="mt-1.5 grid grid-cols-[10rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-xs">
        {groups.map((g) => (
          <div key={g.kind} className="contents">
            <dt className="font-medium text-slate-700 dark:text-slate-200">{g.title}</dt>
            <dd className="text-slate-500 dark:text-slate-400">
              {g.empty}
              {notes[g.kind] && <> · {notes[g.kind]}</>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Fact({ label, value, detail }: { label: string; value: ReactNode; detail?: string }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
      <dt className="text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-sm font-semibold tabular-nums">{value}</dd>
      {detail && <dd className="text-[11px] text-slate-500 dark:text-slate-400">{detail}</dd>}
    </div>
  );
}

function IdentityPanel({ facets }: { facets: IdentityFacet[] }) {
  const order = Object.keys(IDENTITY_LABELS);
  const kinds = [...new Set(facets.map((f) => f.kind))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return (
    <section aria-labelledby="identity-heading" className="rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <h2 id="identity-heading" className="border-b border-slate-100 px-3 py-2 text-xs font-semibold uppercase tracking-wider text-slate-600 dark:border-slate-800 dark:text-slate-300">
        Identity and environment
      </h2>
      {kinds.length === 0 ? (
        <p className="px-3 py-2.5 text-xs text-slate-500">Nothing identifying was sent.</p>
      ) : (
        <dl className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-x-2 gap-y-1 px-3 py-2 text-xs">
          {kinds.map((k) => (
            <div key={k} className="contents">
              <dt className="text-slate-500 dark:text-slate-400">{IDENTITY_LABELS[k] ?? k}</dt>
              <dd className="min-w-0 font-mono text-[11px]">
                {facets.filter((f) => f.kind === k).map((f) => (
                  <span key={f.value} className="block truncate" title={`${visible(f.value, 400)} · ${f.count} records`}>
                    <Value value={f.value} max={64} />
                  </span>
                ))}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
