import { describe, expect, it } from "vitest";
import { decodeProtobufRequest, encodeProtobufRequest, ProtobufDecodeError } from "./proto";
import { i64ToDecimal, u64ToDecimal } from "./proto-decode";
import type { ExportLogsServiceRequest } from "./types";

// The wire rules of the hand-written reader that encoders in the wild may exercise and the
// protobufjs round-trips in proto.test.ts do not: unknown fields, wire-type mismatches,
// split repeated fields, oneof overrides, packed and unpacked scalars, malformed lengths.

/** A minimal protobuf writer: fields as byte arrays. */
function varint(n: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 127n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wireType: number) => varint((field << 3) | wireType);
const len = (field: number, payload: number[]) => [...key(field, 2), ...varint(payload.length), ...payload];
const str = (field: number, s: string) => len(field, [...Buffer.from(s, "utf8")]);
const vint = (field: number, n: bigint | number) => [...key(field, 0), ...varint(n)];
const fixed64 = (field: number, n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return [...key(field, 1), ...b];
};
const dbl = (field: number, x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...key(field, 1), ...b];
};
const fixed32 = (field: number, n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...key(field, 5), ...b];
};

/** request > resourceLogs > scopeLogs > logRecords: one LogRecord made of `fields`. */
const logsWith = (...record: number[][]) => Uint8Array.from(len(1, len(2, len(2, record.flat()))));
const recordOf = (bytes: Uint8Array) => decodeProtobufRequest("logs", bytes).resourceLogs![0].scopeLogs![0].logRecords![0];
const attr = (k: string, value: number[]) => len(6, [...str(1, k), ...len(2, value)]);

