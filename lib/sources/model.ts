import type { Attributes, JsonValue } from "@/lib/otlp/values";

// The common model every source normalizes into. Field names mirror the table columns
// (prisma/schema.prisma); the batch writer (lib/ingest/writer.ts) inserts these rows as they are.

/** Where a record came from, decided by resource service.name (and scope as a fallback). */
export type SourceId = "claude_code" | "cowork" | "claude_desktop" | "office" | "otel";

export interface ResourceRow {
  id: string; // uuid derived from the attribute set
  serviceName: string | null;
  attributes: Attributes;
}

export interface EventRow {
  id: string;
  resourceId: string;
  source: SourceId;
  serviceName: string | null;
  serviceVersion: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  eventName: string;
  time: Date;
  timeNs: bigint | null;
  observedTimeNs: bigint | null;
  sessionId: string | null;
  promptId: string | null;
  sequence: number | null;
  traceId: string | null;
  spanId: string | null;
  severityNumber: number | null;
  severityText: string | null;
  userId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  accountId: string | null;
  organizationId: string | null;
  enduserId: string | null;
  terminalType: string | null;
  toolName: string | null;
  toolUseId: string | null;
  toolSource: string | null;
  mcpServer: string | null;
  mcpTool: string | null;
  decision: string | null;
  decisionSource: string | null;
  success: boolean | null;
  durationMs: number | null;
  error: string | null;
  errorType: string | null;
  statusCode: number | null;
  model: string | null;
  requestId: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  redactedKeys: string[];
  truncatedKeys: string[];
  fields: Record<string, JsonValue>;
  attributes: Attributes;
  body: JsonValue;
}

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

export interface SpanRow {
  traceId: string;
  spanId: string;
  resourceId: string;
  source: SourceId;
  serviceName: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startTime: Date;
  endTime: Date | null;
  startNs: bigint;
  endNs: bigint | null;
  durationMs: number | null;
  statusCode: number;
  statusMessage: string | null;
  traceState: string | null;
  flags: number | null;
  sessionId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  organizationId: string | null;
  surface: string | null;
  toolName: string | null;
  toolUseId: string | null;
  decision: string | null;
  decisionSource: string | null;
  readWrite: string | null;
  success: boolean | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  errorType: string | null;
  redactedKeys: string[];
  truncatedKeys: string[];
  fields: Record<string, JsonValue>;
  attributes: Attributes;
  events: SpanEventJson[];
  links: SpanLinkJson[];
}

export interface MetricPointRow {
  id: string;
  resourceId: string;
  source: SourceId;
  serviceName: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  metricName: string;
  description: string | null;
  unit: string | null;
  metricType: "gauge" | "sum" | "histogram" | "exponential_histogram" | "summary";
  temporality: number | null;
  isMonotonic: boolean | null;
  startTime: Date | null;
  time: Date;
  startNs: bigint | null;
  timeNs: bigint;
  value: number | null;
  count: number | null;
  sessionId: string | null;
  userId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  organizationId: string | null;
  model: string | null;
  pointType: string | null;
  attributes: Attributes;
  distribution: JsonValue;
}

/** What one record says about the person behind it. */
export interface IdentityClaims {
  userId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  accountId: string | null;
  organizationId: string | null;
  enduserId: string | null;
}

export interface IdentityRow extends IdentityClaims {
  id: string;
  source: SourceId;
  firstSeen: Date;
  lastSeen: Date;
}

export interface NormalizedBatch {
  resources: ResourceRow[];
  events: EventRow[];
  spans: SpanRow[];
  points: MetricPointRow[];
  identities: IdentityRow[];
  /** Records (log records, spans or data points) that could not be stored. */
  rejected: number;
  /** First few rejection reasons, for the partialSuccess message. */
  rejections: string[];
}
