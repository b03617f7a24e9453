"use client";

import { useEffect } from "react";

// The tab title of a 403/404 page. Next.js reads `metadata` only from the root not-found.tsx; in
// a segment, the page's own title ("Prompt 3f2a… · Blindspot") would stay on a page that says the
// prompt does not exist. This sets the title once rendered, and again if metadata streamed in
// afterwards replaces it.
export function DocumentTitle({ title }: { title: string }) {
  useEffect(() => {
    const apply = () => {
      if (document.title !== title) document.title = title;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { childList: true, subtree: true, characterData: true });
    return () => observer.disconnect();
  }, [title]);
  return null;
}
