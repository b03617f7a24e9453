import type { JsonValue } from "@/lib/otlp/values";

// What a manager may see of a Compliance activity's type-specific fields. Default deny: only the
// fields named here (identifiers, kinds, states, counts of the documented activity types) reach a manager;
// everything else — request URLs and bodies, file names, titles, names people typed, emails,
// sharing audiences, free-form `updates`, and any field the API adds later — is removed on the
// server and listed in `hiddenKeys`. Analysts and admins see every field.

export const MANAGER_ACTIVITY_FIELDS: ReadonlySet<string> = new Set([
  // identifiers
  "request_id", "api_key_id", "admin_api_key_id", "claude_chat_id", "claude_project_id", "claude_chat_snapshot_id",
  "claude_artifact_id", "claude_artifact_version_id", "claude_published_artifact_id", "claude_file_id", "file_id",
  "session_id", "environment_id", "config_id", "command_id", "plugin_id", "skill_id", "ghe_configuration_id",
  "group_id", "member_ids", "integration_id", "marketplace_id", "mcp_server_id", "invite_id", "user_id", "account_id",
  "workspace_id", "spend_limit_id", "target_id", "resource_id", "previous_owner_id", "new_owner_id", "deleted_user_id",
  "federation_issuer_id", "federation_rule_id", "service_account_id",
  // kinds, states and settings
  "request_method", "status_code", "scopes", "artifact_type", "provider", "request_type", "approved", "enabled",
  "is_enabled", "trigger_mode", "status", "integration_type", "max_permission", "limit_type", "limit_action",
  "plan_type", "billing_interval", "old_plan", "new_plan", "previous_role", "invited_role", "role", "target_type",
  "resource_type", "model_group", "limiter_type", "version", "model", "compliance_api_enabled",
  "compliance_api_logging_enabled", "mcp_server_name", "tool_name",
  // counts and amounts
  "seat_count", "previous_quantity", "new_quantity", "added_seats", "amount", "limit_usd", "new_limit_usd",
  "per_review_limit_usd", "value",
]);

export interface VisibleActivityDetails {
  details: Record<string, JsonValue>;
  /** Fields present but removed for this viewer. */
  hiddenKeys: string[];
}

/** The activity's type-specific fields this viewer may see. */
export function activityDetailsFor(details: Record<string, JsonValue>, canReadContent: boolean): VisibleActivityDetails {
  if (canReadContent) return { details, hiddenKeys: [] };
  const visible: Record<string, JsonValue> = {};
  const hiddenKeys: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (MANAGER_ACTIVITY_FIELDS.has(k)) visible[k] = v;
    else hiddenKeys.push(k);
  }
  return { details: visible, hiddenKeys };
}
