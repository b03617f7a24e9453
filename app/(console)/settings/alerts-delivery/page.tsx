import Link from "next/link";
import { RemoveWebhookButton, RetryFailedButton, SendTestButton } from "@/components/settings/delivery-actions";
import { WebhookForm } from "@/components/settings/webhook-form";
import { Badge } from "@/components/ui/badge";
import { Card, CodeBlock } from "@/components/ui/card";
import { NoValue, Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { deliveryState, type DeliveryState, type DeliveryStatus } from "@/lib/alert-delivery/outbox";
import { getWebhook, type WebhookSettings } from "@/lib/alert-delivery/webhook-config";
import { requireUser } from "@/lib/auth/session";
import type { Tone } from "@/lib/presentation/labels";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Alert delivery", "Settings") };

// Alerts delivery: the tenant's webhook (URL, signing secret, content opt-in) and how its
// outbox stands: pending, failed, the last error and the last success, the recent deliveries.

/** UTC to the second, the same on server and client. */
function when(iso: string | null | Date): string {
  if (!iso) return "–";
  const s = typeof iso === "string" ? iso : iso.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)} UTC`;
}

function overall(hook: WebhookSettings | null, s: DeliveryState): { label: string; tone: Tone } {
  if (!hook) return { label: "Not configured", tone: "slate" };
  if (!hook.enabled) return { label: "Off", tone: "slate" };
  if (hook.secretProblem) return { label: "Secret needed", tone: "red" };
  if (s.pending > 0 && s.lastError && (!s.lastSuccessAt || s.lastError.at > s.lastSuccessAt)) return { label: "Failing, retrying", tone: "red" };
  if (s.failed > 0) return { label: "Some deliveries failed", tone: "amber" };
  if (s.pending > 0) return { label: "Delivering", tone: "sky" };
  return { label: "Up to date", tone: "emerald" };
}

const STATUS_TONE: Record<DeliveryStatus, Tone> = { pending: "sky", delivered: "emerald", failed: "red" };

const RECEIVER_SNIPPET = `// Node.js: verify before trusting the body; deduplicate on the delivery id.
import { createHmac, timingSafeEqual } from "node:crypto";

