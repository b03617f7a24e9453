import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
// The SDK packages below are not direct dependencies: they come with @opentelemetry/otlp-transformer.
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { AggregationType, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import {
  decodeProtobufRequest,
  encodeProtobufRequest,
  encodeProtobufResponse,
  encodeProtobufStatus,
  ProtobufDecodeError,
} from "./proto";
import type { AnyValue, ExportRequest, KeyValue, Signal } from "./types";
import { NESTED_TOO_DEEP } from "./values";
import { normalizeLogs } from "@/lib/sources/logs";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures", import.meta.url));

interface Fixture {
  name: string; // relative path of the body file
  signal: Signal;
  body: Buffer; // gunzipped
  decodedFile: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const file of walk(FIXTURES)) {
    const m = /^(\d+)-(logs|metrics|traces)\.body\.pb(\.gz)?$/.exec(path.basename(file));
    if (!m) continue;
    const raw = fs.readFileSync(file);
    out.push({
      name: path.relative(FIXTURES, file),
      signal: m[2] as Signal,
      body: m[3] ? zlib.gunzipSync(raw) : raw,
      decodedFile: path.join(path.dirname(file), `${m[1]}-${m[2]}.decoded.json`),
    });
  }
  return out;
}

const fixtures = loadFixtures();

// ---- canonical form ------------------------------------------------------------------------
// Drops proto3 default values (0, "", false, "0", empty arrays) so that "absent" and "default"
// compare equal, writes 64-bit integers as decimal strings, sorts keys. Oneof members and proto3
// `optional` fields keep their defaults: there, presence is information.

const INT64_KEYS = new Set([
  "timeUnixNano",
  "observedTimeUnixNano",
  "startTimeUnixNano",
  "endTimeUnixNano",
  "count",
  "zeroCount",
  "intValue",
  "asInt",
  "bucketCounts",
]);
const PRESENCE_KEYS = new Set([
  "stringValue",
  "boolValue",
  "intValue",
  "doubleValue",
  "bytesValue",
  "asDouble",
  "asInt",
  "min",
  "max",
]);

function canon(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return INT64_KEYS.has(key) ? v.map((x) => String(x)) : v.map((x) => canon(x));
  }
  if (typeof v === "object" && v !== null) {
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) {
      const c = canon(src[k], k);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  if (INT64_KEYS.has(key) && (typeof v === "number" || typeof v === "string" || typeof v === "bigint")) {
    const s = String(v);
    return s === "0" && !PRESENCE_KEYS.has(key) ? undefined : s;
  }
  if (PRESENCE_KEYS.has(key)) return v;
  if (v === 0 || v === "" || v === false || v === null || v === undefined) return undefined;
  return v;
}

// ---- fixtures ---------------------------------------------------------------------------------

describe("decodeProtobufRequest on the captured fixtures", () => {
  it("finds the protobuf captures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(new Set(fixtures.map((f) => f.signal))).toEqual(new Set(["logs", "metrics", "traces"]));
    expect(fixtures.some((f) => f.name.endsWith(".gz"))).toBe(true);
  });

  for (const fx of fixtures) {
    it(`matches decoded.json: ${fx.name}`, () => {
      const expected: unknown = JSON.parse(fs.readFileSync(fx.decodedFile, "utf8"));
      const actual = decodeProtobufRequest(fx.signal, fx.body);
      expect(canon(actual)).toEqual(canon(expected));
    });
  }
});

describe("decoded shape", () => {
  it("writes ids as lower-case hex and 64-bit integers as decimal strings", () => {
    const fx = fixtures.find((f) => f.signal === "traces");
    expect(fx).toBeDefined();
    const req = decodeProtobufRequest("traces", fx!.body);
    const spans = req.resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!));
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (s.parentSpanId !== undefined) expect(s.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(s.startTimeUnixNano).toMatch(/^\d{19}$/);
      expect(typeof s.kind).toBe("number");
    }
    const logs = fixtures.find((f) => f.signal === "logs")!;
    const lreq = decodeProtobufRequest("logs", logs.body);
    const rec = lreq.resourceLogs![0].scopeLogs![0].logRecords![0];
    expect(rec.timeUnixNano).toMatch(/^\d{19}$/);
    expect(rec.traceId).toBeUndefined(); // empty bytes -> omitted
    const seq = rec.attributes!.find((a) => a.key === "event.sequence");
    expect(seq?.value).toEqual({ intValue: expect.stringMatching(/^\d+$/) });
  });

  it("decodes an empty body to an empty request", () => {
    expect(decodeProtobufRequest("logs", new Uint8Array(0))).toEqual({});
    expect(decodeProtobufRequest("metrics", new Uint8Array(0))).toEqual({});
  });
});

