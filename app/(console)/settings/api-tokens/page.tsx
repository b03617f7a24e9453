import { CreateApiTokenForm } from "@/components/settings/api-token-form";
import { Badge } from "@/components/ui/badge";
import { requireUser } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/auth/api-tokens";
import { formatTime } from "@/lib/presentation/format";
import { revokeApiTokenAction } from "@/lib/actions/tokens";

export const dynamic = "force-dynamic";

export default async function ApiTokensPage() {
  const user = await requireUser({ roles: ["admin"] });
  const tokens = await listApiTokens(user.tenantId, { newestFirst: true });
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        Tokens for the read API (<code className="font-mono">/api/v1</code>, see the README). The role decides what the holder reads: managers never receive content.
      </p>
      <CreateApiTokenForm />
      <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-xs">
          <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Name</th>
              <th scope="col" className="px-3 py-2 font-medium">Token</th>
              <th scope="col" className="px-3 py-2 font-medium">Role</th>
              <th scope="col" className="px-3 py-2 font-medium">Status</th>
              <th scope="col" className="px-3 py-2 font-medium">Created</th>
              <th scope="col" className="px-3 py-2 font-medium">Expires</th>
              <th scope="col" className="px-3 py-2 font-medium"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="px-3 py-2 font-medium">{t.name}</td>
                <td className="px-3 py-2 font-mono">{t.tokenPrefix}…</td>
                <td className="px-3 py-2">{t.role}</td>
                <td className="px-3 py-2">{t.revokedAt ? <Badge tone="red">revoked</Badge> : t.expiresAt && t.expiresAt < new Date() ? <Badge tone="orange">expired</Badge> : <Badge tone="emerald">active</Badge>}</td>
                <td className="whitespace-nowrap px-3 py-2 font-mono text-slate-500">{formatTime(t.createdAt)}</td>
                <td className="whitespace-nowrap px-3 py-2 font-mono text-slate-500">{t.expiresAt ? formatTime(t.expiresAt).slice(0, 10) : "never"}</td>
                <td className="px-3 py-2">
                  {!t.revokedAt && (
                    <form action={revokeApiTokenAction}>
                      <input type="hidden" name="id" value={t.id} />
                      <button type="submit" className="btn-secondary py-0.5 text-xs text-red-700 dark:text-red-400" aria-label={`Revoke ${t.name}`}>Revoke</button>
                    </form>
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
