import { authenticateIngest } from "@/lib/auth/ingest-tokens";
import { presentedSecret } from "@/lib/auth/secrets";
import { config } from "@/lib/config";
import { withTransaction, WITHOUT_STATEMENT_TIMEOUT } from "@/lib/db/pool";
import {
  BodyTooLargeError,
  CorruptBodyError,
  decompress,
  type ContentEncoding,
  parseContentEncoding,
  readLimited,
  UnsupportedEncodingError,
} from "@/lib/otlp/body";
import { decodeJsonRequest, JsonDecodeError } from "@/lib/otlp/json";
import { countRecords, recordNoun, TooManyObjectsError, TooManyRecordsError, UNLIMITED, type DecodeLimits } from "@/lib/otlp/limits";
import { decodeProtobufRequest, ProtobufDecodeError } from "@/lib/otlp/proto";
import { exportResponse, RPC, statusResponse, type WireEncoding } from "@/lib/otlp/response";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Signal } from "@/lib/otlp/types";
import { normalizeLogs } from "@/lib/sources/logs";
import { normalizeMetrics } from "@/lib/sources/metrics";
import type { NormalizedBatch } from "@/lib/sources/model";
import { normalizeTraces } from "@/lib/sources/traces";
import { evaluateFresh } from "@/lib/detections/evaluate";
import { processSingleton } from "@/lib/process-singleton";
import { maskBatch } from "@/lib/secrets/mask";
import { allowedOrigins } from "@/lib/settings/cors-origins";
import { corsHeaders, preflightResponse } from "./cors";
import { describeError, isRetryableDatabaseError, isUniqueViolation } from "./db-errors";
import { Limiter, OverloadedError } from "./limiter";
import { DECODE_FACTOR, MemoryBudget, type Reservation } from "./memory-budget";
import { TokenRateExceededError, TokenRateLimiter } from "./token-rate";
import { GroupCommitter } from "./group-commit";
import { mergeBatches, resultsPerBatch, writeRecords, writeSharedRows, type BulkMethod, type WriteContext, type WriteResult } from "./writer";

// The OTLP/HTTP receiver: authenticate → the token's rate → read (size caps, gzip) → decode
// (object cap) → record cap, the token's rate again for the records → normalize → mask secrets
// (lib/secrets/mask.ts: nothing in clear reaches the database) → write in one transaction (shared
// with the requests queued beside it: group-commit.ts) → answer 200 only after COMMIT.
// The route handlers only call these functions.

const RETRY_AFTER_SECONDS = "5";

function limiter(): Limiter {
  return processSingleton("ingestLimiter", () => new Limiter(config().BLINDSPOT_INGEST_CONCURRENCY, config().BLINDSPOT_INGEST_QUEUE));
}

function memoryBudget(): MemoryBudget {
  return processSingleton("ingestMemoryBudget", () => new MemoryBudget(config().BLINDSPOT_INGEST_MEMORY_BUDGET_MB * 1024 * 1024));
}

function tokenRate(): TokenRateLimiter {
  return processSingleton("ingestTokenRate", () => new TokenRateLimiter(config().BLINDSPOT_INGEST_TOKEN_RATE, config().BLINDSPOT_MAX_RECORDS_PER_REQUEST));
}

function wireEncoding(contentType: string | null): WireEncoding | null {
  const mime = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mime === "application/x-protobuf" || mime === "application/protobuf") return "protobuf";
  if (mime === "application/json") return "json";
  return null;
}

function decode(signal: Signal, encoding: WireEncoding, bytes: Uint8Array, limits: DecodeLimits) {
  return encoding === "protobuf" ? decodeProtobufRequest(signal, bytes, limits) : decodeJsonRequest(signal, bytes, limits);
}

export function normalize(signal: Signal, request: unknown, receivedAt: Date): NormalizedBatch {
  switch (signal) {
    case "logs":
      return normalizeLogs(request as ExportLogsServiceRequest, receivedAt);
    case "traces":
      return normalizeTraces(request as ExportTraceServiceRequest);
    case "metrics":
      return normalizeMetrics(request as ExportMetricsServiceRequest);
  }
}

