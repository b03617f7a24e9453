"use client";

import { useActionState, useState } from "react";
import type { TriageState } from "./alert-triage";

// "Add exception" from one matched value: suppress future hits of this rule (or every rule)
// where the field equals, starts with or contains the value, with the reason on record.

type ExceptionAction = (prev: TriageState, form: FormData) => Promise<TriageState>;

export function AddException({ alertId, ruleId, field, value, action }: { alertId: string; ruleId: string; field: string; value: string; action: ExceptionAction }) {
  const [open, setOpen] = useState(false);
  const [state, formAction, pending] = useActionState(action, {});
  if (state.done) return <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">{state.done}</p>;
  if (!open) {
    return (
      <button type="button" className="link whitespace-nowrap text-xs" onClick={() => setOpen(true)} aria-label={`Add an exception for ${field}`}>
        Add exception
      </button>
    );
  }
  return (
    <form action={formAction} className="mt-1.5 space-y-1.5 rounded-md border border-slate-200 bg-slate-50 p-2.5 text-xs dark:border-slate-700 dark:bg-slate-950" aria-label={`Exception for ${field}`}>
      <input type="hidden" name="alertId" value={alertId} />
      <input type="hidden" name="ruleId" value={ruleId} />
      <input type="hidden" name="field" value={field} />
      <div className="flex flex-wrap items-center gap-2">
        <span>Suppress hits where <code className="font-mono">{field}</code></span>
        <select name="operator" defaultValue="equals" className="field py-0.5 text-xs" aria-label="Comparison">
          <option value="equals">is</option>
          <option value="startswith">starts with</option>
          <option value="contains">contains</option>
        </select>
      </div>
      <input name="value" defaultValue={value} required maxLength={2000} className="field w-full py-1 font-mono text-xs" aria-label="Value" />
      <div className="flex flex-wrap gap-3">
        <label className="flex items-center gap-1"><input type="radio" name="scope" value="rule" defaultChecked /> this rule only</label>
        <label className="flex items-center gap-1"><input type="radio" name="scope" value="all" /> every rule</label>
      </div>
      <label className="block">
        <span className="text-slate-500">Why is this safe to ignore?</span>
        <input name="reason" required minLength={3} maxLength={2000} className="field mt-0.5 w-full py-1 text-xs" placeholder="e.g. the release job cleans build/ on every run" />
      </label>
      {state.error && <p role="alert" className="text-red-700 dark:text-red-400">{state.error}</p>}
      <div className="flex gap-2">
        <button type="submit" className="btn-primary py-1 text-xs" disabled={pending}>Add exception</button>
        <button type="button" className="btn-secondary py-1 text-xs" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </form>
  );
}
