"use client";

import { useActionState } from "react";
import { createApiTokenAction, type TokenActionState } from "@/lib/actions/tokens";
import { SecretOnce } from "./secret-once";
import { outcomeOf, SettingsField, SettingsForm } from "./settings-form";

export function CreateApiTokenForm() {
  const [state, action, pending] = useActionState<TokenActionState, FormData>(createApiTokenAction, {});
  return (
    <SettingsForm
      action={action}
      card
      layout="row"
      title="New API token"
      submitLabel="Create token"
      pendingLabel="Creating…"
      pending={pending}
      outcome={outcomeOf(state.error)}
      after={state.secret && <SecretOnce label={`API token “${state.name}”`} secret={state.secret} />}
    >
      <SettingsField label="Name">
        <input name="name" required className="field w-56" placeholder="e.g. siem-export" />
      </SettingsField>
      <SettingsField label="Role">
        <select name="role" defaultValue="analyst" className="field">
          <option value="analyst">analyst (reads content)</option>
          <option value="manager">manager (no content)</option>
          <option value="admin">admin</option>
        </select>
      </SettingsField>
      <SettingsField label="Expires after (days, 0 = never)">
        <input name="expiresInDays" type="number" min={0} max={3650} defaultValue={365} className="field w-28" />
      </SettingsField>
    </SettingsForm>
  );
}
