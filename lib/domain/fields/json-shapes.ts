import type { Attributes } from "@/lib/otlp/values";

// JSON shapes stored in jsonb columns of the spans table, as the trace normalizer writes them.

export interface SpanEventJson {
  timeUnixNano: string | null;
  name: string;
  attributes: Attributes;
}

export interface SpanLinkJson {
  traceId: string | null;
  spanId: string | null;
  traceState: string | null;
  attributes: Attributes;
}
