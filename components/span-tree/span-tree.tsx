"use client";

import { useState, type KeyboardEvent, type ReactNode } from "react";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { AcceptDecisionBadge, Badge, DecisionBadge, SuccessBadge } from "@/components/ui/badge";
import { ContentBlock, RawJson } from "@/components/ui/raw-json";
import type { JsonValue } from "@/lib/otlp/values";
import { officeAppLabel, SPAN } from "@/lib/domain/vocabulary";
import { formatCount, formatDuration, formatOffset } from "@/lib/presentation/format";
import type { SpanRow } from "@/lib/presentation/span-rows";

// An indented span tree with a gantt bar per span. Rows arrive flattened in depth-first order;
// collapsing hides the rows below a span until the depth returns to its level, so rendering
// stays a single pass over an array (a thousand spans render without recursion).
// Keys (WAI-ARIA tree pattern): ↑/↓ move between visible spans, → expands (or steps to the first
// child), ← collapses (or steps to the parent), Home/End jump, Enter opens a span's details.

function text(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <div className="text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</div>
      <div className="mt-0.5 [overflow-wrap:anywhere]">{children}</div>
    </div>
  );
}

/** A value of the span as a pivot (filter the Explorer for or against it), or a dash. */
function pivot(field: "tool" | "model", value: string | null): ReactNode {
  return value ? <PivotMenu field={field} value={value}><span className="font-mono">{value}</span></PivotMenu> : "–";
}

function SpanDetails({ row, canReadContent }: { row: SpanRow; canReadContent: boolean }) {
  const a = row.attributes;
  const hidden = (key: string) => !canReadContent && row.hiddenKeys.includes(key);
  return (
    <div className="space-y-3 border-t border-slate-200 bg-slate-50 px-4 py-3 text-xs dark:border-slate-800 dark:bg-slate-950">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Detail label="Span id"><span className="font-mono">{row.spanId}</span></Detail>
        <Detail label="Start">{formatOffset(row.offsetMs)}</Detail>
        <Detail label="Duration">{formatDuration(row.durationMs)}</Detail>
        <Detail label="Status">{row.status.code === 2 ? `error${row.status.message ? `: ${row.status.message}` : ""}` : row.status.code === 1 ? "ok" : "unset"}</Detail>
        {row.name === SPAN.officeQuery && (
          <>
            <Detail label="Surface">{row.surface ? <PivotMenu field="app" value={row.surface}>{officeAppLabel(row.surface)}</PivotMenu> : "–"}</Detail>
            <Detail label="Model">{pivot("model", text(a["agent.selected_model"]))}</Detail>
            <Detail label="Office">{[text(a["office.platform"]), text(a["office.version"])].filter(Boolean).join(" ") || "–"}</Detail>
            <Detail label="MCP connected / failed">{`${text(a["mcp.connected_count"]) ?? "–"} / ${text(a["mcp.failed_count"]) ?? "–"}`}</Detail>
          </>
        )}
        {row.name === SPAN.officeToolExecution && (
          <>
            <Detail label="Tool">{pivot("tool", row.toolName)}</Detail>
            <Detail label="Read / write">{row.readWrite ?? "–"}</Detail>
            <Detail label="Accept decision">{row.decision ? <PivotMenu field="decision" value={row.decision}><AcceptDecisionBadge decision={row.decision} /></PivotMenu> : "–"}</Detail>
            <Detail label="Caller / owner">{[text(a["tool.caller"]), text(a["tool.owner"])].filter(Boolean).join(" / ") || "–"}</Detail>
          </>
        )}
        {row.name === SPAN.officeStream && (
          <>
            <Detail label="Model">{pivot("model", row.model)}</Detail>
            <Detail label="Tokens in / out">{`${formatCount(row.inputTokens)} / ${formatCount(row.outputTokens)}`}</Detail>
            <Detail label="Stop reason">{text(a.stop_reason) ?? "–"}</Detail>
            <Detail label="Request">{text(a.request_id) ?? "–"}</Detail>
          </>
        )}
      </div>
      {row.name === SPAN.officeQuery && (
        <>
          <Detail label="User message">
            {hidden("user.message") ? <span className="text-slate-500">hidden for your role</span> : text(a["user.message"]) ? <ContentBlock>{text(a["user.message"])!}</ContentBlock> : "–"}
          </Detail>
          <Detail label="Document">
            {hidden("document.url") ? <span className="text-slate-500">hidden for your role</span> : <span className="font-mono">{text(a["document.url"]) ?? "–"}</span>}
          </Detail>
        </>
      )}
      {row.name === SPAN.officeToolExecution && (
        <>
          <Detail label="Input">
            {hidden("tool.input") ? <span className="text-slate-500">hidden for your role</span> : text(a["tool.input"]) ? <ContentBlock mono>{text(row.fields.toolInput) ?? text(a["tool.input"])!}</ContentBlock> : "–"}
          </Detail>
          <Detail label="Output">
            {hidden("tool.output") ? (
              <span className="text-slate-500">hidden for your role</span>
            ) : (
              <>
                {row.truncatedKeys.includes("tool.output") && (
                  <p className="mb-1 text-orange-700 dark:text-orange-400">
                    Truncated by the client: {formatCount(typeof a["tool.output_chars"] === "number" ? a["tool.output_chars"] : Number(a["tool.output_chars"]))} characters in full.
                  </p>
                )}
                {text(a["tool.output"]) ? <ContentBlock mono>{text(a["tool.output"])!}</ContentBlock> : "–"}
              </>
            )}
          </Detail>
        </>
      )}
      {row.events.length > 0 && (
        <Detail label={`Span events (${row.events.length})`}>
          <ul className="space-y-0.5 font-mono">
            {row.events.map((e, i) => (
              <li key={i}>
                {e.name}
                {Object.keys(e.attributes).length > 0 && <span className="text-slate-500"> {JSON.stringify(e.attributes)}</span>}
              </li>
            ))}
          </ul>
        </Detail>
      )}
      <RawJson value={row.attributes} />
    </div>
  );
}