describe("encodeProtobufRequest", () => {
  for (const fx of fixtures) {
    it(`round-trips ${fx.name}`, () => {
      const decoded = decodeProtobufRequest(fx.signal, fx.body);
      const again = decodeProtobufRequest(fx.signal, encodeProtobufRequest(fx.signal, decoded));
      expect(again).toEqual(decoded);
      // and the official decoder's JSON is accepted as input too
      const official = JSON.parse(fs.readFileSync(fx.decodedFile, "utf8")) as ExportRequest<typeof fx.signal>;
      const fromOfficial = decodeProtobufRequest(fx.signal, encodeProtobufRequest(fx.signal, official));
      expect(canon(fromOfficial)).toEqual(canon(official));
    });
  }

  it("round-trips every AnyValue kind and 64-bit edge values", () => {
    const int64s = ["0", "1", "-1", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808"];
    const values: AnyValue[] = [
      { stringValue: "" },
      { stringValue: "héllo ✓ 🙂" },
      { boolValue: false },
      { boolValue: true },
      { doubleValue: 0 },
      { doubleValue: -1.5e-300 },
      ...int64s.map((intValue) => ({ intValue })),
      { bytesValue: Buffer.from([0, 1, 2, 250, 255]).toString("base64") },
      { arrayValue: { values: [{ stringValue: "a" }, { intValue: "2" }, {}] } },
      { kvlistValue: { values: [{ key: "k", value: { kvlistValue: { values: [{ key: "deep" }] } } }] } },
      {},
    ];
    const attributes: KeyValue[] = values.map((value, i) => ({ key: `k${i}`, value }));
    const req: ExportRequest<"logs"> = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }], droppedAttributesCount: 2 },
          scopeLogs: [
            {
              scope: { name: "scope", version: "1.0" },
              logRecords: [
                {
                  timeUnixNano: "18446744073709551615", // max uint64
                  observedTimeUnixNano: "1795313574512000001",
                  severityNumber: 17,
                  severityText: "ERROR",
                  body: { kvlistValue: { values: [{ key: "msg", value: { stringValue: "x" } }] } },
                  attributes,
                  droppedAttributesCount: 1,
                  flags: 0xffffffff,
                  traceId: "0123456789abcdef0123456789abcdef",
                  spanId: "fedcba9876543210",
                  eventName: "claude_code.user_prompt",
                },
              ],
              schemaUrl: "https://opentelemetry.io/schemas/1.30.0",
            },
          ],
          schemaUrl: "https://opentelemetry.io/schemas/1.29.0",
        },
      ],
    };
    const out = decodeProtobufRequest("logs", encodeProtobufRequest("logs", req));
    expect(out).toEqual(req);
  });

  it("converts random 64-bit integers exactly (signed and unsigned)", () => {
    let seed = 0x2545f491;
    const rnd32 = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const u64s: bigint[] = [];
    for (let i = 0; i < 2000; i++) {
      const bits = BigInt(rnd32()) * 4294967296n + BigInt(rnd32());
      u64s.push(i % 4 === 0 ? bits >> BigInt(rnd32() % 64) : bits); // mix of magnitudes
    }
    u64s.push(0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 10n ** 19n);
    const logRecords = u64s.map((u) => ({
      timeUnixNano: String(u),
      attributes: [{ key: "i", value: { intValue: String(BigInt.asIntN(64, u)) } }],
    }));
    const req: ExportRequest<"logs"> = { resourceLogs: [{ scopeLogs: [{ logRecords }] }] };
    const out = decodeProtobufRequest("logs", encodeProtobufRequest("logs", req));
    const recs = out.resourceLogs![0].scopeLogs![0].logRecords!;
    expect(recs).toHaveLength(u64s.length);
    recs.forEach((r, i) => {
      const u = u64s[i];
      expect(r.timeUnixNano ?? "0").toBe(String(u));
      expect(r.attributes![0].value).toEqual({ intValue: String(BigInt.asIntN(64, u)) });
    });
  });

  it("round-trips every metric type", () => {
    const exemplar = {
      filteredAttributes: [{ key: "a", value: { stringValue: "b" } }],
      timeUnixNano: "1795313574512000000",
      asInt: "-3",
      spanId: "00000000000000ff",
      traceId: "000000000000000000000000000000ff",
    };
    const base = { startTimeUnixNano: "1795313570000000000", timeUnixNano: "1795313574512000000", flags: 1 };
    const req: ExportRequest<"metrics"> = {
      resourceMetrics: [
        {
          resource: {},
          scopeMetrics: [
            {
              scope: { name: "m" },
              metrics: [
                { name: "g", unit: "1", gauge: { dataPoints: [{ ...base, asDouble: 0, exemplars: [exemplar] }] } },
                {
                  name: "s",
                  description: "d",
                  sum: { dataPoints: [{ ...base, asInt: "-42" }], aggregationTemporality: 2, isMonotonic: true },
                  metadata: [{ key: "x", value: { boolValue: true } }],
                },
                {
                  name: "h",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        ...base,
                        count: "18446744073709551615",
                        sum: 0,
                        bucketCounts: ["1", "0", "18446744073709551614"],
                        explicitBounds: [0.5, 10],
                        min: 0,
                        max: 99.5,
                        exemplars: [{ asDouble: 1.25 }],
                      },
                    ],
                  },
                },
                {
                  name: "eh",
                  exponentialHistogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        ...base,
                        count: "7",
                        sum: -2.5,
                        scale: -3,
                        zeroCount: "2",
                        positive: { offset: -5, bucketCounts: ["1", "2"] },
                        negative: { offset: 3, bucketCounts: ["4"] },
                        min: -1,
                        max: 3,
                        zeroThreshold: 1e-9,
                      },
                    ],
                  },
                },
                {
                  name: "sm",
                  summary: {
                    dataPoints: [
                      { ...base, count: "3", sum: 6.5, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 4 }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const out = decodeProtobufRequest("metrics", encodeProtobufRequest("metrics", req));
    expect(out).toEqual(req);
  });

  it("round-trips spans with events, links and status", () => {
    const req: ExportRequest<"traces"> = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "office-agent" } }] },
          scopeSpans: [
            {
              scope: { name: "office-agent", version: "1.0.0" },
              spans: [
                {
                  traceId: "5b8efff798038103d269b633813fc60c",
                  spanId: "eee19b7ec3c1b174",
                  parentSpanId: "eee19b7ec3c1b173",
                  traceState: "a=b",
                  flags: 257,
                  name: "agent.query",
                  kind: 2,
                  startTimeUnixNano: "1795313574512000000",
                  endTimeUnixNano: "1795313574999000000",
                  attributes: [{ key: "n", value: { intValue: "5" } }],
                  droppedAttributesCount: 1,
                  events: [{ timeUnixNano: "1795313574600000000", name: "exception", droppedAttributesCount: 3 }],
                  droppedEventsCount: 4,
                  links: [{ traceId: "5b8efff798038103d269b633813fc60d", spanId: "eee19b7ec3c1b175", flags: 1 }],
                  droppedLinksCount: 5,
                  status: { code: 2, message: "boom" },
                },
              ],
            },
          ],
        },
      ],
    };
    const out = decodeProtobufRequest("traces", encodeProtobufRequest("traces", req));
    expect(out).toEqual(req);
  });

  it("rejects ids that are not hex", () => {
    const req: ExportRequest<"traces"> = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz" }] }] }] };
    expect(() => encodeProtobufRequest("traces", req)).toThrow(/hex/);
  });
});

