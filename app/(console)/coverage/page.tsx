import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/session";
import { COVERAGE_SURFACES, sourceLabel } from "@/lib/domain/vocabulary";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { coverage, LAYERS, type CoverageCell } from "@/lib/queries/coverage";
import { RangeHint } from "@/components/shell/range-hint";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";

export const dynamic = "force-dynamic";

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

      <div className="mt-4 overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full min-w-[60rem] text-left text-xs" aria-label="Coverage matrix">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Layer</th>
              {COVERAGE_SURFACES.map((s) => <th key={s.id} scope="col" className="px-2 py-2 font-medium">{s.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {LAYERS.map((l) => (
              <tr key={l.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <th scope="row" className="whitespace-nowrap px-3 py-2 font-medium">{l.label}</th>
                {COVERAGE_SURFACES.map((s) => {
                  const x = cell(l.id, s.id);
                  return (
                    <td key={s.id} className="px-1.5 py-1.5">
                      <div data-cell={`${l.id}:${s.id}`} className={`rounded px-2 py-1 ring-1 ring-inset ${CELL_STYLE[x.status]}`} title={x.capability === "partial" ? "This layer covers the surface only in part" : undefined}>
                        <div className="font-medium">{CELL_LABEL[x.status]}</div>
                        {x.records > 0 && <div className="tabular-nums">{formatCount(x.records)}</div>}
                        {x.lastSeen && <div className="text-[10px] opacity-80">{formatTime(x.lastSeen).slice(0, 16)}</div>}
                      </div>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section className="mt-6">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">People with a gap ({c.people.length})</h2>
        {c.people.length === 0 ? (
          <p className="rounded-md border border-dashed border-slate-300 px-3 py-3 text-xs text-slate-500 dark:border-slate-700">Nobody seen in one source is silent in another.</p>
        ) : (
          <div className="overflow-x-auto rounded-md border border-amber-200 bg-white dark:border-amber-900 dark:bg-slate-900">
            <table className="w-full text-left text-xs">
              <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">Person</th>
                  <th scope="col" className="px-3 py-2 font-medium">Gap</th>
                  <th scope="col" className="px-3 py-2 font-medium">Last seen per source</th>
                </tr>
              </thead>
              <tbody>
                {c.people.map((p) => (
                  <tr key={p.person} data-person={p.person} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                    <td className="px-3 py-2"><Link className="link" href={`/people/${encodeURIComponent(p.person)}?${rangeQuery(w)}`}>{p.person}</Link></td>
                    <td className="px-3 py-2"><ul className="space-y-1">{p.gaps.map((g) => <li key={g}><Badge tone="amber">silent</Badge> {g}</li>)}</ul></td>
                    <td className="px-3 py-2 font-mono text-[11px] text-slate-500">
                      {Object.entries(p.lastSeen).map(([k, v]) => <div key={k}>{k}: {v ? formatTime(v).slice(0, 16) : "–"}</div>)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <Card title="Content gates per source">
          <table className="w-full text-xs">
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-1 text-left font-medium">Source</th>
                <th scope="col" className="py-1 text-right font-medium">Prompts captured</th>
                <th scope="col" className="py-1 text-right font-medium">Tool details</th>
                <th scope="col" className="py-1 text-right font-medium">Raw bodies</th>
                <th scope="col" className="py-1 text-right font-medium">Truncated</th>
                <th scope="col" className="py-1 text-right font-medium">Identified</th>
              </tr>
            </thead>
            <tbody>
              {c.contentGates.map((g) => (
                <tr key={g.source} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1">{sourceLabel(g.source)}</td>
                  <td className="py-1 text-right tabular-nums" title={`${g.promptsCaptured} captured, ${g.promptsRedacted} redacted`}>
                    {g.promptsCaptured + g.promptsRedacted === 0 ? "–" : `${g.promptsCaptured} of ${g.promptsCaptured + g.promptsRedacted}`}
                  </td>
                  <td className="py-1 text-right tabular-nums">{percent(g.toolDetailsShare)}</td>
                  <td className="py-1 text-right tabular-nums">{g.rawBodies ? formatCount(g.rawBodies) : "off"}</td>
                  <td className="py-1 text-right tabular-nums">{percent(g.truncatedShare)}</td>
                  <td className={`py-1 text-right tabular-nums ${g.identifiedShare < 0.5 ? "text-amber-700 dark:text-amber-400" : ""}`}>{percent(g.identifiedShare)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
