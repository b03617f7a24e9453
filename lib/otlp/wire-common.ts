// opentelemetry-proto common and resource messages: AnyValue, KeyValue, Resource, the
// InstrumentationScope, and the Resource*/Scope* envelopes shared by logs, traces and metrics.
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from "./types";
import { NESTED_TOO_DEEP } from "./values";
import { bytes, double, endOf, I64, i64ToDecimal, LEN, lengthEnd, pushMessage, type Read, Reader, RECURSION_LIMIT, setString, skip, string, tag, VARINT, varint32, varint64, WireError } from "./wire-reader";

export function anyValue(r: Reader, end: number, depth: number): AnyValue {
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
export function pushKeyValue(r: Reader, list: KeyValue[] | undefined, depth: number): KeyValue[] {
  const e = lengthEnd(r);
  const out = list ?? [];
  out.push(keyValue(r, e, depth + 1));
  return out;
}
/**
 * The envelopes around the records: Resource{Logs,Spans,Metrics} and Scope{Logs,Spans,Metrics}
 * all have a header message = 1 (resource or scope), repeated items = 2, schema_url = 3.
 */
export function envelope<O extends { schemaUrl?: string }>(headKey: keyof O, head: Read<unknown>, itemsKey: keyof O, item: Read<unknown>): Read<O> {
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

export function resource(r: Reader, end: number, depth: number): Resource {
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

export function scope(r: Reader, end: number, depth: number): InstrumentationScope {
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
