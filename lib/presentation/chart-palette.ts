// The charts' colours, in one place so that a test can hold them to contrast rules
// (chart-palette.test.ts). Pure: safe in client components.

/** The card a chart sits on (components/ui/card: bg-white, dark:bg-slate-900). */
export const CHART_SURFACE = { light: "#ffffff", dark: "#0f172a" } as const;

/** Legend and axis text (slate-700 / slate-300): at least 4.5:1 on the card in both themes. */
export const CHART_TEXT = { light: "#334155", dark: "#cbd5e1" } as const;
/** CHART_TEXT as one CSS colour following the page's colour scheme. */
export const CHART_TEXT_CSS = `light-dark(${CHART_TEXT.light}, ${CHART_TEXT.dark})`;

/**
 * One colour per decision source: at least 3:1 against the card in both themes (WCAG 1.4.11
 * for graphics) and clearly apart from each other ("dismissed" was an orange next to the amber
 * of "always allow").
 */
export const DECISION_SOURCE_COLORS: Record<string, string> = {
  config: "#64748b", // slate-500
  hook: "#8b5cf6", // violet-500
  user_permanent: "#d97706", // amber-600
  user_temporary: "#0284c7", // sky-600
  user_abort: "#059669", // emerald-600
  user_reject: "#dc2626", // red-600
};
export const OTHER_SOURCE_COLOR = "#64748b";

/** Office tool executions, split by read and write. */
export const READ_WRITE_COLORS = { read: "#0284c7", write: "#d97706" } as const;
