"use client";

import { useActionState } from "react";
import { createApiTokenAction, type TokenActionState } from "@/lib/actions/tokens";
import { SecretOnce } from "./secret-once";

export function CreateApiTokenForm() {
  const [state, action, pending] = useActionState<TokenActionState, FormData>(createApiTokenAction, {});
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-sm font-semibold">New API token</h2>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Name</span>
          <input name="name" required className="field w-56" placeholder="e.g. siem-export" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Role</span>
          <select name="role" defaultValue="analyst" className="field">
            <option value="analyst">analyst (reads content)</option>
            <option value="manager">manager (no content)</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Expires after (days, 0 = never)</span>
          <input name="expiresInDays" type="number" min={0} max={3650} defaultValue={365} className="field w-28" />
        </label>
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Creating…" : "Create token"}</button>
      </div>
      {state.error && <p role="status" className="text-xs text-red-700 dark:text-red-400">{state.error}</p>}
      {state.secret && <SecretOnce label={`API token “${state.name}”`} secret={state.secret} />}
    </form>
  );
}
