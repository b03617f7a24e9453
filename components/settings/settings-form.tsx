import type { ReactNode } from "react";

// The one layout of a settings form: an optional card with a heading and a description, the
// fields, the submit button (its pending label while the action runs), the outcome of the last
// submission (role="status", red for a refusal, green otherwise) and what follows a success (a
// secret shown once). `row` lays fields and button out in one wrapping line with the outcome
// below; `stack` puts fields above and the button beside the outcome.

export interface FormOutcome {
  tone: "error" | "ok";
  message: string;
}

/** The outcome of a state holding an `error` (refusal) or an ok message. */
export function outcomeOf(error: string | undefined, ok?: string | false): FormOutcome | null {
  if (error) return { tone: "error", message: error };
  return ok ? { tone: "ok", message: ok } : null;
}

const TONE: Record<FormOutcome["tone"], string> = {
  error: "text-red-700 dark:text-red-400",
  ok: "text-emerald-700 dark:text-emerald-400",
};

export function SettingsForm({
  action,
  title,
  description,
  card = false,
  layout = "stack",
  className,
  submitLabel,
  pendingLabel,
  pending,
  disabled = false,
  outcome,
  after,
  noValidate,
  children,
}: {
  action: (form: FormData) => void;
  title?: string;
  description?: ReactNode;
  /** A bordered card (standalone forms) rather than a bare form inside a page section. */
  card?: boolean;
  layout?: "row" | "stack";
  /** Replaces the default spacing and text size (the card's border stays). */
  className?: string;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  disabled?: boolean;
  outcome: FormOutcome | null;
  /** Shown below everything after a submission (e.g. a secret shown once). */
  after?: ReactNode;
  noValidate?: boolean;
  children: ReactNode;
}) {
  const frame = card ? "rounded-md border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" : "";
  const submit = (
    <button type="submit" disabled={pending || disabled} className="btn-primary shrink-0 whitespace-nowrap">
      {pending ? pendingLabel : submitLabel}
    </button>
  );
  return (
    <form action={action} noValidate={noValidate} className={`${className ?? "space-y-3 text-xs"} ${frame}`.trim()}>
      {title && <h2 className="text-sm font-semibold">{title}</h2>}
      {description && <p className="text-xs text-slate-500 dark:text-slate-400">{description}</p>}
      {layout === "row" ? (
        <>
          <div className="flex flex-wrap items-end gap-3 text-xs">
            {children}
            {submit}
          </div>
          {outcome && <p role="status" className={`text-xs ${TONE[outcome.tone]}`}>{outcome.message}</p>}
        </>
      ) : (
        <>
          {children}
          <div className="flex flex-wrap items-center gap-3">
            {submit}
            {outcome && <span role="status" className={`text-xs ${TONE[outcome.tone]}`}>{outcome.message}</span>}
          </div>
        </>
      )}
      {after}
    </form>
  );
}

/** A labelled input in a row layout: the label above the control. */
export function SettingsField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-slate-500">{label}</span>
      {children}
    </label>
  );
}