describe("malformed input", () => {
  for (const fx of fixtures) {
    it(`throws ProtobufDecodeError on a truncated ${fx.name}`, () => {
      const half = fx.body.subarray(0, Math.floor(fx.body.length / 2));
      expect(() => decodeProtobufRequest(fx.signal, half)).toThrow(ProtobufDecodeError);
    });
  }

  it("names the message type and the cause", () => {
    const fx = fixtures.find((f) => f.signal === "logs")!;
    let caught: unknown;
    try {
      decodeProtobufRequest("logs", new Uint8Array(fx.body.subarray(0, 100)));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtobufDecodeError);
    expect((caught as Error).message).toMatch(/^invalid protobuf ExportLogsServiceRequest: index out of range/);
    expect((caught as Error).name).toBe("ProtobufDecodeError");
  });

  it("limits nesting depth (moderate nesting decodes; a deeper AnyValue becomes the marker that rejects its record)", () => {
    const varint = (n: number): number[] => {
      const out: number[] = [];
      while (n > 127) {
        out.push((n & 127) | 128);
        n >>>= 7;
      }
      out.push(n);
      return out;
    };
    const field = (id: number, payload: number[]): number[] => [(id << 3) | 2, ...varint(payload.length), ...payload];
    const requestWithBody = (depth: number): Uint8Array => {
      let value = field(1, Array.from(Buffer.from("leaf"))); // AnyValue{string_value}
      for (let i = 0; i < depth; i++) value = field(5, field(1, value)); // AnyValue{array_value{values}}
      return Uint8Array.from(field(1, field(2, field(2, field(5, value))))); // request > resource_logs > scope_logs > log_records > body
    };
    const ok = decodeProtobufRequest("logs", requestWithBody(30));
    let v: AnyValue | undefined = ok.resourceLogs![0].scopeLogs![0].logRecords![0].body;
    for (let i = 0; i < 30; i++) v = v && "arrayValue" in v ? v.arrayValue.values[0] : undefined;
    expect(v).toEqual({ stringValue: "leaf" });
    // 200 levels: decoded down to the limit, then the rest of the value is skipped, not recursed into.
    const deep = decodeProtobufRequest("logs", requestWithBody(200));
    let depth = 0;
    v = deep.resourceLogs![0].scopeLogs![0].logRecords![0].body;
    while (v && "arrayValue" in v) {
      v = v.arrayValue.values[0];
      depth += 1;
    }
    expect(v).toBe(NESTED_TOO_DEEP);
    expect(depth).toBeGreaterThan(30);
    expect(depth).toBeLessThan(50);
    const batch = normalizeLogs(deep, new Date());
    expect(batch.events).toHaveLength(0);
    expect(batch.rejections).toEqual([expect.stringMatching(/nested too deeply/)]);
    // Structure nested too deep (not an AnyValue) still makes the request undecodable.
    const nestedGroups = Uint8Array.from([...Array(150).fill(0x0b), ...Array(150).fill(0x0c)]); // field 1, start/end group
    expect(() => decodeProtobufRequest("logs", nestedGroups)).toThrow(/invalid protobuf .*max depth/);
  });

  it("decodes invalid UTF-8 leniently (U+FFFD), like the JSON path", () => {
    const req: ExportRequest<"logs"> = {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: "ok-QQ-ok" } }] }] }],
    };
    const bytes = Buffer.from(encodeProtobufRequest("logs", req));
    const at = bytes.indexOf("QQ");
    bytes[at] = 0xff; // not valid anywhere in UTF-8
    const out = decodeProtobufRequest("logs", bytes);
    expect(out.resourceLogs![0].scopeLogs![0].logRecords![0].body).toEqual({ stringValue: "ok-\ufffdQ-ok" });
  });

  it("rejects garbage", () => {
    // field 1, wire type 2, length 100 with 2 bytes following
    expect(() => decodeProtobufRequest("traces", Uint8Array.from([0x0a, 100, 1, 2]))).toThrow(ProtobufDecodeError);
    // invalid wire type 7
    expect(() => decodeProtobufRequest("metrics", Uint8Array.from([0x0f, 0x00]))).toThrow(ProtobufDecodeError);
    // a JSON body sent with the protobuf content type
    expect(() => decodeProtobufRequest("logs", Buffer.from('{"resourceLogs":[]}'))).toThrow(ProtobufDecodeError);
  });
});

