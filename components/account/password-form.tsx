"use client";

import { useActionState } from "react";
import { SettingsForm } from "@/components/settings/settings-form";
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
    <SettingsForm
      action={action}
      className="max-w-sm space-y-3 text-xs"
      submitLabel="Change password"
      pendingLabel="Changing…"
      pending={pending}
      outcome={state.message ? { tone: state.status === "changed" ? "ok" : "error", message: state.message } : null}
    >
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
    </SettingsForm>
  );
}
