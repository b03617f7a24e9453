"use client";

import { useEffect } from "react";

// Brings the first highlighted record (an alert's evidence, `?highlight=`) into view once the
// page has rendered. A side effect on mount, nothing derived: the marking itself is server HTML.
export function ScrollToHighlight({ selector = "[data-highlighted]" }: { selector?: string }) {
  useEffect(() => {
    document.querySelector(selector)?.scrollIntoView({ block: "center" });
  }, [selector]);
  return null;
}
