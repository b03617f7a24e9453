"use client";

import { useEffect } from "react";

/** The console search box (components/shell/search-box.tsx) that `/` focuses. */
export const SEARCH_INPUT_ID = "console-search";

function isTypingTarget(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  return el.closest("input, textarea, select, [contenteditable='true'], [role='textbox'], [role='combobox']") !== null;
}

// Console-wide keys: `/` focuses the search box, as on GitHub and in Kibana, unless the person
// is typing in a field (then `/` is just a character).
export function KeyboardShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || e.isComposing) return;
      if (isTypingTarget(e.target)) return;
      const input = document.getElementById(SEARCH_INPUT_ID);
      if (!(input instanceof HTMLInputElement)) return;
      e.preventDefault();
      input.focus();
      input.select();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return null;
}
