"use client";

import { useActionState } from "react";
import { createIngestTokenAction, rotateIngestTokenAction, type TokenActionState } from "@/lib/actions/tokens";
import { SecretOnce } from "./secret-once";

export function CreateIngestTokenForm({ environments }: { environments: string[] }) {
  const [state, action, pending] = useActionState<TokenActionState, FormData>(createIngestTokenAction, {});
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-sm font-semibold">New ingest token</h2>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Name</span>
          <input name="name" required className="field w-56" placeholder="e.g. corp-laptops" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Environment</span>
          <input name="environment" list="environments" defaultValue="default" className="field w-44" />
          <datalist id="environments">
            {environments.map((e) => <option key={e} value={e} />)}
          </datalist>
        </label>
        <fieldset className="flex items-center gap-3">
          <legend className="mb-1 text-slate-500">Signals</legend>
          {["logs", "traces", "metrics"].map((s) => (
            <label key={s} className="flex items-center gap-1">
              <input type="checkbox" name={`signal-${s}`} defaultChecked /> {s}
            </label>
          ))}
        </fieldset>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Expires after (days, 0 = never)</span>
          <input name="expiresInDays" type="number" min={0} max={3650} defaultValue={365} className="field w-28" />
        </label>
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Creating…" : "Create token"}</button>
      </div>
      {state.error && <p role="status" className="text-xs text-red-700 dark:text-red-400">{state.error}</p>}
      {state.secret && <SecretOnce label={`Ingest token “${state.name}”`} secret={state.secret} />}
    </form>
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
