import Link from "next/link";
import { ActivityTable } from "@/components/compliance/activity-table";
import { requireUser } from "@/lib/auth/session";
import { InvalidCursorError } from "@/lib/db/sql";
import { activityTypes, searchActivities } from "@/lib/queries/compliance-activities";
import { RangeFields } from "@/components/shell/range-fields";
import { RangeHint } from "@/components/shell/range-hint";
import { consoleWindow } from "@/lib/console-range";
import { rangeQuery } from "@/lib/time-range";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Compliance activity") };

type Params = { type?: string; actor?: string; org?: string; cursor?: string; range?: string; from?: string; to?: string };

export default async function CompliancePage({ searchParams }: { searchParams: Promise<Params> }) {
  const user = await requireUser();
  const p = await searchParams;
  const window = await consoleWindow(p);
  const [types, page] = await Promise.all([
    activityTypes(user.tenantId),
    searchActivities(user.tenantId, { type: p.type || undefined, actor: p.actor || undefined, organization: p.org || undefined, from: window.from, to: window.to, cursor: p.cursor || undefined, limit: 100 }, user).catch((err: unknown) => {
      if (err instanceof InvalidCursorError) return { rows: [], nextCursor: null };
      throw err;
    }),
  ]);
  const next = new URLSearchParams(Object.entries({ ...p, cursor: page.nextCursor ?? "" }).filter((e): e is [string, string] => Boolean(e[1])));
  return (
    <div className="mx-auto max-w-7xl">
      <RangeHint tenantId={user.tenantId} window={window} kinds={["compliance"]} />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-lg font-semibold tracking-tight">Compliance activity</h1>
        {user.isAdmin && <Link className="btn-secondary py-1 text-xs" href="/compliance/import">Import export files</Link>}
      </div>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        The Compliance API activity feed (sign-ins, keys, MCP servers, settings, content events) for tenant {user.tenantSlug}, {window.label.toLowerCase()}.
      </p>
      <form method="get" className="mt-4 flex flex-wrap items-end gap-3 text-xs">
        <RangeFields window={window} />
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Type</span>
          <select name="type" defaultValue={p.type ?? ""} className="field min-w-56">
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} ({t.count})
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Actor (email or user_…)</span>
          <input name="actor" defaultValue={p.actor ?? ""} className="field w-64" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Organization (org_… or UUID)</span>
          <input name="org" defaultValue={p.org ?? ""} className="field w-64" />
        </label>
        <button type="submit" className="btn-primary">Filter</button>
        <Link href={`/compliance?${rangeQuery(window)}`} className="btn-secondary">Reset</Link>
      </form>
      <div className="mt-4">
        <ActivityTable rows={page.rows} />
      </div>
      <div className="mt-3 flex items-center gap-3 text-xs text-slate-500">
        <span>{page.rows.length} activities on this page</span>
        {p.cursor && <Link className="btn-secondary py-1" href={`/compliance?${new URLSearchParams(Object.entries({ ...p, cursor: "" }).filter((e): e is [string, string] => Boolean(e[1])))}`}>First page</Link>}
        {page.nextCursor && <Link className="btn-secondary py-1" href={`/compliance?${next}`}>Next page →</Link>}
      </div>
    </div>
  );
}
