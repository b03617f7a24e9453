import { CreateApiTokenForm } from "@/components/settings/api-token-form";
import { Badge } from "@/components/ui/badge";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/auth/api-tokens";
import { formatTime } from "@/lib/presentation/format";
import { revokeApiTokenAction } from "@/lib/actions/tokens";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("API tokens", "Settings") };

export default async function ApiTokensPage() {
  const user = await requireUser({ roles: ["admin"] });
  const tokens = await listApiTokens(user.tenantId, { newestFirst: true });
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        Tokens for the read API (<code className="font-mono">/api/v1</code>, see the README). The role decides what the holder reads: managers never receive content.
      </p>
      <CreateApiTokenForm />
      <Table>
        <THead>
          <tr>
            <Th>Name</Th>
            <Th>Token</Th>
            <Th>Role</Th>
            <Th>Status</Th>
            <Th>Created</Th>
            <Th>Expires</Th>
            <Th><span className="sr-only">Actions</span></Th>
          </tr>
        </THead>
        <TBody>
          {tokens.map((t) => (
            <Tr key={t.id}>
              <Td className="font-medium">{t.name}</Td>
              <Td mono>{t.tokenPrefix}…</Td>
              <Td>{t.role}</Td>
              <Td>{t.revokedAt ? <Badge tone="red">revoked</Badge> : t.expiresAt && t.expiresAt < new Date() ? <Badge tone="orange">expired</Badge> : <Badge tone="emerald">active</Badge>}</Td>
              <Td nowrap mono muted>{formatTime(t.createdAt)}</Td>
              <Td nowrap mono muted>{t.expiresAt ? formatTime(t.expiresAt).slice(0, 10) : "never"}</Td>
              <Td>
                {!t.revokedAt && (
                  <form action={revokeApiTokenAction}>
                    <input type="hidden" name="id" value={t.id} />
                    <button type="submit" className="btn-secondary py-0.5 text-xs text-red-700 dark:text-red-400" aria-label={`Revoke ${t.name}`}>Revoke</button>
                  </form>
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
