import { headers } from "next/headers";
import { SetupWizard } from "@/components/settings/setup-wizard";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Setup", "Settings") };

export default async function SetupPage() {
  await requireUser({ roles: ["admin"] });
  const h = await headers();
  const baseUrl = config().BLINDSPOT_PUBLIC_URL ?? `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host")}`;
  return (
    <div className="space-y-3">
      <p className="max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        The exact settings for each client, with a new token filled in, and a live check that the first event arrived. Clients must reach <span className="font-mono">{baseUrl}</span>{" "}
        (set BLINDSPOT_PUBLIC_URL when they reach this server under another name).
      </p>
      <SetupWizard baseUrl={baseUrl} />
    </div>
  );
}
