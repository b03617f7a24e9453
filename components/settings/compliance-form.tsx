"use client";

import { useActionState } from "react";
import { saveComplianceConnectorAction, type ConnectorFormState } from "@/lib/actions/compliance";
import { SettingsForm } from "./settings-form";

export interface ConnectorFormSettings {
  baseUrl: string;
  enabled: boolean;
  pollSeconds: number;
  hasKey: boolean;
  keyHint: string | null;
  keyProblem: string | null;
  managedByEnvironment: boolean;
}

function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700 dark:text-red-400">
      {message}
    </p>
  );
}

/** Base URL, access key (write-only: only its hint is shown), automatic pulls and their interval. */
export function ComplianceConnectorForm({ settings }: { settings: ConnectorFormSettings }) {
  const [state, action, pending] = useActionState<ConnectorFormState, FormData>(saveComplianceConnectorAction, { status: "idle" });
  const v = state.values ?? { baseUrl: settings.baseUrl, enabled: settings.enabled, pollSeconds: String(settings.pollSeconds) };
  const errors = state.errors ?? {};
  return (
    // The key changes the form's identity so React's post-action reset shows the submitted values.
    <SettingsForm
      key={JSON.stringify(v)}
      action={action}
      className="space-y-4 text-sm"
      noValidate
      submitLabel="Save"
      pendingLabel="Saving…"
      pending={pending}
      disabled={settings.managedByEnvironment}
      outcome={state.message ? { tone: state.status === "error" ? "error" : "ok", message: state.message } : null}
    >
      {/* The server refuses edits of an environment-configured connector; the form says so up front. */}
      <fieldset disabled={settings.managedByEnvironment} className="space-y-4">
      {settings.managedByEnvironment && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-inset ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900">
          Set by <code className="font-mono">BLINDSPOT_COMPLIANCE_API_KEY</code> / <code className="font-mono">_URL</code>: change those variables and restart
          Blindspot to edit it.
        </p>
      )}
      {settings.keyProblem && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950 dark:text-red-300 dark:ring-red-900">
          {settings.keyProblem}
        </p>
      )}
      <div>
        <label htmlFor="cc-base-url" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
          Base URL
        </label>
        <input
          id="cc-base-url"
          name="baseUrl"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          defaultValue={v.baseUrl}
          aria-invalid={errors.baseUrl ? true : undefined}
          aria-describedby={errors.baseUrl ? "cc-base-url-error" : undefined}
          className="field mt-1 w-full font-mono"
        />
        <FieldError id="cc-base-url-error" message={errors.baseUrl} />
      </div>
      <div>
        <label htmlFor="cc-api-key" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
          Access key
        </label>
        <input
          id="cc-api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={settings.hasKey && !settings.keyProblem ? "Leave empty to keep the stored key" : "sk-ant-api01-…"}
          aria-invalid={errors.apiKey ? true : undefined}
          aria-describedby="cc-api-key-help"
          className="field mt-1 w-full font-mono"
        />
        <p id="cc-api-key-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {settings.hasKey && settings.keyHint ? (
            <>
              Stored: <span className="font-mono">{settings.keyHint}</span>.{" "}
            </>
          ) : null}
          A Compliance access key (sk-ant-api01-…) reaches every stream its scopes allow; an Admin API key (sk-ant-admin01-…) the activity feed only.
          Stored encrypted and never shown again.
        </p>
        <FieldError id="cc-api-key-error" message={errors.apiKey} />
      </div>
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <div>
          <label htmlFor="cc-poll" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
            Pull every (seconds)
          </label>
          <input
            id="cc-poll"
            name="pollSeconds"
            type="number"
            min={15}
            step={1}
            defaultValue={v.pollSeconds}
            aria-invalid={errors.pollSeconds ? true : undefined}
            className="field mt-1 w-28 tabular-nums"
          />
        </div>
        <label className="flex items-center gap-2 pb-1.5 text-sm">
          <input name="enabled" type="checkbox" defaultChecked={v.enabled} className="h-4 w-4 rounded border-slate-300 accent-sky-700" />
          Pull automatically
        </label>
      </div>
      <FieldError id="cc-poll-error" message={errors.pollSeconds} />
      </fieldset>
    </SettingsForm>
  );
}
