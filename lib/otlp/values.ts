import type { AnyValue, KeyValue } from "./types";

// Conversions from OTLP values to plain JSON, shared by every signal. Malformed values throw
// RecordError so that one bad record is rejected (partialSuccess) without losing its neighbours.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Attributes = Record<string, JsonValue>;

export class RecordError extends Error {}

const MAX_DEPTH = 32;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** int64 from OTLP/JSON (decimal string or number) or protobuf (decimal string). */
export function readInt64(v: unknown, what: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") {
    if (!/^-?\d{1,20}$/.test(v)) throw new RecordError(`${what} is not an integer: "${v.slice(0, 40)}"`);
    return BigInt(v);
  }
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new RecordError(`${what} is not an integer: ${v}`);
    return BigInt(v);
  }
  // opentelemetry-js 0.44.0 briefly sent {low, high} objects for 64-bit values.
  if (isObject(v) && typeof v.low === "number" && typeof v.high === "number") {
    return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  }
  throw new RecordError(`${what} has an invalid type (${typeof v})`);
}

const INT8_MAX = 9_223_372_036_854_775_807n;

/** Nanosecond timestamp; 0 means "not set" in OTLP. Stored as bigint: past 2262 it is refused. */
export function readNanos(v: unknown, what: string): bigint | undefined {
  const n = readInt64(v, what);
  if (n === undefined || n === 0n) return undefined;
  if (n < 0n) throw new RecordError(`${what} is negative`);
  if (n > INT8_MAX) throw new RecordError(`${what} is out of range (after the year 2262)`);
  return n;
}

/** An integer that fits an int4 (Postgres integer) column, else null. */
export function int32OrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v >= -2_147_483_648 && v <= 2_147_483_647 ? v : null;
}

export function nanosToDate(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}

/** Trace/span id as lower-case hex of the given byte length; empty means absent. */
export function readId(v: unknown, bytes: 8 | 16, what: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new RecordError(`${what} must be a hex string`);
  const hex = v.toLowerCase();
  if (hex.length !== bytes * 2 || !/^[0-9a-f]+$/.test(hex)) {
    throw new RecordError(`${what} must be ${bytes * 2} hex characters, got "${v.slice(0, 40)}"`);
  }
  if (/^0+$/.test(hex)) return undefined;
  return hex;
}

/** What the protobuf reader leaves for an AnyValue nested deeper than it decodes. */
export const NESTED_TOO_DEEP: AnyValue = Object.freeze({});

export function anyValueToJson(v: unknown, depth = 0): JsonValue {
  if (v === undefined || v === null) return null;
  if (v === NESTED_TOO_DEEP) throw new RecordError("attribute value nested too deeply");
  if (!isObject(v)) throw new RecordError("attribute value must be an AnyValue object");
  if (depth > MAX_DEPTH) throw new RecordError("attribute value nested too deeply");
  const av = v as AnyValue & Record<string, unknown>;
  if ("stringValue" in av && av.stringValue !== undefined) {
    if (typeof av.stringValue !== "string") throw new RecordError("stringValue must be a string");
    return av.stringValue;
  }
  if ("boolValue" in av && av.boolValue !== undefined) {
    if (typeof av.boolValue !== "boolean") throw new RecordError("boolValue must be a boolean");
    return av.boolValue;
  }
  if ("intValue" in av && av.intValue !== undefined) {
    const n = readInt64(av.intValue, "intValue")!;
    // Keep integers beyond 2^53 exact, as strings.
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
  }
  if ("doubleValue" in av && av.doubleValue !== undefined) {
    const d = av.doubleValue as unknown;
    if (typeof d === "number") return Number.isFinite(d) ? d : String(d);
    // proto3 JSON spells non-finite doubles as strings.
    if (typeof d === "string" && (d === "NaN" || d === "Infinity" || d === "-Infinity")) return d;
    if (typeof d === "string" && d.trim() !== "" && Number.isFinite(Number(d))) return Number(d);
    throw new RecordError("doubleValue must be a number");
  }
  if ("arrayValue" in av && av.arrayValue !== undefined) {
    const values = (av.arrayValue as { values?: unknown }).values ?? [];
    if (!Array.isArray(values)) throw new RecordError("arrayValue.values must be an array");
    return values.map((x) => anyValueToJson(x, depth + 1));
  }
  if ("kvlistValue" in av && av.kvlistValue !== undefined) {
    const values = (av.kvlistValue as { values?: unknown }).values ?? [];
    return attributesToJson(values, depth + 1);
  }
  if ("bytesValue" in av && av.bytesValue !== undefined) {
    if (typeof av.bytesValue !== "string") throw new RecordError("bytesValue must be base64 text");
    return av.bytesValue;
  }
  return null;
}

export function attributesToJson(kvs: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (kvs === undefined || kvs === null) return out;
  if (!Array.isArray(kvs)) throw new RecordError("attributes must be an array of {key, value}");
  for (const kv of kvs as KeyValue[]) {
    if (!isObject(kv) || typeof kv.key !== "string") throw new RecordError("attribute without a string key");
    if (kv.key === "__proto__") {
      // Assignment would set the object's prototype and lose the attribute: define it instead.
      Object.defineProperty(out, "__proto__", { value: anyValueToJson(kv.value, depth), enumerable: true, writable: true, configurable: true });
      continue;
    }
    out[kv.key] = anyValueToJson(kv.value, depth);
  }
  return out;
}

/** JSON with sorted keys: equal content gives equal text, for deterministic record keys. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const obj = v as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(",")}}`;
}
