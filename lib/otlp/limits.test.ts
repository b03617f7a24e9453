import { describe, expect, it } from "vitest";
import { listFixtureRequests } from "@/lib/testing/fixtures";
import { decodeJsonRequest } from "./json";
import { checkJsonValueCount, countRecords, TooManyObjectsError } from "./limits";
import { decodeProtobufRequest } from "./proto";

// The JSON pre-scan counts exactly the values JSON.parse creates (keys excluded), so its cap
// means the same thing as the protobuf reader's; both refuse past it.

/** Values in a parsed JSON document: objects, arrays, strings, numbers, literals; not keys. */
function valuesIn(v: unknown): number {
  if (Array.isArray(v)) return 1 + v.reduce((n: number, x) => n + valuesIn(x), 0);
  if (typeof v === "object" && v !== null) return 1 + Object.values(v).reduce((n: number, x) => n + valuesIn(x), 0);
  return 1;
}

function exactCount(text: string): number {
  const bytes = Buffer.from(text);
  const expected = valuesIn(JSON.parse(text));
  expect(() => checkJsonValueCount(bytes, expected)).not.toThrow();
  expect(() => checkJsonValueCount(bytes, expected - 1)).toThrow(TooManyObjectsError);
  return expected;
}

describe("JSON value count", () => {
  it("is exact on tricky text: escaped quotes and backslashes, brackets inside strings, spaces before colons, literals", () => {
    exactCount(String.raw`{"a" : "x\"}{[", "b\\":[1,-2.5e3,true,false,null,"\\"], "c":{ "d" :{}} , "e":[[],[{}]], "f":"é ✓ \u0022"}`);
    exactCount(`[ 1 , 2 ,\n"three" ]`);
    expect(exactCount(`{"resourceLogs":[${Array(100).fill("{}").join(",")}]}`)).toBe(102);
  });

  it("is exact on every captured OTLP/JSON request, and they decode under a cap of that count", () => {
    const json = listFixtureRequests().filter((f) => f.contentType === "application/json" && !f.contentEncoding);
    expect(json.length).toBeGreaterThan(10);
    for (const f of json) {
      const n = exactCount(f.body().toString("utf8"));
      expect(() => decodeJsonRequest(f.signal, f.body(), { maxObjects: n })).not.toThrow();
      expect(() => decodeJsonRequest(f.signal, f.body(), { maxObjects: n - 1 })).toThrow(TooManyObjectsError);
    }
  });
});

describe("protobuf object budget", () => {
  it("the captured requests decode within 150 objects per record, and not within a tiny budget", () => {
    const pb = listFixtureRequests().filter((f) => f.contentType === "application/x-protobuf" && !f.contentEncoding);
    expect(pb.length).toBeGreaterThan(10);
    for (const f of pb) {
      const records = countRecords(f.signal, decodeProtobufRequest(f.signal, f.body()));
      expect(() => decodeProtobufRequest(f.signal, f.body(), { maxObjects: 150 * Math.max(records, 1) })).not.toThrow();
      expect(() => decodeProtobufRequest(f.signal, f.body(), { maxObjects: 10 })).toThrow(TooManyObjectsError);
    }
  });

  it("counts elements of packed repeated scalars (histogram bucket counts)", () => {
    // ExportMetricsServiceRequest → ResourceMetrics → ScopeMetrics → Metric{histogram{dataPoints{bucket_counts packed}}}
    const counts = Buffer.alloc(8 * 1000); // 1000 fixed64 zeros
    const len = (field: number, payload: Buffer) => {
      const out: number[] = [];
      let n = payload.length;
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      return Buffer.concat([Buffer.from([(field << 3) | 2, ...out, n]), payload]);
    };
    const point = len(6, counts); // HistogramDataPoint.bucket_counts = 6
    const body = len(1, len(2, len(2, len(9, len(1, point))))); // Metric.histogram = 9, Histogram.data_points = 1
    expect(() => decodeProtobufRequest("metrics", body, { maxObjects: 1100 })).not.toThrow();
    expect(() => decodeProtobufRequest("metrics", body, { maxObjects: 900 })).toThrow(TooManyObjectsError);
  });
});

describe("countRecords", () => {
  it("counts log records, spans and data points, and ignores malformed shapes", () => {
    expect(countRecords("logs", { resourceLogs: [{ scopeLogs: [{ logRecords: [{}, {}] }, { logRecords: [{}] }] }] })).toBe(3);
    expect(countRecords("traces", { resourceSpans: [{ scopeSpans: [{ spans: [{}] }] }, {}] })).toBe(1);
    expect(countRecords("metrics", { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: { dataPoints: [{}, {}] } }, { gauge: { dataPoints: "x" } }] }] }] })).toBe(2);
    expect(countRecords("logs", { resourceLogs: "nope" })).toBe(0);
  });
});