describe("protobuf reader: wire rules", () => {
  it("skips unknown fields of every wire type, at the top and nested", () => {
    const group = [...key(99, 3), ...vint(1, 5), ...str(2, "x"), ...key(99, 4)];
    const unknown = [...vint(90, 7), ...fixed64(91, 1n), ...str(92, "junk"), ...fixed32(93, 4), ...group];
    const plain = recordOf(logsWith(str(12, "user_prompt"), attr("a", str(1, "b"))));
    const noisy = recordOf(logsWith(unknown, str(12, "user_prompt"), unknown, attr("a", [...unknown, ...str(1, "b")])));
    expect(noisy).toEqual(plain);
    expect(plain).toEqual({ eventName: "user_prompt", attributes: [{ key: "a", value: { stringValue: "b" } }] });
    const top = [...decodeProtobufRequest("logs", logsWith(str(12, "e")))["resourceLogs"]!];
    expect(decodeProtobufRequest("logs", Uint8Array.from([...unknown, ...logsWith(str(12, "e"))]))).toEqual({ resourceLogs: top });
  });

  it("skips a known field sent with another wire type instead of misreading it", () => {
    // timeUnixNano is fixed64; as a varint it is not a timestamp.
    expect(recordOf(logsWith(vint(1, 123), str(12, "e")))).toEqual({ eventName: "e" });
  });

  it("keeps every element of a repeated field split around other fields", () => {
    const rec = recordOf(logsWith(attr("a", str(1, "1")), str(12, "e"), attr("b", str(1, "2"))));
    expect(rec.attributes!.map((a) => a.key)).toEqual(["a", "b"]);
  });

  it("takes the last member of a oneof and the last value of a singular field", () => {
    const rec = recordOf(logsWith(attr("v", [...str(1, "text"), ...vint(3, -5)]), str(12, "first"), str(12, "second")));
    expect(rec.attributes![0].value).toEqual({ intValue: "-5" });
    expect(rec.eventName).toBe("second");
  });

  it("reads negative int32 enums (ten-byte varints) and unsigned 64-bit extremes", () => {
    expect(recordOf(logsWith(vint(2, -1))).severityNumber).toBe(-1);
    expect(recordOf(logsWith(fixed64(1, 2n ** 64n - 1n))).timeUnixNano).toBe("18446744073709551615");
    expect(recordOf(logsWith(attr("n", vint(3, -(2n ** 63n))))).attributes![0].value).toEqual({ intValue: "-9223372036854775808" });
  });

  it("reads histogram buckets packed and unpacked alike", () => {
    const point = (counts: number[], bounds: number[]) => {
      const metric = [...str(1, "h"), ...len(9, [...len(1, [...counts, ...bounds]), ...vint(2, 2)])];
      // request > resourceMetrics > scopeMetrics > metrics
      return decodeProtobufRequest("metrics", Uint8Array.from(len(1, len(2, len(2, metric))))).resourceMetrics![0].scopeMetrics![0].metrics![0];
    };
    const u64 = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      return [...b];
    };
    const f64 = (x: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(x);
      return [...b];
    };
    const packed = point(len(6, [...u64(1n), ...u64(2n)]), len(7, [...f64(0.5), ...f64(1.5)]));
    const unpacked = point([...fixed64(6, 1n), ...fixed64(6, 2n)], [...dbl(7, 0.5), ...dbl(7, 1.5)]);
    expect(unpacked).toEqual(packed);
    expect(packed.histogram).toEqual({ dataPoints: [{ bucketCounts: ["1", "2"], explicitBounds: [0.5, 1.5] }], aggregationTemporality: 2 });
  });

  it("rejects a field that runs past the end of its message, and a group that never ends", () => {
    // The attribute claims 2 bytes; its key string claims 5 of them.
    const overrun = Uint8Array.from(len(1, len(2, len(2, [...key(6, 2), 2, ...key(1, 2), 5]))));
    expect(() => decodeProtobufRequest("logs", Uint8Array.from([...overrun, 1, 2, 3, 4, 5]))).toThrow(ProtobufDecodeError);
    expect(() => decodeProtobufRequest("logs", Uint8Array.from([...key(99, 3), ...vint(1, 1)]))).toThrow(/invalid protobuf ExportLogsServiceRequest: index out of range/);
    expect(() => decodeProtobufRequest("logs", Uint8Array.from([...key(1, 2), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/invalid varint/);
  });

  it("agrees with protobufjs on a request that uses every log record field", () => {
    const request: ExportLogsServiceRequest = {
      resourceLogs: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }], droppedAttributesCount: 2 },
        scopeLogs: [{
          scope: { name: "s", version: "1", attributes: [{ key: "k", value: { boolValue: true } }], droppedAttributesCount: 1 },
          logRecords: [{
            timeUnixNano: "1795313549686000001", observedTimeUnixNano: "1795313549686000002", severityNumber: 9, severityText: "INFO",
            body: { kvlistValue: { values: [{ key: "x", value: { arrayValue: { values: [{ doubleValue: 1.25 }, { bytesValue: "AQID" }, {}] } } }] } },
            attributes: [{ key: "empty" }, { key: "i", value: { intValue: "-42" } }], droppedAttributesCount: 3, flags: 1,
            traceId: "0102030405060708090a0b0c0d0e0f10", spanId: "0102030405060708", eventName: "api_request",
          }],
          schemaUrl: "https://opentelemetry.io/schemas/1.30.0",
        }],
        schemaUrl: "https://opentelemetry.io/schemas/1.30.0",
      }],
    };
    expect(decodeProtobufRequest("logs", encodeProtobufRequest("logs", request))).toEqual(request);
  });
});

describe("64-bit decimal conversion", () => {
  it("matches BigInt on random and edge values", () => {
    const values = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (let i = 0; i < 2000; i++) values.push(BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(Math.random() * 2 ** 32))));
    for (const v of values) {
      const lo = Number(v & 0xffffffffn);
      const hi = Number(v >> 32n);
      expect(u64ToDecimal(lo, hi)).toBe(v.toString());
      expect(i64ToDecimal(lo, hi)).toBe(BigInt.asIntN(64, v).toString());
    }
  });
});
