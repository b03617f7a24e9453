import { createHmac } from "node:crypto";
import { ComplianceDestinationError, type Resolver } from "@/lib/compliance/destination";
import { guardedPost, ResponseTooLargeError } from "@/lib/compliance/transport";
import { getApiAlert, type ApiAlert } from "@/lib/detections/alert-read";
import { describeError } from "@/lib/ingest/db-errors";
import { enqueueJob, ensureScheduled } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/scheduler";
import { getPool } from "@/lib/db/pool";
import { dueDeliveries, fillOutbox, markAttemptFailed, markDelivered, webhooksWithWork, type DueDelivery } from "./outbox";
import { recordTestResult, webhookPolicy, webhookTarget, webhookUrlProblem } from "./webhook-config";

// Sends the outbox: one JSON POST per alert, `{ "alert": <ApiAlert> }` (content only when the
// tenant opted in), signed with HMAC-SHA256 of the raw body, with a delivery id that stays the
// same on every retry (at-least-once: receivers deduplicate on it). Runs as the job
// `alerts.deliver` on the shared queue, so one instance at a time sends a tenant's alerts.

export const ALERT_DELIVERY_JOB_KIND = "alerts.deliver";

export const SIGNATURE_HEADER = "X-Blindspot-Signature";
export const DELIVERY_ID_HEADER = "X-Blindspot-Delivery-Id";
export const EVENT_HEADER = "X-Blindspot-Event";
export const USER_AGENT = "Blindspot-Webhook/1";

/** A receiver that has not answered within this is given up on for this attempt. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Read at most this much of a receiver's answer (it is not used, only its status). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** 15 s, 30 s, 1 min … doubling up to an hour between attempts. */
export const defaultDeliveryBackoff = (attempts: number) => Math.min(3600_000, 15_000 * 2 ** Math.max(0, attempts - 1));

export function signBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface DeliveryOptions {
  timeoutMs?: number;
  /** Delay before the next attempt after `attempts` failed ones. */
  backoffMs?: (attempts: number) => number;
  /** Deliveries sent per job run (the next run sends the rest). */
  maxPerRun?: number;
  /** Tests inject name resolution. */
  resolve?: Resolver;
}

type PostOutcome = { ok: true; status: number; ms: number } | { ok: false; status: number | null; error: string };

