"use client";

import { useActionState } from "react";
import { addAllowlistAction, addExceptionAction, saveRuleSettingAction, type RuleFormState } from "@/app/(console)/rules/actions";
import { ALLOWLISTS, EXCEPTION_OPERATORS, RULE_LEVELS } from "@/lib/detections/types";

function Status({ state }: { state: RuleFormState }) {
  if (state.status === "saved") return <span role="status" className="text-emerald-700 dark:text-emerald-400">{state.message}</span>;
  if (state.status === "error") return <span role="status" className="text-red-700 dark:text-red-400">{state.message}</span>;
  return null;
}

export function RuleSettingForm({ ruleId, enabled, level, shippedLevel }: { ruleId: string; enabled: boolean; level: string | null; shippedLevel: string }) {
  const [state, action, pending] = useActionState<RuleFormState, FormData>(saveRuleSettingAction, { status: "idle" });
  return (
    <form action={action} className="flex flex-wrap items-center gap-3 text-xs">
      <input type="hidden" name="ruleId" value={ruleId} />
      <label className="inline-flex items-center gap-1.5">
        <input type="checkbox" name="enabled" defaultChecked={enabled} /> Enabled
      </label>
      <label className="inline-flex items-center gap-1.5">
        Level
        <select name="level" defaultValue={level ?? "default"} className="field">
          <option value="default">as shipped ({shippedLevel})</option>
          {RULE_LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
      </label>
      <button type="submit" disabled={pending} className="btn-primary">{pending ? "Saving…" : "Save"}</button>
      <Status state={state} />
    </form>
  );
}

export function ExceptionForm({ ruleId, fields }: { ruleId: string | null; fields: string[] }) {
  const [state, action, pending] = useActionState<RuleFormState, FormData>(addExceptionAction, { status: "idle" });
  return (
    <form action={action} className="grid max-w-3xl grid-cols-1 gap-2 text-xs sm:grid-cols-[10rem_8rem_1fr]">
      <input type="hidden" name="ruleId" value={ruleId ?? ""} />
      <label className="flex flex-col gap-1">
        Field
        <input name="field" list="exception-fields" required className="field font-mono" placeholder="person" />
        <datalist id="exception-fields">{fields.map((f) => <option key={f} value={f} />)}</datalist>
      </label>
      <label className="flex flex-col gap-1">
        Operator
        <select name="operator" className="field">{EXCEPTION_OPERATORS.map((o) => <option key={o} value={o}>{o}</option>)}</select>
      </label>
      <label className="flex flex-col gap-1">
        Value
        <input name="value" required className="field font-mono" placeholder="ci-bot@example.com" />
      </label>
      <label className="flex flex-col gap-1 sm:col-span-3">
        Why it is safe (kept with the exception)
        <input name="reason" required minLength={3} className="field" />
      </label>
      <div className="flex items-center gap-3 sm:col-span-3">
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Adding…" : "Add exception"}</button>
        <Status state={state} />
      </div>
    </form>
  );
}

export function AllowlistForm() {
  const [state, action, pending] = useActionState<RuleFormState, FormData>(addAllowlistAction, { status: "idle" });
  return (
    <form action={action} className="grid max-w-3xl grid-cols-1 gap-2 text-xs sm:grid-cols-[12rem_1fr]">
      <label className="flex flex-col gap-1">
        List
        <select name="list" className="field">{ALLOWLISTS.map((l) => <option key={l} value={l}>{l}</option>)}</select>
      </label>
      <label className="flex flex-col gap-1">
        Value (exact name or host)
        <input name="value" required className="field font-mono" placeholder="soc_demo" />
      </label>
      <label className="flex flex-col gap-1 sm:col-span-2">
        Why it is trusted
        <input name="reason" required minLength={3} className="field" />
      </label>
      <div className="flex items-center gap-3 sm:col-span-2">
        <button type="submit" disabled={pending} className="btn-primary">{pending ? "Adding…" : "Add to allowlist"}</button>
        <Status state={state} />
      </div>
    </form>
  );
}
