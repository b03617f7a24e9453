"use client";

import { useActionState } from "react";
import { saveOriginsAction, type OriginsState } from "@/lib/actions/receiver";

export function OriginsForm({ initial }: { initial: string[] }) {
  const [state, action, pending] = useActionState<OriginsState, FormData>(saveOriginsAction, {});
  return (
    <form action={action} className="space-y-2 text-xs">
      <label htmlFor="origins" className="block text-slate-500">Additional allowed origins (one per line, e.g. https://addin.example.com)</label>
      <textarea id="origins" name="origins" rows={4} defaultValue={initial.join("\n")} className="field w-full max-w-xl font-mono" />
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Saving…" : "Save origins"}</button>
        {state.saved && <span role="status" className="text-emerald-700 dark:text-emerald-400">Saved; receivers use them within 10 seconds.</span>}
        {state.error && <span role="status" className="text-red-700 dark:text-red-400">{state.error}</span>}
      </div>
    </form>
  );
}
