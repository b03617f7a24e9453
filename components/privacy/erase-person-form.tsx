"use client";

import { useActionState } from "react";
import { erasePersonAction, type EraseState } from "@/lib/actions/privacy";
import { outcomeOf, SettingsForm } from "@/components/settings/settings-form";

/** Admins: erase a person's content (reason and typed confirmation), and download what is stored about them. */
export function ErasePersonForm({ person }: { person: string }) {
  const [state, action, pending] = useActionState<EraseState, FormData>(erasePersonAction, { status: "idle" });
  return (
    <div className="space-y-3">
      <p className="text-xs">
        <a className="link" href={`/api/console/people/export?person=${encodeURIComponent(person)}`} download>Export (NDJSON)</a>
        <span className="text-slate-500"> — every stored row about this person, one JSON object per line (audited).</span>
      </p>
      <SettingsForm
        action={action}
        title="Erase this person's content"
        description={
          <>Removes their prompts, answers, commands, paths, transcripts and alert matches from every table and replaces their identity with a
            pseudonym, so counts and alerts stay. It cannot be undone. Telemetry that arrives later is stored as sent.</>
        }
        card
        submitLabel="Erase this person's content"
        pendingLabel="Queuing…"
        pending={pending}
        disabled={state.status === "queued"}
        outcome={outcomeOf(state.status === "error" ? state.message : undefined, state.status === "queued" && state.message)}
      >
        <input type="hidden" name="person" value={person} />
        <label htmlFor="erase-reason" className="block text-xs text-slate-500">Reason (goes to the audit log)</label>
        <textarea id="erase-reason" name="reason" rows={2} required minLength={3} maxLength={500} className="field w-full max-w-xl"
          defaultValue={state.reason ?? ""}
          aria-invalid={state.field === "reason" || undefined} />
        <label htmlFor="erase-confirm" className="block text-xs text-slate-500">Type <span className="font-mono">{person}</span> to confirm</label>
        <input id="erase-confirm" name="confirm" autoComplete="off" required className="field w-full max-w-xl font-mono"
          aria-invalid={state.field === "confirm" || undefined} />
      </SettingsForm>
    </div>
  );
}
