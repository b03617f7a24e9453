import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { RowTh, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { COVERAGE_SURFACES, sourceLabel } from "@/lib/domain/vocabulary";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { coverage, LAYERS, type CoverageCell } from "@/lib/queries/coverage";
import { RangeHint } from "@/components/shell/range-hint";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery, type TimeWindow } from "@/lib/time-range";
import { exploreHref } from "@/lib/explore/url";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Coverage") };

const CELL_STYLE: Record<CoverageCell["status"], string> = {
  reporting: "bg-emerald-50 text-emerald-900 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-900",
  partial: "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900",
  stale: "bg-orange-50 text-orange-900 ring-orange-300 dark:bg-orange-950 dark:text-orange-200 dark:ring-orange-800",
  silent: "bg-red-50 text-red-900 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900",
  not_applicable: "bg-slate-50 text-slate-400 ring-slate-200 dark:bg-slate-900 dark:text-slate-600 dark:ring-slate-800",
};

const CELL_LABEL: Record<CoverageCell["status"], string> = { reporting: "reporting", partial: "partial", stale: "stale", silent: "silent", not_applicable: "n/a" };

/** The page that lists a cell's records, where one exists (metric points and Compliance content have none: the cell's breakdown is their evidence). */
function evidenceHref(cell: CoverageCell, w: TimeWindow): { href: string; label: string } | null {
  const decisions = ["cowork_files", "cowork_browser", "cowork_mcp"].includes(cell.surface);
  switch (cell.layer) {
    case "otel_claude_code":
      return { href: exploreHref({ source: "claude_code", window: w }), label: "Claude Code events in the Explorer" };
    case "otel_cowork":
      return { href: exploreHref({ source: "cowork", name: decisions ? "tool_decision" : undefined, window: w }), label: `Cowork ${decisions ? "tool decisions" : "events"} in the Explorer` };
    case "office_traces":
      return { href: exploreHref({ source: "office", window: w }), label: "Office agent spans in the Explorer" };
    case "compliance_activity":
      return { href: `/compliance?${rangeQuery(w)}`, label: "the Compliance activity feed" };
    default:
      return null;
  }
}

const STATUS_HELP: Record<CoverageCell["status"], string> = {
  reporting: "Fresh data, and the layer covers this surface whole.",
  partial: "Fresh data, but the layer covers this surface only in part (or it reports where it is not expected to).",
  stale: "It reported in this window, but nothing for longer than expected: a client, a token or the connector may have stopped.",
  silent: "The layer can report on this surface, and nothing arrived in this window.",
  not_applicable: "The layer cannot see this surface.",
};

function percent(x: number) {
  return `${Math.round(x * 100)}%`;
}

