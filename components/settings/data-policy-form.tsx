"use client";

import { useActionState, useState } from "react";
import { saveDataPolicyAction, type PolicyFormState } from "@/lib/actions/data-policy";
import { POLICY_ACTIONS, type DataPolicy, type PolicyAction } from "@/lib/secrets/policy";
import { outcomeOf, SettingsForm } from "./settings-form";

// The data policy editor: rules (target → action), the default action, extra patterns,
// exemptions, drop email, and the reason every change needs. The whole policy is sent as one
// JSON field; the server validates it (lib/secrets/policy-schema.ts) and answers with the first problem.

const ACTION_HELP: Record<PolicyAction, string> = {
  keep: "keep: store as sent",
  mask: "mask: replace each detected secret by its marker",
  hash: "hash: store a keyed digest of the whole value",
  drop: "drop: do not store the value",
};

function ActionSelect({ value, onChange, label, id }: { value: PolicyAction; onChange: (a: PolicyAction) => void; label: string; id?: string }) {
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value as PolicyAction)} className="field">
      {POLICY_ACTIONS.map((a) => (
        <option key={a} value={a}>
          {a}
        </option>
      ))}
    </select>
  );
}

export function DataPolicyForm({ policy, version, targets }: { policy: DataPolicy; version: number; targets: string[] }) {
  const [state, action, pending] = useActionState<PolicyFormState, FormData>(saveDataPolicyAction, { status: "idle" });
  const [rules, setRules] = useState(policy.rules);
  const [defaultAction, setDefaultAction] = useState(policy.defaultAction);
  const [patterns, setPatterns] = useState(policy.extraPatterns);
  const [exemptions, setExemptions] = useState(policy.exemptions.join("\n"));
  const [dropEmail, setDropEmail] = useState(policy.dropEmail);
  // The version these edits started from: the one loaded, or the one this form just saved (the
  // page refreshes after a save; the edits stay).
  const [loaded] = useState(version);
  const basedOn = state.version ?? loaded;
  const edited: DataPolicy = {
    rules,
    defaultAction,
    extraPatterns: patterns,
    exemptions: exemptions.split("\n").map((l) => l.trim()).filter(Boolean),
    dropEmail,
  };
  return (
    <SettingsForm
      action={action}
      submitLabel="Save as a new version"
      pendingLabel="Saving…"
      pending={pending}
      outcome={outcomeOf(state.status === "error" ? state.message : undefined, state.status !== "error" && state.message)}
      noValidate
    >
      <input type="hidden" name="policy" value={JSON.stringify(edited)} />
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Edits start from version {basedOn}. {Object.values(ACTION_HELP).join(" · ")}. The most specific rule wins (an exact field or key, then the longest prefix ending in *).
      </p>
      <div className="flex flex-wrap items-center gap-4">
        <label className="flex items-center gap-2">
          <span className="font-medium">Default action</span>
          <ActionSelect id="dp-default" label="Default action" value={defaultAction} onChange={setDefaultAction} />
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="dropEmailView" checked={dropEmail} onChange={(e) => setDropEmail(e.target.checked)} />
          <span>Drop people&apos;s email (the account id still identifies them)</span>
        </label>
      </div>

      <fieldset className="space-y-2">
        <legend className="font-medium">Rules</legend>
        <datalist id="dp-targets">
          {targets.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        {rules.length === 0 && <p className="text-slate-500 dark:text-slate-400">No rules: the default action applies to every field and attribute.</p>}
        {rules.map((r, i) => (
          <div key={i} className="flex flex-wrap items-center gap-2" data-testid="rule-row">
            <input
              aria-label={`Rule ${i + 1} target`}
              list="dp-targets"
              value={r.target}
              spellCheck={false}
              placeholder="prompt, tool_input, gen_ai.*"
              onChange={(e) => setRules(rules.map((x, j) => (j === i ? { ...x, target: e.target.value } : x)))}
              className="field w-72 font-mono"
            />
            <ActionSelect label={`Rule ${i + 1} action`} value={r.action} onChange={(a) => setRules(rules.map((x, j) => (j === i ? { ...x, action: a } : x)))} />
            <button type="button" className="btn-secondary" onClick={() => setRules(rules.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="btn-secondary" onClick={() => setRules([...rules, { target: "", action: "drop" }])}>
          Add rule
        </button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="font-medium">Extra patterns</legend>
        <p className="text-slate-500 dark:text-slate-400">Masked in addition to the built-in secret detectors. RE2 syntax (no look-around or back-references), at most 500 characters; the kind appears in the marker.</p>
        {patterns.map((p, i) => (
          <div key={i} className="flex flex-wrap items-center gap-2" data-testid="pattern-row">
            <input
              aria-label={`Pattern ${i + 1} kind`}
              value={p.kind}
              spellCheck={false}
              placeholder="internal-id"
              onChange={(e) => setPatterns(patterns.map((x, j) => (j === i ? { ...x, kind: e.target.value } : x)))}
              className="field w-40 font-mono"
            />
            <input
              aria-label={`Pattern ${i + 1} expression`}
              value={p.pattern}
              spellCheck={false}
              placeholder="ACME-[0-9]{8}"
              onChange={(e) => setPatterns(patterns.map((x, j) => (j === i ? { ...x, pattern: e.target.value } : x)))}
              className="field w-96 font-mono"
            />
            <button type="button" className="btn-secondary" onClick={() => setPatterns(patterns.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="btn-secondary" onClick={() => setPatterns([...patterns, { kind: "", pattern: "" }])}>
          Add pattern
        </button>
      </fieldset>

      <label className="block">
        <span className="font-medium">Exemptions</span>
        <span className="ml-2 text-slate-500 dark:text-slate-400">never masked; one per line (a literal or an RE2 pattern: a test key, a known public token)</span>
        <textarea value={exemptions} onChange={(e) => setExemptions(e.target.value)} rows={3} spellCheck={false} className="field mt-1 block w-full font-mono" aria-label="Exemptions" />
      </label>

      <label className="block">
        <span className="font-medium">Reason for the change</span>
        <input name="reason" required maxLength={500} placeholder="e.g. SEC-142: legal asked to drop prompt text" className="field mt-1 block w-full" aria-label="Reason for the change" />
      </label>
    </SettingsForm>
  );
}
