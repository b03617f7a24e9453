"use client";

import { useActionState } from "react";
import { inviteUserAction, type InviteState } from "@/lib/actions/users";
import { SecretOnce } from "./secret-once";

export function InviteUserForm() {
  const [state, action, pending] = useActionState<InviteState, FormData>(inviteUserAction, {});
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-sm font-semibold">Invite a user</h2>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Email</span>
          <input name="email" type="email" required className="field w-64" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Name</span>
          <input name="name" className="field w-48" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Role</span>
          <select name="role" defaultValue="analyst" className="field">
            <option value="analyst">analyst: investigates, reads content</option>
            <option value="manager">manager: dashboards, no content</option>
            <option value="admin">admin: everything, settings</option>
          </select>
        </label>
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Inviting…" : "Invite"}</button>
      </div>
      {state.error && <p role="status" className="text-xs text-red-700 dark:text-red-400">{state.error}</p>}
      {state.password && <SecretOnce label={`First password for ${state.email} (send it through a channel you trust)`} secret={state.password} />}
    </form>
  );
}
