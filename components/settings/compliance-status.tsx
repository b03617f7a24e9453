"use client";

import { useActionState, useEffect, useState, type ReactNode } from "react";
import { syncComplianceNowAction, type SyncNowState } from "@/lib/actions/compliance";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { RowTh, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import type { ConnectorStatus, JobStatusView, StreamStatus } from "@/lib/compliance/sync/status";
import type { Tone } from "@/lib/presentation/labels";

// The connector's sync state: a summary with "Sync now", and one row per stream. It polls
// /api/console/connectors every 2 s while a sync is queued or running, every 15 s otherwise.

const STATE_INFO: Record<ConnectorStatus["state"], { label: string; tone: Tone }> = {
  not_configured: { label: "Not configured", tone: "slate" },
  disabled: { label: "Automatic pulls off", tone: "slate" },
  needs_key: { label: "Access key needed", tone: "red" },
  running: { label: "Syncing…", tone: "sky" },
  queued: { label: "Queued", tone: "sky" },
  never_run: { label: "Not run yet", tone: "slate" },
  ok: { label: "Up to date", tone: "emerald" },
  error: { label: "Errors", tone: "red" },
};

/** UTC to the second; the same on server and client (no locale, no "ago" that drifts). */
function when(iso: string | null, utc = true): string {
  if (!iso) return "–";
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${utc ? " UTC" : ""}`;
}

function lag(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

const count = (n: number) => new Intl.NumberFormat("en-US").format(n);

function isStatus(v: unknown): v is ConnectorStatus {
  const o = v as Partial<ConnectorStatus> | null;
  return typeof o === "object" && o !== null && typeof o.generatedAt === "string" && Array.isArray(o.streams) && Array.isArray(o.jobs);
}

function newest(...candidates: (ConnectorStatus | null | undefined)[]): ConnectorStatus {
  return candidates.filter((c): c is ConnectorStatus => Boolean(c)).reduce((a, b) => (b.generatedAt > a.generatedAt ? b : a));
}

function progressText(job: JobStatusView, streams: StreamStatus[]): string {
  if (job.status === "queued") return "Queued: starts within a few seconds.";
  const p = job.progress as { stream?: unknown; pages?: unknown; stored?: unknown; fetched?: unknown };
  const label = streams.find((s) => s.stream === p.stream)?.label;
  if (!label) return "Syncing…";
  return `Syncing ${label.toLowerCase()}: ${Number(p.pages ?? 0)} pages, ${count(Number(p.fetched ?? 0))} received, ${count(Number(p.stored ?? 0))} new.`;
}

function StreamState({ s }: { s: StreamStatus }) {
  if (s.lastError) {
    return (
      <div className="text-red-800 dark:text-red-300">
        <span className="font-medium">Failed</span> {s.lastErrorAt ? <span className="text-slate-500 dark:text-slate-400">at {when(s.lastErrorAt)}</span> : null}
        <p className="mt-0.5 [overflow-wrap:anywhere]">{s.lastError}</p>
      </div>
    );
  }
  if (s.inProgress) return <Badge tone="sky">resumes where it stopped</Badge>;
  if (s.lastSuccessAt) return <Badge tone="emerald">ok</Badge>;
  return <span className="text-slate-400">not run yet</span>;
}

export function ComplianceSyncPanel({ initial, form }: { initial: ConnectorStatus; form: ReactNode }) {
  const [polled, setPolled] = useState<ConnectorStatus | null>(null);
  const [syncState, syncAction, syncPending] = useActionState<SyncNowState, FormData>(syncComplianceNowAction, { status: "idle" });
  const status = newest(initial, polled, syncState.connector);
  // A scheduled pull waits in the queue until its time; only a running or due job is "active".
  const serverNow = Date.parse(status.generatedAt);
  const running = status.jobs.find((j) => j.status === "running");
  const due = status.jobs.find((j) => j.status === "queued" && Date.parse(j.runAt) <= serverNow + 5_000);
  const scheduled = status.jobs.find((j) => j.status === "queued" && j !== due);
  const current = running ?? due;
  const active = Boolean(current);

  useEffect(() => {
    let cancelled = false;
    const timer = setInterval(
      async () => {
        try {
          const res = await fetch("/api/console/connectors", { cache: "no-store" });
          const body: unknown = res.ok ? await res.json() : null;
          if (!cancelled && isStatus(body)) setPolled(body);
        } catch {
          // Offline or navigating away: the next tick tries again.
        }
      },
      active ? 2_000 : 15_000,
    );
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [active]);

  const info = STATE_INFO[status.state];
  const canSync = status.configured && status.state !== "needs_key";
  return (
    <div className="space-y-4">
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Connection">{form}</Card>
        <Card
          title="Sync"
          aside={
            <span data-testid="connector-state">
              <Badge tone={info.tone}>{info.label}</Badge>
            </span>
          }
        >
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-xs">
            <dt className="text-slate-500 dark:text-slate-400">Last run</dt>
            <dd className="tabular-nums">{when(status.lastRunAt)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Last success</dt>
            <dd className="tabular-nums">{when(status.lastSuccessAt)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Activity feed lag</dt>
            <dd className="tabular-nums" title="Time since the end of the last complete activity window">
              {lag(status.lagSeconds)}
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Records pulled</dt>
            <dd className="tabular-nums" data-testid="records-pulled">
              {count(status.recordsPulled)}
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Next pull</dt>
            <dd className="tabular-nums">{current ? "now" : scheduled ? when(scheduled.runAt) : "–"}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Streams with errors</dt>
            <dd className={`tabular-nums ${status.errors ? "font-medium text-red-700 dark:text-red-400" : ""}`} data-testid="stream-errors">
              {status.errors}
            </dd>
          </dl>
          <form action={syncAction} className="mt-4 flex flex-wrap items-center gap-3">
            <button type="submit" className="btn-primary" disabled={!canSync || syncPending || Boolean(due)}>
              {syncPending ? "Queuing…" : "Sync now"}
            </button>
            <span role="status" data-testid="sync-progress" className="text-xs text-slate-600 dark:text-slate-300">
              {current ? progressText(current, status.streams) : syncState.status === "error" ? <span className="text-red-700 dark:text-red-400">{syncState.message}</span> : null}
            </span>
          </form>
          {status.lastJob?.status === "failed" && status.lastJob.lastError && (
            <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
              The last sync stopped: {status.lastJob.lastError}
            </p>
          )}
          <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
            {status.settings.enabled ? `Pulls every ${status.settings.pollSeconds} s` : "Automatic pulls are off"}; rows up to {status.settings.overlapSeconds} s
            behind the last window are read again and deduplicated. Requests stay under the Compliance API&apos;s 600 per minute, shared with every other
            client of your organization.
          </p>
        </Card>
      </div>
      <Card title="Streams">
        <Table variant="bare">
          <THead>
            <tr>
              <Th>Stream</Th>
              <Th>Last run (UTC)</Th>
              <Th>Last success (UTC)</Th>
              <Th numeric>Records pulled</Th>
              <Th>Newest record (UTC)</Th>
              <Th numeric>Lag</Th>
              <Th>State</Th>
            </tr>
          </THead>
          <TBody>
            {status.streams.map((s) => (
              <Tr key={s.stream} data-stream={s.stream} hover={false}>
                <RowTh>
                  {s.label}
                  <span className="block font-normal text-slate-500 dark:text-slate-400">{s.description}</span>
                </RowTh>
                <Td nowrap muted className="tabular-nums">{when(s.lastRunAt, false)}</Td>
                <Td nowrap muted className="tabular-nums">{when(s.lastSuccessAt, false)}</Td>
                <Td numeric>
                  {count(s.recordsPulled)}
                  {s.rejected > 0 && <span className="block text-amber-700 dark:text-amber-400">{count(s.rejected)} malformed</span>}
                </Td>
                <Td nowrap muted className="tabular-nums">{when(s.newestRecordAt, false)}</Td>
                <Td nowrap numeric>{lag(s.lagSeconds)}</Td>
                <Td className="min-w-[9rem]">
                  <StreamState s={s} />
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      </Card>
    </div>
  );
}
