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
import { rangeQuery } from "@/lib/time-range";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Coverage") };

const CELL_STYLE: Record<CoverageCell["status"], string> = {
  reporting: "bg-emerald-50 text-emerald-900 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-900",
  partial: "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900",
  silent: "bg-red-50 text-red-900 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900",
  not_applicable: "bg-slate-50 text-slate-400 ring-slate-200 dark:bg-slate-900 dark:text-slate-600 dark:ring-slate-800",
};

const CELL_LABEL: Record<CoverageCell["status"], string> = { reporting: "reporting", partial: "partial", silent: "silent", not_applicable: "n/a" };

function percent(x: number) {
  return `${Math.round(x * 100)}%`;
}

export default async function CoveragePage({ searchParams }: { searchParams: Promise<{ range?: string; from?: string; to?: string }> }) {
  const user = await requireUser();
  const w = await consoleWindow(await searchParams);
  const to = w.to ?? new Date();
  const c = await coverage(user.tenantId, w.from ?? new Date(to.getTime() - 90 * 86_400_000), to);
  const cell = (layer: string, surface: string) => c.cells.find((x) => x.layer === layer && x.surface === surface)!;
  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={w} />
      <h1 className="text-lg font-semibold tracking-tight">Coverage</h1>
      <p className="mt-1 max-w-4xl text-xs text-slate-500 dark:text-slate-400">
        Which layers report on which surfaces, {w.label.toLowerCase()}, from the data itself. <em>Reporting</em>: seen in the last {c.freshHours} h;
        {" "}<em>partial</em>: older, or the layer covers the surface only in part; <em>silent</em>: the layer can report here but nothing arrived; <em>n/a</em>: the layer cannot see this surface.
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
                    <div data-cell={`${l.id}:${s.id}`} className={`rounded px-2 py-1 ring-1 ring-inset ${CELL_STYLE[x.status]}`} title={x.capability === "partial" ? "This layer covers the surface only in part" : undefined}>
                      <div className="font-medium">{CELL_LABEL[x.status]}</div>
                      {x.records > 0 && <div className="tabular-nums">{formatCount(x.records)}</div>}
                      {x.lastSeen && <div className="text-[10px] opacity-80">{formatTime(x.lastSeen).slice(0, 16)}</div>}
                    </div>
                  </Td>
                );
              })}
            </Tr>
          ))}
        </TBody>
      </Table>

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
