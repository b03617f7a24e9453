import { headers } from "next/headers";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { SettingsNav } from "@/components/settings/settings-nav";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// Settings are for admins only; every page and action below checks again on its own.
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  if (user.role !== "admin") {
    // Analysts and managers may ask who decides what is stored (Settings → Data): they get an
    // answer, never the page. Every other settings page does not exist for them.
    const path = (await headers()).get("x-blindspot-path") ?? "";
    if (/^\/settings\/data(?:[/?]|$)/.test(path)) return <AdminsOnly />;
    notFound();
  }
  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-lg font-semibold tracking-tight">Settings</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Tenant {user.tenantSlug}</p>
      <SettingsNav isOwner={user.isOwner} />
      <div className="mt-4">{children}</div>
    </div>
  );
}

function AdminsOnly() {
  return (
    <div className="mx-auto max-w-6xl" data-testid="admins-only">
      <h1 className="text-lg font-semibold tracking-tight">Settings → Data</h1>
      <p role="alert" className="mt-4 max-w-2xl rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-inset ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900">
        Only admins of this tenant can see and change the data policy (what is kept, masked, hashed or dropped at ingest). Ask an admin to change it.
      </p>
    </div>
  );
}