// ---- responses -----------------------------------------------------------------------------

describe("encodeProtobufResponse", () => {
  it("is read back by the OTel JS exporters' deserializers", () => {
    expect(ProtobufLogsSerializer.deserializeResponse(encodeProtobufResponse("logs"))).toEqual({});
    expect(ProtobufTraceSerializer.deserializeResponse(encodeProtobufResponse("traces"))).toEqual({});
    expect(ProtobufMetricsSerializer.deserializeResponse(encodeProtobufResponse("metrics"))).toEqual({});
    expect(encodeProtobufResponse("logs").length).toBe(0);

    const logs = ProtobufLogsSerializer.deserializeResponse(
      encodeProtobufResponse("logs", { rejected: 3, errorMessage: "3 log records rejected: bad" }),
    );
    expect(logs.partialSuccess).toEqual({ rejectedLogRecords: 3, errorMessage: "3 log records rejected: bad" });

    const spans = ProtobufTraceSerializer.deserializeResponse(
      encodeProtobufResponse("traces", { rejected: 300, errorMessage: "spans ✗" }),
    );
    expect(spans.partialSuccess).toEqual({ rejectedSpans: 300, errorMessage: "spans ✗" });

    const points = ProtobufMetricsSerializer.deserializeResponse(
      encodeProtobufResponse("metrics", { rejected: 70000, errorMessage: "too many" }),
    );
    expect(points.partialSuccess).toEqual({ rejectedDataPoints: 70000, errorMessage: "too many" });

    // rejected 0 is the proto3 default: an (empty-valued) partialSuccess is still sent
    const zero = ProtobufLogsSerializer.deserializeResponse(encodeProtobufResponse("logs", { rejected: 0, errorMessage: "warn" }));
    expect(zero.partialSuccess).toEqual({ errorMessage: "warn" });
  });
});

