import type {
  AnyValue,
  Exemplar,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
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
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from "./types";
import { toPostgresText } from "@/lib/db/postgres-values";
import { TooManyObjectsError } from "./limits";
import { NESTED_TOO_DEEP } from "./values";

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

export class WireError extends Error {}

const RECURSION_LIMIT = 100;
const TWO_32 = 4294967296;

// Wire types
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;

const tag = (field: number, wireType: number) => (field << 3) | wireType;

class Reader {
  pos = 0;
  /** The last 64-bit value read by varint64 / fixed64, as two uint32 halves. */
  lo = 0;
  hi = 0;
  private budget: number;
  constructor(readonly buf: Buffer, private readonly limit: number) {
    this.budget = limit;
  }

  /** One more object (or string) about to be created. */
  spend(): void {
    if (--this.budget < 0) throw new TooManyObjectsError(this.limit);
  }
}

function outOfRange(r: Reader, need: number, end: number): WireError {
  return new WireError(`index out of range: ${r.pos} + ${need} > ${end}`);
}

function varint32(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let result = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= buf.length) throw outOfRange(r, pos - r.pos + 1, buf.length);
    const b = buf[pos++];
    if (shift < 32) result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return result >>> 0;
    }
  }
  throw new WireError(`invalid varint encoding at offset ${r.pos}`);
}

/** Reads a varint into r.lo / r.hi. */
function varint64(r: Reader): void {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw outOfRange(r, pos - r.pos + 1, buf.length);
    const b = buf[pos++];
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28; // the low 4 bits go to lo, the rest to hi
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if (b < 0x80) {
      r.pos = pos;
      r.lo = lo >>> 0;
      r.hi = hi >>> 0;
      return;
    }
  }
  throw new WireError(`invalid varint encoding at offset ${r.pos}`);
}

function need(r: Reader, n: number): void {
  if (r.pos + n > r.buf.length) throw outOfRange(r, n, r.buf.length);
}

/** Reads 8 little-endian bytes into r.lo / r.hi. */
function fixed64(r: Reader): void {
  need(r, 8);
  r.lo = r.buf.readUInt32LE(r.pos);
  r.hi = r.buf.readUInt32LE(r.pos + 4);
  r.pos += 8;
}

function fixed32(r: Reader): number {
  need(r, 4);
  const v = r.buf.readUInt32LE(r.pos);
  r.pos += 4;
  return v;
}

function double(r: Reader): number {
  need(r, 8);
  const v = r.buf.readDoubleLE(r.pos);
  r.pos += 8;
  return v;
}

/** Reads a length prefix and returns where the value ends. */
function lengthEnd(r: Reader): number {
  r.spend();
  const n = varint32(r);
  const end = r.pos + n;
  if (end > r.buf.length) throw outOfRange(r, n, r.buf.length);
  return end;
}

// Buffer#utf8Slice: what toString("utf8", …) calls after checking its arguments (as protobufjs
// does too); invalid UTF-8 becomes U+FFFD.
type Utf8Slicer = { utf8Slice(start: number, end: number): string };

function string(r: Reader): string {
  const end = lengthEnd(r);
  // NUL is valid UTF-8 but not storable: U+FFFD, as the JSON path (lib/db/postgres-values.ts).
  const s = toPostgresText((r.buf as unknown as Utf8Slicer).utf8Slice(r.pos, end));
  r.pos = end;
  return s;
}

function bytes(r: Reader): Buffer {
  const end = lengthEnd(r);
  const b = r.buf.subarray(r.pos, end);
  r.pos = end;
  return b;
}

/** After a sub-message's fields: its length must have been exactly consumed. */
function endOf(r: Reader, end: number): void {
  if (r.pos !== end) throw new WireError(`index out of range: a field overruns its message (offset ${r.pos} > ${end})`);
}

function skip(r: Reader, t: number, depth: number): void {
  switch (t & 7) {
    case VARINT:
      varint64(r);
      return;
    case I64:
      need(r, 8);
      r.pos += 8;
      return;
    case LEN:
      r.pos = lengthEnd(r);
      return;
    case I32:
      need(r, 4);
      r.pos += 4;
      return;
    case SGROUP: {
      if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
      for (;;) {
        const inner = varint32(r);
        if ((inner & 7) === EGROUP) {
          if (inner >>> 3 !== t >>> 3) throw new WireError(`invalid end group tag at offset ${r.pos}`);
          return;
        }
        skip(r, inner, depth + 1);
      }
    }
    default:
      throw new WireError(`invalid wire type ${t & 7} at offset ${r.pos}`);
  }
}

