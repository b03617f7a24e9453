"use client";

import { useActionState } from "react";
import { createIngestTokenAction, rotateIngestTokenAction, type TokenActionState } from "@/lib/actions/tokens";
import { SecretOnce } from "./secret-once";
import { outcomeOf, SettingsField, SettingsForm } from "./settings-form";

export function CreateIngestTokenForm({ environments }: { environments: string[] }) {
  const [state, action, pending] = useActionState<TokenActionState, FormData>(createIngestTokenAction, {});
  return (
    <SettingsForm
      action={action}
      card
      layout="row"
      title="New ingest token"
      submitLabel="Create token"
      pendingLabel="Creating…"
      pending={pending}
      outcome={outcomeOf(state.error)}
      after={state.secret && <SecretOnce label={`Ingest token “${state.name}”`} secret={state.secret} />}
    >
      <SettingsField label="Name">
        <input name="name" required className="field w-56" placeholder="e.g. corp-laptops" />
      </SettingsField>
      <SettingsField label="Environment">
        <input name="environment" list="environments" defaultValue="default" className="field w-44" />
        <datalist id="environments">
          {environments.map((e) => <option key={e} value={e} />)}
        </datalist>
      </SettingsField>
      <fieldset className="flex items-center gap-3">
        <legend className="mb-1 text-slate-500">Signals</legend>
        {["logs", "traces", "metrics"].map((s) => (
          <label key={s} className="flex items-center gap-1">
            <input type="checkbox" name={`signal-${s}`} defaultChecked /> {s}
          </label>
        ))}
      </fieldset>
      <SettingsField label="Expires after (days, 0 = never)">
        <input name="expiresInDays" type="number" min={0} max={3650} defaultValue={365} className="field w-28" />
      </SettingsField>
    </SettingsForm>
  );
}

export function RotateTokenButton({ id }: { id: string }) {
  const [state, action, pending] = useActionState<TokenActionState, FormData>(rotateIngestTokenAction, {});
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <button type="submit" disabled={pending} className="btn-secondary py-0.5 text-xs">Rotate</button>
      {state.error && <span className="ml-2 text-red-700">{state.error}</span>}
      {state.secret && <div className="mt-2"><SecretOnce label="New secret (the old one works until you revoke it)" secret={state.secret} /></div>}
    </form>
  );
}
