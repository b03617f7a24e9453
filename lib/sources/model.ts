import type { EVENT_TABLE, METRIC_POINT_TABLE, RowOf, SPAN_TABLE, SpanEventJson, SpanLinkJson } from "@/lib/domain/fields";
import type { SourceId } from "@/lib/domain/vocabulary";
import type { Attributes } from "@/lib/otlp/values";

// The common model every source normalizes into. The table rows are derived from the field
// registry (lib/domain/fields); the batch writer (lib/ingest/writer.ts) inserts them as they are.

export type { SourceId } from "@/lib/domain/vocabulary";

export interface ResourceRow {
  id: string; // uuid derived from the attribute set
  serviceName: string | null;
  attributes: Attributes;
}

/** A row of each telemetry table as the normalizers produce it, derived from the field registry. */
export type EventRow = RowOf<typeof EVENT_TABLE>;
export type SpanRow = RowOf<typeof SPAN_TABLE>;
export type MetricPointRow = RowOf<typeof METRIC_POINT_TABLE>;
export type { SpanEventJson, SpanLinkJson };

export type { MetricType } from "@/lib/domain/vocabulary";

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
  /**
   * Ids of events whose time is the receipt time because the record carried none: a re-sent copy
   * gets another time, so another partition and primary key (which holds the time), and the
   * writer looks these up by id instead of relying on ON CONFLICT.
   */
  receiptTimedEvents?: string[];
  /** Records (log records, spans or data points) that could not be stored. */
  rejected: number;
  /** First few rejection reasons, for the partialSuccess message. */
  rejections: string[];
}
