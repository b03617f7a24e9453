import Link from "next/link";
import { recordContentView } from "@/lib/audit";
import { InvalidCursorError } from "@/lib/db/sql";
import { exploreSpans, type ExploreSpanRow } from "@/lib/explore/spans";
import { checkQuery } from "@/lib/query/compile";
import { Table, TBody, Td, Th, THead, Tr, Truncate } from "@/components/ui/table";

// The Explorer's spans dataset (`/explore?dataset=spans&q=…`): Office agent turns and tool calls
// and Claude Code's beta traces, newest first, with the same query language over the spans'
// fields. Minimal on purpose: the query bar, histogram and row panel are the events view's.

export interface SpansViewProps {
  tenantId: string;
  email: string;
  canReadContent: boolean;
  q?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
  /** Link to a page of this view (keeps q and the range). */
  pageHref: (cursor?: string) => string;
}

const STATUS = ["unset", "ok", "error"];

export async function SpansView({ tenantId, email, canReadContent, q, from, to, cursor, limit, pageHref }: SpansViewProps) {
  const queryError = q ? checkQuery(q, "spans", canReadContent) : null;
  let rows: ExploreSpanRow[] = [];
  let nextCursor: string | null = null;
  if (!queryError) {
    try {
      ({ rows, nextCursor } = await exploreSpans(tenantId, { q, from, to, cursor, limit }, canReadContent));
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      ({ rows, nextCursor } = await exploreSpans(tenantId, { q, from, to, limit }, canReadContent));
    }
    if (canReadContent && rows.some((r) => r.statusMessage !== null)) await recordContentView(tenantId, email, `explore-spans:${q ?? ""}`);
  }
  return (
    <div className="flex flex-col gap-3" data-dataset="spans">
      {queryError && q && (
        <div role="alert" data-query-error-position={queryError.position} className="rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-xs text-rose-900 dark:border-rose-700 dark:bg-rose-950 dark:text-rose-200">
          <p>The query cannot be run: {queryError.message}.</p>
        </div>
      )}
      <Table
        dense
        label="Spans"
        toolbar={
          <div className="flex w-full items-center justify-between gap-2 text-xs text-slate-600 dark:text-slate-400">
            <span>
              <span className="font-semibold text-slate-800 dark:text-slate-200">{rows.length}</span> {rows.length === 1 ? "span" : "spans"} on this page · newest first
            </span>
            <nav aria-label="Pages" className="flex items-center gap-2">
              {cursor && (
                <Link prefetch={false} href={pageHref()} className="btn-secondary py-1 text-xs">
                  First page
                </Link>
              )}
              {nextCursor && (
                <Link prefetch={false} href={pageHref(nextCursor)} className="btn-secondary py-1 text-xs" rel="next">
                  Next page →
                </Link>
              )}
            </nav>
          </div>
        }
        empty={rows.length === 0 && <p className="px-6 py-10 text-center text-sm text-slate-600 dark:text-slate-400">No spans match in this range.</p>}
      >
        <THead>
          <tr>
            <Th>Start</Th>
            <Th>Span</Th>
            <Th>App</Th>
            <Th>User</Th>
            <Th>Tool</Th>
            <Th>Decision</Th>
            <Th>Status</Th>
            <Th numeric>Duration (ms)</Th>
            <Th>Model</Th>
            <Th>Trace</Th>
          </tr>
        </THead>
        <TBody>
          {rows.map((r) => (
            <Tr key={`${r.traceId}/${r.spanId}`}>
              <Td nowrap mono>{r.startTime.replace("T", " ").slice(0, 19)}</Td>
              <Td><Truncate value={r.name} /></Td>
              <Td>{r.surface ?? r.source}</Td>
              <Td><Truncate value={r.userEmail ?? "—"} max="max-w-[12rem]" /></Td>
              <Td>{r.toolName ?? ""}</Td>
              <Td>{r.decision ?? ""}</Td>
              <Td title={r.statusMessage ?? undefined}>{STATUS[r.statusCode] ?? r.statusCode}{r.errorType ? ` · ${r.errorType}` : ""}</Td>
              <Td numeric>{r.durationMs === null ? "" : Math.round(r.durationMs)}</Td>
              <Td>{r.model ?? ""}</Td>
              <Td mono>
                <Link prefetch={false} className="link" href={`/traces/${r.traceId}`}>
                  {r.traceId.slice(0, 8)}…
                </Link>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
