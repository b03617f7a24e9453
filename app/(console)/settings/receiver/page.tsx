import { OriginsForm } from "@/components/settings/origins-form";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { configuredOrigins } from "@/lib/settings/cors-origins";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Receiver", "Settings") };

export default async function ReceiverSettingsPage() {
  await requireUser({ owner: true });
  const c = config();
  const extra = await configuredOrigins();
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="Browser origins (CORS)">
        <p className="mb-3 text-xs text-slate-600 dark:text-slate-300">
          Office agents export from the user&apos;s browser. The receivers answer CORS preflights for these origins; from the environment
          (<code className="font-mono">BLINDSPOT_CORS_ORIGINS</code>): <span className="font-mono">{c.BLINDSPOT_CORS_ORIGINS.join(", ") || "none"}</span>.
        </p>
        <OriginsForm initial={extra} />
      </Card>
      <Card title="Limits">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
          <dt className="text-slate-500">Largest request (after decompression)</dt>
          <dd>{(c.BLINDSPOT_MAX_BODY_BYTES / 1024 / 1024).toFixed(0)} MiB</dd>
          <dt className="text-slate-500">Requests processed at once</dt>
          <dd>{c.BLINDSPOT_INGEST_CONCURRENCY} (queue {c.BLINDSPOT_INGEST_QUEUE}, then 503 + Retry-After)</dd>
          <dt className="text-slate-500">Records per request</dt>
          <dd>{c.BLINDSPOT_MAX_RECORDS_PER_REQUEST.toLocaleString("en-US")} (decoded values {c.BLINDSPOT_MAX_DECODE_OBJECTS.toLocaleString("en-US")}), then 413</dd>
          <dt className="text-slate-500">Rate per ingest token</dt>
          <dd>{c.BLINDSPOT_INGEST_TOKEN_RATE > 0 ? `${c.BLINDSPOT_INGEST_TOKEN_RATE.toLocaleString("en-US")} records/s, then 429 + Retry-After` : "no limit"}</dd>
        </dl>
        <p className="mt-2 text-xs text-slate-500">
          Set with BLINDSPOT_MAX_BODY_BYTES, BLINDSPOT_INGEST_CONCURRENCY, BLINDSPOT_INGEST_QUEUE, BLINDSPOT_MAX_RECORDS_PER_REQUEST,
          BLINDSPOT_MAX_DECODE_OBJECTS and BLINDSPOT_INGEST_TOKEN_RATE.
        </p>
      </Card>
    </div>
  );
}
