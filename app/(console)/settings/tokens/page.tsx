import { RotateTokenButton, CreateIngestTokenForm } from "@/components/settings/token-forms";
import { Badge } from "@/components/ui/badge";
import { requireUser } from "@/lib/auth/session";
import { listTenantIngestTokens } from "@/lib/auth/ingest-tokens";
import { listEnvironments } from "@/lib/tenants";
import { formatTime } from "@/lib/presentation/format";
import { revokeIngestTokenAction } from "@/lib/actions/tokens";

export const dynamic = "force-dynamic";

function status(t: { revokedAt: Date | null; expiresAt: Date | null }) {
  if (t.revokedAt) return <Badge tone="red">revoked</Badge>;
  if (t.expiresAt && t.expiresAt.getTime() <= Date.now()) return <Badge tone="orange">expired</Badge>;
  return <Badge tone="emerald">active</Badge>;
}

export default async function IngestTokensPage() {
  const user = await requireUser({ roles: ["admin"] });
  const [tokens, environments] = await Promise.all([
    listTenantIngestTokens(user.tenantId),
    listEnvironments(user.tenantId),
  ]);
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        Clients send telemetry with a bearer ingest token. Each belongs to this tenant and one environment, optionally to some signals. Secrets are shown once; only their SHA-256 is kept.
        Rotating issues a new secret with the same scope and leaves the old one working until you revoke it.
      </p>
      <CreateIngestTokenForm environments={environments.map((e) => e.name)} />
      <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-xs">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Name</th>
              <th scope="col" className="px-3 py-2 font-medium">Token</th>
              <th scope="col" className="px-3 py-2 font-medium">Environment</th>
              <th scope="col" className="px-3 py-2 font-medium">Signals</th>
              <th scope="col" className="px-3 py-2 font-medium">Status</th>
              <th scope="col" className="px-3 py-2 font-medium">Last used</th>
              <th scope="col" className="px-3 py-2 font-medium">Expires</th>
              <th scope="col" className="px-3 py-2 font-medium"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-token-name={t.name} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                <td className="px-3 py-2 font-medium">{t.name}{t.rotatedFromId && <span className="ml-1 text-slate-500">(rotated)</span>}</td>
                <td className="px-3 py-2 font-mono">{t.tokenPrefix}…</td>
                <td className="px-3 py-2">{t.environment.name}</td>
                <td className="px-3 py-2">{t.signals.length ? t.signals.join(", ") : "all"}</td>
                <td className="px-3 py-2">{status(t)}</td>
                <td className="whitespace-nowrap px-3 py-2 font-mono text-slate-500">{t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</td>
                <td className="whitespace-nowrap px-3 py-2 font-mono text-slate-500">{t.expiresAt ? formatTime(t.expiresAt).slice(0, 10) : "never"}</td>
                <td className="px-3 py-2">
                  {!t.revokedAt && (
                    <div className="flex flex-wrap items-start gap-2">
                      <RotateTokenButton id={t.id} />
                      <form action={revokeIngestTokenAction}>
                        <input type="hidden" name="id" value={t.id} />
                        <button type="submit" className="btn-secondary py-0.5 text-xs text-red-700 dark:text-red-400" aria-label={`Revoke ${t.name}`}>Revoke</button>
                      </form>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
