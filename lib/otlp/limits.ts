import type { Signal } from "./types";

// Caps on what one OTLP request may make this process allocate. The body cap alone is not
// enough: a few MiB of `{},{},…` (JSON) or of empty sub-messages (protobuf, two bytes each)
// decode into millions of JavaScript objects, many times the body's size, and several requests
// decode at once. So the decoders also count what they create and stop past a cap, and a
// request may carry only so many records.

export interface DecodeLimits {
  /** Objects, arrays and string or number values a decode may create (see the decoders). */
  maxObjects: number;
}

export const UNLIMITED: DecodeLimits = { maxObjects: Number.POSITIVE_INFINITY };

export class TooManyObjectsError extends Error {
  constructor(readonly limit: number) {
    super(`request decodes into more than ${limit} values (BLINDSPOT_MAX_DECODE_OBJECTS); send smaller batches`);
  }
}

export class TooManyRecordsError extends Error {
  constructor(readonly count: number, readonly limit: number, signal: Signal) {
    super(`request holds ${count} ${recordNoun(signal)}, more than the ${limit} allowed per request (BLINDSPOT_MAX_RECORDS_PER_REQUEST); send smaller batches`);
  }
}

export function recordNoun(signal: Signal): string {
  return signal === "logs" ? "log records" : signal === "traces" ? "spans" : "data points";
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const END_OF_PRIMITIVE = new Set([0x2c, 0x5d, 0x7d, 0x20, 0x09, 0x0a, 0x0d]); // , ] } and whitespace
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Counts the values JSON.parse would create from `bytes` (objects, arrays, strings, numbers,
 * literals; not object keys, which V8 shares) and throws TooManyObjectsError past `limit`,
 * before anything is parsed. Structural characters are ASCII, and no byte of a multi-byte
 * UTF-8 character is, so the bytes can be scanned directly; string contents are skipped with
 * indexOf. Malformed JSON is left to JSON.parse, which reports it.
 */
export function checkJsonValueCount(bytes: Buffer, limit: number): void {
  if (!Number.isFinite(limit)) return;
  const n = bytes.length;
  let count = 0;
  let i = 0;
  while (i < n) {
    const c = bytes[i];
    if (c === QUOTE) {
      let close = i + 1;
      for (;;) {
        close = bytes.indexOf(QUOTE, close);
        if (close < 0) return;
        let backslashes = 0;
        while (bytes[close - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        close++;
      }
      i = close + 1;
      while (i < n && WHITESPACE.has(bytes[i])) i++;
      if (bytes[i] === COLON) continue; // a key
    } else if (c === 0x7b || c === 0x5b) {
      i++; // { or [
    } else if (c === 0x2c || c === COLON || c === 0x7d || c === 0x5d || WHITESPACE.has(c)) {
      i++;
      continue;
    } else {
      // A number or literal: up to the next delimiter.
      while (i < n && !END_OF_PRIMITIVE.has(bytes[i])) i++;
    }
    if (++count > limit) throw new TooManyObjectsError(limit);
  }
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function field(v: unknown, name: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[name] : undefined;
}

const METRIC_KINDS = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"] as const;

/** Log records, spans or metric data points in a decoded request (any shape: JSON is checked later). */
export function countRecords(signal: Signal, request: unknown): number {
  let n = 0;
  const [resourceKey, scopeKey, itemsKey] =
    signal === "logs" ? ["resourceLogs", "scopeLogs", "logRecords"] : signal === "traces" ? ["resourceSpans", "scopeSpans", "spans"] : ["resourceMetrics", "scopeMetrics", "metrics"];
  for (const resource of list(field(request, resourceKey))) {
    for (const scope of list(field(resource, scopeKey))) {
      const items = list(field(scope, itemsKey));
      if (signal !== "metrics") {
        n += items.length;
        continue;
      }
      for (const metric of items) {
        for (const kind of METRIC_KINDS) n += list(field(field(metric, kind), "dataPoints")).length;
      }
    }
  }
  return n;
}