// ---- scalar conversions -------------------------------------------------------------------

function pad7(n: number): string {
  const s = String(n);
  return s.length >= 7 ? s : "0000000".slice(s.length) + s;
}

/** Unsigned 64-bit (lo, hi as uint32) to decimal, exactly, without BigInt. */
export function u64ToDecimal(lo: number, hi: number): string {
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

/** Two's complement 64-bit (lo, hi as uint32) to decimal. */
export function i64ToDecimal(lo: number, hi: number): string {
  if (hi <= 0x7fffffff) return u64ToDecimal(lo, hi);
  let nlo = (~lo + 1) >>> 0;
  let nhi = ~hi >>> 0;
  if (nlo === 0) nhi = (nhi + 1) >>> 0;
  return "-" + u64ToDecimal(nlo, nhi);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** A fixed64 timestamp or count: decimal, or undefined for 0 (proto3 default). */
function uint64Field(r: Reader): string | undefined {
  fixed64(r);
  return r.lo === 0 && r.hi === 0 ? undefined : u64ToDecimal(r.lo, r.hi);
}

const zigzag32 = (n: number) => (n >>> 1) ^ -(n & 1);

// ---- common -------------------------------------------------------------------------------

function anyValue(r: Reader, end: number, depth: number): AnyValue {
  if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
  let out: AnyValue = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        out = { stringValue: string(r) };
        break;
      case tag(2, VARINT):
        varint64(r);
        out = { boolValue: r.lo !== 0 || r.hi !== 0 };
        break;
      case tag(3, VARINT):
        varint64(r);
        out = { intValue: i64ToDecimal(r.lo, r.hi) };
        break;
      case tag(4, I64):
        out = { doubleValue: double(r) };
        break;
      case tag(5, LEN): {
        const e = lengthEnd(r);
        out = valueFitsAt(depth) ? { arrayValue: { values: arrayValues(r, e, depth + 1) } } : skipTooDeep(r, e);
        break;
      }
      case tag(6, LEN): {
        const e = lengthEnd(r);
        out = valueFitsAt(depth) ? { kvlistValue: { values: keyValueList(r, e, depth + 1) } } : skipTooDeep(r, e);
        break;
      }
      case tag(7, LEN):
        out = { bytesValue: bytes(r).toString("base64") };
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return out;
}

/** Whether an array or kvlist inside an AnyValue at `depth` keeps its own AnyValues within the limit. */
const valueFitsAt = (depth: number) => depth + 3 <= RECURSION_LIMIT; // AnyValue > KeyValueList > KeyValue > AnyValue

/**
 * Too deep to decode: skip the nested value's bytes (its length is known, so no recursion) and
 * leave the marker normalization rejects, so only that record fails, not the whole request.
 */
function skipTooDeep(r: Reader, end: number): AnyValue {
  r.pos = end;
  return NESTED_TOO_DEEP;
}

/** ArrayValue { repeated AnyValue values = 1 } */
function arrayValues(r: Reader, end: number, depth: number): AnyValue[] {
  if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const t = varint32(r);
    if (t === tag(1, LEN)) {
      const e = lengthEnd(r);
      values.push(anyValue(r, e, depth + 1));
    } else skip(r, t, depth);
  }
  endOf(r, end);
  return values;
}

/** KeyValueList { repeated KeyValue values = 1 } */
function keyValueList(r: Reader, end: number, depth: number): KeyValue[] {
  if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
  const values: KeyValue[] = [];
  while (r.pos < end) {
    const t = varint32(r);
    if (t === tag(1, LEN)) {
      const e = lengthEnd(r);
      values.push(keyValue(r, e, depth + 1));
    } else skip(r, t, depth);
  }
  endOf(r, end);
  return values;
}

function keyValue(r: Reader, end: number, depth: number): KeyValue {
  if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
  let key = "";
  let value: AnyValue | undefined;
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        key = string(r);
        break;
      case tag(2, LEN): {
        const e = lengthEnd(r);
        value = anyValue(r, e, depth + 1);
        break;
      }
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return value !== undefined ? { key, value } : { key };
}

/** Appends one KeyValue (the value at r, of a repeated KeyValue field) to `list`. */
function pushKeyValue(r: Reader, list: KeyValue[] | undefined, depth: number): KeyValue[] {
  const e = lengthEnd(r);
  const out = list ?? [];
  out.push(keyValue(r, e, depth + 1));
  return out;
}

/** Reads one embedded message of a repeated field and appends it. */
function pushMessage<T>(r: Reader, list: T[] | undefined, depth: number, read: Read<T>): T[] {
  const e = lengthEnd(r);
  const out = list ?? [];
  out.push(read(r, e, depth + 1));
  return out;
}

type Read<T> = (r: Reader, end: number, depth: number) => T;

/**
 * The envelopes around the records: Resource{Logs,Spans,Metrics} and Scope{Logs,Spans,Metrics}
 * all have a header message = 1 (resource or scope), repeated items = 2, schema_url = 3.
 */
function envelope<O extends { schemaUrl?: string }>(headKey: keyof O, head: Read<unknown>, itemsKey: keyof O, item: Read<unknown>): Read<O> {
  return (r, end, depth) => {
    const o = {} as O;
    const out = o as Record<keyof O, unknown>;
    while (r.pos < end) {
      const t = varint32(r);
      switch (t) {
        case tag(1, LEN): {
          const e = lengthEnd(r);
          out[headKey] = head(r, e, depth + 1);
          break;
        }
        case tag(2, LEN):
          out[itemsKey] = pushMessage(r, out[itemsKey] as unknown[] | undefined, depth, item);
          break;
        case tag(3, LEN):
          setString(o, "schemaUrl", string(r));
          break;
        default:
          skip(r, t, depth);
      }
    }
    endOf(r, end);
    return o;
  };
}

function resource(r: Reader, end: number, depth: number): Resource {
  const o: Resource = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(2, VARINT): {
        const n = varint32(r);
        if (n) o.droppedAttributesCount = n;
        else delete o.droppedAttributesCount;
        break;
      }
      default:
        skip(r, t, depth); // entity_refs (3) and anything newer
    }
  }
  endOf(r, end);
  return o;
}

