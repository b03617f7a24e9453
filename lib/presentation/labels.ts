import {
  ACCEPT_DECISION_LABELS,
  ACCEPT_DECISIONS,
  DECISION_SOURCE_LABELS,
  DECISION_SOURCES,
  type AcceptDecision,
  type DecisionSource,
} from "@/lib/domain/vocabulary";

// Colours for the enumerations telemetry uses (their names are in lib/domain/vocabulary.ts).

/** Colours of who decided an approval; the labels and help texts are the vocabulary's. */
const DECISION_SOURCE_TONES: Record<DecisionSource, Tone> = {
  config: "slate",
  hook: "violet",
  user_permanent: "amber",
  user_temporary: "sky",
  user_abort: "orange",
  user_reject: "red",
};

/** Who or what made an approval decision (Claude Code tool_decision `source`). */
export const DECISION_SOURCE_INFO: Record<string, { label: string; tone: Tone; help: string }> = Object.fromEntries(
  DECISION_SOURCES.map((s) => [s, { ...DECISION_SOURCE_LABELS[s], tone: DECISION_SOURCE_TONES[s] }]),
);

const ACCEPT_DECISION_TONES: Record<AcceptDecision, Tone> = { manual: "sky", auto_accept: "amber", deferred: "slate" };

/** Office agents' tool.accept_decision. */
export const ACCEPT_DECISION_INFO: Record<string, { label: string; tone: Tone; help: string }> = Object.fromEntries(
  ACCEPT_DECISIONS.map((d) => [d, { ...ACCEPT_DECISION_LABELS[d], tone: ACCEPT_DECISION_TONES[d] }]),
);

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
