"use client";

import { useEffect, useRef } from "react";

// The console's search box: an id (prompt, session, trace, toolu_…, a person) jumps to its page;
// anything else opens the Explorer with it as the query (app/(console)/search/page.tsx decides).
// `/` anywhere outside a text field focuses it, as in most consoles.

export function SearchBox() {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t?.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]")) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <form action="/search" method="get" role="search" className="flex min-w-[18rem] flex-1 items-center gap-2 md:max-w-xl">
      <label htmlFor="console-search" className="sr-only">
        Search: a prompt, session or trace id, tool_use_id, email or account id opens its page; anything else searches events
      </label>
      <input
        ref={input}
        id="console-search"
        name="q"
        type="search"
        required
        aria-keyshortcuts="/"
        placeholder="Search ids, people or events (tool:Bash, rm -rf) — press /"
        className="field w-full"
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit" className="btn-secondary">
        Go
      </button>
    </form>
  );
}