function scope(r: Reader, end: number, depth: number): InstrumentationScope {
  const o: InstrumentationScope = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN): {
        const s = string(r);
        if (s) o.name = s;
        else delete o.name;
        break;
      }
      case tag(2, LEN): {
        const s = string(r);
        if (s) o.version = s;
        else delete o.version;
        break;
      }
      case tag(3, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(4, VARINT): {
        const n = varint32(r);
        if (n) o.droppedAttributesCount = n;
        else delete o.droppedAttributesCount;
        break;
      }
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

/** Sets o[k] to a non-empty string, or removes it (a later empty occurrence wins too). */
function setString<O extends object, K extends keyof O>(o: O, k: K, s: string): void {
  if (s) o[k] = s as O[K];
  else delete o[k];
}

function setNumber<O extends object, K extends keyof O>(o: O, k: K, n: number): void {
  if (n) o[k] = n as O[K];
  else delete o[k];
}

function setId<O extends object, K extends keyof O>(o: O, k: K, b: Uint8Array): void {
  if (b.length) o[k] = hex(b) as O[K];
  else delete o[k];
}

function setUint64<O extends object, K extends keyof O>(o: O, k: K, r: Reader): void {
  const v = uint64Field(r);
  if (v !== undefined) o[k] = v as O[K];
  else delete o[k];
}

// ---- logs ---------------------------------------------------------------------------------

function logRecord(r: Reader, end: number, depth: number): LogRecord {
  const o: LogRecord = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, I64):
        setUint64(o, "timeUnixNano", r);
        break;
      case tag(11, I64):
        setUint64(o, "observedTimeUnixNano", r);
        break;
      case tag(2, VARINT):
        setNumber(o, "severityNumber", varint32(r) | 0);
        break;
      case tag(3, LEN):
        setString(o, "severityText", string(r));
        break;
      case tag(5, LEN): {
        const e = lengthEnd(r);
        o.body = anyValue(r, e, depth + 1);
        break;
      }
      case tag(6, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(7, VARINT):
        setNumber(o, "droppedAttributesCount", varint32(r));
        break;
      case tag(8, I32):
        setNumber(o, "flags", fixed32(r));
        break;
      case tag(9, LEN):
        setId(o, "traceId", bytes(r));
        break;
      case tag(10, LEN):
        setId(o, "spanId", bytes(r));
        break;
      case tag(12, LEN):
        setString(o, "eventName", string(r));
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

// ---- traces -------------------------------------------------------------------------------

function spanEvent(r: Reader, end: number, depth: number): SpanEvent {
  const o: SpanEvent = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, I64):
        setUint64(o, "timeUnixNano", r);
        break;
      case tag(2, LEN):
        setString(o, "name", string(r));
        break;
      case tag(3, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(4, VARINT):
        setNumber(o, "droppedAttributesCount", varint32(r));
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

function spanLink(r: Reader, end: number, depth: number): SpanLink {
  const o: SpanLink = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        setId(o, "traceId", bytes(r));
        break;
      case tag(2, LEN):
        setId(o, "spanId", bytes(r));
        break;
      case tag(3, LEN):
        setString(o, "traceState", string(r));
        break;
      case tag(4, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(5, VARINT):
        setNumber(o, "droppedAttributesCount", varint32(r));
        break;
      case tag(6, I32):
        setNumber(o, "flags", fixed32(r));
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

function status(r: Reader, end: number, depth: number): { message?: string; code?: number } {
  const o: { message?: string; code?: number } = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(2, LEN):
        setString(o, "message", string(r));
        break;
      case tag(3, VARINT):
        setNumber(o, "code", varint32(r) | 0);
        break;
      default:
        skip(r, t, depth); // 1 is the deprecated code
    }
  }
  endOf(r, end);
  return o;
}

function span(r: Reader, end: number, depth: number): Span {
  const o: Span = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        setId(o, "traceId", bytes(r));
        break;
      case tag(2, LEN):
        setId(o, "spanId", bytes(r));
        break;
      case tag(3, LEN):
        setString(o, "traceState", string(r));
        break;
      case tag(4, LEN):
        setId(o, "parentSpanId", bytes(r));
        break;
      case tag(16, I32):
        setNumber(o, "flags", fixed32(r));
        break;
      case tag(5, LEN):
        setString(o, "name", string(r));
        break;
      case tag(6, VARINT):
        setNumber(o, "kind", varint32(r) | 0);
        break;
      case tag(7, I64):
        setUint64(o, "startTimeUnixNano", r);
        break;
      case tag(8, I64):
        setUint64(o, "endTimeUnixNano", r);
        break;
      case tag(9, LEN):
        o.attributes = pushKeyValue(r, o.attributes, depth);
        break;
      case tag(10, VARINT):
        setNumber(o, "droppedAttributesCount", varint32(r));
        break;
      case tag(11, LEN):
        o.events = pushMessage(r, o.events, depth, spanEvent);
        break;
      case tag(12, VARINT):
        setNumber(o, "droppedEventsCount", varint32(r));
        break;
      case tag(13, LEN):
        o.links = pushMessage(r, o.links, depth, spanLink);
        break;
      case tag(14, VARINT):
        setNumber(o, "droppedLinksCount", varint32(r));
        break;
      case tag(15, LEN): {
        const e = lengthEnd(r);
        o.status = status(r, e, depth + 1);
        break;
      }
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

// ---- metrics ------------------------------------------------------------------------------

/** Appends the values of a repeated scalar field, packed (LEN) or one per tag, read by `one`. */
function repeatedScalars<T>(r: Reader, t: number, list: T[] | undefined, one: (r: Reader) => T): T[] {
  const out = list ?? [];
  if ((t & 7) === LEN) {
    const end = lengthEnd(r);
    while (r.pos < end) {
      r.spend();
      out.push(one(r));
    }
    endOf(r, end);
  } else {
    r.spend();
    out.push(one(r));
  }
  return out;
}

const fixed64Decimal = (r: Reader) => {
  fixed64(r);
  return u64ToDecimal(r.lo, r.hi);
};

const varintDecimal = (r: Reader) => {
  varint64(r);
  return u64ToDecimal(r.lo, r.hi);
};

function sfixed64String(r: Reader): string {
  fixed64(r);
  return i64ToDecimal(r.lo, r.hi);
}

function exemplar(r: Reader, end: number, depth: number): Exemplar {
  const o: Exemplar = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(7, LEN):
        o.filteredAttributes = pushKeyValue(r, o.filteredAttributes, depth);
        break;
      case tag(2, I64):
        setUint64(o, "timeUnixNano", r);
        break;
      case tag(3, I64):
        delete o.asInt;
        o.asDouble = double(r);
        break;
      case tag(6, I64):
        delete o.asDouble;
        o.asInt = sfixed64String(r);
        break;
      case tag(4, LEN):
        setId(o, "spanId", bytes(r));
        break;
      case tag(5, LEN):
        setId(o, "traceId", bytes(r));
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

type PointBase = { attributes?: KeyValue[]; startTimeUnixNano?: string; timeUnixNano?: string; exemplars?: Exemplar[]; flags?: number };

/** Reads a field every data point type has (attributes, times, exemplars, flags); false if `t` is not one. */
function pointBaseField(
  r: Reader,
  o: PointBase,
  t: number,
  depth: number,
  fields: { attributes: number; exemplars: number; flags: number },
): boolean {
  if (t === tag(fields.attributes, LEN)) o.attributes = pushKeyValue(r, o.attributes, depth);
  else if (t === tag(2, I64)) setUint64(o, "startTimeUnixNano", r);
  else if (t === tag(3, I64)) setUint64(o, "timeUnixNano", r);
  else if (t === tag(fields.exemplars, LEN)) o.exemplars = pushMessage(r, o.exemplars, depth, exemplar);
  else if (t === tag(fields.flags, VARINT)) setNumber(o, "flags", varint32(r));
  else return false;
  return true;
}

const NUMBER_POINT = { attributes: 7, exemplars: 5, flags: 8 };
const HISTOGRAM_POINT = { attributes: 9, exemplars: 8, flags: 10 };
const EXP_HISTOGRAM_POINT = { attributes: 1, exemplars: 11, flags: 10 };
const SUMMARY_POINT = { attributes: 7, exemplars: -1, flags: 8 };

function numberPoint(r: Reader, end: number, depth: number): NumberDataPoint {
  const o: NumberDataPoint = {};
  while (r.pos < end) {
    const t = varint32(r);
    if (pointBaseField(r, o, t, depth, NUMBER_POINT)) continue;
    if (t === tag(4, I64)) {
      delete o.asInt;
      o.asDouble = double(r);
    } else if (t === tag(6, I64)) {
      delete o.asDouble;
      o.asInt = sfixed64String(r);
    } else skip(r, t, depth);
  }
  endOf(r, end);
  return o;
}

function histogramPoint(r: Reader, end: number, depth: number): HistogramDataPoint {
  const o: HistogramDataPoint = {};
  while (r.pos < end) {
    const t = varint32(r);
    if (pointBaseField(r, o, t, depth, HISTOGRAM_POINT)) continue;
    switch (t) {
      case tag(4, I64):
        setUint64(o, "count", r);
        break;
      case tag(5, I64):
        o.sum = double(r);
        break;
      case tag(6, LEN):
      case tag(6, I64):
        o.bucketCounts = repeatedScalars(r, t, o.bucketCounts, fixed64Decimal);
        break;
      case tag(7, LEN):
      case tag(7, I64):
        o.explicitBounds = repeatedScalars(r, t, o.explicitBounds, double);
        break;
      case tag(11, I64):
        o.min = double(r);
        break;
      case tag(12, I64):
        o.max = double(r);
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  if (o.bucketCounts && !o.bucketCounts.length) delete o.bucketCounts;
  if (o.explicitBounds && !o.explicitBounds.length) delete o.explicitBounds;
  return o;
}

function buckets(r: Reader, end: number, depth: number): { offset?: number; bucketCounts?: string[] } {
  const o: { offset?: number; bucketCounts?: string[] } = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, VARINT):
        setNumber(o, "offset", zigzag32(varint32(r)));
        break;
      case tag(2, LEN):
      case tag(2, VARINT):
        o.bucketCounts = repeatedScalars(r, t, o.bucketCounts, varintDecimal);
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  if (o.bucketCounts && !o.bucketCounts.length) delete o.bucketCounts;
  return o;
}

function expHistogramPoint(r: Reader, end: number, depth: number): ExponentialHistogramDataPoint {
  const o: ExponentialHistogramDataPoint = {};
  while (r.pos < end) {
    const t = varint32(r);
    if (pointBaseField(r, o, t, depth, EXP_HISTOGRAM_POINT)) continue;
    switch (t) {
      case tag(4, I64):
        setUint64(o, "count", r);
        break;
      case tag(5, I64):
        o.sum = double(r);
        break;
      case tag(6, VARINT):
        setNumber(o, "scale", zigzag32(varint32(r)));
        break;
      case tag(7, I64):
        setUint64(o, "zeroCount", r);
        break;
      case tag(8, LEN): {
        const e = lengthEnd(r);
        o.positive = buckets(r, e, depth + 1);
        break;
      }
      case tag(9, LEN): {
        const e = lengthEnd(r);
        o.negative = buckets(r, e, depth + 1);
        break;
      }
      case tag(12, I64):
        o.min = double(r);
        break;
      case tag(13, I64):
        o.max = double(r);
        break;
      case tag(14, I64):
        setNumber(o, "zeroThreshold", double(r));
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

function quantile(r: Reader, end: number, depth: number): { quantile?: number; value?: number } {
  const o: { quantile?: number; value?: number } = {};
  while (r.pos < end) {
    const t = varint32(r);
    if (t === tag(1, I64)) setNumber(o, "quantile", double(r));
    else if (t === tag(2, I64)) setNumber(o, "value", double(r));
    else skip(r, t, depth);
  }
  endOf(r, end);
  return o;
}

function summaryPoint(r: Reader, end: number, depth: number): SummaryDataPoint {
  const o: SummaryDataPoint = {};
  while (r.pos < end) {
    const t = varint32(r);
    if (pointBaseField(r, o, t, depth, SUMMARY_POINT)) continue;
    switch (t) {
      case tag(4, I64):
        setUint64(o, "count", r);
        break;
      case tag(5, I64):
        setNumber(o, "sum", double(r));
        break;
      case tag(6, LEN):
        o.quantileValues = pushMessage(r, o.quantileValues, depth, quantile);
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

/** Gauge / Sum / Histogram / ExponentialHistogram / Summary: data points plus temporality and monotonicity. */
function metricData<P>(
  r: Reader,
  end: number,
  depth: number,
  point: (r: Reader, end: number, depth: number) => P,
): { dataPoints?: P[]; aggregationTemporality?: number; isMonotonic?: boolean } {
  const o: { dataPoints?: P[]; aggregationTemporality?: number; isMonotonic?: boolean } = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        o.dataPoints = pushMessage(r, o.dataPoints, depth, point);
        break;
      case tag(2, VARINT):
        setNumber(o, "aggregationTemporality", varint32(r) | 0);
        break;
      case tag(3, VARINT):
        varint64(r);
        if (r.lo !== 0 || r.hi !== 0) o.isMonotonic = true;
        else delete o.isMonotonic;
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return o;
}

function metric(r: Reader, end: number, depth: number): Metric {
  const o: Metric = {};
  // The data oneof: the last one on the wire wins.
  let data: Pick<Metric, "gauge" | "sum" | "histogram" | "exponentialHistogram" | "summary"> = {};
  while (r.pos < end) {
    const t = varint32(r);
    switch (t) {
      case tag(1, LEN):
        setString(o, "name", string(r));
        break;
      case tag(2, LEN):
        setString(o, "description", string(r));
        break;
      case tag(3, LEN):
        setString(o, "unit", string(r));
        break;
      case tag(5, LEN): {
        const e = lengthEnd(r);
        const { dataPoints } = metricData(r, e, depth + 1, numberPoint);
        data = { gauge: dataPoints ? { dataPoints } : {} };
        break;
      }
      case tag(7, LEN): {
        const e = lengthEnd(r);
        data = { sum: metricData(r, e, depth + 1, numberPoint) };
        break;
      }
      case tag(9, LEN): {
        const e = lengthEnd(r);
        const { dataPoints, aggregationTemporality } = metricData(r, e, depth + 1, histogramPoint);
        data = { histogram: { ...(dataPoints && { dataPoints }), ...(aggregationTemporality && { aggregationTemporality }) } };
        break;
      }
      case tag(10, LEN): {
        const e = lengthEnd(r);
        const { dataPoints, aggregationTemporality } = metricData(r, e, depth + 1, expHistogramPoint);
        data = { exponentialHistogram: { ...(dataPoints && { dataPoints }), ...(aggregationTemporality && { aggregationTemporality }) } };
        break;
      }
      case tag(11, LEN): {
        const e = lengthEnd(r);
        const { dataPoints } = metricData(r, e, depth + 1, summaryPoint);
        data = { summary: dataPoints ? { dataPoints } : {} };
        break;
      }
      case tag(12, LEN):
        o.metadata = pushKeyValue(r, o.metadata, depth);
        break;
      default:
        skip(r, t, depth);
    }
  }
  endOf(r, end);
  return Object.assign(o, data);
}

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
