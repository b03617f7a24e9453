import Link from "next/link";
import type { ReactNode } from "react";
import { NoValue, TBody, THead, Table, TableEmpty, Td, Th, Tr } from "@/components/ui/table";
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
    <Table
      region={{ labelledBy: headingId }}
      toolbar={
        <>
          <h2 id={headingId} className="min-w-0 flex-1 text-xs font-semibold uppercase tracking-wider text-slate-600 dark:text-slate-300">
            {title} <span className="ml-1 font-normal tabular-nums text-slate-400">{count(entities.length)}{entities.length >= limit ? "+" : ""}</span>
          </h2>
          {note && <p className="text-right text-[11px] text-slate-500 dark:text-slate-400">{note}</p>}
        </>
      }
      empty={entities.length === 0 ? <TableEmpty>{empty}</TableEmpty> : undefined}
    >
      <THead>
        <tr>
          <Th>{columns.name}</Th>
          {columns.detail && <Th>{columns.detail}</Th>}
          <Th numeric>{columns.uses}</Th>
          {columns.rejected && <Th numeric>{columns.rejected}</Th>}
          {columns.failed && <Th numeric>{columns.failed}</Th>}
          <Th className="hidden lg:table-cell">First seen</Th>
          <Th>Last seen</Th>
        </tr>
      </THead>
      <TBody>
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
            <Tr key={`${e.name}\u0000${e.tool ?? ""}`}>
              <Td mono className="text-[11px] [overflow-wrap:anywhere]">
                {href ? (
                  <Link href={href} className="link" title={linkLabel}>
                    {label}
                  </Link>
                ) : (
                  label
                )}
              </Td>
              {columns.detail && <Td>{e.detail ? <Value value={e.detail} max={60} /> : <NoValue />}</Td>}
              <Td numeric>{count(e.uses)}</Td>
              {columns.rejected && <Num value={e.rejected} tone="amber" href={countHrefFor?.(e, "rejected") ?? null} label={`Rejected ${e.name}`} />}
              {columns.failed && <Num value={e.failed} tone="red" href={countHrefFor?.(e, "failed") ?? null} label={`Failed ${e.name}`} />}
              <Td muted className="hidden lg:table-cell"><Time value={e.firstSeen} /></Td>
              <Td muted><Time value={e.lastSeen} /></Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function Num({ value, tone, href, label }: { value: number; tone: "amber" | "red"; href: string | null; label: string }) {
  const color = value === 0 ? "text-slate-400 dark:text-slate-500" : tone === "red" ? "font-medium text-red-700 dark:text-red-400" : "font-medium text-amber-700 dark:text-amber-400";
  return (
    <Td numeric className={color}>
      {href ? (
        <Link href={href} className="underline decoration-dotted underline-offset-2 hover:decoration-solid" aria-label={`${label}: ${value}, show in Explore`}>
          {count(value)}
        </Link>
      ) : (
        count(value)
      )}
    </Td>
  );
}
