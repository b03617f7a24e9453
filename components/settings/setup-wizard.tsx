"use client";

import { useActionState, useEffect, useState } from "react";
import { createIngestTokenAction, type TokenActionState } from "@/lib/actions/tokens";
import { CodeBlock } from "@/components/ui/card";
import { claudeCodeManagedSettings, claudeCodeShell, otlpBase } from "@/lib/setup/client-config";
import { SecretOnce } from "./secret-once";
import { outcomeOf, SettingsField, SettingsForm } from "./settings-form";

type Client = "claude-code" | "cowork" | "office";

const CLIENTS: { id: Client; label: string; signals: string[] }[] = [
  { id: "claude-code", label: "Claude Code", signals: ["logs", "metrics", "traces"] },
  { id: "cowork", label: "Cowork", signals: ["logs", "traces"] },
  { id: "office", label: "Office agents", signals: ["traces"] },
];

interface Status {
  received: boolean;
  latest: { kind: string; name: string; source: string; receivedAt: string } | null;
}

/** Waits for the first record sent with the new token: the end-to-end proof the setup works. */
function LiveCheck({ tokenId }: { tokenId: string }) {
  const [status, setStatus] = useState<Status | null>(null);
  useEffect(() => {
    // Polling an external system (the server) is what effects are for.
    let stop = false;
    const tick = async () => {
      const res = await fetch(`/api/console/setup/status?tokenId=${encodeURIComponent(tokenId)}`, { cache: "no-store" });
      if (!stop && res.ok) setStatus((await res.json()) as Status);
    };
    void tick();
    const timer = setInterval(() => void tick(), 2000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [tokenId]);
  const received = status?.received ?? false;
  return (
    <p role="status" aria-live="polite" className={`rounded-md px-3 py-2 text-xs ${received ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200"}`}>
      {received
        ? `Received${status?.latest ? `: ${status.latest.kind} ${status.latest.name} from ${status.latest.source}` : ""}. Telemetry is arriving.`
        : "Waiting for the first event… (Claude Code sends events every 5 s and at exit; Cowork at session start; Office agents when a turn ends.)"}
    </p>
  );
}

export function SetupWizard({ baseUrl }: { baseUrl: string }) {
  const [client, setClient] = useState<Client>("claude-code");
  const [state, action, pending] = useActionState<TokenActionState, FormData>(createIngestTokenAction, {});
  const token = state.secret ?? "<ingest token>";
  const chosen = CLIENTS.find((c) => c.id === client)!;
  const base = otlpBase(baseUrl);
  return (
    <div className="space-y-4">
      <fieldset className="flex flex-wrap gap-2">
        <legend className="mb-1 text-xs text-slate-500">Client</legend>
        {CLIENTS.map((c) => (
          <label key={c.id} className={`cursor-pointer rounded-md border px-3 py-1.5 text-xs ${client === c.id ? "border-sky-600 bg-sky-50 font-medium dark:bg-sky-950" : "border-slate-300 dark:border-slate-700"}`}>
            <input type="radio" name="client" value={c.id} checked={client === c.id} onChange={() => setClient(c.id)} className="sr-only" />
            {c.label}
          </label>
        ))}
      </fieldset>

      <SettingsForm
        action={action}
        layout="row"
        description={`Scoped to ${chosen.signals.join(", ")}.`}
        submitLabel={`Create a token for ${chosen.label}`}
        pendingLabel="Creating…"
        pending={pending}
        outcome={outcomeOf(state.error)}
        after={state.secret && <SecretOnce label={`Ingest token “${state.name}”`} secret={state.secret} />}
      >
        <input type="hidden" name="environment" value="default" />
        <input type="hidden" name="expiresInDays" value="365" />
        {chosen.signals.map((s) => <input key={s} type="hidden" name={`signal-${s}`} value="on" />)}
        <SettingsField label="Token name">
          <input name="name" required defaultValue={`${chosen.id}-${new Date().toISOString().slice(0, 10)}`} key={chosen.id} className="field w-64" />
        </SettingsField>
      </SettingsForm>

      {client === "claude-code" && (
        <div className="grid gap-4 xl:grid-cols-2">
          <CodeBlock label="Shell profile (one developer)">{`${claudeCodeShell(baseUrl, token)}\nexport OTEL_LOG_USER_PROMPTS=1 OTEL_LOG_TOOL_DETAILS=1   # optional content`}</CodeBlock>
          <CodeBlock label="managed-settings.json (MDM; users cannot override it)">{claudeCodeManagedSettings(baseUrl, token)}</CodeBlock>
        </div>
      )}
      {client === "cowork" && (
        <div className="space-y-2 text-xs text-slate-700 dark:text-slate-200">
          <p>Claude admin → <strong>Admin settings → Cowork → Monitoring</strong>:</p>
          <CodeBlock label="Fields">{`OTLP endpoint:  ${base}\nOTLP protocol:  http/protobuf\nOTLP headers:   Authorization=Bearer ${token}`}</CodeBlock>
          <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            The exporter runs inside the Cowork VM: add <strong className="font-mono">{new URL(baseUrl).host}</strong> under Admin settings → Capabilities → Network egress, or Cowork drops the telemetry with no error. Settings apply to sessions started afterwards.
          </p>
        </div>
      )}
      {client === "office" && (
        <div className="space-y-2 text-xs text-slate-700 dark:text-slate-200">
          <p>Claude admin → <strong>Organization settings → Office agents</strong> (direct-provider deployments: the manifest&apos;s <code className="font-mono">otlp_endpoint</code> / <code className="font-mono">otlp_headers</code>):</p>
          <CodeBlock label="Collector">{`otlp_endpoint:  ${base}\notlp_headers:   Authorization=Bearer ${token}`}</CodeBlock>
          <p>The add-in posts from the browser at https://pivot.claude.ai; this server answers its CORS preflight (Settings → Receiver). The header reaches every user&apos;s browser, so use a traces-only token.</p>
        </div>
      )}
      {state.id && <LiveCheck tokenId={state.id} />}
    </div>
  );
}
