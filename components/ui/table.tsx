import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";

// The one data table of the console: dense rows, a header band that sticks when the table scrolls
// in its own box, numbers right-aligned in tabular figures, horizontal scroll inside the card.
// Server-safe (no hooks, no context): cells read their padding from CSS variables the <table> sets,
// so a "bare" table inside a Card lines up with the Card's title and a "card" table pads its edges.

type Variant = "card" | "bare";

const FRAME: Record<Variant, string> = {
  // No overflow-hidden here: menus in the toolbar (the Explorer's column chooser) may hang below the frame.
  card: "rounded-md border bg-white dark:bg-slate-900",
  bare: "",
};

/** The card's border: red / amber for tables that are findings (escalations, coverage gaps). */
const FRAME_TONE = {
  slate: "border-slate-200 dark:border-slate-800",
  red: "border-red-200 dark:border-red-900",
  amber: "border-amber-200 dark:border-amber-900",
} as const;

const TABLE_VARS: Record<Variant | "dense", string> = {
  card: "[--cell-px:0.75rem] [--cell-edge:0.75rem] [--cell-py:0.375rem]",
  // Many columns (the Explorer): tighter cells, still a 20 px line.
  dense: "[--cell-px:0.5rem] [--cell-edge:0.5rem] [--cell-py:0.25rem]",
  // The header band takes the Card's own background, so the table reads as part of the Card.
  bare: "[--cell-px:0.375rem] [--cell-edge:0rem] [--cell-py:0.3125rem] [&_thead_th]:bg-white dark:[&_thead_th]:bg-slate-900",
};

export interface TableProps {
  children: ReactNode;
  /** "card": its own bordered box (default); "bare": inside a Card or a section that already has one. */
  variant?: Variant;
  tone?: keyof typeof FRAME_TONE;
  /** Tighter cells for wide tables with many columns (card variant). */
  dense?: boolean;
  /** Accessible name of the table (or use `labelledBy` / `caption`). */
  label?: string;
  labelledBy?: string;
  /** Screen-reader caption; also names the table. */
  caption?: string;
  /** A bar above the table, inside the frame (counts, filters, actions, a heading). */
  toolbar?: ReactNode;
  /** Shown in place of the table (below the toolbar) when set, e.g. `rows.length === 0 && <TableEmpty …/>`. */
  empty?: ReactNode;
  /** Cap the height so the table scrolls in its box and the header sticks (a Tailwind max-h class). */
  maxHeight?: string;
  /** Render the frame as a named region (`<section aria-label>` or `aria-labelledby`). */
  region?: { label: string } | { labelledBy: string };
  /** Extra classes for the <table> (table-fixed, min-w-…). */
  tableClassName?: string;
  /** Extra classes for the frame. */
  className?: string;
}

export function Table({ children, variant = "card", dense = false, tone = "slate", label, labelledBy, caption, toolbar, empty, maxHeight, region, tableClassName = "", className = "" }: TableProps) {
  const body =
    empty !== undefined && empty !== null && empty !== false ? (
      empty
    ) : (
      // The table's parent is the scroll box (tests and layout checks rely on that).
      // Rounded like the frame so the header band stays inside its corners.
      <div className={`overflow-x-auto ${toolbar ? "rounded-b-md" : "rounded-md"} ${maxHeight ? `${maxHeight} overflow-y-auto` : ""}`}>
        <table
          aria-label={label}
          aria-labelledby={labelledBy}
          className={`w-full border-separate border-spacing-0 text-left text-xs text-slate-700 dark:text-slate-300 ${TABLE_VARS[dense && variant === "card" ? "dense" : variant]} ${tableClassName}`}
        >
          {caption && <caption className="sr-only">{caption}</caption>}
          {children}
        </table>
      </div>
    );
  const content = (
    <>
      {toolbar && (
        <div className={`flex flex-wrap items-center gap-x-4 gap-y-2 ${variant === "card" ? "border-b border-slate-200 px-3 py-2 dark:border-slate-800" : "pb-2"}`}>
          {toolbar}
        </div>
      )}
      {body}
    </>
  );
  const frame = `${FRAME[variant]} ${variant === "card" ? FRAME_TONE[tone] : ""} ${className}`;
  if (region) {
    return (
      <section className={frame} aria-label={"label" in region ? region.label : undefined} aria-labelledby={"labelledBy" in region ? region.labelledBy : undefined}>
        {content}
      </section>
    );
  }
  return <div className={frame}>{content}</div>;
}

export function THead({ children }: { children: ReactNode }) {
  return <thead>{children}</thead>;
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody>{children}</tbody>;
}

type Align = "left" | "right" | "center";
const ALIGN: Record<Align, string> = { left: "text-left", right: "text-right", center: "text-center" };

const EDGES = "px-(--cell-px) first:pl-(--cell-edge) last:pr-(--cell-edge)";

export interface SortState {
  /** Where clicking the header leads (the URL that sorts by this column). */
  href: string;
  active: boolean;
  dir: "asc" | "desc";
  /** Link title; defaults to "Sort by <header>" when the header is plain text. */
  title?: string;
}

