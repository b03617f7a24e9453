import { z } from "zod";
import { getPool } from "@/lib/db/pool";
import { activeJobs, lastFinishedJob, type Job } from "@/lib/jobs/queue";
import { defaultConnectorSettings, getConnector, type ConnectorSettings } from "../connector-config";
import { STREAM_DESCRIPTIONS, STREAM_LABELS, STREAMS, SYNC_JOB_KIND, type Stream } from "./catalog";
import { ERROR_CATEGORIES, type ErrorCategory } from "./errors";
import { cursorSchema } from "./state";

// The sync's status read model: settings page, home page, GET /api/v1/connectors.

export interface StreamStatus {
  stream: Stream;
  label: string;
  description: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  /** The error as operators read it; for viewers without error detail, its category only. */
  lastError: string | null;
  lastErrorCategory: ErrorCategory | null;
  lastErrorAt: string | null;
  recordsPulled: number;
  rejected: number;
  newestRecordAt: string | null;
  /** Everything before this time has been pulled (activities, chats, local sessions). */
  coveredUntil: string | null;
  /** Seconds between now and coveredUntil (or the last success for full walks). */
  lagSeconds: number | null;
  /** A window or walk is part way (resumes there). */
  inProgress: boolean;
}

export interface JobStatusView {
  id: number;
  status: string;
  runAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  progress: Record<string, unknown>;
  lastError: string | null;
}

export interface ConnectorStatus {
  tenantId: string;
  /** When this view was computed (the newest view wins in the polling UI). */
  generatedAt: string;
  configured: boolean;
  settings: Omit<ConnectorSettings, "updatedAt"> & { updatedAt: string | null };
  state: "not_configured" | "disabled" | "needs_key" | "running" | "queued" | "never_run" | "ok" | "error";
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lagSeconds: number | null;
  recordsPulled: number;
  errors: number;
  streams: StreamStatus[];
  jobs: JobStatusView[];
  lastJob: JobStatusView | null;
}

const stateRow = z.object({
  stream: z.string(),
  cursor: z.unknown(),
  last_run_at: z.date().nullable(),
  last_success_at: z.date().nullable(),
  last_error: z.string().nullable(),
  last_error_category: z.enum(ERROR_CATEGORIES).nullable().catch("internal"),
  last_error_at: z.date().nullable(),
  records_pulled: z.coerce.number(),
  newest_record_at: z.date().nullable(),
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function jobView(j: Job, errorDetail: boolean): JobStatusView {
  const view = { id: j.id, status: j.status, runAt: j.runAt.toISOString(), startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt), attempts: j.attempts, progress: j.progress, lastError: j.lastError };
  return errorDetail ? view : { ...view, progress: withoutErrorText(j.progress), lastError: j.lastError === null ? null : "internal" };
}

/** A job's progress with each stream's error text left out (its category stays). */
function withoutErrorText(progress: Record<string, unknown>): Record<string, unknown> {
  const streams = progress.streams;
  if (!streams || typeof streams !== "object") return progress;
  const reduced = Object.fromEntries(
    Object.entries(streams as Record<string, unknown>).map(([stream, r]) => {
      if (!r || typeof r !== "object") return [stream, r];
      const { error, ...rest } = r as Record<string, unknown>;
      return [stream, error === undefined ? rest : { ...rest, errorCategory: rest.errorCategory ?? "internal" }];
    }),
  );
  return { ...progress, streams: reduced };
}


/**
 * The connector's settings (never the key), per-stream state, lag and jobs. Error text only with
 * `errorDetail` (admins): it may quote the server, name addresses and ports; everyone else gets
 * a category (ERROR_CATEGORIES).
 */
export async function connectorStatus(tenantId: string, now = new Date(), { errorDetail = false }: { errorDetail?: boolean } = {}): Promise<ConnectorStatus> {
  const defaults = defaultConnectorSettings(tenantId);
  const connector = await getConnector(tenantId);
  const { rows } = await getPool().query(`SELECT * FROM compliance_sync_state WHERE tenant_id = $1`, [tenantId]);
  const byStream = new Map(rows.map((r) => stateRow.parse(r)).map((r) => [r.stream, r]));
  const streams: StreamStatus[] = STREAMS.map((stream) => {
    const r = byStream.get(stream);
    const cursor = cursorSchema.parse(r?.cursor ?? {});
    const covered = cursor.coveredUntil ? new Date(cursor.coveredUntil) : null;
    const reference = covered ?? r?.last_success_at ?? null;
    return {
      stream,
      label: STREAM_LABELS[stream],
      description: STREAM_DESCRIPTIONS[stream],
      lastRunAt: iso(r?.last_run_at),
      lastSuccessAt: iso(r?.last_success_at),
      lastError: r?.last_error ? (errorDetail ? r.last_error : (r.last_error_category ?? "internal")) : null,
      lastErrorCategory: r?.last_error ? (r.last_error_category ?? "internal") : null,
      lastErrorAt: iso(r?.last_error_at),
      recordsPulled: r?.records_pulled ?? 0,
      rejected: cursor.rejected ?? 0,
      newestRecordAt: iso(r?.newest_record_at),
      coveredUntil: iso(covered),
      lagSeconds: reference ? Math.max(0, Math.round((now.getTime() - reference.getTime()) / 1000)) : null,
      inProgress: Boolean(cursor.window?.afterId || cursor.walk?.page),
    };
  });
  const jobs = connector ? await activeJobs(tenantId, SYNC_JOB_KIND) : [];
  const last = connector ? await lastFinishedJob(tenantId, SYNC_JOB_KIND) : null;
  const settings = connector ?? defaults;
  const errors = streams.filter((s) => s.lastError).length;
  const lastRun = streams.reduce<string | null>((a, s) => (s.lastRunAt && (!a || s.lastRunAt > a) ? s.lastRunAt : a), null);
  const lastSuccess = streams.reduce<string | null>((a, s) => (s.lastSuccessAt && (!a || s.lastSuccessAt > a) ? s.lastSuccessAt : a), null);
  const activities = streams.find((s) => s.stream === "activities")!;
  let state: ConnectorStatus["state"];
  if (!connector) state = "not_configured";
  else if (connector.keyProblem || !connector.hasKey) state = "needs_key";
  else if (!connector.enabled) state = "disabled";
  else if (jobs.some((j) => j.status === "running")) state = "running";
  else if (!lastRun) state = jobs.length ? "queued" : "never_run";
  else state = errors ? "error" : "ok";
  return {
    tenantId,
    generatedAt: new Date().toISOString(),
    configured: connector !== null,
    settings: { ...settings, updatedAt: connector ? connector.updatedAt.toISOString() : null },
    state,
    lastRunAt: lastRun,
    lastSuccessAt: lastSuccess,
    lagSeconds: activities.lagSeconds,
    recordsPulled: streams.reduce((a, s) => a + s.recordsPulled, 0),
    errors,
    streams,
    jobs: jobs.map((j) => jobView(j, errorDetail)),
    lastJob: last ? jobView(last, errorDetail) : null,
  };
}
