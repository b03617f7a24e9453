// A hand-written reader of the OTLP v1 request messages (opentelemetry-proto common, resource,
// logs, trace, metrics and the collector requests), straight from the wire format into the
// OTLP/JSON-shaped types of ./types: no intermediate message objects, no Long values. It is the
// ingest hot path (measured: about half the CPU of protobufjs decode plus a walk into these types).
//
// Rules, as protoc-generated parsers and the protobufjs decoder this replaced:
// - unknown fields, and known fields with another wire type, are skipped;
// - repeated fields accumulate (packed and unpacked encodings both accepted); for a oneof and a
//   singular field the last occurrence wins;
// - proto3 defaults are omitted from the output (0, "", false), except oneof members and
//   `optional` fields, which are kept when present on the wire;
// - strings decode leniently: invalid UTF-8 (and NUL, which Postgres refuses) becomes U+FFFD, as
//   in the JSON path;
// - messages nest at most 100 deep (protoc's default recursion limit), except that an AnyValue
//   nested too deep becomes NESTED_TOO_DEEP, which rejects its record only (lib/otlp/values.ts).
// Malformed input throws WireError, with the offset.
// - every length-delimited field (message, string, bytes, packed list) and every element of a
//   repeated scalar field counts against the reader's object budget: past it, TooManyObjectsError
//   (lib/otlp/limits.ts), so a body of empty messages cannot turn into millions of objects.
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, ResourceLogs, ResourceMetrics, ResourceSpans, ScopeLogs, ScopeMetrics, ScopeSpans } from "./types";
import { envelope, resource, scope } from "./wire-common";
import { logRecord } from "./wire-logs";
import { metric } from "./wire-metrics";
import { LEN, lengthEnd, type Read, Reader, skip, tag, varint32 } from "./wire-reader";
import { span } from "./wire-spans";

export { WireError, i64ToDecimal, u64ToDecimal } from "./wire-reader";

// ---- envelopes ----------------------------------------------------------------------------

const scopeLogs = envelope<ScopeLogs>("scope", scope, "logRecords", logRecord);
const resourceLogs = envelope<ResourceLogs>("resource", resource, "scopeLogs", scopeLogs);
const scopeSpans = envelope<ScopeSpans>("scope", scope, "spans", span);
const resourceSpans = envelope<ResourceSpans>("resource", resource, "scopeSpans", scopeSpans);
const scopeMetrics = envelope<ScopeMetrics>("scope", scope, "metrics", metric);
const resourceMetrics = envelope<ResourceMetrics>("resource", resource, "scopeMetrics", scopeMetrics);

// ---- requests -----------------------------------------------------------------------------

/** Export*ServiceRequest { repeated Resource* resource_* = 1 } */
function request<T>(bytes: Uint8Array, read: Read<T>, maxObjects: number): T[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, maxObjects);
  const out: T[] = [];
  while (r.pos < buf.length) {
    const t = varint32(r);
    if (t === tag(1, LEN)) {
      const e = lengthEnd(r);
      out.push(read(r, e, 1));
    } else skip(r, t, 0);
  }
  return out;
}

export function readLogsRequest(bytes: Uint8Array, maxObjects = Number.POSITIVE_INFINITY): ExportLogsServiceRequest {
  const list = request(bytes, resourceLogs, maxObjects);
  return list.length ? { resourceLogs: list } : {};
}

export function readTracesRequest(bytes: Uint8Array, maxObjects = Number.POSITIVE_INFINITY): ExportTraceServiceRequest {
  const list = request(bytes, resourceSpans, maxObjects);
  return list.length ? { resourceSpans: list } : {};
}

export function readMetricsRequest(bytes: Uint8Array, maxObjects = Number.POSITIVE_INFINITY): ExportMetricsServiceRequest {
  const list = request(bytes, resourceMetrics, maxObjects);
  return list.length ? { resourceMetrics: list } : {};
}
