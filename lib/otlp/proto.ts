// The protobuf side of OTLP/HTTP: decode Export*ServiceRequest bodies into the OTLP/JSON-shaped
// types of ./types (lowerCamelCase names, hex ids, int64 as decimal strings, enums as integers),
// and encode Export*ServiceResponse / google.rpc.Status replies.
//
// The schema is an in-repo protobufjs JSON descriptor of the OTLP v1 messages (opentelemetry-proto
// common/resource/logs/trace/metrics/collector v1) plus google.rpc.Status and google.protobuf.Any,
// built once at module load with Root.fromJSON. Field names in the descriptor are already the
// OTLP/JSON (lowerCamelCase) names; field numbers and wire types follow the .proto files. Enum-typed
// fields (severity_number, span kind, status code, aggregation temporality) are declared as int32:
// same varint wire encoding, and we want the integer anyway.
//
// Decoding is protobufjs' generated Type.decode followed by a hand-written walk into the plain
// shape (measured faster than toObject + a second pass to fix ids).

import protobuf from "protobufjs";
import type {
  AnyValue,
  Exemplar,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Signal,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from "./types";

export class ProtobufDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProtobufDecodeError";
  }
}

// ---------------------------------------------------------------------------------------------
// Schema

type FieldOptions = { proto3_optional?: true; features?: { utf8_validation: "NONE" } };
type FieldDef = { type: string; id: number; rule?: "repeated"; options?: FieldOptions };
type MessageDef = {
  fields: Record<string, FieldDef>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, MessageDef>;
};
type PackageDef = { nested: Record<string, MessageDef | PackageDef> };

// Strings are decoded leniently (invalid UTF-8 becomes U+FFFD, as Buffer#toString does, and as the
// OTLP/JSON path gets from decoding the body text) instead of rejecting the whole request, which is
// what proto3's default utf8_validation would do: one stray byte in an attribute should not lose
// the batch. (Measured: no speed difference either way.)
const LENIENT_UTF8: FieldOptions = { features: { utf8_validation: "NONE" } };
const f = (type: string, id: number): FieldDef =>
  type === "string" ? { type, id, options: LENIENT_UTF8 } : { type, id };
const rep = (type: string, id: number): FieldDef =>
  type === "string" ? { type, id, rule: "repeated", options: LENIENT_UTF8 } : { type, id, rule: "repeated" };
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
// Decoded protobufjs messages (what Type.decode returns), as far as the walk reads them.
// Absent scalar fields (oneof members included) read the proto3 default from the message
// prototype; absent message fields and proto3 `optional` scalars read null.

interface Long64 {
  low: number;
  high: number;
}
type Int64 = Long64 | number;

interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] } | null;
  kvlistValue?: { values?: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue | null;
}
interface PbResource {
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}
interface PbScope {
  name?: string;
  version?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}
