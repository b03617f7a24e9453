import type { AlertResolution, AlertStatus, DetectionService, RuleLevel } from "@/lib/detections/types";

// How alerts read in the console: severity colours (hottest first, as SOC consoles show them),
// statuses and resolutions in plain words, and the surface each rule watches.

export const LEVEL_INFO: Record<RuleLevel, { label: string; chip: string; dot: string }> = {
  critical: { label: "Critical", chip: "bg-red-600 text-white ring-red-700 dark:bg-red-600 dark:ring-red-500", dot: "bg-red-600" },
  high: { label: "High", chip: "bg-orange-100 text-orange-900 ring-orange-300 dark:bg-orange-950 dark:text-orange-200 dark:ring-orange-700", dot: "bg-orange-500" },
  medium: { label: "Medium", chip: "bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-700", dot: "bg-amber-400" },
  low: { label: "Low", chip: "bg-sky-50 text-sky-800 ring-sky-200 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800", dot: "bg-sky-500" },
  informational: { label: "Info", chip: "bg-slate-100 text-slate-700 ring-slate-300 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-600", dot: "bg-slate-400" },
};

/** Hottest first: the order of the home page's tiles and the severity filter. */
export const LEVELS_HOTTEST_FIRST: RuleLevel[] = ["critical", "high", "medium", "low", "informational"];

export const STATUS_INFO: Record<AlertStatus, { label: string; help: string; chip: string }> = {
  new: { label: "New", help: "Nobody has looked at it yet", chip: "bg-sky-600 text-white ring-sky-700" },
  acknowledged: { label: "Acknowledged", help: "Someone is investigating", chip: "bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-700" },
  closed: { label: "Closed", help: "Triage is done", chip: "bg-slate-100 text-slate-600 ring-slate-300 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-600" },
};

export const RESOLUTION_INFO: Record<AlertResolution, { label: string; help: string }> = {
  true_positive: { label: "True positive", help: "It happened and it matters: follow up" },
  false_positive: { label: "False positive", help: "The rule matched something it should not have: tune it" },
  benign: { label: "Benign", help: "It happened, but it was expected or allowed" },
};

export const SERVICE_LABELS: Record<DetectionService, string> = {
  claude_code: "Claude Code",
  cowork: "Cowork",
  office_agent: "Office agents",
  compliance_activity: "Compliance activity feed",
};
