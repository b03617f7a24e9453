import type { ExportLogsServiceRequest, LogRecord } from "@/lib/otlp/types";
import { fixturesOf, type FixtureRequest } from "./fixtures";

/** Posts a captured request unchanged (body, content type and encoding) to a receiver. */
export function postFixture(baseUrl: string, token: string, f: FixtureRequest): Promise<Response> {
  const headers: Record<string, string> = { "content-type": f.contentType, authorization: `Bearer ${token}` };
  if (f.contentEncoding) headers["content-encoding"] = f.contentEncoding;
  return fetch(`${baseUrl}/api/otlp/v1/${f.signal}`, { method: "POST", headers, body: new Uint8Array(f.body()) });
}

/**
 * n distinct captured Claude Code log records (each a new event: another timestamp), numbered from
 * `from`, in the captured request's resource and scope.
 */
export function capturedLogBatch(n: number, from = 0): ExportLogsServiceRequest {
  const decoded = fixturesOf("f-hook-block", "http-json").find((f) => f.signal === "logs")!.decoded() as ExportLogsServiceRequest;
  const resource = decoded.resourceLogs![0];
  const template = resource.scopeLogs![0].logRecords!;
  const records: LogRecord[] = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const r = template[i % template.length];
    return { ...r, timeUnixNano: String(BigInt(r.timeUnixNano ?? "1764000000000000000") + BigInt(i * 1000 + 1)) };
  });
  return { resourceLogs: [{ ...resource, scopeLogs: [{ ...resource.scopeLogs![0], logRecords: records }] }] };
}

/** capturedLogBatch as JSON, padded with white space (which JSON ignores) to `size` bytes. */
export function paddedLogBatch(n: number, from: number, size: number): Buffer {
  const json = JSON.stringify(capturedLogBatch(n, from));
  return Buffer.concat([Buffer.from(json), Buffer.alloc(Math.max(0, size - json.length), " ")]);
}
