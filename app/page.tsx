import { headers } from "next/headers";
import { Card, CodeBlock, StatusPill } from "@/components/ui/card";
import { config } from "@/lib/config";
import { databaseHealth } from "@/lib/queries/health";
import { claudeCodeManagedSettings, claudeCodeShell, otlpBase } from "@/lib/setup/client-config";

export const dynamic = "force-dynamic";

// The public front page: is the receiver up, and how to point clients at it. It shows no
// tenant data and no secrets (tokens appear as a placeholder).

const TOKEN_PLACEHOLDER = "<ingest token>";

async function baseUrl(): Promise<string> {
  if (config().BLINDSPOT_PUBLIC_URL) return config().BLINDSPOT_PUBLIC_URL!;
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? `localhost:${config().PORT}`;
  const proto = h.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}

export default async function HomePage() {
  const [health, base] = await Promise.all([databaseHealth(), baseUrl()]);
  const ok = health.status === "ok";
  return (
    <main className="mx-auto max-w-6xl px-6 py-10">
      <header className="mb-8 flex items-end justify-between gap-6 border-b border-slate-200 pb-6 dark:border-slate-800">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Blindspot</h1>
          <p className="mt-1 max-w-2xl text-slate-600 dark:text-slate-400">
            The execution layer of Claude (tool calls, MCP calls, file access, approval decisions), received over
            OpenTelemetry and kept for investigation.
          </p>
        </div>
        <StatusPill ok={ok}>{ok ? "Database OK" : "Database unavailable"}</StatusPill>
      </header>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Status">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2">
            <dt className="text-slate-500">Database</dt>
            <dd>{ok ? `reachable (${health.database.latencyMs} ms)` : "not reachable"}</dd>
            <dt className="text-slate-500">Migrations</dt>
            <dd>{health.database.migrations ?? "–"}</dd>
            <dt className="text-slate-500">Version</dt>
            <dd>{health.version}</dd>
            <dt className="text-slate-500">Health</dt>
            <dd>
              <a className="text-sky-700 underline dark:text-sky-400" href="/api/health">
                /api/health
              </a>
            </dd>
          </dl>
        </Card>

        <Card title="OTLP/HTTP receivers">
          <p className="mb-2 text-slate-600 dark:text-slate-400">Protobuf or JSON, gzip or plain, bearer ingest token. Base URL:</p>
          <p className="mb-2 font-mono text-xs [overflow-wrap:anywhere]">{otlpBase(base)}</p>
          <ul className="space-y-1 font-mono text-xs">
            <li>POST /v1/logs (Claude Code, Cowork)</li>
            <li>POST /v1/traces (Office agents)</li>
            <li>POST /v1/metrics (Claude Code)</li>
          </ul>
        </Card>

        <Card title="Ingest tokens">
          <p className="text-slate-600 dark:text-slate-400">
            Each token is scoped to a tenant and environment. Create one on the server:
          </p>
          <pre className="mt-2 whitespace-pre-wrap rounded-md bg-slate-950 p-2 font-mono text-xs text-slate-100">
            npm run blindspot -- tokens create --name laptops
          </pre>
        </Card>
      </div>

      <div className="mt-6">
        <Card title="Claude Code">
          <div className="grid gap-4 lg:grid-cols-2">
            <CodeBlock label="Shell profile (one developer)">{claudeCodeShell(base, TOKEN_PLACEHOLDER)}</CodeBlock>
            <CodeBlock label="managed-settings.json (MDM, cannot be overridden locally)">
              {claudeCodeManagedSettings(base, TOKEN_PLACEHOLDER)}
            </CodeBlock>
          </div>
        </Card>
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <Card title="Cowork">
          <p className="text-slate-600 dark:text-slate-400">
            Admin settings → Cowork →
            Monitoring: OTLP endpoint <code className="font-mono text-xs">{otlpBase(base)}</code>, protocol{" "}
            <code className="font-mono text-xs">http/protobuf</code>, headers{" "}
            <code className="font-mono text-xs">Authorization=Bearer {TOKEN_PLACEHOLDER}</code>. Add this host to Capabilities →
            Network egress, or Cowork drops the telemetry without an error.
          </p>
        </Card>
        <Card title="Office agents (Excel, Word, PowerPoint, Outlook)">
          <p className="text-slate-600 dark:text-slate-400">
            Organization settings → Office agents: collector URL <code className="font-mono text-xs">{otlpBase(base)}</code>, headers{" "}
            <code className="font-mono text-xs">Authorization=Bearer {TOKEN_PLACEHOLDER}</code>. They export from the
            browser at https://pivot.claude.ai, which this server allows by CORS.
          </p>
        </Card>
      </div>
    </main>
  );
}