/** A payload of another signal posted to this endpoint (protobuf cannot say so by itself). */
export class WrongEndpointError extends Error {}

const SIGNALS: Signal[] = ["logs", "traces", "metrics"];

/** When no record of a payload is valid for its endpoint, checks whether it fits another. */
function detectOtherSignal(signal: Signal, encoding: WireEncoding, bytes: Uint8Array, limits: DecodeLimits): Signal | null {
  for (const other of SIGNALS) {
    if (other === signal) continue;
    try {
      const batch = normalize(other, decode(other, encoding, bytes, limits), new Date());
      const stored = batch.events.length + batch.spans.length + batch.points.length;
      if (stored > 0 && batch.rejected === 0) return other;
    } catch {
      // Not that signal either.
    }
  }
  return null;
}

export interface IngestOutcome extends WriteResult {
  rejected: number;
}

export interface IngestLimits extends DecodeLimits {
  maxRecords: number;
  /** Called with the request's record count before anything is stored; throws to refuse it. */
  admitRecords?: (records: number) => Promise<void>;
}

const NO_LIMITS: IngestLimits = { ...UNLIMITED, maxRecords: Number.POSITIVE_INFINITY };

/** A request body that its first reader takes, so that nothing else keeps it alive once it is decoded. */
export interface BodyOnce {
  take(): Uint8Array;
}

function bodyOnce(bytes: Uint8Array): BodyOnce {
  let held: Uint8Array | null = bytes;
  return {
    take() {
      if (!held) throw new Error("request body already taken");
      const taken = held;
      held = null;
      return taken;
    },
  };
}

/** Decodes, normalizes and durably stores one OTLP payload for a tenant/environment. */
export async function ingestPayload(
  signal: Signal,
  encoding: WireEncoding,
  body: Uint8Array | BodyOnce,
  scope: { tenantId: string; environmentId: string; ingestTokenId: string | null },
  limits: IngestLimits = NO_LIMITS,
): Promise<IngestOutcome & { rejections: string[] }> {
  // Only the normalized batch lives on while the write waits for the database (under load, where
  // most requests in flight are): the body and its decoded tree are garbage from here on.
  const batch = await decodeBatch(signal, encoding, ArrayBuffer.isView(body) ? body : body.take(), limits);
  await maskBatch(scope.tenantId, batch);
  const written =
    batch.events.length + batch.spans.length + batch.points.length > 0 ? await store(batch, scope) : { inserted: 0, duplicates: 0 };
  return { ...written, rejected: batch.rejected, rejections: batch.rejections };
}

async function decodeBatch(signal: Signal, encoding: WireEncoding, bytes: Uint8Array, limits: IngestLimits): Promise<NormalizedBatch> {
  const receivedAt = new Date();
  const request = decode(signal, encoding, bytes, limits);
  const records = countRecords(signal, request);
  if (records > limits.maxRecords) throw new TooManyRecordsError(records, limits.maxRecords, signal);
  await limits.admitRecords?.(records);
  const batch = normalize(signal, request, receivedAt);
  if (batch.rejected > 0 && batch.events.length + batch.spans.length + batch.points.length === 0) {
    const other = detectOtherSignal(signal, encoding, bytes, limits);
    if (other) throw new WrongEndpointError(`this is an OTLP ${other} request; post it to /v1/${other}, not /v1/${signal}`);
  }
  return batch;
}

/**
 * Stores a request's batch: with group commit (BLINDSPOT_INGEST_GROUP_MAX_RECORDS > 0) in the
 * transaction it shares with the batches of its scope queued beside it, else in its own.
 */
function store(batch: NormalizedBatch, scope: WriteContext): Promise<WriteResult> {
  if (config().BLINDSPOT_INGEST_GROUP_MAX_RECORDS === 0) return storeTogether(scope, [batch]).then(([result]) => result);
  return groupCommitter().submit(scope, batch);
}

