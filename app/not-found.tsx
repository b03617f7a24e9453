import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Not found · Blindspot" };

// Any address the app does not serve (outside the console shell: no user is looked up here).
export default function NotFound() {
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4">
      <section className="w-full max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <p className="font-mono text-xs font-semibold text-slate-500 dark:text-slate-400">404 · Not found</p>
        <h1 className="mt-1 text-xl font-semibold tracking-tight">This page does not exist</h1>
        <p className="mt-2 text-slate-600 dark:text-slate-300">The address may be mistyped, or the link that led here is out of date.</p>
        <Link href="/" className="btn-primary mt-4">Blindspot home</Link>
      </section>
    </main>
  );
}
