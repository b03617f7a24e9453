"use client";

import { useActionState } from "react";
import { saveOriginsAction, type OriginsState } from "@/lib/actions/receiver";
import { outcomeOf, SettingsForm } from "./settings-form";

export function OriginsForm({ initial }: { initial: string[] }) {
  const [state, action, pending] = useActionState<OriginsState, FormData>(saveOriginsAction, {});
  return (
    <SettingsForm
      action={action}
      className="space-y-2 text-xs"
      submitLabel="Save origins"
      pendingLabel="Saving…"
      pending={pending}
      outcome={outcomeOf(state.error, state.saved && "Saved; receivers use them within 10 seconds.")}
    >
      <label htmlFor="origins" className="block text-slate-500">Additional allowed origins (one per line, e.g. https://addin.example.com)</label>
      <textarea id="origins" name="origins" rows={4} defaultValue={initial.join("\n")} className="field w-full max-w-xl font-mono" />
    </SettingsForm>
  );
}
