import { toPostgresJsonText } from "@/lib/db/postgres-values";
import { checkJsonValueCount, UNLIMITED, type DecodeLimits } from "./limits";
import type { ExportRequest, Signal } from "./types";

// OTLP/JSON request decoding. The envelope (resource → scope → records arrays) is checked here;
// a malformed envelope is a 400. Each record is validated later by the normalizers, so one
// malformed record is rejected alone (partialSuccess) while its neighbours are stored.

export class JsonDecodeError extends Error {}

const ENVELOPE = {
  logs: { resource: "resourceLogs", scope: "scopeLogs", records: "logRecords" },
  traces: { resource: "resourceSpans", scope: "scopeSpans", records: "spans" },
  metrics: { resource: "resourceMetrics", scope: "scopeMetrics", records: "metrics" },
} as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkArray(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new JsonDecodeError(`${where} must be an array`);
  return v;
}

export function decodeJsonRequest<S extends Signal>(signal: S, bytes: Uint8Array, limits: DecodeLimits = UNLIMITED): ExportRequest<S> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // JSON.parse allocates everything before we could look at it: count first (lib/otlp/limits.ts).
  checkJsonValueCount(buffer, limits.maxObjects);
  let parsed: unknown;
  try {
    // Escapes of characters Postgres refuses become U+FFFD as the text is read (lib/db/postgres-values.ts).
    parsed = JSON.parse(toPostgresJsonText(buffer.toString("utf8")));
  } catch (err) {
    throw new JsonDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new JsonDecodeError("body must be a JSON object");
  const names = ENVELOPE[signal];
  // Unknown fields are ignored by the OTLP rules, so a payload sent to the wrong endpoint would
  // otherwise be acknowledged and silently dropped.
  if (parsed[names.resource] === undefined) {
    for (const [other, n] of Object.entries(ENVELOPE)) {
      if (other !== signal && parsed[n.resource] !== undefined) {
        throw new JsonDecodeError(`this is an OTLP ${other} request (${n.resource}); post it to /v1/${other}, not /v1/${signal}`);
      }
    }
  }
  const resources = checkArray(parsed[names.resource], names.resource);
  resources.forEach((r, i) => {
    if (!isObject(r)) throw new JsonDecodeError(`${names.resource}[${i}] must be an object`);
    if (r.resource !== undefined && r.resource !== null && !isObject(r.resource)) {
      throw new JsonDecodeError(`${names.resource}[${i}].resource must be an object`);
    }
    const scopes = checkArray(r[names.scope], `${names.resource}[${i}].${names.scope}`);
    scopes.forEach((s, j) => {
      const where = `${names.resource}[${i}].${names.scope}[${j}]`;
      if (!isObject(s)) throw new JsonDecodeError(`${where} must be an object`);
      if (s.scope !== undefined && s.scope !== null && !isObject(s.scope)) {
        throw new JsonDecodeError(`${where}.scope must be an object`);
      }
      checkArray(s[names.records], `${where}.${names.records}`);
    });
  });
  return parsed as unknown as ExportRequest<S>;
}
