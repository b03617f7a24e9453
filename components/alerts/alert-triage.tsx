"use client";

import { useActionState } from "react";
import type { AlertResolution, AlertStatus } from "@/lib/detections/types";
import { RESOLUTION_INFO } from "@/lib/presentation/alert-labels";

// The triage panel of an alert page: acknowledge, assign, close with a resolution, reopen, add a
// note. Each form posts to one server action (updateAlert underneath) and shows its answer.

export interface TriageState {
  error?: string;
  done?: string;
}
type TriageAction = (prev: TriageState, form: FormData) => Promise<TriageState>;

function Result({ state }: { state: TriageState }) {
  if (state.error) return <p role="alert" className="text-xs text-red-700 dark:text-red-400">{state.error}</p>;
  if (state.done) return <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">{state.done}</p>;
  return null;
}

export function AlertTriage({
  alertId, status, assignee, me, assignable, action,
}: {
  alertId: string;
  status: AlertStatus;
  assignee: string | null;
  me: string;
  assignable: { email: string; name: string | null }[];
  action: TriageAction;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const meLower = me.toLowerCase();
  return (
    <div className="space-y-4 text-xs">
      <Result state={state} />
      {status === "new" && (
        <form action={formAction} className="flex flex-wrap items-center gap-2">
          <input type="hidden" name="id" value={alertId} />
          <input type="hidden" name="status" value="acknowledged" />
          {assignee === null && <input type="hidden" name="assignee" value={meLower} />}
          <button type="submit" className="btn-primary py-1 text-xs" disabled={pending}>
            Acknowledge{assignee === null ? " and take it" : ""}
          </button>
          <span className="text-slate-500">Tells the team someone is on it.</span>
        </form>
      )}

      {/* Keyed by the assignee: after a change elsewhere (acknowledge and take it) the select shows the new one. */}
      <form key={assignee ?? ""} action={formAction} className="space-y-1">
        <input type="hidden" name="id" value={alertId} />
        <label className="block font-medium text-slate-700 dark:text-slate-200" htmlFor="assignee">Assignee</label>
        <div className="flex gap-2">
          <select id="assignee" name="assignee" defaultValue={assignee ?? ""} className="field min-w-0 flex-1 py-1 text-xs">
            <option value="">Nobody</option>
            {assignable.map((u) => (
              <option key={u.email} value={u.email}>
                {u.email === meLower ? `${u.email} (me)` : u.email}
              </option>
            ))}
          </select>
          <button type="submit" className="btn-secondary py-1 text-xs" disabled={pending}>Assign</button>
        </div>
      </form>

      {status !== "closed" ? (
        <form action={formAction} className="space-y-1.5 rounded-md border border-slate-200 p-2.5 dark:border-slate-700">
          <input type="hidden" name="id" value={alertId} />
          <input type="hidden" name="status" value="closed" />
          <fieldset>
            <legend className="mb-1 font-medium text-slate-700 dark:text-slate-200">Close as</legend>
            <div className="space-y-1">
              {(Object.keys(RESOLUTION_INFO) as AlertResolution[]).map((r) => (
                <label key={r} className="flex items-start gap-2">
                  <input type="radio" name="resolution" value={r} required className="mt-0.5" />
                  <span>
                    <span className="font-medium">{RESOLUTION_INFO[r].label}</span>
                    <span className="text-slate-500"> — {RESOLUTION_INFO[r].help}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <label className="block">
            <span className="text-slate-500">Note (optional): what you found</span>
            <textarea name="note" rows={2} maxLength={10000} className="field mt-0.5 w-full py-1 text-xs" />
          </label>
          <button type="submit" className="btn-primary py-1 text-xs" disabled={pending}>Close alert</button>
        </form>
      ) : (
        <form action={formAction} className="flex flex-wrap items-center gap-2">
          <input type="hidden" name="id" value={alertId} />
          <input type="hidden" name="status" value="acknowledged" />
          <button type="submit" className="btn-secondary py-1 text-xs" disabled={pending}>Reopen</button>
          <span className="text-slate-500">Back to acknowledged; the resolution is cleared.</span>
        </form>
      )}

      <form action={formAction} className="space-y-1">
        <input type="hidden" name="id" value={alertId} />
        <label className="block font-medium text-slate-700 dark:text-slate-200" htmlFor="note">Add a note</label>
        <textarea id="note" name="note" rows={2} required maxLength={10000} className="field w-full py-1 text-xs" placeholder="What you checked, who you asked, what you decided" />
        <button type="submit" className="btn-secondary py-1 text-xs" disabled={pending}>Add note</button>
      </form>
    </div>
  );
}
