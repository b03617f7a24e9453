// Human names and colours for the enumerations telemetry uses.

export const SOURCE_LABELS: Record<string, string> = {
  claude_code: "Claude Code",
  cowork: "Cowork",
  claude_desktop: "Claude Desktop",
  office: "Office agent",
  otel: "Other OTel",
};

export const SURFACE_LABELS: Record<string, string> = {
  excel: "Excel",
  word: "Word",
  powerpoint: "PowerPoint",
  outlook: "Outlook",
};

/** Who or what made an approval decision: `decision_source` of tool_decision (https://code.claude.com/docs/en/monitoring-usage). */
export const DECISION_SOURCE_INFO: Record<string, { label: string; tone: Tone; help: string }> = {
  config: { label: "config", tone: "slate", help: "Decided by policy or settings without asking" },
  hook: { label: "hook", tone: "violet", help: "A PreToolUse or PermissionRequest hook decided" },
  user_permanent: { label: "user: always allow", tone: "amber", help: "The user chose “Yes, and don’t ask again”" },
  user_temporary: { label: "user: allow once", tone: "sky", help: "The user approved this once or for the session" },
  user_abort: { label: "user: dismissed", tone: "orange", help: "The prompt was dismissed without an answer" },
  user_reject: { label: "user: rejected", tone: "red", help: "The user chose “No”" },
};

/** Office agents' tool.accept_decision. */
export const ACCEPT_DECISION_INFO: Record<string, { label: string; tone: Tone; help: string }> = {
  manual: { label: "manual", tone: "sky", help: "The user approved this action" },
  auto_accept: { label: "auto-accept", tone: "amber", help: "A standing approval accepted it" },
  deferred: { label: "deferred", tone: "slate", help: "Queued for review" },
};

export type Tone = "slate" | "sky" | "amber" | "red" | "emerald" | "violet" | "orange";

export const TONE_CLASSES: Record<Tone, string> = {
  slate: "bg-slate-100 text-slate-700 ring-slate-300 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-600",
  sky: "bg-sky-50 text-sky-800 ring-sky-200 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800",
  amber: "bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-800",
  red: "bg-red-50 text-red-800 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-800",
  emerald: "bg-emerald-50 text-emerald-800 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-800",
  violet: "bg-violet-50 text-violet-800 ring-violet-200 dark:bg-violet-950 dark:text-violet-200 dark:ring-violet-800",
  orange: "bg-orange-50 text-orange-800 ring-orange-200 dark:bg-orange-950 dark:text-orange-200 dark:ring-orange-800",
};
