"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import { startRescanAction, type RescanFormState } from "@/lib/actions/data-policy";
import { outcomeOf, SettingsForm } from "./settings-form";

/** "Apply to stored data", and while a re-scan runs, the page refreshes its progress every few seconds. */
export function RescanControls({ running }: { running: boolean }) {
  const [state, action, pending] = useActionState<RescanFormState, FormData>(startRescanAction, { status: "idle" });
  const router = useRouter();
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => router.refresh(), 3000);
    return () => clearInterval(timer);
  }, [running, router]);
  return (
    <SettingsForm
      action={action}
      layout="row"
      submitLabel="Apply to stored data"
      pendingLabel="Queuing…"
      pending={pending}
      outcome={outcomeOf(state.status === "error" ? state.message : undefined, state.status === "queued" && state.message)}
    >
      <span className="text-slate-600 dark:text-slate-300">Re-scans stored events, spans and Compliance messages under the current version.</span>
    </SettingsForm>
  );
}
