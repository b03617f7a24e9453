// opentelemetry-proto trace: Span with its events, links and status.
import type { Span, SpanEvent, SpanLink } from "./types";
import { pushKeyValue } from "./wire-common";
import { bytes, endOf, fixed32, I32, I64, LEN, lengthEnd, pushMessage, Reader, setId, setNumber, setString, setUint64, skip, string, tag, VARINT, varint32 } from "./wire-reader";

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

export function span(r: Reader, end: number, depth: number): Span {
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
