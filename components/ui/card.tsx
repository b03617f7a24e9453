import type { ReactNode } from "react";

export function Card({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="mb-3 flex items-center justify-between gap-4">
        <h2 className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

export function CodeBlock({ label, children }: { label: string; children: string }) {
  return (
    <figure className="mt-2">
      <figcaption className="mb-1 text-xs text-slate-500 dark:text-slate-400">{label}</figcaption>
      <pre className="whitespace-pre-wrap [overflow-wrap:anywhere] rounded-md bg-slate-950 p-3 font-mono text-xs leading-relaxed text-slate-100">{children}</pre>
    </figure>
  );
}

export function StatusPill({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ${
        ok ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" : "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300"
      }`}
    >
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full ${ok ? "bg-emerald-500" : "bg-red-500"}`} />
      {children}
    </span>
  );
}
