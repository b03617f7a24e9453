// The protobuf side of OTLP/HTTP: decode Export*ServiceRequest bodies into the OTLP/JSON-shaped
// types of ./types (lowerCamelCase names, hex ids, int64 as decimal strings, enums as integers),
// and encode Export*ServiceResponse / google.rpc.Status replies.
//
// Decoding is the hand-written wire reader of ./proto-decode (the ingest hot path). Encoding
// (responses; requests for tests and the benchmark) uses protobufjs with the schema below, an
// independent implementation that the tests check the reader against.
//
// The schema is an in-repo protobufjs JSON descriptor of the OTLP v1 messages (opentelemetry-proto
// common/resource/logs/trace/metrics/collector v1) plus google.rpc.Status and google.protobuf.Any,
// built once at module load with Root.fromJSON. Field names in the descriptor are already the
// OTLP/JSON (lowerCamelCase) names; field numbers and wire types follow the .proto files. Enum-typed
// fields (severity_number, span kind, status code, aggregation temporality) are declared as int32:
// same varint wire encoding, and we want the integer anyway.

import protobuf from "protobufjs";
import { UNLIMITED, type DecodeLimits } from "./limits";
import { readLogsRequest, readMetricsRequest, readTracesRequest, WireError } from "./proto-decode";
import type { ExportRequest, Signal } from "./types";

export class ProtobufDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProtobufDecodeError";
  }
}

// ---------------------------------------------------------------------------------------------
// Schema

type FieldOptions = { proto3_optional?: true };
type FieldDef = { type: string; id: number; rule?: "repeated"; options?: FieldOptions };
type MessageDef = {
  fields: Record<string, FieldDef>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, MessageDef>;
};
type PackageDef = { nested: Record<string, MessageDef | PackageDef> };

const f = (type: string, id: number): FieldDef => ({ type, id });
const rep = (type: string, id: number): FieldDef => ({ type, id, rule: "repeated" });
const opt = (type: string, id: number): FieldDef => ({ type, id, options: { proto3_optional: true } });

const C = "opentelemetry.proto.common.v1.";
const R = "opentelemetry.proto.resource.v1.";
const L = "opentelemetry.proto.logs.v1.";
const T = "opentelemetry.proto.trace.v1.";
const M = "opentelemetry.proto.metrics.v1.";

const common: PackageDef = {
  nested: {
    AnyValue: {
      oneofs: {
        value: {
          oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"],
        },
      },
      fields: {
        stringValue: f("string", 1),
        boolValue: f("bool", 2),
        intValue: f("int64", 3),
        doubleValue: f("double", 4),
        arrayValue: f("ArrayValue", 5),
        kvlistValue: f("KeyValueList", 6),
        bytesValue: f("bytes", 7),
      },
    },
    ArrayValue: { fields: { values: rep("AnyValue", 1) } },
    KeyValueList: { fields: { values: rep("KeyValue", 1) } },
    KeyValue: { fields: { key: f("string", 1), value: f("AnyValue", 2) } },
    InstrumentationScope: {
      fields: {
        name: f("string", 1),
        version: f("string", 2),
        attributes: rep("KeyValue", 3),
        droppedAttributesCount: f("uint32", 4),
      },
    },
    EntityRef: {
      fields: {
        schemaUrl: f("string", 1),
        type: f("string", 2),
        idKeys: rep("string", 3),
        descriptionKeys: rep("string", 4),
      },
    },
  },
};

const resource: PackageDef = {
  nested: {
    Resource: {
      fields: {
        attributes: rep(C + "KeyValue", 1),
        droppedAttributesCount: f("uint32", 2),
        entityRefs: rep(C + "EntityRef", 3),
      },
    },
  },
};

const logs: PackageDef = {
  nested: {
    LogsData: { fields: { resourceLogs: rep("ResourceLogs", 1) } },
    ResourceLogs: {
      fields: { resource: f(R + "Resource", 1), scopeLogs: rep("ScopeLogs", 2), schemaUrl: f("string", 3) },
    },
    ScopeLogs: {
      fields: {
        scope: f(C + "InstrumentationScope", 1),
        logRecords: rep("LogRecord", 2),
        schemaUrl: f("string", 3),
      },
    },
    LogRecord: {
      fields: {
        timeUnixNano: f("fixed64", 1),
        observedTimeUnixNano: f("fixed64", 11),
        severityNumber: f("int32", 2), // enum SeverityNumber
        severityText: f("string", 3),
        body: f(C + "AnyValue", 5),
        attributes: rep(C + "KeyValue", 6),
        droppedAttributesCount: f("uint32", 7),
        flags: f("fixed32", 8),
        traceId: f("bytes", 9),
        spanId: f("bytes", 10),
        eventName: f("string", 12),
      },
    },
  },
};

