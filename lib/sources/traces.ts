import type { ExportTraceServiceRequest, Span } from "@/lib/otlp/types";
import { attributesToJson, int32OrNull, nanosToDate, readId, readNanos, RecordError } from "@/lib/otlp/values";
import type { Attributes } from "@/lib/otlp/values";
import { claudeCodeSpanFields } from "./claude-code";
import {
  classifySource,
  emptyBatch,
  identityClaims,
  IdentityCollector,
  noteRejection,
  redactedKeysOf,
  ResourceCollector,
  str,
  truncatedKeysOf,
} from "./common";
import type { NormalizedBatch, SourceId, SpanRow } from "./model";
import { officeSpanFields } from "./office";

// OTLP traces → span rows (Office agents, Claude Code beta traces, anything else).

function spanFields(source: SourceId, name: string, attrs: Attributes) {
  if (source === "office") return officeSpanFields(name, attrs);
  const base = {
    sessionId: str(attrs["session.id"]),
    userEmail: str(attrs["user.email"]),
    accountUuid: str(attrs["user.account_uuid"]),
    organizationId: str(attrs["organization.id"]),
    surface: null as string | null,
    readWrite: null as string | null,
  };
  if (source === "claude_code" || source === "cowork" || name.startsWith("claude_code.")) {
    return { ...base, ...claudeCodeSpanFields(name, attrs) };
  }
  return {
    ...base, toolName: null, toolUseId: null, decision: null, decisionSource: null, success: null, model: null,
    inputTokens: null, outputTokens: null, errorType: null, redactedKeys: redactedKeysOf(attrs),
    truncatedKeys: truncatedKeysOf(attrs), fields: {},
  };
}

function spanCount(request: ExportTraceServiceRequest["resourceSpans"]): number {
  return (request ?? []).reduce((n, rs) => n + (rs.scopeSpans ?? []).reduce((m, ss) => m + (ss.spans?.length ?? 0), 0), 0);
}

export function normalizeTraces(request: ExportTraceServiceRequest): NormalizedBatch {
  const batch = emptyBatch();
  const resources = new ResourceCollector();
  const identities = new IdentityCollector();

  (request.resourceSpans ?? []).forEach((rs, ri) => {
    let resourceAttrs: Attributes;
    try {
      resourceAttrs = attributesToJson(rs.resource?.attributes);
    } catch (err) {
      for (let i = 0; i < spanCount([rs]); i++) noteRejection(batch, `resourceSpans[${ri}].resource`, err);
      return;
    }
    const resource = resources.add(resourceAttrs);
    const serviceName = str(resourceAttrs["service.name"]);
    (rs.scopeSpans ?? []).forEach((ss, si) => {
      const scopeName = str(ss.scope?.name ?? null);
      const scopeVersion = str(ss.scope?.version ?? null);
      const source = classifySource(serviceName, scopeName);
      (ss.spans ?? []).forEach((span, i) => {
        try {
          const row = normalizeSpan(span, source, resource.id, serviceName, scopeName, scopeVersion);
          batch.spans.push(row);
          const claims = identityClaims(row.attributes, resourceAttrs);
          identities.add(source, claims, row.startTime);
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          noteRejection(batch, `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}]`, err);
        }
      });
    });
  });
  inheritFromTraceRoot(batch.spans);
  batch.resources = resources.list();
  batch.identities = identities.list();
  return batch;
}

function normalizeSpan(
  span: Span,
  source: SourceId,
  resourceId: string,
  serviceName: string | null,
  scopeName: string | null,
  scopeVersion: string | null,
): SpanRow {
  if (typeof span !== "object" || span === null) throw new RecordError("span must be an object");
  const traceId = readId(span.traceId, 16, "traceId");
  const spanId = readId(span.spanId, 8, "spanId");
  if (!traceId) throw new RecordError("span has no traceId");
  if (!spanId) throw new RecordError("span has no spanId");
  const parentSpanId = readId(span.parentSpanId, 8, "parentSpanId") ?? null;
  const startNs = readNanos(span.startTimeUnixNano, "startTimeUnixNano");
  if (startNs === undefined) throw new RecordError("span has no startTimeUnixNano");
  const endNs = readNanos(span.endTimeUnixNano, "endTimeUnixNano") ?? null;
  if (endNs !== null && endNs < startNs) throw new RecordError("span ends before it starts");
  const name = typeof span.name === "string" && span.name !== "" ? span.name : "(unnamed)";
  const attrs = attributesToJson(span.attributes);
  const events = (Array.isArray(span.events) ? span.events : []).map((e) => ({
    timeUnixNano: readNanos(e.timeUnixNano, "event.timeUnixNano")?.toString() ?? null,
    name: typeof e.name === "string" ? e.name : "",
    attributes: attributesToJson(e.attributes),
  }));
  const links = (Array.isArray(span.links) ? span.links : []).map((l) => ({
    traceId: readId(l.traceId, 16, "link.traceId") ?? null,
    spanId: readId(l.spanId, 8, "link.spanId") ?? null,
    traceState: typeof l.traceState === "string" && l.traceState !== "" ? l.traceState : null,
    attributes: attributesToJson(l.attributes),
  }));
  const statusCode = span.status?.code ?? 0;
  if (typeof statusCode !== "number" || ![0, 1, 2].includes(statusCode)) throw new RecordError("status.code must be 0, 1 or 2");
  const kind = span.kind ?? 0;
  if (typeof kind !== "number" || !Number.isInteger(kind) || kind < 0 || kind > 5) throw new RecordError("kind must be an integer 0–5");

  return {
    traceId,
    spanId,
    resourceId,
    source,
    serviceName,
    scopeName,
    scopeVersion,
    parentSpanId,
    name,
    kind,
    startTime: nanosToDate(startNs),
    endTime: endNs !== null ? nanosToDate(endNs) : null,
    startNs,
    endNs,
    durationMs: endNs !== null ? Number(endNs - startNs) / 1e6 : null,
    statusCode,
    statusMessage: str(span.status?.message ?? null),
    traceState: str(span.traceState ?? null),
    flags: int32OrNull(span.flags), // a fixed32 with the top bit set is no flag we know
    ...spanFields(source, name, attrs),
    attributes: attrs,
    events,
    links,
    redaction: null, // filled by ingest masking (lib/secrets/mask.ts)
    secretFingerprints: [],
  };
}

/**
 * Office agents put session, identity and surface only on the root agent.query span; its
 * children are joined by trace id. Copy them down within the batch so each span row is
 * filterable on its own (the read models still join by trace id across batches).
 */
function inheritFromTraceRoot(spans: SpanRow[]): void {
  const roots = new Map<string, SpanRow>();
  for (const s of spans) if (s.parentSpanId === null) roots.set(s.traceId, s);
  for (const s of spans) {
    const root = roots.get(s.traceId);
    if (!root || root === s) continue;
    s.sessionId ??= root.sessionId;
    s.userEmail ??= root.userEmail;
    s.accountUuid ??= root.accountUuid;
    s.organizationId ??= root.organizationId;
    s.surface ??= root.surface;
  }
}