describe("encodeProtobufStatus", () => {
  it("encodes google.rpc.Status { code = 1, message = 2 }", () => {
    const bytes = encodeProtobufStatus(3, "bad");
    expect(Array.from(bytes)).toEqual([0x08, 3, 0x12, 3, ...Buffer.from("bad")]);
    const long = encodeProtobufStatus(8, "x".repeat(200));
    expect(Array.from(long.subarray(0, 5))).toEqual([0x08, 8, 0x12, 0xc8, 0x01]);
    expect(long.length).toBe(5 + 200);
  });
});

// ---- payloads from the OTel JS SDK serializers -----------------------------------------------
// otlp-transformer has its own protobuf writer (no protobufjs), so these check the field numbers
// and wire types of the descriptor against an independent implementation, and its JSON serializer
// gives the expected OTLP/JSON for the same records.

function jsonOf(bytes: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(bytes!).toString("utf8"));
}

describe("payloads from @opentelemetry/otlp-transformer", () => {
  it("decodes ProtobufLogsSerializer output from SDK log records", async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "claude-code", "service.version": "2.1.197" }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger("com.anthropic.claude_code.events", "2.1.197");
    const ctx = trace.setSpanContext(context.active(), {
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "eee19b7ec3c1b174",
      traceFlags: TraceFlags.SAMPLED,
    });
    logger.emit({
      timestamp: new Date("2026-11-22T02:12:54.512Z"),
      observedTimestamp: 1795313574512,
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      body: "claude_code.user_prompt",
      eventName: "user_prompt",
      context: ctx,
      attributes: {
        "event.name": "user_prompt",
        "event.sequence": 0,
        input_tokens: 1234,
        negative: -7,
        cost_usd: 0.008915000000000001,
        success: false,
        tags: ["a", "b"],
        nested: { depth: { n: 2 } },
        raw: new Uint8Array([1, 2, 255]),
      },
    });
    logger.emit({ body: { k: "v", n: 3 }, timestamp: 1795313574600 });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(2);

    const decoded = decodeProtobufRequest("logs", ProtobufLogsSerializer.serializeRequest(records)!);
    expect(canon(decoded)).toEqual(canon(jsonOf(JsonLogsSerializer.serializeRequest(records))));

    const [rl] = decoded.resourceLogs!;
    expect(rl.scopeLogs![0].scope).toEqual({ name: "com.anthropic.claude_code.events", version: "2.1.197" });
    const [first, second] = rl.scopeLogs![0].logRecords!;
    expect(first).toMatchObject({
      timeUnixNano: "1795313574512000000",
      observedTimeUnixNano: "1795313574512000000",
      severityNumber: 9,
      severityText: "INFO",
      body: { stringValue: "claude_code.user_prompt" },
      flags: 1,
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "eee19b7ec3c1b174",
      eventName: "user_prompt",
    });
    const attrs = Object.fromEntries(first.attributes!.map((a) => [a.key, a.value]));
    expect(attrs).toEqual({
      "event.name": { stringValue: "user_prompt" },
      "event.sequence": { intValue: "0" },
      input_tokens: { intValue: "1234" },
      negative: { intValue: "-7" },
      cost_usd: { doubleValue: 0.008915000000000001 },
      success: { boolValue: false },
      tags: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } },
      nested: {
        kvlistValue: { values: [{ key: "depth", value: { kvlistValue: { values: [{ key: "n", value: { intValue: "2" } }] } } }] },
      },
      raw: { bytesValue: Buffer.from([1, 2, 255]).toString("base64") },
    });
    expect(second.body).toEqual({
      kvlistValue: { values: [{ key: "k", value: { stringValue: "v" } }, { key: "n", value: { intValue: "3" } }] },
    });
    expect(second.traceId).toBeUndefined();
  });

  it("decodes ProtobufTraceSerializer output from SDK spans", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "office-agent" }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer("office-agent", "1.0.0");
    const root = tracer.startSpan("agent.query", {
      kind: SpanKind.SERVER,
      attributes: { "user.email": "arya.stark@westeros.example", "file.upload.count": 2, ok: true },
    });
    const child = tracer.startSpan(
      "agent.tool_execution",
      { links: [{ context: root.spanContext(), attributes: { why: "follows" } }] },
      trace.setSpan(context.active(), root),
    );
    child.addEvent("tool_error", { "error.message": "nope" });
    child.setStatus({ code: SpanStatusCode.ERROR, message: "tool failed" });
    child.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);

    const decoded = decodeProtobufRequest("traces", ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(canon(decoded)).toEqual(canon(jsonOf(JsonTraceSerializer.serializeRequest(spans))));

    const out = decoded.resourceSpans![0].scopeSpans![0].spans!;
    const c = out.find((s) => s.name === "agent.tool_execution")!;
    const r = out.find((s) => s.name === "agent.query")!;
    expect(c.parentSpanId).toBe(r.spanId);
    expect(c.traceId).toBe(r.traceId);
    expect(c.status).toEqual({ code: 2, message: "tool failed" });
    expect(r.status).toEqual({ code: 1 });
    expect(r.kind).toBe(2); // SPAN_KIND_SERVER
    expect(c.kind).toBe(1); // SPAN_KIND_INTERNAL
    expect(c.events![0].name).toBe("tool_error");
    expect(c.links![0]).toMatchObject({ traceId: r.traceId, spanId: r.spanId });
  });

  it("decodes ProtobufMetricsSerializer output for every SDK aggregation", async () => {
    class TestReader extends MetricReader {
      protected onShutdown(): Promise<void> {
        return Promise.resolve();
      }
      protected onForceFlush(): Promise<void> {
        return Promise.resolve();
      }
    }
    const reader = new TestReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "claude-code" }),
      readers: [reader],
      views: [
        { instrumentName: "exp", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
        { instrumentName: "hist", aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [1, 10] } } },
      ],
    });
    const meter = provider.getMeter("com.anthropic.claude_code", "2.1.197");
    meter.createCounter("claude_code.token.usage", { unit: "tokens" }).add(1234, { type: "input" });
    meter.createUpDownCounter("updown").add(-5);
    meter.createGauge("gauge").record(0.25, { g: true });
    const hist = meter.createHistogram("hist", { unit: "ms" });
    for (const v of [0.5, 5, 50, 7]) hist.record(v);
    const exp = meter.createHistogram("exp"); // (histogram instruments drop negative values)
    for (const v of [0, 0.001, 2, 2048, 2048]) exp.record(v);
    const { resourceMetrics } = await reader.collect();

    const decoded = decodeProtobufRequest("metrics", ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
    expect(canon(decoded)).toEqual(canon(jsonOf(JsonMetricsSerializer.serializeRequest(resourceMetrics))));

    const metrics = Object.fromEntries(decoded.resourceMetrics![0].scopeMetrics![0].metrics!.map((m) => [m.name, m]));
    expect(metrics["claude_code.token.usage"].sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(metrics["claude_code.token.usage"].sum!.dataPoints![0].asDouble).toBe(1234);
    expect(metrics["updown"].sum!.dataPoints![0].asDouble).toBe(-5);
    expect(metrics["gauge"].gauge!.dataPoints![0].asDouble).toBe(0.25);
    expect(metrics["hist"].histogram!.dataPoints![0]).toMatchObject({
      count: "4",
      sum: 62.5,
      min: 0.5,
      max: 50,
      explicitBounds: [1, 10],
      bucketCounts: ["1", "2", "1"],
    });
    const e = metrics["exp"].exponentialHistogram!.dataPoints![0];
    expect(e).toMatchObject({ count: "5", min: 0, max: 2048, zeroCount: "1", sum: 4098.001 });
    expect(e.scale).toBeLessThan(20);
    expect(e.positive!.bucketCounts!.reduce((n: number, x: string) => n + Number(x), 0)).toBe(4);
    await provider.shutdown();
  });
});
