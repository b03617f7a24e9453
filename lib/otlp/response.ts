import { encodeProtobufResponse, encodeProtobufStatus } from "./proto";
import type { Signal } from "./types";

// OTLP/HTTP responses (spec §5.5): success is an Export<Signal>ServiceResponse, errors are a
// google.rpc.Status, both in the encoding of the request (JSON when it could not be told).

export type WireEncoding = "json" | "protobuf";

const PARTIAL_FIELD: Record<Signal, string> = {
  logs: "rejectedLogRecords",
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
};

const CONTENT_TYPE: Record<WireEncoding, string> = {
  json: "application/json",
  protobuf: "application/x-protobuf",
};

/** gRPC status codes used in the Status body. */
export const RPC = { INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export function exportResponse(
  signal: Signal,
  encoding: WireEncoding,
  partial: { rejected: number; errorMessage: string } | undefined,
  headers: HeadersInit = {},
): Response {
  const h = new Headers(headers);
  h.set("content-type", CONTENT_TYPE[encoding]);
  if (encoding === "protobuf") {
    return new Response(Buffer.from(encodeProtobufResponse(signal, partial)), { status: 200, headers: h });
  }
  const body = partial
    ? { partialSuccess: { [PARTIAL_FIELD[signal]]: String(partial.rejected), errorMessage: partial.errorMessage } }
    : {};
  return new Response(JSON.stringify(body), { status: 200, headers: h });
}

export function statusResponse(
  status: number,
  rpcCode: number,
  message: string,
  encoding: WireEncoding,
  headers: HeadersInit = {},
): Response {
  const h = new Headers(headers);
  h.set("content-type", CONTENT_TYPE[encoding]);
  const body =
    encoding === "protobuf"
      ? Buffer.from(encodeProtobufStatus(rpcCode, message))
      : JSON.stringify({ code: rpcCode, message });
  return new Response(body, { status, headers: h });
}
