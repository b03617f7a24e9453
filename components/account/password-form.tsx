"use client";

import { useActionState } from "react";
import { changePasswordAction, type PasswordChangeState } from "@/lib/actions/account";

const FIELDS = [
  { name: "currentPassword", label: "Current password", autoComplete: "current-password" },
  { name: "newPassword", label: "New password (at least 12 characters)", autoComplete: "new-password" },
  { name: "confirmPassword", label: "New password again", autoComplete: "new-password" },
] as const;

export function PasswordForm() {
  const [state, action, pending] = useActionState<PasswordChangeState, FormData>(changePasswordAction, { status: "idle" });
  return (
    // A changed password clears the form (React resets uncontrolled fields after an action).
    <form action={action} className="max-w-sm space-y-3 text-xs">
      {FIELDS.map((f) => (
        <div key={f.name}>
          <label htmlFor={f.name} className="mb-1 block text-slate-500 dark:text-slate-400">{f.label}</label>
          <input
            id={f.name}
            name={f.name}
            type="password"
            required
            autoComplete={f.autoComplete}
            minLength={f.name === "currentPassword" ? undefined : 12}
            maxLength={1024}
            aria-invalid={state.field === f.name || undefined}
            className="field w-full"
          />
        </div>
      ))}
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className="btn-primary shrink-0 whitespace-nowrap">{pending ? "Changing…" : "Change password"}</button>
        {state.message && (
          <span role="status" className={state.status === "changed" ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>
            {state.message}
          </span>
        )}
      </div>
    </form>
  );
}
