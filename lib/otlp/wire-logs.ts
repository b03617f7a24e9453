// opentelemetry-proto logs: LogRecord.
import type { LogRecord } from "./types";
import { anyValue, pushKeyValue } from "./wire-common";
import { bytes, endOf, fixed32, I32, I64, LEN, lengthEnd, Reader, setId, setNumber, setString, setUint64, skip, string, tag, VARINT, varint32 } from "./wire-reader";

export function logRecord(r: Reader, end: number, depth: number): LogRecord {
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
