"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { createContext, useContext, type KeyboardEvent, type MouseEvent, type ReactNode } from "react";
import { columnVisibilityFeature, createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import type { ExploreRow } from "@/lib/explore/columns";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { useColumnVisibility, type Visibility } from "./column-visibility";
import { sourceLabel } from "@/lib/domain/vocabulary";
import { formatTime } from "@/lib/presentation/format";
import { promptHref } from "@/lib/presentation/links";
import { EXPLORE_PATH } from "@/lib/explore/url";
import { formatCost, formatCount, formatDuration, shortId } from "./format";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { personKey } from "@/lib/domain/person";
import type { PivotField } from "@/lib/query/terms";

// The Explorer table. Rows, filtering, sorting and paging all come from the server (the URL holds
// the state); TanStack Table here owns the column model and the column choice.

const features = tableFeatures({ columnVisibilityFeature });
const helper = createColumnHelper<typeof features, ExploreRow>();

/** Where a row leads: its prompt, else its session, else its trace. */
export function rowHref(r: ExploreRow): string | null {
  if (r.promptId) return promptHref(r.promptId, r.id);
  if (r.sessionId) return `/sessions/${encodeURIComponent(r.sessionId)}`;
  if (r.traceId) return `/traces/${encodeURIComponent(r.traceId)}`;
  return null;
}

// Field names are the query language's (lib/query/fields.ts): the event's source is `app`, the
// decision's source is `source`.

/** What a cell's pivot adds to: the Explorer's current query and the parameters it keeps (time range). */
const PivotContext = createContext<{ query: string; keep: Record<string, string> }>({ query: "", keep: {} });

/** A cell value with "filter for / filter out / open" (the current query narrowed or widened). */
function Pivot({ field, value, openHref, openLabel, children }: { field: PivotField; value: string; openHref?: string; openLabel?: string; children?: ReactNode }) {
  const { query, keep } = useContext(PivotContext);
  return (
    <PivotMenu field={field} value={value} query={query} keep={keep} openHref={openHref} openLabel={openLabel}>
      {children}
    </PivotMenu>
  );
}

const muted = "text-slate-400 dark:text-slate-500";
const Empty = () => <span className={muted}>–</span>;

function IdPivot({ field, href, id, label }: { field: PivotField; href: string; id: string; label: string }) {
  return (
    <Pivot field={field} value={id} openHref={href} openLabel={`Open ${label.toLowerCase()}`}>
      <span className="font-mono">{shortId(id)}</span>
    </Pivot>
  );
}

function DecisionPill({ decision }: { decision: string }) {
  const tone =
    decision === "accept"
      ? "bg-emerald-50 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-950/60 dark:text-emerald-300 dark:ring-emerald-400/20"
      : decision === "reject"
        ? "bg-red-50 text-red-800 ring-red-600/20 dark:bg-red-950/60 dark:text-red-300 dark:ring-red-400/20"
        : "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-400/20";
  return <span className={`inline-block rounded px-1.5 py-px text-[11px] font-medium ring-1 ring-inset ${tone}`}>{decision}</span>;
}

function Result({ success }: { success: boolean | null }) {
  if (success === null) return <Empty />;
  return success ? (
    <span className="text-emerald-700 dark:text-emerald-400">ok</span>
  ) : (
    <span className="font-medium text-red-700 dark:text-red-400">failed</span>
  );
}

/** The person of a row as shown (text) and as the `user:` term filters on (value). */
function userLabel(r: ExploreRow): { text: string; value: string } | null {
  const email = r.userEmail ?? r.enduserId;
  if (email) return { text: email, value: email };
  if (r.accountId) return { text: r.accountId, value: r.accountId };
  if (r.accountUuid) return { text: shortId(r.accountUuid), value: r.accountUuid };
  if (r.userId) return { text: shortId(r.userId, 12), value: r.userId };
  return null;
}

interface ColumnInfo {
  label: string;
  /** server sort key when the column is sortable */
  sort?: string;
  align?: "right";
  visible: boolean;
  /** extra classes for the column's cells */
  className?: string;
}

/** Column ids in display order, with their header text, sort key and default visibility. */
export const COLUMN_INFO: Record<string, ColumnInfo> = {
  time: { label: "Time (UTC)", sort: "time", visible: true },
  source: { label: "Source", sort: "source", visible: true },
  event: { label: "Event", sort: "event_name", visible: true },
  user: { label: "User", sort: "user_email", visible: true },
  tool: { label: "Tool", sort: "tool_name", visible: true },
  mcp: { label: "MCP", sort: "mcp_server", visible: true },
  decision: { label: "Decision", visible: true },
  result: { label: "Result", visible: true },
  duration: { label: "Duration", sort: "duration_ms", align: "right", visible: true },
  // Last and elastic: takes the width the other columns leave, truncated (full text on hover).
  content: { label: "Content", visible: true, className: "w-full min-w-48 max-w-0" },
  decisionSource: { label: "Decided by", sort: "decision_source", visible: false },
  cost: { label: "Cost", sort: "cost_usd", align: "right", visible: false },
  errorType: { label: "Error type", visible: false },
  statusCode: { label: "Status", align: "right", visible: false },
  model: { label: "Model", visible: false },
  tokens: { label: "Tokens in / out", align: "right", visible: false },
  prompt: { label: "Prompt", visible: false },
  session: { label: "Session", visible: false },
  trace: { label: "Trace", visible: false },
  sequence: { label: "Seq", align: "right", visible: false },
  toolUseId: { label: "Tool use id", visible: false },
  accountUuid: { label: "Account UUID", visible: false },
  organization: { label: "Organization", visible: false },
  terminal: { label: "Terminal", visible: false },
  version: { label: "Client version", visible: false },
};

const DEFAULT_VISIBILITY: Visibility = Object.fromEntries(Object.entries(COLUMN_INFO).map(([id, c]) => [id, c.visible]));

const columns = helper.columns([
  helper.accessor("time", {
    id: "time",
    header: COLUMN_INFO.time.label,
    enableHiding: false,
    cell: ({ row }) => {
      const r = row.original;
      const href = rowHref(r);
      const text = formatTime(r.time);
      const what = r.promptId ? "Open prompt" : r.sessionId ? "Open session" : "Open trace";
      return href ? (
        <Link prefetch={false} href={href} className="link tabular-nums" title={what}>
          {text}
        </Link>
      ) : (
        <span className="tabular-nums">{text}</span>
      );
    },
  }),
  helper.accessor("source", {
    id: "source",
    header: COLUMN_INFO.source.label,
    cell: (c) => <Pivot field="app" value={c.getValue()}>{sourceLabel(c.getValue())}</Pivot>,
  }),
  helper.accessor("eventName", {
    id: "event",
    header: COLUMN_INFO.event.label,
    cell: (c) => (
      <Pivot field="event" value={c.getValue()}>
        <span className="text-slate-900 dark:text-slate-100">{c.getValue()}</span>
      </Pivot>
    ),
  }),
  helper.accessor((r) => userLabel(r), {
    id: "user",
    header: COLUMN_INFO.user.label,
    cell: (c) => {
      const u = c.getValue();
      if (!u) return <Empty />;
      const key = personKey(c.row.original);
      return (
        <span className="block max-w-44 truncate">
          <Pivot field="user" value={u.value} openHref={key ? `/people/${encodeURIComponent(key)}` : undefined} openLabel="Open person">
            {u.text}
          </Pivot>
        </span>
      );
    },
  }),
  helper.accessor("toolName", {
    id: "tool",
    header: COLUMN_INFO.tool.label,
    cell: (c) => {
      const tool = c.getValue();
      return tool ? (
        <span className="block max-w-40 truncate">
          <Pivot field="tool" value={tool} />
        </span>
      ) : (
        <Empty />
      );
    },
  }),
  helper.accessor((r) => [r.mcpServer, r.mcpTool].filter(Boolean).join(" / "), {
    id: "mcp",
    header: COLUMN_INFO.mcp.label,
    cell: ({ row }) => {
      const { mcpServer, mcpTool } = row.original;
      if (!mcpServer && !mcpTool) return <Empty />;
      return (
        <span className="flex max-w-56 items-baseline gap-0.5 font-mono">
          {mcpServer && <Pivot field="mcp_server" value={mcpServer} />}
          {mcpServer && mcpTool && <span className={muted}>/</span>}
          {mcpTool && <Pivot field="mcp_tool" value={mcpTool} />}
        </span>
      );
    },
  }),
  helper.accessor("decision", {
    id: "decision",
    header: COLUMN_INFO.decision.label,
    cell: ({ row }) => {
      const { decision, decisionSource } = row.original;
      if (!decision && !decisionSource) return <Empty />;
      return (
        <span className="inline-flex items-center gap-1.5">
          {decision && (
            <Pivot field="decision" value={decision}>
              <DecisionPill decision={decision} />
            </Pivot>
          )}
          {decisionSource && (
            <Pivot field="source" value={decisionSource}>
              <span className="text-slate-500 dark:text-slate-400">{decisionSource}</span>
            </Pivot>
          )}
        </span>
      );
    },
  }),
  helper.accessor("success", { id: "result", header: COLUMN_INFO.result.label, cell: (c) => <Result success={c.getValue()} /> }),
  helper.accessor("durationMs", {
    id: "duration",
    header: COLUMN_INFO.duration.label,
    cell: (c) => (c.getValue() === null ? <Empty /> : formatDuration(c.getValue())),
  }),
  helper.accessor("content", {
    id: "content",
    header: COLUMN_INFO.content.label,
    cell: ({ row }) => {
      const r = row.original;
      if (r.contentHidden) {
        return (
          <span
            className="rounded bg-slate-100 px-1.5 py-px text-[11px] text-slate-500 dark:bg-slate-800 dark:text-slate-400"
            title="Content is hidden for your role"
          >
            hidden
          </span>
        );
      }
      if (r.content === null) return <Empty />;
      return (
        <span className="block truncate font-mono text-slate-700 dark:text-slate-300" title={r.content}>
          {r.content}
        </span>
      );
    },
  }),
  helper.accessor("decisionSource", {
    id: "decisionSource",
    header: COLUMN_INFO.decisionSource.label,
    cell: (c) => {
      const v = c.getValue();
      return v ? <Pivot field="source" value={v} /> : <Empty />;
    },
  }),
  helper.accessor("costUsd", {
    id: "cost",
    header: COLUMN_INFO.cost.label,
    cell: (c) => (c.getValue() === null ? <Empty /> : formatCost(c.getValue())),
  }),
  helper.accessor("errorType", { id: "errorType", header: COLUMN_INFO.errorType.label, cell: (c) => c.getValue() ?? <Empty /> }),
  helper.accessor("statusCode", { id: "statusCode", header: COLUMN_INFO.statusCode.label, cell: (c) => c.getValue() ?? <Empty /> }),
  helper.accessor("model", {
    id: "model",
    header: COLUMN_INFO.model.label,
    cell: (c) => {
      const v = c.getValue();
      return v ? <Pivot field="model" value={v} /> : <Empty />;
    },
  }),
  helper.accessor((r) => (r.inputTokens === null && r.outputTokens === null ? null : `${formatCount(r.inputTokens)} / ${formatCount(r.outputTokens)}`), {
    id: "tokens",
    header: COLUMN_INFO.tokens.label,
    cell: (c) => c.getValue() ?? <Empty />,
  }),
  helper.accessor("promptId", {
    id: "prompt",
    header: COLUMN_INFO.prompt.label,
    cell: (c) => {
      const id = c.getValue();
      // The prompt, scrolled to this row's event and marking it.
      return id ? <IdPivot field="prompt" href={promptHref(id, c.row.original.id)} id={id} label="Prompt" /> : <Empty />;
    },
  }),
  helper.accessor("sessionId", {
    id: "session",
    header: COLUMN_INFO.session.label,
    cell: (c) => {
      const id = c.getValue();
      return id ? <IdPivot field="session" href={`/sessions/${encodeURIComponent(id)}`} id={id} label="Session" /> : <Empty />;
    },
  }),
  helper.accessor("traceId", {
    id: "trace",
    header: COLUMN_INFO.trace.label,
    cell: (c) => {
      const id = c.getValue();
      return id ? <IdPivot field="trace" href={`/traces/${encodeURIComponent(id)}`} id={id} label="Trace" /> : <Empty />;
    },
  }),
  helper.accessor("sequence", { id: "sequence", header: COLUMN_INFO.sequence.label, cell: (c) => c.getValue() ?? <Empty /> }),
  helper.accessor("toolUseId", {
    id: "toolUseId",
    header: COLUMN_INFO.toolUseId.label,
    cell: (c) => (c.getValue() ? <span className="font-mono">{c.getValue()}</span> : <Empty />),
  }),
  helper.accessor("accountUuid", {
    id: "accountUuid",
    header: COLUMN_INFO.accountUuid.label,
    cell: (c) => (c.getValue() ? <span className="font-mono">{c.getValue()}</span> : <Empty />),
  }),
  helper.accessor("organizationId", {
    id: "organization",
    header: COLUMN_INFO.organization.label,
    cell: (c) => (c.getValue() ? <span className="font-mono">{c.getValue()}</span> : <Empty />),
  }),
  helper.accessor("terminalType", { id: "terminal", header: COLUMN_INFO.terminal.label, cell: (c) => c.getValue() ?? <Empty /> }),
  helper.accessor("serviceVersion", { id: "version", header: COLUMN_INFO.version.label, cell: (c) => c.getValue() ?? <Empty /> }),
]);

export interface EventsTableProps {
  rows: ExploreRow[];
  sort: string;
  dir: "asc" | "desc";
  /** sort key → URL that sorts by it (toggling the direction when already sorted by it) */
  sortHrefs: Record<string, string>;
  /** left side of the toolbar (row count, sort description) */
  summary: ReactNode;
  /** right side of the toolbar, after the column chooser (paging, export) */
  actions: ReactNode;
  /** shown instead of the table when there are no rows */
  empty: ReactNode;
  /** The Explorer's current query, which cell pivots narrow or widen. */
  query?: string;
  /** Explorer parameters pivots keep (time range). */
  keep?: Record<string, string>;
  /** The current view's parameters (no `event`): a row opens `?<view>&event=<id>`. */
  viewParams?: string;
  /** The event shown in the row panel. */
  selectedId?: string;
}

/** Clicks on a link, a pivot menu or a button inside a row do their own thing, not open the panel. */
function isInteractive(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest("a, button, summary, details, input, select, label") !== null;
}

export function EventsTable({ rows, sort, dir, sortHrefs, summary, actions, empty, query = "", keep = {}, viewParams = "", selectedId }: EventsTableProps) {
  const router = useRouter();
  const openRow = (id: string) => {
    const p = new URLSearchParams(viewParams);
    p.set("event", id);
    router.push(`${EXPLORE_PATH}?${p}`, { scroll: false });
  };
  const [columnVisibility, setColumnVisibility, resetColumns] = useColumnVisibility(DEFAULT_VISIBILITY);
  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (r) => r.id,
    state: { columnVisibility },
    onColumnVisibilityChange: setColumnVisibility,
  });
  const hideable = table.getAllLeafColumns().filter((c) => c.getCanHide());
  const visibleCount = table.getVisibleLeafColumns().length;

  return (
    <PivotContext.Provider value={{ query, keep }}>
    <Table
      region={{ label: "Events" }}
      className="shadow-sm"
      maxHeight="max-h-[calc(100vh-17rem)] min-h-72"
      empty={rows.length === 0 ? empty : undefined}
      toolbar={
        <>
          <div className="min-w-0 flex-1 text-xs text-slate-600 dark:text-slate-400">{summary}</div>
          <div className="flex flex-wrap items-center gap-2">
            <ColumnChooser hideable={hideable} visibleCount={visibleCount} reset={resetColumns} />
            {actions}
          </div>
        </>
      }
      dense
    >
      <THead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((header) => {
              const info = COLUMN_INFO[header.column.id];
              const sortKey = info?.sort;
              const href = sortKey ? sortHrefs[sortKey] : undefined;
              return (
                <Th
                  key={header.id}
                  numeric={info?.align === "right"}
                  sort={href ? { href, active: sortKey === sort, dir, title: `Sort by ${info.label.toLowerCase()}` } : undefined}
                >
                  <table.FlexRender header={header} />
                </Th>
              );
            })}
          </tr>
        ))}
      </THead>
      <TBody>
        {table.getRowModel().rows.map((row) => (
          <Tr
            key={row.id}
            tabIndex={0}
            data-event-id={row.id}
            data-selected={row.id === selectedId ? "true" : undefined}
            aria-keyshortcuts="Enter"
            title="Click or press Enter for every field of this event"
            className={`cursor-pointer focus-visible:outline focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-sky-600 ${
              row.id === selectedId ? "bg-sky-50 dark:bg-sky-950/40" : ""
            }`}
            onClick={(e: MouseEvent<HTMLTableRowElement>) => {
              if (!isInteractive(e.target)) openRow(row.id);
            }}
            onKeyDown={(e: KeyboardEvent<HTMLTableRowElement>) => {
              if (e.key === "Enter" && e.target === e.currentTarget) openRow(row.id);
            }}
          >
            {row.getVisibleCells().map((cell) => {
              const info = COLUMN_INFO[cell.column.id];
              return (
                <Td key={cell.id} nowrap numeric={info?.align === "right"} className={info?.className}>
                  <table.FlexRender cell={cell} />
                </Td>
              );
            })}
          </Tr>
        ))}
      </TBody>
    </Table>
    </PivotContext.Provider>
  );
}

