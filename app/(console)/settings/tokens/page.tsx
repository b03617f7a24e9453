import { RotateTokenButton, CreateIngestTokenForm } from "@/components/settings/token-forms";
import { Badge } from "@/components/ui/badge";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { listTenantIngestTokens } from "@/lib/auth/ingest-tokens";
import { listEnvironments } from "@/lib/tenants";
import { formatTime } from "@/lib/presentation/format";
import { revokeIngestTokenAction } from "@/lib/actions/tokens";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Ingest tokens", "Settings") };

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
      <Table>
        <THead>
          <tr>
            <Th>Name</Th>
            <Th>Token</Th>
            <Th>Environment</Th>
            <Th>Signals</Th>
            <Th>Status</Th>
            <Th>Last used</Th>
            <Th>Expires</Th>
            <Th><span className="sr-only">Actions</span></Th>
          </tr>
        </THead>
        <TBody>
          {tokens.map((t) => (
            <Tr key={t.id} data-token-name={t.name}>
              <Td className="font-medium">{t.name}{t.rotatedFromId && <span className="ml-1 text-slate-500">(rotated)</span>}</Td>
              <Td mono>{t.tokenPrefix}…</Td>
              <Td>{t.environment.name}</Td>
              <Td>{t.signals.length ? t.signals.join(", ") : "all"}</Td>
              <Td>{status(t)}</Td>
              <Td nowrap mono muted>{t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</Td>
              <Td nowrap mono muted>{t.expiresAt ? formatTime(t.expiresAt).slice(0, 10) : "never"}</Td>
              <Td>
                {!t.revokedAt && (
                  <div className="flex flex-wrap items-start gap-2">
                    <RotateTokenButton id={t.id} />
                    <form action={revokeIngestTokenAction}>
                      <input type="hidden" name="id" value={t.id} />
                      <button type="submit" className="btn-secondary py-0.5 text-xs text-red-700 dark:text-red-400" aria-label={`Revoke ${t.name}`}>Revoke</button>
                    </form>
                  </div>
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
