"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";

// A thin bar across the top while the next page loads. Console pages render on the server per
// request (no loading.tsx: a streamed page answers 200, and 403/404 must keep their status), so
// without it a click on a link shows nothing until the new page arrives.

/** A stuck bar (a navigation that never completes) clears itself after this long. */
const GIVE_UP_MS = 15_000;

function internalNavigation(e: MouseEvent): URL | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  const a = (e.target as Element | null)?.closest?.("a[href]");
  if (!(a instanceof HTMLAnchorElement)) return null;
  if ((a.target && a.target !== "_self") || a.hasAttribute("download")) return null;
  const to = new URL(a.href, location.href);
  if (to.origin !== location.origin || to.pathname.startsWith("/api/")) return null;
  // Same page (or only its #fragment): nothing loads.
  if (to.pathname === location.pathname && to.search === location.search) return null;
  return to;
}

export function NavigationProgress() {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const [loading, setLoading] = useState(false);

  // The URL changed: the new page is in.
  useEffect(() => setLoading(false), [pathname, search]);

  useEffect(() => {
    // Capture phase: next/link prevents the default in its own click handler, later.
    const onClick = (e: MouseEvent) => {
      if (internalNavigation(e)) setLoading(true);
    };
    // A plain GET form (search, filters) loads a page; forms that React or a script handle
    // prevent the default, which is known once every listener has run.
    const onSubmit = (e: SubmitEvent) => {
      const form = e.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get") return;
      setTimeout(() => {
        if (!e.defaultPrevented) setLoading(true);
      }, 0);
    };
    document.addEventListener("click", onClick, true);
    document.addEventListener("submit", onSubmit);
    return () => {
      document.removeEventListener("click", onClick, true);
      document.removeEventListener("submit", onSubmit);
    };
  }, []);

  useEffect(() => {
    if (!loading) return;
    const timer = setTimeout(() => setLoading(false), GIVE_UP_MS);
    return () => clearTimeout(timer);
  }, [loading]);

  if (!loading) return null;
  return (
    <div role="progressbar" aria-label="Loading page" className="pointer-events-none fixed inset-x-0 top-0 z-50 h-0.5 overflow-hidden bg-sky-100 dark:bg-sky-950">
      <div className="nav-progress-bar h-full w-1/3 bg-sky-600 dark:bg-sky-400" />
    </div>
  );
}