/** The process's group committer (tests read its stats). */
export function groupCommitter(): GroupCommitter {
  return processSingleton("ingestGroupCommitter", () =>
    new GroupCommitter(storeTogether, () => ({
      maxRecords: config().BLINDSPOT_INGEST_GROUP_MAX_RECORDS,
      writers: config().BLINDSPOT_INGEST_GROUP_WRITERS,
    })),
  );
}

/**
 * One scope's batches in one transaction with COPY; again with INSERT … ON CONFLICT when some
 * record was stored before. The single-event detection rules run on the freshly stored records in
 * the same transaction (their failures never fail the write: lib/detections/evaluate.ts), before
 * the rows concurrent transactions share (rollups, identities) are locked by writeSharedRows, last.
 */
async function storeTogether(scope: WriteContext, batches: NormalizedBatch[]): Promise<WriteResult[]> {
  const batch = batches.length === 1 ? batches[0] : mergeBatches(batches);
  const write = (method: BulkMethod) =>
    withTransaction(async (client) => {
      const { stored, ...result } = await writeRecords(client, scope, batch, method);
      await evaluateFresh(client, scope.tenantId, { events: stored.events, spans: stored.spans });
      await writeSharedRows(client, scope, batch, stored);
      return batches.length === 1 ? [result] : resultsPerBatch(batches, stored);
    }, WITHOUT_STATEMENT_TIMEOUT);
  try {
    return await write("copy");
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return write("insert");
  }
}

export async function handlePreflight(request: Request): Promise<Response> {
  return preflightResponse(request, await allowedOrigins());
}

export async function handleExport(signal: Signal, request: Request): Promise<Response> {
  const cors = corsHeaders(request, await allowedOrigins());
  const encoding = wireEncoding(request.headers.get("content-type"));
  const replyAs: WireEncoding = encoding ?? "json";

  let auth;
  try {
    auth = await authenticateIngest(presentedSecret(request.headers), signal);
  } catch (err) {
    await discardBody(request);
    return databaseFailure(err, replyAs, cors);
  }
  if (!auth.ok) {
    return statusResponse(auth.status, auth.status === 401 ? RPC.UNAUTHENTICATED : RPC.PERMISSION_DENIED, auth.message, replyAs, cors);
  }
  if (!encoding) {
    return statusResponse(
      415, RPC.INVALID_ARGUMENT,
      `unsupported Content-Type "${request.headers.get("content-type") ?? ""}"; send application/x-protobuf or application/json`,
      "json", cors,
    );
  }

  const token = auth.token;
  try {
    await tokenRate().admitRequest(token.id);
    return await limiter().run(() =>
      withBody(request, async (body) => {
        const outcome = await ingestPayload(
          signal,
          encoding,
          body,
          { tenantId: token.tenantId, environmentId: token.environmentId, ingestTokenId: token.id },
          {
            maxObjects: config().BLINDSPOT_MAX_DECODE_OBJECTS,
            maxRecords: config().BLINDSPOT_MAX_RECORDS_PER_REQUEST,
            admitRecords: (records) => tokenRate().admitRecords(token.id, records),
          },
        );
        if (outcome.rejected > 0) {
          console.warn(`[ingest] ${signal}: token ${token.tokenPrefix} stored ${outcome.inserted}, rejected ${outcome.rejected}`);
          const message = `${outcome.rejected} ${recordNoun(signal)} rejected: ${outcome.rejections.join("; ")}`;
          return exportResponse(signal, encoding, { rejected: outcome.rejected, errorMessage: message }, cors);
        }
        return exportResponse(signal, encoding, undefined, cors);
      }),
    );
  } catch (err) {
    if (err instanceof UnsupportedEncodingError) return statusResponse(415, RPC.INVALID_ARGUMENT, err.message, encoding, cors);
    if (err instanceof BodyTooLargeError || err instanceof TooManyObjectsError || err instanceof TooManyRecordsError) {
      return statusResponse(413, RPC.RESOURCE_EXHAUSTED, err.message, encoding, cors);
    }
    if (err instanceof TokenRateExceededError) {
      return statusResponse(429, RPC.RESOURCE_EXHAUSTED, err.message, encoding, { ...cors, "retry-after": String(err.retryAfterSeconds) });
    }
    if (
      err instanceof CorruptBodyError ||
      err instanceof JsonDecodeError ||
      err instanceof ProtobufDecodeError ||
      err instanceof WrongEndpointError
    ) {
      return statusResponse(400, RPC.INVALID_ARGUMENT, err.message, encoding, cors);
    }
    if (err instanceof OverloadedError) {
      return statusResponse(503, RPC.UNAVAILABLE, err.message, encoding, { ...cors, "retry-after": RETRY_AFTER_SECONDS });
    }
    return databaseFailure(err, encoding, cors);
  }
}

