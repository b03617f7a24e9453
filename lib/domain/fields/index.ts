// The field registry: every stored field of the telemetry tables declared once. See define.ts for
// what a declaration holds and codec.ts for what is derived from it.
export * from "./define";
export * from "./codec";
export { EVENT_TABLE } from "./events";
export { SPAN_TABLE } from "./spans";
export { METRIC_POINT_TABLE } from "./metric-points";
export type { SpanEventJson, SpanLinkJson } from "./json-shapes";