export interface ThProps extends Omit<ComponentProps<"th">, "align"> {
  /** Right-aligned, for number columns. */
  numeric?: boolean;
  align?: Align;
  sort?: SortState;
  /** Keep the header on one line (default); false lets a long header wrap in a narrow table. */
  nowrap?: boolean;
}

/** A column header: sticky in a scrolling table, optionally a sort link with its indicator. */
export function Th({ numeric, align = numeric ? "right" : "left", sort, nowrap = true, className = "", children, scope = "col", ...rest }: ThProps) {
  const ariaSort = sort?.active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined;
  return (
    <th
      scope={scope}
      aria-sort={ariaSort}
      className={`sticky top-0 z-10 ${nowrap ? "whitespace-nowrap" : "align-bottom"} border-b border-slate-200 bg-slate-50 dark:bg-slate-900 py-(--cell-py) font-medium text-slate-500 dark:border-slate-800 dark:text-slate-400 ${EDGES} ${ALIGN[align]} ${className}`}
      {...rest}
    >
      {sort ? (
        <Link
          prefetch={false}
          href={sort.href}
          title={sort.title ?? (typeof children === "string" ? `Sort by ${children.toLowerCase()}` : undefined)}
          className={`group relative inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white ${align === "right" ? "flex-row-reverse" : ""} ${
            sort.active ? "text-slate-900 dark:text-white" : ""
          }`}
        >
          {children}
          <SortIndicator active={sort.active} dir={sort.dir} side={align === "right" ? "left" : "right"} />
        </Link>
      ) : (
        children
      )}
    </th>
  );
}

/** ▲/▼ on the sorted column; elsewhere a ↕ on hover that takes no width (headers stay as narrow as their text). */
function SortIndicator({ active, dir, side }: { active: boolean; dir: "asc" | "desc"; side: "left" | "right" }) {
  if (!active) {
    return (
      <span aria-hidden className={`absolute ${side === "right" ? "left-full ml-0.5" : "right-full mr-0.5"} text-slate-300 opacity-0 group-hover:opacity-100 dark:text-slate-600`}>
        ↕
      </span>
    );
  }
  return <span aria-hidden className="text-sky-700 dark:text-sky-400">{dir === "asc" ? "▲" : "▼"}</span>;
}

export interface TrProps extends ComponentProps<"tr"> {
  /** Highlight on hover (rows that lead somewhere). */
  hover?: boolean;
}

export function Tr({ hover = true, className = "", ...rest }: TrProps) {
  return <tr className={`align-top [&:last-child>*]:border-b-0 ${hover ? "hover:bg-slate-50 dark:hover:bg-slate-800/50" : ""} ${className}`} {...rest} />;
}

export interface TdProps extends Omit<ComponentProps<"td">, "align"> {
  /** Right-aligned tabular figures. */
  numeric?: boolean;
  align?: Align;
  mono?: boolean;
  /** Secondary text colour (times, ids). */
  muted?: boolean;
  /** Keep on one line. */
  nowrap?: boolean;
}

function cellClasses({ numeric, align = numeric ? "right" : "left", mono, muted, nowrap }: Pick<TdProps, "numeric" | "align" | "mono" | "muted" | "nowrap">): string {
  return [
    `border-b border-slate-100 py-(--cell-py) leading-5 dark:border-slate-800 ${EDGES} ${ALIGN[align]}`,
    numeric && "tabular-nums",
    mono && "font-mono",
    muted && "text-slate-500 dark:text-slate-400",
    nowrap && "whitespace-nowrap",
  ]
    .filter(Boolean)
    .join(" ");
}

export function Td({ numeric, align, mono, muted, nowrap, className = "", ...rest }: TdProps) {
  return <td className={`${cellClasses({ numeric, align, mono, muted, nowrap })} ${className}`} {...rest} />;
}

/** A header cell for a row (first column of a matrix or a key/value table). */
export function RowTh({ numeric, align, mono, muted, nowrap, className = "", ...rest }: Omit<TdProps, "scope">) {
  return <th scope="row" className={`${cellClasses({ numeric, align, mono, muted, nowrap })} font-medium text-slate-800 dark:text-slate-200 ${className}`} {...rest} />;
}

/** A long value on one line, cut at the cell's width (or `max`), in full on hover. */
export function Truncate({ value, title = value, max = "max-w-xs", className = "" }: { value: string; title?: string; max?: string; className?: string }) {
  return (
    <span className={`block truncate ${max} ${className}`} title={title}>
      {value}
    </span>
  );
}

/** The "nothing here" line: as a full-width row (`colSpan`) or on its own in `Table.empty`. */
export function TableEmpty({ colSpan, children }: { colSpan?: number; children: ReactNode }) {
  const text = "px-3 py-4 text-center text-xs text-slate-500 dark:text-slate-400";
  if (colSpan === undefined) return <p className={text}>{children}</p>;
  return (
    <tr>
      <td colSpan={colSpan} className={text}>
        {children}
      </td>
    </tr>
  );
}

/** A dash for a missing value. */
export function NoValue() {
  return <span className="text-slate-400 dark:text-slate-500">–</span>;
}