export function SpanTree({
  rows, totalMs, canReadContent, highlight = [],
}: {
  rows: SpanRow[];
  totalMs: number;
  canReadContent: boolean;
  /** Span ids to mark and open (an alert's evidence). */
  highlight?: string[];
}) {
  const marked = new Set(highlight);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  // Evidence spans start opened: the analyst came for their details.
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(highlight));
  const toggle = (set: ReadonlySet<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };

  const visible: SpanRow[] = [];
  let hideBelow = Infinity;
  for (const r of rows) {
    if (r.depth > hideBelow) continue;
    hideBelow = collapsed.has(r.spanId) ? r.depth : Infinity;
    visible.push(r);
  }
  const total = Math.max(totalMs, 1);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const item = (e.target as HTMLElement).closest<HTMLElement>("[data-span-id]");
    const index = item ? visible.findIndex((r) => r.spanId === item.dataset.spanId) : -1;
    if (index < 0) return;
    const row = visible[index];
    const focusAt = (i: number) =>
      e.currentTarget.querySelector<HTMLElement>(`[data-span-id="${CSS.escape(visible[i].spanId)}"] [data-span-open]`)?.focus();
    const expanded = row.childCount > 0 && !collapsed.has(row.spanId);
    switch (e.key) {
      case "ArrowDown":
        if (index + 1 < visible.length) focusAt(index + 1);
        break;
      case "ArrowUp":
        if (index > 0) focusAt(index - 1);
        break;
      case "Home":
        focusAt(0);
        break;
      case "End":
        focusAt(visible.length - 1);
        break;
      case "ArrowRight":
        if (row.childCount > 0 && !expanded) setCollapsed((c) => toggle(c, row.spanId));
        else if (expanded && index + 1 < visible.length) focusAt(index + 1);
        break;
      case "ArrowLeft": {
        if (expanded) {
          setCollapsed((c) => toggle(c, row.spanId));
          break;
        }
        let parent = index - 1;
        while (parent >= 0 && visible[parent].depth >= row.depth) parent--;
        if (parent >= 0) focusAt(parent);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div className="overflow-hidden rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900" role="tree" aria-label="Spans" onKeyDown={onKeyDown}>
      <div className="grid grid-cols-[minmax(20rem,1fr)_minmax(12rem,1fr)_5rem] gap-2 border-b border-slate-200 px-3 py-1.5 text-[11px] uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
        <span>Span</span>
        <span>Timeline ({formatDuration(totalMs)})</span>
        <span className="text-right">Duration</span>
      </div>
      {visible.map((r) => {
        const isOpen = open.has(r.spanId);
        const failed = r.status.code === 2 || r.success === false;
        const left = (r.offsetMs / total) * 100;
        const width = ((r.durationMs ?? 0) / total) * 100;
        return (
          <div
            key={r.spanId}
            data-span-id={r.spanId}
            role="treeitem"
            aria-level={r.depth + 1}
            aria-expanded={r.childCount > 0 ? !collapsed.has(r.spanId) : undefined}
            aria-selected={isOpen}
            data-highlighted={marked.has(r.spanId) ? "evidence" : undefined}
            className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${marked.has(r.spanId) ? "bg-amber-50 ring-2 ring-inset ring-amber-400/70 dark:bg-amber-950/40" : ""}`}
          >
            <div className="grid grid-cols-[minmax(20rem,1fr)_minmax(12rem,1fr)_5rem] items-center gap-2 px-3 py-1 hover:bg-slate-50 dark:hover:bg-slate-800/50">
              <div className="flex min-w-0 items-center gap-1" style={{ paddingLeft: `${r.depth * 16}px` }}>
                {r.childCount > 0 ? (
                  <button
                    type="button"
                    className="w-4 shrink-0 text-slate-500 hover:text-slate-900 dark:hover:text-slate-100"
                    aria-label={collapsed.has(r.spanId) ? `Expand children of ${r.name}` : `Collapse children of ${r.name}`}
                    onClick={() => setCollapsed((c) => toggle(c, r.spanId))}
                  >
                    {collapsed.has(r.spanId) ? "▸" : "▾"}
                  </button>
                ) : (
                  <span className="w-4 shrink-0" />
                )}
                <button
                  type="button"
                  data-span-open
                  className="flex min-w-0 items-center gap-1.5 rounded text-left focus-visible:outline-2 focus-visible:outline-sky-600"
                  aria-expanded={isOpen}
                  onClick={() => setOpen((o) => toggle(o, r.spanId))}
                >
                  {marked.has(r.spanId) && <span className="rounded bg-amber-200 px-1 text-[10px] font-semibold uppercase tracking-wide text-amber-900 dark:bg-amber-800 dark:text-amber-100">Evidence</span>}
                  <span className={`truncate font-mono text-xs ${failed ? "text-red-700 dark:text-red-400" : ""}`}>{r.name}</span>
                  {r.toolName && <span className="truncate text-xs font-medium">{r.toolName}</span>}
                  {r.readWrite && <Badge tone={r.readWrite === "write" ? "orange" : "slate"}>{r.readWrite}</Badge>}
                  {r.name === SPAN.officeToolExecution && <AcceptDecisionBadge decision={r.decision} />}
                  {r.decisionSource && <DecisionBadge decision={r.decision} source={r.decisionSource} />}
                  {r.success === false && <SuccessBadge success={false} />}
                  {r.truncatedKeys.length > 0 && <Badge tone="orange">truncated</Badge>}
                </button>
              </div>
              <div className="relative h-3 rounded bg-slate-100 dark:bg-slate-800" aria-hidden>
                <div
                  className={`absolute top-0 h-3 rounded ${failed ? "bg-red-500" : r.name === SPAN.officeToolExecution ? "bg-amber-500" : "bg-sky-500"}`}
                  style={{ left: `${Math.min(left, 100)}%`, width: `max(${Math.min(width, 100 - left)}%, 2px)` }}
                />
              </div>
              <div className="text-right font-mono text-[11px] tabular-nums text-slate-600 dark:text-slate-300">{formatDuration(r.durationMs)}</div>
            </div>
            {isOpen && <SpanDetails row={r} canReadContent={canReadContent} />}
          </div>
        );
      })}
    </div>
  );
}