function verify(rawBody, headers, secret) {
  const expected = "sha256=" + createHmac("sha256", secret).update(rawBody).digest("hex");
  const given = String(headers["x-blindspot-signature"] ?? "");
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
// if (!verify(raw, req.headers, SECRET)) → 401
// if (seen(req.headers["x-blindspot-delivery-id"])) → 200 (a retry of a delivery you already have)`;

export default async function AlertsDeliveryPage() {
  const user = await requireUser({ roles: ["admin"] });
  const [hook, state] = await Promise.all([getWebhook(user.tenantId), deliveryState(user.tenantId)]);
  const info = overall(hook, state);
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-600 dark:text-slate-300">
        Every new alert is POSTed as JSON to your webhook, <code className="font-mono">{`{ "alert": … }`}</code> (the same object as{" "}
        <code className="font-mono">GET /api/v1/alerts/{"{id}"}</code>), signed with your secret. Deliveries wait in a persistent outbox and are retried with
        backoff until the receiver answers 2xx (for up to a day), so a restart or an outage of the receiver loses nothing; a retry carries the same{" "}
        <code className="font-mono">X-Blindspot-Delivery-Id</code>.
      </p>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Webhook">
          <WebhookForm
            settings={
              hook
                ? { url: hook.url, enabled: hook.enabled, includeContent: hook.includeContent, secretHint: hook.secretHint, secretProblem: hook.secretProblem, managedByEnvironment: hook.managedByEnvironment }
                : null
            }
          />
        </Card>
        <Card
          title="Delivery"
          aside={
            <span data-testid="delivery-state">
              <Badge tone={info.tone}>{info.label}</Badge>
            </span>
          }
        >
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-xs">
            <dt className="text-slate-500 dark:text-slate-400">Pending</dt>
            <dd className="tabular-nums" data-testid="pending-count">{state.pending}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Failed (given up)</dt>
            <dd className={`tabular-nums ${state.failed ? "font-medium text-red-700 dark:text-red-400" : ""}`} data-testid="failed-count">
              {state.failed}
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Delivered, last 24 h</dt>
            <dd className="tabular-nums">{state.delivered24h}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Last success</dt>
            <dd className="tabular-nums">{when(state.lastSuccessAt)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Next attempt</dt>
            <dd className="tabular-nums">{when(state.nextAttemptAt)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Last error</dt>
            <dd data-testid="last-error" className={state.lastError ? "text-red-800 dark:text-red-300" : ""}>
              {state.lastError ? (
                <>
                  <span className="[overflow-wrap:anywhere]">{state.lastError.error}</span>{" "}
                  <span className="text-slate-500 dark:text-slate-400">at {when(state.lastError.at)}</span>
                </>
              ) : (
                "–"
              )}
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Last test</dt>
            <dd data-testid="last-test">{hook?.lastTestAt ? `${hook.lastTestResult ?? ""} (${when(hook.lastTestAt)})` : "–"}</dd>
          </dl>
          <div className="mt-4 flex flex-wrap items-start gap-3">
            <SendTestButton disabled={!hook || Boolean(hook.secretProblem)} />
            <RetryFailedButton failed={state.failed} />
            {hook && !hook.managedByEnvironment && <RemoveWebhookButton />}
          </div>
        </Card>
      </div>
      <Card title="Recent deliveries">
        {state.recent.length === 0 ? (
          <p className="text-xs text-slate-500 dark:text-slate-400">No alert has been queued for delivery yet.</p>
        ) : (
          <div data-testid="deliveries">
            <Table variant="bare" label="Recent deliveries">
              <THead>
                <tr>
                  <Th>Alert</Th>
                  <Th>Status</Th>
                  <Th numeric>Attempts</Th>
                  <Th>Last attempt</Th>
                  <Th>Answer</Th>
                  <Th>Delivery id</Th>
                </tr>
              </THead>
              <TBody>
                {state.recent.map((d) => (
                  <Tr key={d.id}>
                    <Td>
                      <Link href={`/alerts/${d.alertId}`} prefetch={false} className="link">
                        {d.ruleTitle ?? d.alertId}
                      </Link>
                      {d.level && <span className="ml-2 text-slate-500 dark:text-slate-400">{d.level}</span>}
                    </Td>
                    <Td nowrap>
                      <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                      {d.nextAttemptAt && <span className="ml-2 text-slate-500 dark:text-slate-400">next {when(d.nextAttemptAt)}</span>}
                    </Td>
                    <Td numeric>{d.attempts}</Td>
                    <Td nowrap className="tabular-nums">{when(d.deliveredAt ?? d.lastAttemptAt)}</Td>
                    <Td className="[overflow-wrap:anywhere]">{d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : <NoValue />)}</Td>
                    <Td mono muted className="text-[11px]">{d.id}</Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          </div>
        )}
      </Card>
      <Card title="For the receiver">
        <p className="text-xs text-slate-600 dark:text-slate-300">
          Headers: <code className="font-mono">Content-Type: application/json</code>, <code className="font-mono">X-Blindspot-Signature: sha256=&lt;hex&gt;</code>{" "}
          (HMAC-SHA256 of the raw body), <code className="font-mono">X-Blindspot-Delivery-Id</code> (one per alert, the same on retries),{" "}
          <code className="font-mono">X-Blindspot-Event: alert | test</code>, <code className="font-mono">X-Blindspot-Attempt</code>. Answer 2xx within 10 s.
        </p>
        <CodeBlock label="Verifying a delivery">{RECEIVER_SNIPPET}</CodeBlock>
      </Card>
    </div>
  );
}
