"use client";

import { signOut } from "next-auth/react";

export function UserMenu({ name, role }: { name: string; role: string }) {
  return (
    <div className="flex items-center gap-2 text-xs">
      <a href="/account" className="max-w-40 truncate text-slate-700 hover:underline dark:text-slate-200" title={`${name}: account and password`}>
        {name}
      </a>
      <span className="rounded bg-slate-100 px-1.5 py-0.5 font-medium uppercase tracking-wide text-slate-600 dark:bg-slate-800 dark:text-slate-300">
        {role}
      </span>
      <button type="button" className="btn-secondary py-1 text-xs" onClick={() => signOut({ callbackUrl: "/login" })}>
        Sign out
      </button>
    </div>
  );
}
