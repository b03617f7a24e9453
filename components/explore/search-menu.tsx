"use client";

import Link from "next/link";
import { useActionState } from "react";
import { clearQueryHistoryAction, deleteSavedSearchAction, saveSearchAction, type SavedSearchState } from "@/lib/actions/saved-searches";

// Next to the query bar: the saved searches (own and shared with the tenant), saving the current
// query under a name, and the person's recent queries. Opening one is following a link: the
// Explorer's URL holds the query and its range.

export interface SavedSearchItem {
  id: string;
  name: string;
  q: string;
  href: string;
  shared: boolean;
  ownerEmail: string;
  mine: boolean;
  canDelete: boolean;
}

interface Props {
  saved: SavedSearchItem[];
  history: Array<{ q: string; href: string }>;
  /** What "Save" stores: the current query and time range. */
  current: { q: string; range?: string; from?: string; to?: string };
}

const idle: SavedSearchState = { status: "idle" };

function Status({ state }: { state: SavedSearchState }) {
  if (state.status === "idle" || !state.message) return null;
  return (
    <p role={state.status === "error" ? "alert" : "status"} className={`mt-1 text-[11px] ${state.status === "error" ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}>
      {state.message}
    </p>
  );
}

function DeleteButton({ item }: { item: SavedSearchItem }) {
  const [state, action, pending] = useActionState(deleteSavedSearchAction, idle);
  return (
    <form action={action} className="flex-none">
      <input type="hidden" name="id" value={item.id} />
      <button type="submit" disabled={pending} className="rounded px-1 text-slate-400 hover:bg-red-50 hover:text-red-700" aria-label={`Delete saved search ${item.name}`} title={state.status === "error" ? state.message : "Delete"}>
        ×
      </button>
    </form>
  );
}

export function SearchMenu({ saved, history, current }: Props) {
  const [saveState, save, saving] = useActionState(saveSearchAction, idle);
  const [clearState, clear] = useActionState(clearQueryHistoryAction, idle);
  const heading = "px-3 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400";
  return (
    <details className="relative flex-none" data-testid="search-menu">
      <summary className="btn-secondary cursor-pointer list-none py-1.5 text-xs [&::-webkit-details-marker]:hidden">
        Saved searches <span className="ml-1 text-slate-400">{saved.length}</span>
      </summary>
      <div className="absolute right-0 z-40 mt-1 w-[24rem] max-w-[calc(100vw-2rem)] rounded-md border border-slate-200 bg-white pb-2 text-xs shadow-lg dark:border-slate-700 dark:bg-slate-900">
        <form action={save} className="border-b border-slate-200 px-3 py-2 dark:border-slate-800">
          <input type="hidden" name="q" value={current.q} />
          {current.range && <input type="hidden" name="range" value={current.range} />}
          {current.from && <input type="hidden" name="from" value={current.from} />}
          {current.to && <input type="hidden" name="to" value={current.to} />}
          <label htmlFor="saved-search-name" className="block text-[11px] font-medium text-slate-500 dark:text-slate-400">
            Save this query and time range as
          </label>
          <div className="mt-1 flex items-center gap-2">
            <input id="saved-search-name" name="name" required maxLength={100} placeholder="Name" className="field min-w-0 flex-1 py-1 text-xs" autoComplete="off" />
            <button type="submit" disabled={saving} className="btn-primary py-1 text-xs">
              Save
            </button>
          </div>
          <label className="mt-1.5 flex items-center gap-1.5 text-slate-600 dark:text-slate-300">
            <input type="checkbox" name="shared" className="accent-sky-700" /> Share with the tenant (recorded in the audit log)
          </label>
          <Status state={saveState} />
        </form>
        <p className={heading}>Saved</p>
        {saved.length === 0 ? (
          <p className="px-3 text-slate-500 dark:text-slate-400">None yet.</p>
        ) : (
          <ul aria-label="Saved searches" className="max-h-64 overflow-y-auto">
            {saved.map((s) => (
              <li key={s.id} className="flex items-center gap-2 px-3 py-1 hover:bg-slate-50 dark:hover:bg-slate-800">
                <Link prefetch={false} href={s.href} className="min-w-0 flex-1" title={s.q}>
                  <span className="block truncate font-medium text-sky-800 dark:text-sky-300">{s.name}</span>
                  <span className="block truncate font-mono text-[11px] text-slate-500 dark:text-slate-400">{s.q || "(no query)"}</span>
                </Link>
                {s.shared && (
                  <span className="flex-none rounded bg-slate-100 px-1 text-[10px] text-slate-500 dark:bg-slate-800" title={`Shared by ${s.ownerEmail}`}>
                    {s.mine ? "shared" : s.ownerEmail}
                  </span>
                )}
                {s.canDelete && <DeleteButton item={s} />}
              </li>
            ))}
          </ul>
        )}
        <p className={heading}>Recent queries</p>
        {history.length === 0 ? (
          <p className="px-3 text-slate-500 dark:text-slate-400">Queries you run appear here.</p>
        ) : (
          <>
            <ul aria-label="Recent queries" className="max-h-56 overflow-y-auto">
              {history.map((h) => (
                <li key={h.q}>
                  <Link prefetch={false} href={h.href} className="block truncate px-3 py-1 font-mono text-slate-700 hover:bg-slate-50 dark:text-slate-300 dark:hover:bg-slate-800" title={h.q}>
                    {h.q}
                  </Link>
                </li>
              ))}
            </ul>
            <form action={clear} className="px-3 pt-1">
              <button type="submit" className="link text-[11px]">
                Clear history
              </button>
              <Status state={clearState} />
            </form>
          </>
        )}
      </div>
    </details>
  );
}
