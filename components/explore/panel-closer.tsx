"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

// Esc closes the Explorer's row panel (back to the URL without `event`), unless Esc belongs to
// something else: a text field, or an open pivot menu (which Esc closes first).

export function PanelCloser({ closeHref }: { closeHref: string }) {
  const router = useRouter();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable=true]")) return;
      const openMenu = document.querySelector<HTMLDetailsElement>("#event-panel details.pivot[open]");
      if (openMenu) {
        openMenu.open = false;
        openMenu.querySelector("summary")?.focus();
        return;
      }
      router.push(closeHref, { scroll: false });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [closeHref, router]);
  return null;
}
