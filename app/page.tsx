import Link from "next/link";
import { headers } from "next/headers";
import { HomeDashboard } from "@/components/home/home-dashboard";
import { ConsoleShell } from "@/components/shell/console-shell";
import { CodeBlock, StatusPill } from "@/components/ui/card";
import { currentUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { consoleWindow } from "@/lib/console-range";
import { databaseHealth } from "@/lib/queries/health";
import { claudeCodeShell, otlpBase } from "@/lib/setup/client-config";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Home") };

// The front page. Signed in, it is the console's home (what needs attention now). Signed out, it
// says what Blindspot is and offers to sign in; it shows no tenant data and no secrets (the
// token in the client settings is a placeholder).

const TOKEN_PLACEHOLDER = "<ingest token>";

async function baseUrl(): Promise<string> {
  if (config().BLINDSPOT_PUBLIC_URL) return config().BLINDSPOT_PUBLIC_URL!;
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? `localhost:${config().PORT}`;
  const proto = h.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}

const FEATURES = [
  {
    title: "What Claude did",
    text: "Every tool call, MCP call, file access and approval decision from Claude Code, Cowork and the Office agents, received over OpenTelemetry and kept field for field.",
  },
  {
    title: "Beside what was said",
    text: "The Compliance API's conversations and activity feed, joined to the telemetry by account, so one prompt shows its words and its actions together.",
  },
  {
    title: "Where you are blind",
    text: "Coverage per surface and person: who uses Claude where no telemetry arrives, which tokens went quiet, which approvals were automatic.",
  },
];

async function PublicFrontPage() {
  const [health, base] = await Promise.all([databaseHealth(), baseUrl()]);
  const ok = health.status === "ok";
  return (
    <main className="mx-auto max-w-5xl px-6 py-12">
      <header className="flex flex-wrap items-start justify-between gap-6">
        <div className="max-w-2xl">
          <div className="flex items-center gap-2">
            <img src="/icon.svg" alt="" width={28} height={28} />
            <h1 className="text-2xl font-semibold tracking-tight">Blindspot</h1>
          </div>
          <p className="mt-3 text-base text-slate-700 dark:text-slate-300">
            Investigate what Claude did in your organization: the execution layer of Claude Enterprise, for security analysts.
          </p>
        </div>
        <div className="flex flex-col items-end gap-2">
          <Link href="/login?callbackUrl=%2F" className="btn-primary px-5 py-2">
            Sign in
          </Link>
          <StatusPill ok={ok}>{ok ? "Database OK" : "Database unavailable"}</StatusPill>
        </div>
      </header>

      <div className="mt-10 grid gap-4 md:grid-cols-3">
        {FEATURES.map((f) => (
          <section key={f.title} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 className="text-sm font-semibold">{f.title}</h2>
            <p className="mt-1.5 text-slate-600 dark:text-slate-400">{f.text}</p>
          </section>
        ))}
      </div>

      <section className="mt-10 rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h2 className="text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Point clients at this server</h2>
        <div className="mt-3 grid gap-6 lg:grid-cols-[2fr_3fr]">
          <div className="space-y-2 text-slate-600 dark:text-slate-400">
            <p>OTLP/HTTP (protobuf or JSON, gzip or plain) with a bearer ingest token. Base URL:</p>
            <p className="font-mono text-xs text-slate-900 [overflow-wrap:anywhere] dark:text-slate-100">{otlpBase(base)}</p>
            <ul className="space-y-0.5 font-mono text-xs">
              <li>POST /v1/logs (Claude Code, Cowork)</li>
              <li>POST /v1/traces (Office agents)</li>
              <li>POST /v1/metrics (Claude Code)</li>
            </ul>
            <p className="text-xs">
              After signing in, admins find a token and the exact settings for each client under Settings → Setup, with a live check that the first
              event arrived. Health: <a className="link" href="/api/health">/api/health</a> · version {health.version}
            </p>
          </div>
          <CodeBlock label="Claude Code (shell profile)">{claudeCodeShell(base, TOKEN_PLACEHOLDER)}</CodeBlock>
        </div>
      </section>
    </main>
  );
}

export default async function FrontPage({ searchParams }: { searchParams: Promise<{ range?: string; from?: string; to?: string }> }) {
  const user = await currentUser();
  if (!user) return <PublicFrontPage />;
  const window = await consoleWindow(await searchParams);
  return (
    <ConsoleShell user={user}>
      <HomeDashboard user={user} window={window} />
    </ConsoleShell>
  );
}