/** Why a request failed, in words safe to store and show (never the receiver's answer body). */
function failureText(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`;
  if (err instanceof ComplianceDestinationError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset by the receiver",
    ENOTFOUND: "host name not found",
    EAI_AGAIN: "host name lookup failed (temporary)",
    ETIMEDOUT: "connection timed out",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    EPIPE: "connection closed by the receiver",
  };
  if (typeof code === "string" && known[code]) return `${known[code]} (${code})`;
  if (typeof code === "string" && /CERT|SSL|TLS/.test(code)) return `TLS certificate problem (${code})`;
  return describeError(err);
}

async function post(url: string, body: Buffer, headers: Record<string, string>, options: DeliveryOptions, signal?: AbortSignal): Promise<PostOutcome | "aborted"> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const both = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
  const started = Date.now();
  try {
    const res = await guardedPost(url, body, {
      headers, policy: webhookPolicy(), signal: both, maxBytes: MAX_ANSWER_BYTES, resolve: options.resolve, urlProblem: (u) => webhookUrlProblem(u),
    });
    const ms = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, ms };
    // Redirects are not followed: the receiver's address is what an admin set.
    return { ok: false, status: res.status, error: res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}` };
  } catch (err) {
    if (signal?.aborted) return "aborted";
    // A receiver that accepted the delivery with a long answer took it all the same (we read 64 KiB at most).
    if (err instanceof ResponseTooLargeError && err.status !== null && err.status >= 200 && err.status < 300) return { ok: true, status: err.status, ms: Date.now() - started };
    return { ok: false, status: null, error: failureText(err, timeout.signal.aborted, timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
}

function headersFor(event: "alert" | "test", deliveryId: string, body: Buffer, secret: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    [DELIVERY_ID_HEADER.toLowerCase()]: deliveryId,
    [EVENT_HEADER.toLowerCase()]: event,
    [SIGNATURE_HEADER.toLowerCase()]: signBody(body, secret),
  };
}

export interface DeliveryRunReport {
  queued: number;
  delivered: number;
  failed: number;
  /** Set when the run stopped on a failing receiver (the rest wait for the retry). */
  stoppedOn?: string;
}

class AbortedError extends Error {
  name = "AbortError";
}

/** One run: fill the outbox, send what is due in alert order, stop at the first failure. */
export async function deliverAlerts(tenantId: string, signal?: AbortSignal, options: DeliveryOptions = {}): Promise<DeliveryRunReport> {
  const backoff = options.backoffMs ?? defaultDeliveryBackoff;
  const maxPerRun = options.maxPerRun ?? 500;
  const report: DeliveryRunReport = { queued: 0, delivered: 0, failed: 0 };
  const fail = async (d: DueDelivery, status: number | null, error: string) => {
    const now = new Date();
    const state = await markAttemptFailed(tenantId, d, { status, error }, new Date(now.getTime() + backoff(d.attempts + 1)), now);
    if (state === "failed") report.failed++;
    report.stoppedOn = error;
  };
  while (report.delivered < maxPerRun) {
    report.queued += await fillOutbox(tenantId);
    const target = await webhookTarget(tenantId);
    if (!target.enabled) break;
    const due = await dueDeliveries(tenantId, Math.min(50, maxPerRun - report.delivered));
    if (due.length === 0) break;
    for (const d of due) {
      if (signal?.aborted) throw new AbortedError("stopped");
      if (!target.ok) {
        await fail(d, null, target.problem);
        return report;
      }
      const alert = await getApiAlert(tenantId, d.alertId, target.includeContent);
      if (!alert) {
        await getPool().query(`UPDATE alert_deliveries SET status = 'failed', last_error = 'the alert no longer exists' WHERE tenant_id = $1 AND id = $2`, [tenantId, d.id]);
        report.failed++;
        continue;
      }
      const body = Buffer.from(JSON.stringify({ alert }), "utf8");
      const outcome = await post(target.url, body, { ...headersFor("alert", d.id, body, target.secret), "x-blindspot-attempt": String(d.attempts + 1) }, options, signal);
      if (outcome === "aborted") throw new AbortedError("stopped");
      if (!outcome.ok) {
        await fail(d, outcome.status, outcome.error);
        return report;
      }
      await markDelivered(tenantId, d.id, outcome.status);
      report.delivered++;
    }
  }
  return report;
}

export function alertDeliveryHandler(options: DeliveryOptions = {}): JobHandler {
  return async ({ job, signal }) => {
    if (!job.tenantId) throw new Error(`${ALERT_DELIVERY_JOB_KIND} job without a tenant`);
    const report = await deliverAlerts(job.tenantId, signal, options);
    return { ...report };
  };
}

/**
 * Called by the scheduler every tick: a run now for webhooks with new alerts, else one at the
 * next retry time. Idempotent across instances (the queue merges and serialises per tenant).
 */
export async function scheduleAlertDeliveries(now = new Date()): Promise<void> {
  for (const w of await webhooksWithWork()) {
    if (w.fresh) await enqueueJob({ tenantId: w.tenantId, kind: ALERT_DELIVERY_JOB_KIND, runAt: now });
    else if (w.nextDue) await ensureScheduled({ tenantId: w.tenantId, kind: ALERT_DELIVERY_JOB_KIND, runAt: w.nextDue });
  }
}

// ---- "send test" ------------------------------------------------------------------------------

/** A made-up alert in the shape of a real one, so receivers can test their parsing. */
export function sampleAlert(now = new Date()): ApiAlert {
  const iso = now.toISOString();
  return {
    id: "00000000-0000-4000-8000-000000000000",
    rule: { id: "blindspot-webhook-test", title: "Blindspot webhook test", level: "informational" },
    status: "new",
    resolution: null,
    assignee: null,
    createdAt: iso,
    updatedAt: iso,
    firstSeen: iso,
    lastSeen: iso,
    hits: 1,
    service: "claude_code",
    person: "test@example.com",
    sessionId: null,
    promptId: null,
    traceId: null,
    groupKey: null,
    matched: null,
    evidence: [],
  };
}

export type TestResult = { ok: boolean; message: string };

/** Sends a signed test alert now (header X-Blindspot-Event: test) and records the outcome. */
export async function sendTestDelivery(tenantId: string, options: DeliveryOptions = {}): Promise<TestResult> {
  const target = await webhookTarget(tenantId);
  if (!target.ok) return { ok: false, message: target.problem };
  const body = Buffer.from(JSON.stringify({ alert: sampleAlert(), test: true }), "utf8");
  const id = crypto.randomUUID();
  const outcome = await post(target.url, body, headersFor("test", id, body, target.secret), options);
  const result: TestResult =
    outcome === "aborted" ? { ok: false, message: "stopped" }
    : outcome.ok ? { ok: true, message: `Delivered: HTTP ${outcome.status} in ${outcome.ms} ms` }
    : { ok: false, message: `Not delivered: ${outcome.error}` };
  await recordTestResult(tenantId, result.message);
  return result;
}
