"use client";

import { useActionState } from "react";
import { inviteUserAction, type InviteState } from "@/lib/actions/users";
import { SecretOnce } from "./secret-once";
import { outcomeOf, SettingsField, SettingsForm } from "./settings-form";

export function InviteUserForm() {
  const [state, action, pending] = useActionState<InviteState, FormData>(inviteUserAction, {});
  return (
    <SettingsForm
      action={action}
      card
      layout="row"
      title="Invite a user"
      submitLabel="Invite"
      pendingLabel="Inviting…"
      pending={pending}
      outcome={outcomeOf(state.error)}
      after={state.password && <SecretOnce label={`First password for ${state.email} (send it through a channel you trust)`} secret={state.password} />}
    >
      <SettingsField label="Email">
        <input name="email" type="email" required className="field w-64" />
      </SettingsField>
      <SettingsField label="Name">
        <input name="name" className="field w-48" />
      </SettingsField>
      <SettingsField label="Role">
        <select name="role" defaultValue="analyst" className="field">
          <option value="analyst">analyst: investigates, reads content</option>
          <option value="manager">manager: dashboards, no content</option>
          <option value="admin">admin: everything, settings</option>
        </select>
      </SettingsField>
    </SettingsForm>
  );
}
