import type { ExportLogsServiceRequest, LogRecord } from "@/lib/otlp/types";
import { anyValueToJson, attributesToJson, int32OrNull, nanosToDate, readId, readNanos, RecordError, stableStringify } from "@/lib/otlp/values";
import type { Attributes } from "@/lib/otlp/values";
import { claudeEngineEventFields, claudeEventName, ENVELOPE_COLUMNS, type EngineEventFields } from "./claude-code";
import { camel, EVENT_TABLE, writeColumns } from "@/lib/domain/fields";
import { coworkEventFields } from "./cowork";
import {
  classifySource,
  deterministicUuid,
  emptyBatch,
  identityClaims,
  IdentityCollector,
  int,
  noteRejection,
  redactedKeysOf,
  ResourceCollector,
  str,
  truncatedKeysOf,
} from "./common";
import type { EventRow, NormalizedBatch, SourceId } from "./model";

// OTLP logs → event rows. Claude Code, Cowork and Claude Desktop send one LogRecord per event;
// any other sender's records are kept too, named by their event name (or "log": a body is a message, not a name).

/** Every attribute-read column empty: records of senders Blindspot does not know. */
const NO_ENGINE_FIELDS = Object.fromEntries(
  writeColumns(EVENT_TABLE).map((c) => camel(c.name)).filter((k) => !(ENVELOPE_COLUMNS as readonly string[]).includes(k)).map((k) => [k, null]),
) as unknown as EngineEventFields;

function genericFields(attrs: Attributes): EngineEventFields {
  return { ...NO_ENGINE_FIELDS, redactedKeys: redactedKeysOf(attrs), truncatedKeys: truncatedKeysOf(attrs), fields: {} };
}

function fieldsFor(source: SourceId, eventName: string, attrs: Attributes): EngineEventFields {
  switch (source) {
    case "claude_code":
    case "claude_desktop":
      return claudeEngineEventFields(eventName, attrs);
    case "cowork":
      return coworkEventFields(eventName, attrs);
    default:
      return genericFields(attrs);
  }
}

export function normalizeLogs(request: ExportLogsServiceRequest, receivedAt: Date): NormalizedBatch {
  const batch = emptyBatch();
  const resources = new ResourceCollector();
  const identities = new IdentityCollector();

  (request.resourceLogs ?? []).forEach((rl, ri) => {
    let resourceAttrs: Attributes;
    try {
      resourceAttrs = attributesToJson(rl.resource?.attributes);
    } catch (err) {
      // A broken resource spoils every record under it.
      const n = (rl.scopeLogs ?? []).reduce((sum, sl) => sum + (sl.logRecords?.length ?? 0), 0);
      for (let i = 0; i < n; i++) noteRejection(batch, `resourceLogs[${ri}].resource`, err);
      return;
    }
    const resource = resources.add(resourceAttrs);
    const serviceName = str(resourceAttrs["service.name"]);
    const serviceVersion = str(resourceAttrs["service.version"]);

    (rl.scopeLogs ?? []).forEach((sl, si) => {
      const scopeName = str(sl.scope?.name ?? null);
      const scopeVersion = str(sl.scope?.version ?? null);
      const source = classifySource(serviceName, scopeName);
      (sl.logRecords ?? []).forEach((record, li) => {
        try {
          const row = normalizeRecord(record, {
            source, resourceId: resource.id, resourceAttrs, serviceName, serviceVersion, scopeName, scopeVersion, receivedAt,
          });
          batch.events.push(row);
          // normalizeRecord falls back to this very Date object when the record has no time at all.
          if (row.time === receivedAt) (batch.receiptTimedEvents ??= []).push(row.id);
          identities.add(source, {
            userId: row.userId, userEmail: row.userEmail, accountUuid: row.accountUuid,
            accountId: row.accountId, organizationId: row.organizationId, enduserId: row.enduserId,
          }, row.time);
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          noteRejection(batch, `resourceLogs[${ri}].scopeLogs[${si}].logRecords[${li}]`, err);
        }
      });
    });
  });
  batch.resources = resources.list();
  batch.identities = identities.list();
  return batch;
}

interface RecordContext {
  source: SourceId;
  resourceId: string;
  resourceAttrs: Attributes;
  serviceName: string | null;
  serviceVersion: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  receivedAt: Date;
}

/** The event.timestamp attribute (ISO 8601), for records without a time of their own. */
function eventTimestampOf(attrs: Attributes): Date | null {
  const text = str(attrs["event.timestamp"]);
  const parsed = text ? new Date(text) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) return null;
  // Years past 9999 print as "+275760-…", which a timestamptz does not take: not a usable time.
  const year = parsed.getUTCFullYear();
  return year >= 1 && year <= 9999 ? parsed : null;
}

function normalizeRecord(record: LogRecord, ctx: RecordContext): EventRow {
  if (typeof record !== "object" || record === null) throw new RecordError("log record must be an object");
  const attrs = attributesToJson(record.attributes);
  const body = anyValueToJson(record.body);
  const timeNs = readNanos(record.timeUnixNano, "timeUnixNano") ?? null;
  const observedTimeNs = readNanos(record.observedTimeUnixNano, "observedTimeUnixNano") ?? null;
  const traceId = readId(record.traceId, 16, "traceId") ?? null;
  const spanId = readId(record.spanId, 8, "spanId") ?? null;
  if (record.severityNumber !== undefined && int32OrNull(record.severityNumber) === null) {
    throw new RecordError("severityNumber must be an integer");
  }

  const eventName = claudeEventName(attrs, typeof record.eventName === "string" ? record.eventName : undefined, body);
  const time =
    timeNs !== null ? nanosToDate(timeNs) : observedTimeNs !== null ? nanosToDate(observedTimeNs) : eventTimestampOf(attrs) ?? ctx.receivedAt;

  const sessionId = str(attrs["session.id"]);
  const sequence = int(attrs["event.sequence"]);
  // Retries resend identical records: the key must come out the same. Claude's own envelope
  // identifies an event by session + sequence; anything else is keyed by its full content.
  const id =
    sessionId !== null && sequence !== null
      ? deterministicUuid("event", ctx.source, sessionId, String(sequence), eventName, String(timeNs ?? ""))
      : deterministicUuid("event-content", ctx.resourceId, ctx.scopeName ?? "", stableStringify(record));

  const identity = identityClaims(attrs, ctx.resourceAttrs);
  const typed = fieldsFor(ctx.source, eventName, attrs);

  return {
    id,
    resourceId: ctx.resourceId,
    source: ctx.source,
    serviceName: ctx.serviceName,
    serviceVersion: ctx.serviceVersion,
    scopeName: ctx.scopeName,
    scopeVersion: ctx.scopeVersion,
    eventName,
    time,
    timeNs,
    observedTimeNs,
    sessionId,
    promptId: str(attrs["prompt.id"]),
    sequence,
    traceId,
    spanId,
    severityNumber: record.severityNumber ?? null,
    severityText: str(record.severityText ?? null),
    ...identity,
    terminalType: str(attrs["terminal.type"]),
    ...typed,
    attributes: attrs,
    body,
    redaction: null,
    secretFingerprints: [],
  };
}
