import Link from "next/link";
import type { ReactNode } from "react";

export function StatGrid({ children }: { children: ReactNode }) {
  return <div className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-6">{children}</div>;
}

/** A number tile; with `href` the number links to the evidence behind it. */
export function Stat({ label, value, detail, alert = false, href }: { label: string; value: string; detail?: ReactNode; alert?: boolean; href?: string }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
      <div className="text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</div>
      <div className={`mt-0.5 text-lg font-semibold tabular-nums ${alert ? "text-red-700 dark:text-red-400" : ""}`}>
        {href ? <Link className="hover:underline" href={href}>{value}</Link> : value}
      </div>
      {detail && <div className="text-[11px] text-slate-500 dark:text-slate-400">{detail}</div>}
    </div>
  );
}
