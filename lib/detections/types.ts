import type { JsonValue } from "@/lib/otlp/values";

// The detection layer's shared words: what a rule sees (DetectionRecord), what it produces
// (RuleHit), and what a tenant changes about the pack (TenantTuning). The Sigma engine
// (lib/detections/sigma), the evaluators (ingest and correlation jobs), the alert store and the
// delivery all meet here.

export const RULE_LEVELS = ["informational", "low", "medium", "high", "critical"] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];

/** Sigma `logsource.service` values of the pack (`logsource.product` is always `claude`). */
export const DETECTION_SERVICES = ["claude_code", "cowork", "office_agent", "compliance_activity"] as const;
export type DetectionService = (typeof DETECTION_SERVICES)[number];

export const ALERT_STATUSES = ["new", "acknowledged", "closed"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_RESOLUTIONS = ["true_positive", "false_positive", "benign"] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];

export type EvidenceKind = "event" | "span" | "compliance";

/** One stored record as the rules see it. */
export interface DetectionRecord {
  kind: EvidenceKind;
  /** events.id, "<trace_id>/<span_id>", or the Compliance record's id. */
  id: string;
  time: Date;
  service: DetectionService;
  /** Event name (bare, e.g. tool_decision), span name, or Compliance activity type. */
  name: string;
  /** The person key (lib/domain/person.ts). */
  person: string | null;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  /** Sigma field name → value: the telemetry's own attribute names plus the fields Blindspot derives. */
  fields: Record<string, JsonValue>;
}

export interface Evidence {
  kind: EvidenceKind;
  id: string;
  time: Date;
  sessionId: string | null;
  promptId: string | null;
  name: string;
}

/** What one rule matched: one record (single-event rules) or a group in a window (correlations). */
export interface RuleHit {
  ruleId: string;
  ruleTitle: string;
  /** After the tenant's override. */
  level: RuleLevel;
  service: DetectionService;
  /** Correlation `group-by` values joined, or null for a single-event rule. */
  groupKey: string | null;
  /** Start of the dedup window the hit falls in. */
  windowStart: Date;
  person: string | null;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  firstSeen: Date;
  lastSeen: Date;
  /** Field → value that made the rule match (may be content). */
  matched: Record<string, string>;
  evidence: Evidence[];
}

export const EXCEPTION_OPERATORS = ["equals", "startswith", "contains"] as const;
export type ExceptionOperator = (typeof EXCEPTION_OPERATORS)[number];

export interface DetectionException {
  id: string;
  /** null: every rule. */
  ruleId: string | null;
  field: string;
  operator: ExceptionOperator;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

/** Allowlists that rules refer to through Sigma placeholders, e.g. `mcp_server.name|expand: '%mcp_servers%'`. */
export const ALLOWLISTS = ["mcp_servers", "plugin_marketplaces", "network_destinations"] as const;
export type AllowlistName = (typeof ALLOWLISTS)[number];

export interface RuleSetting {
  enabled: boolean;
  level: RuleLevel | null;
}

export interface TenantTuning {
  /** Rules absent here run as the pack ships them (enabled unless the rule's status is deprecated). */
  settings: Map<string, RuleSetting>;
  exceptions: DetectionException[];
  allowlists: Record<AllowlistName, string[]>;
}