/**
 * Reads and decompresses the request's body under the body cap and the memory budget (charged
 * first for the declared size, then for what decoding it will build); `use` runs while charged.
 */
async function withBody<T>(request: Request, use: (body: BodyOnce) => Promise<T>): Promise<T> {
  const limit = config().BLINDSPOT_MAX_BODY_BYTES;
  const contentEncoding = parseContentEncoding(request.headers.get("content-encoding"));
  const declared = Math.min(Number(request.headers.get("content-length")) || 0, limit);
  let reservation: Reservation;
  try {
    reservation = memoryBudget().reserve(declared);
  } catch (err) {
    await discardBody(request);
    throw err;
  }
  try {
    return await use(await readBody(request.body, contentEncoding, limit, reservation));
  } finally {
    reservation.release();
  }
}

/** Reads and decompresses a body, charged for what decoding it will build; its frame (with the body on the wire) ends here. */
async function readBody(stream: ReadableStream<Uint8Array> | null, contentEncoding: ContentEncoding, limit: number, reservation: Reservation): Promise<BodyOnce> {
  const raw = await readLimited(stream, limit);
  const bytes = await decompress(raw, contentEncoding, limit);
  reservation.resize(raw.length + DECODE_FACTOR * bytes.length);
  return bodyOnce(bytes);
}

/**
 * Reads an unread request body to its end (up to the body cap), so that a sender still writing it
 * receives the answer: a 503 sent while the body is unread makes the server close the connection,
 * and the exporter sees a reset instead of Retry-After.
 */
async function discardBody(request: Request): Promise<void> {
  const reader = request.body?.getReader();
  if (!reader) return;
  let left = config().BLINDSPOT_MAX_BODY_BYTES;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
      if (left < 0) return void (await reader.cancel());
    }
  } catch {
    // The sender went away: nothing to answer.
  }
}

/**
 * The database failed: 503 + Retry-After for every failure of the database's state (the exporter
 * keeps the batch; OTLP exporters retry only 429/502/503/504), a logged 500 only for deterministic
 * failures (a bug of ours, a statement the server rejects as wrong): the same batch would fail the
 * same way on every retry and hold the exporter's queue. See db-errors.ts for the classification.
 */
function databaseFailure(err: unknown, encoding: WireEncoding, cors: Record<string, string>): Response {
  if (isRetryableDatabaseError(err)) {
    console.error(`[ingest] database unavailable: ${describeError(err)}`);
    return statusResponse(503, RPC.UNAVAILABLE, "storage temporarily unavailable, retry later", encoding, {
      ...cors,
      "retry-after": RETRY_AFTER_SECONDS,
    });
  }
  // Never echo internals (or telemetry content) to the sender; the log has the class of error.
  console.error(`[ingest] internal error: ${describeError(err)}`);
  return statusResponse(500, RPC.INTERNAL, "internal error while storing telemetry", encoding, cors);
}