const trace: PackageDef = {
  nested: {
    TracesData: { fields: { resourceSpans: rep("ResourceSpans", 1) } },
    ResourceSpans: {
      fields: { resource: f(R + "Resource", 1), scopeSpans: rep("ScopeSpans", 2), schemaUrl: f("string", 3) },
    },
    ScopeSpans: {
      fields: { scope: f(C + "InstrumentationScope", 1), spans: rep("Span", 2), schemaUrl: f("string", 3) },
    },
    Span: {
      fields: {
        traceId: f("bytes", 1),
        spanId: f("bytes", 2),
        traceState: f("string", 3),
        parentSpanId: f("bytes", 4),
        flags: f("fixed32", 16),
        name: f("string", 5),
        kind: f("int32", 6), // enum Span.SpanKind
        startTimeUnixNano: f("fixed64", 7),
        endTimeUnixNano: f("fixed64", 8),
        attributes: rep(C + "KeyValue", 9),
        droppedAttributesCount: f("uint32", 10),
        events: rep("Event", 11),
        droppedEventsCount: f("uint32", 12),
        links: rep("Link", 13),
        droppedLinksCount: f("uint32", 14),
        status: f("Status", 15),
      },
      nested: {
        Event: {
          fields: {
            timeUnixNano: f("fixed64", 1),
            name: f("string", 2),
            attributes: rep(C + "KeyValue", 3),
            droppedAttributesCount: f("uint32", 4),
          },
        },
        Link: {
          fields: {
            traceId: f("bytes", 1),
            spanId: f("bytes", 2),
            traceState: f("string", 3),
            attributes: rep(C + "KeyValue", 4),
            droppedAttributesCount: f("uint32", 5),
            flags: f("fixed32", 6),
          },
        },
      },
    },
    // field 1 is reserved (deprecated code)
    Status: { fields: { message: f("string", 2), code: f("int32", 3) /* enum Status.StatusCode */ } },
  },
};

const exemplarsField = (id: number) => rep("Exemplar", id);

const metrics: PackageDef = {
  nested: {
    MetricsData: { fields: { resourceMetrics: rep("ResourceMetrics", 1) } },
    ResourceMetrics: {
      fields: { resource: f(R + "Resource", 1), scopeMetrics: rep("ScopeMetrics", 2), schemaUrl: f("string", 3) },
    },
    ScopeMetrics: {
      fields: { scope: f(C + "InstrumentationScope", 1), metrics: rep("Metric", 2), schemaUrl: f("string", 3) },
    },
    Metric: {
      oneofs: { data: { oneof: ["gauge", "sum", "histogram", "exponentialHistogram", "summary"] } },
      fields: {
        name: f("string", 1),
        description: f("string", 2),
        unit: f("string", 3),
        gauge: f("Gauge", 5),
        sum: f("Sum", 7),
        histogram: f("Histogram", 9),
        exponentialHistogram: f("ExponentialHistogram", 10),
        summary: f("Summary", 11),
        metadata: rep(C + "KeyValue", 12),
      },
    },
    Gauge: { fields: { dataPoints: rep("NumberDataPoint", 1) } },
    Sum: {
      fields: {
        dataPoints: rep("NumberDataPoint", 1),
        aggregationTemporality: f("int32", 2), // enum AggregationTemporality
        isMonotonic: f("bool", 3),
      },
    },
    Histogram: {
      fields: { dataPoints: rep("HistogramDataPoint", 1), aggregationTemporality: f("int32", 2) },
    },
    ExponentialHistogram: {
      fields: { dataPoints: rep("ExponentialHistogramDataPoint", 1), aggregationTemporality: f("int32", 2) },
    },
    Summary: { fields: { dataPoints: rep("SummaryDataPoint", 1) } },
    NumberDataPoint: {
      oneofs: { value: { oneof: ["asDouble", "asInt"] } },
      fields: {
        attributes: rep(C + "KeyValue", 7),
        startTimeUnixNano: f("fixed64", 2),
        timeUnixNano: f("fixed64", 3),
        asDouble: f("double", 4),
        asInt: f("sfixed64", 6),
        exemplars: exemplarsField(5),
        flags: f("uint32", 8),
      },
    },
    HistogramDataPoint: {
      oneofs: { _sum: { oneof: ["sum"] }, _min: { oneof: ["min"] }, _max: { oneof: ["max"] } },
      fields: {
        attributes: rep(C + "KeyValue", 9),
        startTimeUnixNano: f("fixed64", 2),
        timeUnixNano: f("fixed64", 3),
        count: f("fixed64", 4),
        sum: opt("double", 5),
        bucketCounts: rep("fixed64", 6),
        explicitBounds: rep("double", 7),
        exemplars: exemplarsField(8),
        flags: f("uint32", 10),
        min: opt("double", 11),
        max: opt("double", 12),
      },
    },
    ExponentialHistogramDataPoint: {
      oneofs: { _sum: { oneof: ["sum"] }, _min: { oneof: ["min"] }, _max: { oneof: ["max"] } },
      fields: {
        attributes: rep(C + "KeyValue", 1),
        startTimeUnixNano: f("fixed64", 2),
        timeUnixNano: f("fixed64", 3),
        count: f("fixed64", 4),
        sum: opt("double", 5),
        scale: f("sint32", 6),
        zeroCount: f("fixed64", 7),
        positive: f("Buckets", 8),
        negative: f("Buckets", 9),
        flags: f("uint32", 10),
        exemplars: exemplarsField(11),
        min: opt("double", 12),
        max: opt("double", 13),
        zeroThreshold: f("double", 14),
      },
      nested: {
        Buckets: { fields: { offset: f("sint32", 1), bucketCounts: rep("uint64", 2) } },
      },
    },
    SummaryDataPoint: {
      fields: {
        attributes: rep(C + "KeyValue", 7),
        startTimeUnixNano: f("fixed64", 2),
        timeUnixNano: f("fixed64", 3),
        count: f("fixed64", 4),
        sum: f("double", 5),
        quantileValues: rep("ValueAtQuantile", 6),
        flags: f("uint32", 8),
      },
      nested: {
        ValueAtQuantile: { fields: { quantile: f("double", 1), value: f("double", 2) } },
      },
    },
    Exemplar: {
      oneofs: { value: { oneof: ["asDouble", "asInt"] } },
      fields: {
        filteredAttributes: rep(C + "KeyValue", 7),
        timeUnixNano: f("fixed64", 2),
        asDouble: f("double", 3),
        asInt: f("sfixed64", 6),
        spanId: f("bytes", 4),
        traceId: f("bytes", 5),
      },
    },
  },
};

