import { ComplianceConnectorForm } from "@/components/settings/compliance-form";
import { ComplianceSyncPanel } from "@/components/settings/compliance-status";
import { requireUser } from "@/lib/auth/session";
import { connectorStatus } from "@/lib/compliance/sync/status";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Compliance connector", "Settings") };

// The tenant's Compliance API connector: where to pull from, with which key, how often; and
// how each stream stands (last run, errors, volume, lag), refreshed while a sync runs.
export default async function ComplianceSettingsPage() {
  const user = await requireUser({ roles: ["admin"] });
  const status = await connectorStatus(user.tenantId, new Date(), { errorDetail: true });
  const { baseUrl, enabled, pollSeconds, hasKey, keyHint, keyProblem, managedByEnvironment } = status.settings;
  return (
    <div className="space-y-3">
      <p className="max-w-3xl text-xs text-slate-600 dark:text-slate-300">
        Blindspot pulls the Anthropic Compliance API&apos;s activity feed, chats, Claude Code and Cowork session transcripts, organizations and users
        into this tenant, in the background of every Blindspot instance (only one pulls at a time). Transcripts join the OpenTelemetry events through
        their tool-use ids.
      </p>
      <ComplianceSyncPanel
        initial={status}
        form={<ComplianceConnectorForm settings={{ baseUrl, enabled, pollSeconds, hasKey, keyHint, keyProblem, managedByEnvironment }} />}
      />
    </div>
  );
}
