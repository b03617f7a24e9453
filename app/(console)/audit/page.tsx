import Link from "next/link";
import { Card } from "@/components/ui/card";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { RangeFields } from "@/components/shell/range-fields";
import { requireUser } from "@/lib/auth/session";
import { consoleWindow } from "@/lib/console-range";
import { InvalidCursorError } from "@/lib/db/sql";
import { formatCount, formatTime } from "@/lib/presentation/format";
import { auditActions, auditEntries, CONTENT_VIEW, contentViewGroups, type AuditFilters } from "@/lib/queries/audit-log";
import { rangeQuery } from "@/lib/time-range";

import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Audit log") };

type Params = { actor?: string; action?: string; object?: string; views?: string; cursor?: string; range?: string; from?: string; to?: string };

// Admins: who viewed content, who signed in, who changed tokens and users. Entries of no tenant
// (instance settings, ownership, failed sign-ins of unknown emails) are for owners only.
export default async function AuditPage({ searchParams }: { searchParams: Promise<Params> }) {
  const user = await requireUser({ roles: ["admin"] });
  const p = await searchParams;
  const w = await consoleWindow(p);
  // Content views are many (one per page a reader opens): grouped by reader and kind unless asked
  // for one by one, or unless the action filter asks for them.
  const listViews = p.views === "list" || p.action === CONTENT_VIEW || p.action === "content";
  const filters: AuditFilters = { actor: p.actor?.trim() || undefined, action: p.action || undefined, object: p.object?.trim() || undefined, from: w.from, to: w.to };
  const read = (cursor: string | undefined) => auditEntries(user, { ...filters, withoutContentViews: !listViews, cursor });
  let cursorInvalid = false;
  const [page, groups, actions] = await Promise.all([
    read(p.cursor || undefined).catch((err: unknown) => {
      if (!(err instanceof InvalidCursorError)) throw err;
      cursorInvalid = true;
      return read(undefined);
    }),
    listViews || (p.action && p.action !== CONTENT_VIEW) ? Promise.resolve([]) : contentViewGroups(user, filters),
    auditActions(user),
  ]);
  const query = (extra: Partial<Params>) => {
    const all: Partial<Params> = { actor: p.actor, action: p.action, object: p.object, views: p.views, ...extra };
    const q = new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => !!e[1]));
    return `/audit?${q}${q.size ? "&" : ""}${rangeQuery(w)}`;
  };
  const filtered = Boolean(filters.actor || filters.action || filters.object);

  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-lg font-semibold tracking-tight">Audit log</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        Entries for tenant {user.tenantSlug}{user.isOwner ? " and the instance" : ""}, {w.label.toLowerCase()}, newest first.
      </p>

      <form method="get" className="mt-4 flex flex-wrap items-end gap-3 text-xs" aria-label="Filter the audit log">
        <RangeFields window={w} />
        {p.views && <input type="hidden" name="views" value={p.views} />}
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Who</span>
          <input name="actor" defaultValue={p.actor ?? ""} placeholder="email or token" className="field w-52" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Action</span>
          <select name="action" defaultValue={p.action ?? ""} className="field max-w-56">
            <option value="">All</option>
            {actions.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Object</span>
          <input name="object" defaultValue={p.object ?? ""} placeholder="session:…, email, token" className="field w-52" />
        </label>
        <button type="submit" className="btn-primary">Apply</button>
        {filtered && <Link href={`/audit?${rangeQuery(w)}`} className="btn-secondary">Reset</Link>}
      </form>

      {cursorInvalid && (
        <p role="status" className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          That page link is not valid for these filters; showing the first page.
        </p>
      )}

      {!listViews && (
        <div className="mt-4">
          <Card
            title={`Content views, grouped (${formatCount(groups.reduce((n, g) => n + g.views, 0))})`}
            aside={<Link className="link text-xs" href={query({ views: "list", cursor: undefined })}>List them one by one</Link>}
          >
            {groups.length === 0 ? (
              <p className="text-xs text-slate-500">Nobody viewed content in this window{filtered ? " with these filters" : ""}.</p>
            ) : (
              <Table variant="bare" label="Content views by reader and kind">
                <THead>
                  <tr>
                    <Th>Who</Th>
                    <Th>Kind</Th>
                    <Th numeric>Views</Th>
                    <Th numeric>Objects</Th>
                    <Th>First</Th>
                    <Th>Last</Th>
                  </tr>
                </THead>
                <TBody>
                  {groups.map((g) => (
                    <Tr key={`${g.actor}/${g.kind}`} data-group={`${g.actor}/${g.kind}`}>
                      <Td className="[overflow-wrap:anywhere]">{g.actor}</Td>
                      <Td mono>{g.kind}</Td>
                      <Td numeric>
                        <Link className="link" href={query({ actor: g.actor, action: CONTENT_VIEW, object: `${g.kind}:`, views: "list", cursor: undefined })}>{formatCount(g.views)}</Link>
                      </Td>
                      <Td numeric>{formatCount(g.objects)}</Td>
                      <Td nowrap mono muted>{formatTime(g.first)}</Td>
                      <Td nowrap mono muted>{formatTime(g.last)}</Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </Card>
        </div>
      )}

      <h2 className="mb-2 mt-6 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
        {listViews ? "Entries" : "Other entries"} ({formatCount(page.entries.length)}{page.nextCursor ? "+" : ""} on this page)
        {listViews && p.views === "list" && <Link className="link ml-2 normal-case tracking-normal" href={query({ views: undefined, cursor: undefined })}>Group content views</Link>}
      </h2>
      {page.entries.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 px-3 py-3 text-xs text-slate-500 dark:border-slate-700">No entries{filtered ? " match these filters" : " in this window"}.</p>
      ) : (
        <Table label="Audit entries">
          <THead>
            <tr>
              <Th>Time</Th>
              <Th>Actor</Th>
              <Th>Action</Th>
              <Th>Target</Th>
            </tr>
          </THead>
          <TBody>
            {page.entries.map((e) => (
              <Tr key={e.id} data-entry={e.id}>
                <Td nowrap mono muted>{formatTime(e.at)}</Td>
                <Td className="[overflow-wrap:anywhere]">{e.actor}</Td>
                <Td mono>
                  {e.action}
                  {e.tenantId === null && <span className="ml-1.5 font-sans text-[11px] text-slate-500">(instance)</span>}
                </Td>
                <Td mono className="[overflow-wrap:anywhere]">{e.target ?? ""}</Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <nav aria-label="Pages" className="mt-3 flex gap-2 text-xs">
        {p.cursor && !cursorInvalid && <Link className="btn-secondary py-1" href={query({ cursor: undefined })}>First page</Link>}
        {page.nextCursor && <Link className="btn-secondary py-1" rel="next" href={query({ cursor: page.nextCursor })}>Older entries</Link>}
      </nav>
    </div>
  );
}