function collectorPackage(
  name: "Logs" | "Trace" | "Metrics",
  requestField: string,
  requestType: string,
  rejectedField: string,
): PackageDef {
  return {
    nested: {
      [`Export${name}ServiceRequest`]: { fields: { [requestField]: rep(requestType, 1) } },
      [`Export${name}ServiceResponse`]: { fields: { partialSuccess: f(`Export${name}PartialSuccess`, 1) } },
      [`Export${name}PartialSuccess`]: { fields: { [rejectedField]: f("int64", 1), errorMessage: f("string", 2) } },
    },
  };
}

const DESCRIPTOR: PackageDef = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: common } },
            resource: { nested: { v1: resource } },
            logs: { nested: { v1: logs } },
            trace: { nested: { v1: trace } },
            metrics: { nested: { v1: metrics } },
            collector: {
              nested: {
                logs: { nested: { v1: collectorPackage("Logs", "resourceLogs", L + "ResourceLogs", "rejectedLogRecords") } },
                trace: { nested: { v1: collectorPackage("Trace", "resourceSpans", T + "ResourceSpans", "rejectedSpans") } },
                metrics: {
                  nested: {
                    v1: collectorPackage("Metrics", "resourceMetrics", M + "ResourceMetrics", "rejectedDataPoints"),
                  },
                },
              },
            },
          },
        },
      },
    },
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { typeUrl: f("string", 1), value: f("bytes", 2) } } } },
        rpc: {
          nested: {
            Status: {
              fields: { code: f("int32", 1), message: f("string", 2), details: rep("google.protobuf.Any", 3) },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);

root.resolveAll();

const REQUEST_TYPES: Record<Signal, protobuf.Type> = {
  logs: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"),
  traces: root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"),
  metrics: root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"),
};
const RESPONSE_TYPES: Record<Signal, protobuf.Type> = {
  logs: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse"),
  traces: root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse"),
  metrics: root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse"),
};
const REJECTED_FIELD: Record<Signal, string> = {
  logs: "rejectedLogRecords",
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
};
const STATUS_TYPE = root.lookupType("google.rpc.Status");

// ---------------------------------------------------------------------------------------------
// Public API

const REQUEST_NAMES: Record<Signal, string> = {
  logs: "ExportLogsServiceRequest",
  traces: "ExportTraceServiceRequest",
  metrics: "ExportMetricsServiceRequest",
};

/**
 * Decodes an OTLP/HTTP protobuf request body (already gunzipped) into the OTLP/JSON shape.
 * Throws ProtobufDecodeError on malformed or truncated input.
 */
export function decodeProtobufRequest<S extends Signal>(signal: S, bytes: Uint8Array, limits: DecodeLimits = UNLIMITED): ExportRequest<S> {
  const name = REQUEST_NAMES[signal];
  if (!name) throw new TypeError(`unknown OTLP signal: ${String(signal)}`);
  try {
    switch (signal) {
      case "logs":
        return readLogsRequest(bytes, limits.maxObjects) as ExportRequest<S>;
      case "traces":
        return readTracesRequest(bytes, limits.maxObjects) as ExportRequest<S>;
      default:
        return readMetricsRequest(bytes, limits.maxObjects) as ExportRequest<S>;
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw new ProtobufDecodeError(`invalid protobuf ${name}: ${err.message}`, { cause: err });
  }
}

/** Export*ServiceResponse for the signal; partialSuccess only when `partial` is given. */
export function encodeProtobufResponse(
  signal: Signal,
  partial?: { rejected: number; errorMessage: string },
): Uint8Array {
  const type = RESPONSE_TYPES[signal];
  const payload: Record<string, unknown> = {};
  if (partial) {
    payload.partialSuccess = {
      [REJECTED_FIELD[signal]]: Math.max(0, Math.trunc(partial.rejected)),
      errorMessage: partial.errorMessage,
    };
  }
  return type.encode(payload).finish();
}

/** google.rpc.Status (the body of OTLP/HTTP error responses in protobuf). */
export function encodeProtobufStatus(code: number, message: string): Uint8Array {
  return STATUS_TYPE.encode({ code, message }).finish();
}

// ---- encoding a request from the OTLP/JSON shape (tests, benchmark payloads) -----------------

type Plain = { [key: string]: unknown };

function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const HEX_ID = /^(?:[0-9a-fA-F]{2})*$/;

function hexToBytes(v: unknown, field: string): Uint8Array | undefined {
  if (v == null || v === "") return undefined;
  if (typeof v !== "string" || !HEX_ID.test(v)) throw new TypeError(`${field} must be a hex string`);
  return Buffer.from(v, "hex");
}

/** int64 / uint64 from a decimal string (or a number) to the {low, high} form protobufjs writes. */
function toLong(v: unknown, unsigned: boolean): { low: number; high: number; unsigned: boolean } | undefined {
  if (v == null || v === "") return undefined;
  let b: bigint;
  try {
    if (typeof v === "bigint") b = v;
    else if (typeof v === "string" && /^-?\d+$/.test(v)) b = BigInt(v);
    else if (typeof v === "number" && Number.isInteger(v)) b = BigInt(v);
    else throw new Error();
  } catch {
    throw new TypeError(`expected a 64-bit integer, got ${JSON.stringify(String(v))}`);
  }
  const u = BigInt.asUintN(64, b);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned };
}

/** Fields holding bytes (hex ids) and 64-bit integers, by JSON name; everything else is copied. */
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
const UINT64_FIELDS = new Set(["timeUnixNano", "observedTimeUnixNano", "startTimeUnixNano", "endTimeUnixNano", "count", "zeroCount"]);
const INT64_FIELDS = new Set(["asInt", "intValue"]);

/**
 * Rewrites the OTLP/JSON shape into what protobufjs' encoder takes: hex ids and base64 bytesValue
 * to bytes, decimal strings of 64-bit fields to Long. Generic over the tree (field names are
 * unique enough across OTLP messages for this to be unambiguous).
 */
function toProtobufjs(v: unknown, key: string): unknown {
  if (Array.isArray(v)) {
    if (key === "bucketCounts") return v.map((x) => toLong(x, true));
    return v.map((x) => toProtobufjs(x, ""));
  }
  if (!isPlain(v)) {
    if (ID_FIELDS.has(key)) return hexToBytes(v, key);
    if (UINT64_FIELDS.has(key)) return toLong(v, true);
    if (INT64_FIELDS.has(key)) return toLong(v, false);
    if (key === "bytesValue") return typeof v === "string" ? Buffer.from(v, "base64") : v;
    return v;
  }
  const out: Plain = {};
  for (const k of Object.keys(v)) {
    const x = toProtobufjs(v[k], k);
    if (x !== undefined && x !== null) out[k] = x;
  }
  return out;
}

/** Encodes an OTLP/JSON-shaped request (hex ids, int64 as strings) as an Export*ServiceRequest. */
export function encodeProtobufRequest<S extends Signal>(signal: S, request: ExportRequest<S>): Uint8Array {
  const type = REQUEST_TYPES[signal];
  const msg = toProtobufjs(request, "");
  if (!isPlain(msg)) throw new TypeError("request must be an object");
  const err = type.verify(msg);
  if (err) throw new TypeError(`cannot encode ${type.name}: ${err}`);
  return type.encode(msg).finish();
}
