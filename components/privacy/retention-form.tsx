"use client";

import { useActionState } from "react";
import { saveRetentionAction, type RetentionState } from "@/lib/actions/privacy";
import { outcomeOf, SettingsForm } from "@/components/settings/settings-form";

export function RetentionForm({ contentDays, metadataDays }: { contentDays: number | null; metadataDays: number | null }) {
  const [state, action, pending] = useActionState<RetentionState, FormData>(saveRetentionAction, { status: "idle" });
  return (
    <SettingsForm
      action={action}
      title="Retention"
      description="Empty keeps forever. Content (prompts, answers, commands, paths, transcripts) goes after the first number of days, whole records after the second."
      card
      submitLabel="Save retention"
      pendingLabel="Saving…"
      pending={pending}
      outcome={outcomeOf(state.status === "error" ? state.message : undefined, state.status === "saved" && state.message)}
    >
      <label htmlFor="contentDays" className="block text-xs text-slate-500">Content days</label>
      <input id="contentDays" name="contentDays" inputMode="numeric" defaultValue={contentDays ?? ""} className="field w-40 font-mono" placeholder="forever" />
      <label htmlFor="metadataDays" className="block text-xs text-slate-500">Metadata days</label>
      <input id="metadataDays" name="metadataDays" inputMode="numeric" defaultValue={metadataDays ?? ""} className="field w-40 font-mono" placeholder="forever" />
    </SettingsForm>
  );
}
