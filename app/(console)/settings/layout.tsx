import type { ReactNode } from "react";
import { SettingsNav } from "@/components/settings/settings-nav";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// Settings are for admins only; every page and action below checks again on its own.
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await requireUser({ roles: ["admin"] });
  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-lg font-semibold tracking-tight">Settings</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Tenant {user.tenantSlug}</p>
      <SettingsNav isOwner={user.isOwner} />
      <div className="mt-4">{children}</div>
    </div>
  );
}