export default async function CoveragePage({ searchParams }: { searchParams: Promise<{ range?: string; from?: string; to?: string; cell?: string }> }) {
  const user = await requireUser();
  const p = await searchParams;
  const w = await consoleWindow(p);
  const to = w.to ?? new Date();
  const c = await coverage(user.tenantId, w.from ?? new Date(to.getTime() - 90 * 86_400_000), to);
  const cell = (layer: string, surface: string) => c.cells.find((x) => x.layer === layer && x.surface === surface)!;
  const selected = p.cell ? c.cells.find((x) => `${x.layer}:${x.surface}` === p.cell) : undefined;
  const cellHref = (x: CoverageCell) => `/coverage?cell=${encodeURIComponent(`${x.layer}:${x.surface}`)}&${rangeQuery(w)}#cell-detail`;
  const layerLabel = (id: string) => LAYERS.find((l) => l.id === id)?.label ?? id;
  const surfaceLabel = (id: string) => COVERAGE_SURFACES.find((s) => s.id === id)?.label ?? id;
  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={w} />
      <h1 className="text-lg font-semibold tracking-tight">Coverage</h1>
      <p className="mt-1 max-w-4xl text-xs text-slate-500 dark:text-slate-400">
        Which layers report on which surfaces, {w.label.toLowerCase()}, from the data itself. <em>Reporting</em>: seen in the last {c.freshHours} h;
        {" "}<em>partial</em>: fresh, but the layer covers the surface only in part; <em>stale</em>: nothing for more than {c.freshHours} h;
        {" "}<em>silent</em>: the layer can report here but nothing arrived; <em>n/a</em>: the layer cannot see this surface. Open a cell for what was counted and, when silent, what to configure.
      </p>

      <Table className="mt-4" dense label="Coverage matrix" tableClassName="min-w-[60rem]">
        <THead>
          <tr>
            <Th>Layer</Th>
            {COVERAGE_SURFACES.map((s) => <Th key={s.id}>{s.label}</Th>)}
          </tr>
        </THead>
        <TBody>
          {LAYERS.map((l) => (
            <Tr key={l.id} hover={false}>
              <RowTh nowrap className="align-middle">{l.label}</RowTh>
              {COVERAGE_SURFACES.map((s) => {
                const x = cell(l.id, s.id);
                return (
                  <Td key={s.id}>
                    <Link
                      href={cellHref(x)}
                      data-cell={`${l.id}:${s.id}`}
                      aria-current={selected === x ? "true" : undefined}
                      className={`block rounded px-2 py-1 ring-1 ring-inset hover:ring-2 focus-visible:outline-2 focus-visible:outline-sky-600 ${CELL_STYLE[x.status]} ${selected === x ? "ring-2 ring-sky-600" : ""}`}
                      title={STATUS_HELP[x.status]}
                    >
                      <div className="font-medium">{CELL_LABEL[x.status]}</div>
                      {x.records > 0 && <div className="tabular-nums">{formatCount(x.records)}</div>}
                      {x.lastSeen && <div className="text-[10px] opacity-80">{formatTime(x.lastSeen).slice(0, 16)}</div>}
                      {x.hint && <div className="text-[10px] underline decoration-dotted">how to fix</div>}
                    </Link>
                  </Td>
                );
              })}
            </Tr>
          ))}
        </TBody>
      </Table>

      {selected && (
        <section id="cell-detail" className="mt-4 scroll-mt-16">
          <Card title={`${layerLabel(selected.layer)} × ${surfaceLabel(selected.surface)}: ${CELL_LABEL[selected.status]}`}>
            <p className="text-xs text-slate-600 dark:text-slate-300">{STATUS_HELP[selected.status]}</p>
            {selected.hint && (
              <p data-hint className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                <strong>To fix:</strong> {selected.hint} <Link className="link" href="/settings/setup">Client setup</Link> · <Link className="link" href="/settings/compliance">Compliance connector</Link>
              </p>
            )}
            {selected.breakdown.length > 0 && (
              <Table variant="bare" className="mt-3">
                <THead><tr><Th>Counted</Th><Th numeric>Records</Th><Th>Last seen</Th></tr></THead>
                <TBody>
                  {selected.breakdown.map((b) => (
                    <Tr key={b.what}><Td mono>{b.what}</Td><Td numeric>{formatCount(b.records)}</Td><Td mono muted>{b.lastSeen ? formatTime(b.lastSeen) : "–"}</Td></Tr>
                  ))}
                </TBody>
              </Table>
            )}
            {(() => {
              const e = selected.records > 0 ? evidenceHref(selected, w) : null;
              return e && <p className="mt-3 text-xs"><Link className="link" href={e.href}>Open {e.label}</Link></p>;
            })()}
          </Card>
        </section>
      )}

      <section className="mt-6">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">People with a gap ({c.people.length})</h2>
        {c.people.length === 0 ? (
          <p className="rounded-md border border-dashed border-slate-300 px-3 py-3 text-xs text-slate-500 dark:border-slate-700">Nobody seen in one source is silent in another.</p>
        ) : (
          <Table tone="amber">
            <THead>
              <tr>
                <Th>Person</Th>
                <Th>Gap</Th>
                <Th>Last seen per source</Th>
              </tr>
            </THead>
            <TBody>
              {c.people.map((p) => (
                <Tr key={p.person} data-person={p.person}>
                  <Td><Link className="link" href={`/people/${encodeURIComponent(p.person)}?${rangeQuery(w)}`}>{p.person}</Link></Td>
                  <Td><ul className="space-y-1">{p.gaps.map((g) => <li key={g}><Badge tone="amber">silent</Badge> {g}</li>)}</ul></Td>
                  <Td mono muted className="text-[11px]">
                    {Object.entries(p.lastSeen).map(([k, v]) => <div key={k}>{k}: {v ? formatTime(v).slice(0, 16) : "–"}</div>)}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </section>

      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <Card title="Content gates per source">
          <Table variant="bare">
            <THead>
              <tr>
                <Th>Source</Th>
                <Th numeric>Prompts captured</Th>
                <Th numeric>Tool details</Th>
                <Th numeric>Raw bodies</Th>
                <Th numeric>Truncated</Th>
                <Th numeric>Identified</Th>
              </tr>
            </THead>
            <TBody>
              {c.contentGates.map((g) => (
                <Tr key={g.source}>
                  <Td>{sourceLabel(g.source)}</Td>
                  <Td numeric title={`${g.promptsCaptured} captured, ${g.promptsRedacted} redacted`}>
                    {g.promptsCaptured + g.promptsRedacted === 0 ? "–" : `${g.promptsCaptured} of ${g.promptsCaptured + g.promptsRedacted}`}
                  </Td>
                  <Td numeric>{percent(g.toolDetailsShare)}</Td>
                  <Td numeric>{g.rawBodies ? formatCount(g.rawBodies) : "off"}</Td>
                  <Td numeric>{percent(g.truncatedShare)}</Td>
                  <Td numeric className={g.identifiedShare < 0.5 ? "text-amber-700 dark:text-amber-400" : ""}>{percent(g.identifiedShare)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          <p className="mt-2 text-[11px] text-slate-500">Identified: records carrying an email or Claude account (OAuth). API-key, Bedrock and Vertex clients are anonymous unless OTEL_RESOURCE_ATTRIBUTES names the user.</p>
        </Card>
        <Card title="Ingest tokens that went quiet (24 h)">
          {c.quietTokens.length === 0 ? (
            <p className="text-xs text-slate-500">Every active token sent something in the last day.</p>
          ) : (
            <ul className="space-y-1 text-xs">
              {c.quietTokens.map((t) => (
                <li key={t.id}>
                  <span className="font-medium">{t.name}</span> <span className="text-slate-500">({t.environment})</span>: {t.lastUsedAt ? `last used ${formatTime(t.lastUsedAt)}` : "never used"}
                </li>
              ))}
            </ul>
          )}
          <h3 className="mb-1 mt-4 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Client versions seen</h3>
          <ul className="space-y-0.5 text-xs">
            {c.versions.map((v) => (
              <li key={`${v.source}/${v.version}`} className="flex flex-wrap gap-2">
                <span className="w-28">{sourceLabel(v.source)}</span>
                <span className="font-mono">{v.version}</span>
                <span className="text-slate-500">{formatCount(v.records)} records, last {formatTime(v.lastSeen).slice(0, 16)}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}