function ColumnChooser({ hideable, visibleCount, reset }: { hideable: { id: string; getIsVisible(): boolean; toggleVisibility(v: boolean): void }[]; visibleCount: number; reset: () => void }) {
  return (
    <details className="group/cols relative">
      <summary className="btn-secondary cursor-pointer list-none py-1 text-xs [&::-webkit-details-marker]:hidden">
        Columns <span className="ml-1 text-slate-400">{visibleCount}</span>
      </summary>
      <div className="absolute right-0 z-30 mt-1 w-64 rounded-md border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900">
        <fieldset>
          <legend className="px-1 pb-1 text-[11px] font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Show columns</legend>
          <div className="grid grid-cols-2 gap-x-2">
            {hideable.map((column) => (
              <label key={column.id} className="flex cursor-pointer items-center gap-1.5 rounded px-1 py-0.5 text-xs hover:bg-slate-50 dark:hover:bg-slate-800">
                <input type="checkbox" className="accent-sky-700" checked={column.getIsVisible()} onChange={(e) => column.toggleVisibility(e.target.checked)} />
                {COLUMN_INFO[column.id]?.label ?? column.id}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="button" className="link mt-2 px-1 text-xs" onClick={reset}>
          Reset to default columns
        </button>
      </div>
    </details>
  );
}