interface PbLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: PbAnyValue | null;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
}
interface PbScopeLogs {
  scope?: PbScope | null;
  logRecords?: PbLogRecord[];
  schemaUrl?: string;
}
interface PbResourceLogs {
  resource?: PbResource | null;
  scopeLogs?: PbScopeLogs[];
  schemaUrl?: string;
}
interface PbSpanEvent {
  timeUnixNano?: Int64;
  name?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
}
interface PbSpanLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: PbKeyValue[];
  droppedAttributesCount?: number;
  events?: PbSpanEvent[];
  droppedEventsCount?: number;
  links?: PbSpanLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number } | null;
}
interface PbScopeSpans {
  scope?: PbScope | null;
  spans?: PbSpan[];
  schemaUrl?: string;
}
interface PbResourceSpans {
  resource?: PbResource | null;
  scopeSpans?: PbScopeSpans[];
  schemaUrl?: string;
}
interface PbExemplar {
  filteredAttributes?: PbKeyValue[];
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  spanId?: Uint8Array;
  traceId?: Uint8Array;
}
interface PbNumberDataPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  exemplars?: PbExemplar[];
  flags?: number;
}
interface PbHistogramDataPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number | null;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  exemplars?: PbExemplar[];
  flags?: number;
  min?: number | null;
  max?: number | null;
}
interface PbBuckets {
  offset?: number;
  bucketCounts?: Int64[];
}
interface PbExponentialHistogramDataPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number | null;
  scale?: number;
  zeroCount?: Int64;
  positive?: PbBuckets | null;
  negative?: PbBuckets | null;
  flags?: number;
  exemplars?: PbExemplar[];
  min?: number | null;
  max?: number | null;
  zeroThreshold?: number;
}
interface PbSummaryDataPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
  flags?: number;
}
interface PbMetric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: PbNumberDataPoint[] } | null;
  sum?: { dataPoints?: PbNumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean } | null;
  histogram?: { dataPoints?: PbHistogramDataPoint[]; aggregationTemporality?: number } | null;
  exponentialHistogram?: {
    dataPoints?: PbExponentialHistogramDataPoint[];
    aggregationTemporality?: number;
  } | null;
  summary?: { dataPoints?: PbSummaryDataPoint[] } | null;
  metadata?: PbKeyValue[];
}
interface PbScopeMetrics {
  scope?: PbScope | null;
  metrics?: PbMetric[];
  schemaUrl?: string;
}
interface PbResourceMetrics {
  resource?: PbResource | null;
  scopeMetrics?: PbScopeMetrics[];
  schemaUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Scalar conversions

const TWO_32 = 4294967296;

function pad7(n: number): string {
  const s = String(n);
  return s.length >= 7 ? s : "0000000".slice(s.length) + s;
}

/** Unsigned 64-bit (lo, hi as uint32) to decimal, exactly, without BigInt or Long division. */
function u64ToDecimal(lo: number, hi: number): string {
  if (hi <= 0x1fffff) return String(hi * TWO_32 + lo); // < 2^53: exact as a double
  // Split into 24-bit limbs and recombine in base 1e7 (the approach of Closure's jspb).
  const low = lo & 0xffffff;
  const mid = ((lo >>> 24) | (hi << 8)) & 0xffffff;
  const high = (hi >>> 16) & 0xffff;
  let a = low + mid * 6777216 + high * 6710656;
  let b = mid + high * 8147497;
  let c = high * 2;
  if (a >= 10000000) {
    b += Math.floor(a / 10000000);
    a %= 10000000;
  }
  if (b >= 10000000) {
    c += Math.floor(b / 10000000);
    b %= 10000000;
  }
  // hi > 0x1fffff means the value is >= 2^53 > 1e15, so c > 0.
  return String(c) + pad7(b) + pad7(a);
}

function uint64String(v: Int64): string {
  if (typeof v === "number") return String(v);
  return u64ToDecimal(v.low >>> 0, v.high >>> 0);
}

function int64String(v: Int64): string {
  if (typeof v === "number") return String(v);
  const hi = v.high | 0;
  if (hi >= 0) return u64ToDecimal(v.low >>> 0, hi);
  // two's complement negate
  let lo = ~v.low + 1;
  let nhi = ~hi;
  if (lo >>> 0 === 0) nhi = (nhi + 1) | 0;
  lo >>>= 0;
  return "-" + u64ToDecimal(lo, nhi >>> 0);
}

function isZero64(v: Int64 | null | undefined): boolean {
  if (v == null) return true;
  if (typeof v === "number") return v === 0;
  return v.low === 0 && v.high === 0;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

// ---------------------------------------------------------------------------------------------
// Walk: decoded messages -> OTLP/JSON shape. Proto3 default values are omitted.

// Oneof members read their type's default from the prototype when absent, so presence is "own
// property" (protobufjs' oneof setter deletes the other members: the last one on the wire wins).
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function anyValue(m: PbAnyValue): AnyValue {
  if (has(m, "stringValue")) return { stringValue: m.stringValue! };
  if (has(m, "intValue")) return { intValue: int64String(m.intValue!) };
  if (has(m, "boolValue")) return { boolValue: m.boolValue! };
  if (has(m, "doubleValue")) return { doubleValue: m.doubleValue! };
  if (m.kvlistValue != null) return { kvlistValue: { values: keyValues(m.kvlistValue.values) } };
  if (m.arrayValue != null) {
    const src = m.arrayValue.values;
    const values: AnyValue[] = [];
    if (src) for (let i = 0; i < src.length; i++) values.push(anyValue(src[i]));
    return { arrayValue: { values } };
  }
  if (has(m, "bytesValue")) return { bytesValue: base64(m.bytesValue!) };
  return {};
}

function keyValues(src: PbKeyValue[] | undefined): KeyValue[] {
  const out: KeyValue[] = [];
  if (!src) return out;
  for (let i = 0; i < src.length; i++) {
    const kv = src[i];
    const v = kv.value;
    out.push(v != null ? { key: kv.key ?? "", value: anyValue(v) } : { key: kv.key ?? "" });
  }
  return out;
}

function resourceOf(m: PbResource): Resource {
  const o: Resource = {};
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function scopeOf(m: PbScope): InstrumentationScope {
  const o: InstrumentationScope = {};
  if (m.name) o.name = m.name;
  if (m.version) o.version = m.version;
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function logRecordOf(m: PbLogRecord): LogRecord {
  const o: LogRecord = {};
  if (!isZero64(m.timeUnixNano)) o.timeUnixNano = uint64String(m.timeUnixNano!);
  if (!isZero64(m.observedTimeUnixNano)) o.observedTimeUnixNano = uint64String(m.observedTimeUnixNano!);
  if (m.severityNumber) o.severityNumber = m.severityNumber;
  if (m.severityText) o.severityText = m.severityText;
  if (m.body != null) o.body = anyValue(m.body);
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  if (m.flags) o.flags = m.flags;
  if (m.traceId && m.traceId.length) o.traceId = hex(m.traceId);
  if (m.spanId && m.spanId.length) o.spanId = hex(m.spanId);
  if (m.eventName) o.eventName = m.eventName;
  return o;
}

function logsRequest(m: { resourceLogs?: PbResourceLogs[] }): ExportLogsServiceRequest {
  const out: ResourceLogs[] = [];
  const rls = m.resourceLogs ?? [];
  for (let i = 0; i < rls.length; i++) {
    const rl = rls[i];
    const o: ResourceLogs = {};
    if (rl.resource != null) o.resource = resourceOf(rl.resource);
    const sls = rl.scopeLogs;
    if (sls && sls.length) {
      const scopeLogs: ScopeLogs[] = [];
      for (let j = 0; j < sls.length; j++) {
        const sl = sls[j];
        const so: ScopeLogs = {};
        if (sl.scope != null) so.scope = scopeOf(sl.scope);
        const recs = sl.logRecords;
        if (recs && recs.length) {
          const logRecords: LogRecord[] = new Array(recs.length);
          for (let k = 0; k < recs.length; k++) logRecords[k] = logRecordOf(recs[k]);
          so.logRecords = logRecords;
        }
        if (sl.schemaUrl) so.schemaUrl = sl.schemaUrl;
        scopeLogs.push(so);
      }
      o.scopeLogs = scopeLogs;
    }
    if (rl.schemaUrl) o.schemaUrl = rl.schemaUrl;
    out.push(o);
  }
  return out.length ? { resourceLogs: out } : {};
}

function spanEventOf(m: PbSpanEvent): SpanEvent {
  const o: SpanEvent = {};
  if (!isZero64(m.timeUnixNano)) o.timeUnixNano = uint64String(m.timeUnixNano!);
  if (m.name) o.name = m.name;
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function spanLinkOf(m: PbSpanLink): SpanLink {
  const o: SpanLink = {};
  if (m.traceId && m.traceId.length) o.traceId = hex(m.traceId);
  if (m.spanId && m.spanId.length) o.spanId = hex(m.spanId);
  if (m.traceState) o.traceState = m.traceState;
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  if (m.flags) o.flags = m.flags;
  return o;
}

function spanOf(m: PbSpan): Span {
  const o: Span = {};
  if (m.traceId && m.traceId.length) o.traceId = hex(m.traceId);
  if (m.spanId && m.spanId.length) o.spanId = hex(m.spanId);
  if (m.traceState) o.traceState = m.traceState;
  if (m.parentSpanId && m.parentSpanId.length) o.parentSpanId = hex(m.parentSpanId);
  if (m.flags) o.flags = m.flags;
  if (m.name) o.name = m.name;
  if (m.kind) o.kind = m.kind;
  if (!isZero64(m.startTimeUnixNano)) o.startTimeUnixNano = uint64String(m.startTimeUnixNano!);
  if (!isZero64(m.endTimeUnixNano)) o.endTimeUnixNano = uint64String(m.endTimeUnixNano!);
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  if (m.events && m.events.length) o.events = m.events.map(spanEventOf);
  if (m.droppedEventsCount) o.droppedEventsCount = m.droppedEventsCount;
  if (m.links && m.links.length) o.links = m.links.map(spanLinkOf);
  if (m.droppedLinksCount) o.droppedLinksCount = m.droppedLinksCount;
  if (m.status != null) {
    const st: { message?: string; code?: number } = {};
    if (m.status.message) st.message = m.status.message;
    if (m.status.code) st.code = m.status.code;
    o.status = st;
  }
  return o;
}

function tracesRequest(m: { resourceSpans?: PbResourceSpans[] }): ExportTraceServiceRequest {
  const out: ResourceSpans[] = [];
  const rss = m.resourceSpans ?? [];
  for (let i = 0; i < rss.length; i++) {
    const rs = rss[i];
    const o: ResourceSpans = {};
    if (rs.resource != null) o.resource = resourceOf(rs.resource);
    const sss = rs.scopeSpans;
    if (sss && sss.length) {
      const scopeSpans: ScopeSpans[] = [];
      for (let j = 0; j < sss.length; j++) {
        const ss = sss[j];
        const so: ScopeSpans = {};
        if (ss.scope != null) so.scope = scopeOf(ss.scope);
        if (ss.spans && ss.spans.length) so.spans = ss.spans.map(spanOf);
        if (ss.schemaUrl) so.schemaUrl = ss.schemaUrl;
        scopeSpans.push(so);
      }
      o.scopeSpans = scopeSpans;
    }
    if (rs.schemaUrl) o.schemaUrl = rs.schemaUrl;
    out.push(o);
  }
  return out.length ? { resourceSpans: out } : {};
}

function exemplarOf(m: PbExemplar): Exemplar {
  const o: Exemplar = {};
  if (m.filteredAttributes && m.filteredAttributes.length) o.filteredAttributes = keyValues(m.filteredAttributes);
  if (!isZero64(m.timeUnixNano)) o.timeUnixNano = uint64String(m.timeUnixNano!);
  if (has(m, "asDouble")) o.asDouble = m.asDouble!;
  else if (has(m, "asInt")) o.asInt = int64String(m.asInt!);
  if (m.spanId && m.spanId.length) o.spanId = hex(m.spanId);
  if (m.traceId && m.traceId.length) o.traceId = hex(m.traceId);
  return o;
}

/** Common data point fields: attributes, start/time, exemplars, flags. */
function pointBase<
  O extends {
    attributes?: KeyValue[];
    startTimeUnixNano?: string;
    timeUnixNano?: string;
    exemplars?: Exemplar[];
    flags?: number;
  },
>(
  o: O,
  m: {
    attributes?: PbKeyValue[];
    startTimeUnixNano?: Int64;
    timeUnixNano?: Int64;
    exemplars?: PbExemplar[];
    flags?: number;
  },
): O {
  if (m.attributes && m.attributes.length) o.attributes = keyValues(m.attributes);
  if (!isZero64(m.startTimeUnixNano)) o.startTimeUnixNano = uint64String(m.startTimeUnixNano!);
  if (!isZero64(m.timeUnixNano)) o.timeUnixNano = uint64String(m.timeUnixNano!);
  if (m.exemplars && m.exemplars.length) o.exemplars = m.exemplars.map(exemplarOf);
  if (m.flags) o.flags = m.flags;
  return o;
}

function numberPointOf(m: PbNumberDataPoint): NumberDataPoint {
  const o = pointBase<NumberDataPoint>({}, m);
  if (has(m, "asDouble")) o.asDouble = m.asDouble!;
  else if (has(m, "asInt")) o.asInt = int64String(m.asInt!);
  return o;
}

function uint64Array(src: Int64[]): string[] {
  const out: string[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = uint64String(src[i]);
  return out;
}

function histogramPointOf(m: PbHistogramDataPoint): HistogramDataPoint {
  const o = pointBase<HistogramDataPoint>({}, m);
  if (!isZero64(m.count)) o.count = uint64String(m.count!);
  if (m.sum != null) o.sum = m.sum;
  if (m.bucketCounts && m.bucketCounts.length) o.bucketCounts = uint64Array(m.bucketCounts);
  if (m.explicitBounds && m.explicitBounds.length) o.explicitBounds = m.explicitBounds.slice();
  if (m.min != null) o.min = m.min;
  if (m.max != null) o.max = m.max;
  return o;
}

function bucketsOf(m: PbBuckets): { offset?: number; bucketCounts?: string[] } {
  const o: { offset?: number; bucketCounts?: string[] } = {};
  if (m.offset) o.offset = m.offset;
  if (m.bucketCounts && m.bucketCounts.length) o.bucketCounts = uint64Array(m.bucketCounts);
  return o;
}

function expHistogramPointOf(m: PbExponentialHistogramDataPoint): ExponentialHistogramDataPoint {
  const o = pointBase<ExponentialHistogramDataPoint>({}, m);
  if (!isZero64(m.count)) o.count = uint64String(m.count!);
  if (m.sum != null) o.sum = m.sum;
  if (m.scale) o.scale = m.scale;
  if (!isZero64(m.zeroCount)) o.zeroCount = uint64String(m.zeroCount!);
  if (m.positive != null) o.positive = bucketsOf(m.positive);
  if (m.negative != null) o.negative = bucketsOf(m.negative);
  if (m.min != null) o.min = m.min;
  if (m.max != null) o.max = m.max;
  if (m.zeroThreshold) o.zeroThreshold = m.zeroThreshold;
  return o;
}

function summaryPointOf(m: PbSummaryDataPoint): SummaryDataPoint {
  const o = pointBase<SummaryDataPoint>({}, m);
  if (!isZero64(m.count)) o.count = uint64String(m.count!);
  if (m.sum) o.sum = m.sum;
  if (m.quantileValues && m.quantileValues.length) {
    o.quantileValues = m.quantileValues.map((q) => {
      const qo: { quantile?: number; value?: number } = {};
      if (q.quantile) qo.quantile = q.quantile;
      if (q.value) qo.value = q.value;
      return qo;
    });
  }
  return o;
}

function metricOf(m: PbMetric): Metric {
  const o: Metric = {};
  if (m.name) o.name = m.name;
  if (m.description) o.description = m.description;
  if (m.unit) o.unit = m.unit;
  if (m.sum != null) {
    const s: NonNullable<Metric["sum"]> = {};
    if (m.sum.dataPoints && m.sum.dataPoints.length) s.dataPoints = m.sum.dataPoints.map(numberPointOf);
    if (m.sum.aggregationTemporality) s.aggregationTemporality = m.sum.aggregationTemporality;
    if (m.sum.isMonotonic) s.isMonotonic = true;
    o.sum = s;
  } else if (m.gauge != null) {
    const g: NonNullable<Metric["gauge"]> = {};
    if (m.gauge.dataPoints && m.gauge.dataPoints.length) g.dataPoints = m.gauge.dataPoints.map(numberPointOf);
    o.gauge = g;
  } else if (m.histogram != null) {
    const h: NonNullable<Metric["histogram"]> = {};
    if (m.histogram.dataPoints && m.histogram.dataPoints.length) {
      h.dataPoints = m.histogram.dataPoints.map(histogramPointOf);
    }
    if (m.histogram.aggregationTemporality) h.aggregationTemporality = m.histogram.aggregationTemporality;
    o.histogram = h;
  } else if (m.exponentialHistogram != null) {
    const e: NonNullable<Metric["exponentialHistogram"]> = {};
    const eh = m.exponentialHistogram;
    if (eh.dataPoints && eh.dataPoints.length) e.dataPoints = eh.dataPoints.map(expHistogramPointOf);
    if (eh.aggregationTemporality) e.aggregationTemporality = eh.aggregationTemporality;
    o.exponentialHistogram = e;
  } else if (m.summary != null) {
    const s: NonNullable<Metric["summary"]> = {};
    if (m.summary.dataPoints && m.summary.dataPoints.length) {
      s.dataPoints = m.summary.dataPoints.map(summaryPointOf);
    }
    o.summary = s;
  }
  if (m.metadata && m.metadata.length) o.metadata = keyValues(m.metadata);
  return o;
}

function metricsRequest(m: { resourceMetrics?: PbResourceMetrics[] }): ExportMetricsServiceRequest {
  const out: ResourceMetrics[] = [];
  const rms = m.resourceMetrics ?? [];
  for (let i = 0; i < rms.length; i++) {
    const rm = rms[i];
    const o: ResourceMetrics = {};
    if (rm.resource != null) o.resource = resourceOf(rm.resource);
    const sms = rm.scopeMetrics;
    if (sms && sms.length) {
      const scopeMetrics: ScopeMetrics[] = [];
      for (let j = 0; j < sms.length; j++) {
        const sm = sms[j];
        const so: ScopeMetrics = {};
        if (sm.scope != null) so.scope = scopeOf(sm.scope);
        if (sm.metrics && sm.metrics.length) so.metrics = sm.metrics.map(metricOf);
        if (sm.schemaUrl) so.schemaUrl = sm.schemaUrl;
        scopeMetrics.push(so);
      }
      o.scopeMetrics = scopeMetrics;
    }
    if (rm.schemaUrl) o.schemaUrl = rm.schemaUrl;
    out.push(o);
  }
  return out.length ? { resourceMetrics: out } : {};
}

// ---------------------------------------------------------------------------------------------
// Public API

function asBuffer(bytes: Uint8Array): Buffer {
  // A Buffer makes protobufjs use its BufferReader (native utf8Slice, zero-copy bytes).
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes an OTLP/HTTP protobuf request body (already gunzipped) into the OTLP/JSON shape.
 * Throws ProtobufDecodeError on malformed or truncated input.
 */
export function decodeProtobufRequest<S extends Signal>(signal: S, bytes: Uint8Array): ExportRequest<S> {
  const type = REQUEST_TYPES[signal];
  if (!type) throw new TypeError(`unknown OTLP signal: ${String(signal)}`);
  let msg: unknown;
  try {
    msg = type.decode(asBuffer(bytes));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ProtobufDecodeError(`invalid protobuf ${type.name}: ${detail}`, { cause: err });
  }
  // The casts below only name the shape protobufjs produced for the type just decoded.
  switch (signal) {
    case "logs":
      return logsRequest(msg as { resourceLogs?: PbResourceLogs[] }) as ExportRequest<S>;
    case "traces":
      return tracesRequest(msg as { resourceSpans?: PbResourceSpans[] }) as ExportRequest<S>;
    default:
      return metricsRequest(msg as { resourceMetrics?: PbResourceMetrics[] }) as ExportRequest<S>;
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
function toLong(v: unknown, unsigned: boolean): Long64 & { unsigned: boolean } | undefined {
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
