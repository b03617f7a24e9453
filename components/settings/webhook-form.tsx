"use client";

import { useActionState } from "react";
import { saveWebhookAction, type WebhookFormState } from "@/app/(console)/settings/alerts-delivery/actions";
import { SecretOnce } from "./secret-once";

export interface WebhookFormSettings {
  url: string;
  enabled: boolean;
  includeContent: boolean;
  secretHint: string | null;
  secretProblem: string | null;
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

/** URL, signing secret (write-only: a generated one is shown once, then only its hint), content opt-in, on/off. */
export function WebhookForm({ settings }: { settings: WebhookFormSettings | null }) {
  const [state, action, pending] = useActionState<WebhookFormState, FormData>(saveWebhookAction, { status: "idle" });
  const v = state.values ?? { url: settings?.url ?? "", enabled: settings?.enabled ?? true, includeContent: settings?.includeContent ?? false };
  const errors = state.errors ?? {};
  const managed = settings?.managedByEnvironment ?? false;
  const hasSecret = Boolean(settings?.secretHint) && !settings?.secretProblem;
  return (
    <form key={JSON.stringify(v)} action={action} className="space-y-4 text-sm" noValidate>
      {managed && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-inset ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900">
          URL and secret are set by <code className="font-mono">BLINDSPOT_ALERT_WEBHOOK_URL</code> / <code className="font-mono">_SECRET</code>: change those
          variables and restart Blindspot to edit them. Whether content is included can be changed here.
        </p>
      )}
      {settings?.secretProblem && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950 dark:text-red-300 dark:ring-red-900">
          {settings.secretProblem}
        </p>
      )}
      <div>
        <label htmlFor="wh-url" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
          Webhook URL
        </label>
        <input
          id="wh-url"
          name="url"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          readOnly={managed}
          placeholder="https://siem.example.com/hooks/blindspot"
          defaultValue={v.url}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={errors.url ? "wh-url-error" : "wh-url-help"}
          className="field mt-1 w-full font-mono"
        />
        <p id="wh-url-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          https only. Private and internal addresses are refused unless an operator allows their network (BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS); redirects are not followed.
        </p>
        <FieldError id="wh-url-error" message={errors.url} />
      </div>
      {!managed && (
        <div>
          <label htmlFor="wh-secret" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
            Signing secret
          </label>
          <input
            id="wh-secret"
            name="secret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={hasSecret ? "Leave empty to keep the stored secret" : "Leave empty and Blindspot generates one"}
            aria-invalid={errors.secret ? true : undefined}
            aria-describedby={errors.secret ? "wh-secret-error" : "wh-secret-help"}
            className="field mt-1 w-full font-mono"
          />
          <p id="wh-secret-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            {hasSecret ? (
              <>
                Stored: <span className="font-mono" data-testid="secret-hint">{settings?.secretHint}</span>.{" "}
              </>
            ) : null}
            Receivers check <code className="font-mono">X-Blindspot-Signature</code> (HMAC-SHA256 of the body) with it. Stored encrypted and never shown
            again.
          </p>
          <FieldError id="wh-secret-error" message={errors.secret} />
          {hasSecret && (
            <label className="mt-2 flex items-center gap-2 text-xs">
              <input name="generateSecret" type="checkbox" className="h-4 w-4 rounded border-slate-300 accent-sky-700" />
              Replace it with a new generated secret
            </label>
          )}
        </div>
      )}
      {managed && (
        <input type="hidden" name="enabled" value={v.enabled ? "on" : ""} />
      )}
      <div className="space-y-2">
        {!managed && (
          <label className="flex items-center gap-2">
            <input name="enabled" type="checkbox" defaultChecked={v.enabled} className="h-4 w-4 rounded border-slate-300 accent-sky-700" />
            Send alerts
          </label>
        )}
        <label className="flex items-start gap-2">
          <input name="includeContent" type="checkbox" defaultChecked={v.includeContent} className="mt-0.5 h-4 w-4 rounded border-slate-300 accent-sky-700" />
          <span>
            Include content
            <span className="block text-xs text-slate-500 dark:text-slate-400">
              The matched values (commands, paths, URLs, prompt text) go to the receiver. Off: the alert goes out as a manager sees it.
            </span>
          </span>
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className="btn-primary">
          {pending ? "Saving…" : "Save"}
        </button>
        {state.message && (
          <span role="status" className={`text-xs ${state.status === "error" ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}>
            {state.message}
          </span>
        )}
      </div>
      {state.generatedSecret && <SecretOnce label="Webhook signing secret" secret={state.generatedSecret} />}
    </form>
  );
}
