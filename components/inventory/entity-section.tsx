import Link from "next/link";
import type { ReactNode } from "react";
import type { InventoryEntity } from "@/lib/queries/inventory";
import { Time, Value, count } from "./text";

export interface EntityColumns {
  /** Header of the name column. */
  name: string;
  /** Header of the secondary column, when the group has one. */
  detail?: string;
  uses: string;
  rejected?: string;
  failed?: string;
}

/** One entity group (tools, MCP servers, …) as a compact table; names link to where they were used. */
export function EntitySection({
  id,
  title,
  entities,
  columns,
  hrefFor,
  countHrefFor,
  linkLabel,
  empty,
  note,
  limit,
}: {
  id: string;
  title: string;
  entities: InventoryEntity[];
  columns: EntityColumns;
  hrefFor: (e: InventoryEntity) => string | null;
  /** Links for the rejected / failed counts, where an exact filter exists. */
  countHrefFor?: (e: InventoryEntity, which: "rejected" | "failed") => string | null;
  /** Accessible description of where the links go. */
  linkLabel: string;
  empty: ReactNode;
  note?: ReactNode;
  limit: number;
}) {
  const headingId = `${id}-heading`;
  return (
    <section aria-labelledby={headingId} className="rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <header className="flex items-baseline justify-between gap-3 border-b border-slate-100 px-3 py-2 dark:border-slate-800">
        <h2 id={headingId} className="text-xs font-semibold uppercase tracking-wider text-slate-600 dark:text-slate-300">
          {title} <span className="ml-1 font-normal tabular-nums text-slate-400">{count(entities.length)}{entities.length >= limit ? "+" : ""}</span>
        </h2>
        {note && <p className="text-right text-[11px] text-slate-500 dark:text-slate-400">{note}</p>}
      </header>
      {entities.length === 0 ? (
        <p className="px-3 py-2.5 text-xs text-slate-500 dark:text-slate-400">{empty}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-xs">
            <thead className="text-[11px] text-slate-500 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-3 py-1.5 font-medium">{columns.name}</th>
                {columns.detail && <th scope="col" className="px-3 py-1.5 font-medium">{columns.detail}</th>}
                <th scope="col" className="px-3 py-1.5 text-right font-medium">{columns.uses}</th>
                {columns.rejected && <th scope="col" className="px-3 py-1.5 text-right font-medium">{columns.rejected}</th>}
                {columns.failed && <th scope="col" className="px-3 py-1.5 text-right font-medium">{columns.failed}</th>}
                <th scope="col" className="hidden px-3 py-1.5 font-medium lg:table-cell">First seen</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {entities.map((e) => {
                const href = hrefFor(e);
                const label = e.tool ? (
                  <>
                    <Value value={e.name} max={80} />
                    <span className="text-slate-400">:</span>
                    <Value value={e.tool} max={80} />
                  </>
                ) : (
                  <Value value={e.name} max={200} />
                );
                return (
                  <tr key={`${e.name}\u0000${e.tool ?? ""}`} className="border-t border-slate-100 align-top dark:border-slate-800">
                    <td className="px-3 py-1 font-mono text-[11px] [overflow-wrap:anywhere]">
                      {href ? (
                        <Link href={href} className="link" title={linkLabel}>
                          {label}
                        </Link>
                      ) : (
                        label
                      )}
                    </td>
                    {columns.detail && (
                      <td className="px-3 py-1 text-slate-600 dark:text-slate-300">
                        {e.detail ? <Value value={e.detail} max={60} /> : <span className="text-slate-400">–</span>}
                      </td>
                    )}
                    <td className="px-3 py-1 text-right tabular-nums">{count(e.uses)}</td>
                    {columns.rejected && <Num value={e.rejected} tone="amber" href={countHrefFor?.(e, "rejected") ?? null} label={`Rejected ${e.name}`} />}
                    {columns.failed && <Num value={e.failed} tone="red" href={countHrefFor?.(e, "failed") ?? null} label={`Failed ${e.name}`} />}
                    <td className="hidden px-3 py-1 text-slate-600 lg:table-cell dark:text-slate-300"><Time value={e.firstSeen} /></td>
                    <td className="px-3 py-1 text-slate-600 dark:text-slate-300"><Time value={e.lastSeen} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Num({ value, tone, href, label }: { value: number; tone: "amber" | "red"; href: string | null; label: string }) {
  const color = value === 0 ? "text-slate-400 dark:text-slate-500" : tone === "red" ? "font-medium text-red-700 dark:text-red-400" : "font-medium text-amber-700 dark:text-amber-400";
  return (
    <td className={`px-3 py-1 text-right tabular-nums ${color}`}>
      {href ? (
        <Link href={href} className="underline decoration-dotted underline-offset-2 hover:decoration-solid" aria-label={`${label}: ${value}, show in Explore`}>
          {count(value)}
        </Link>
      ) : (
        count(value)
      )}
    </td>
  );
}
