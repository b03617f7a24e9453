// opentelemetry-proto metrics: Metric with its gauge, sum, histogram, exponential histogram and
// summary data points, and exemplars.
import type { Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, KeyValue, Metric, NumberDataPoint, SummaryDataPoint } from "./types";
import { pushKeyValue } from "./wire-common";
import { bytes, double, endOf, fixed64, I64, i64ToDecimal, LEN, lengthEnd, pushMessage, Reader, setId, setNumber, setString, setUint64, skip, string, tag, u64ToDecimal, VARINT, varint32, varint64, zigzag32 } from "./wire-reader";

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

export function metric(r: Reader, end: number, depth: number): Metric {
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
