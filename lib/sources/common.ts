import { hash } from "node:crypto";
import { toPostgresJsonText } from "@/lib/db/postgres-values";
import type { Attributes, JsonValue } from "@/lib/otlp/values";
import { int32OrNull, stableStringify } from "@/lib/otlp/values";
import type { IdentityClaims, IdentityRow, NormalizedBatch, ResourceRow, SourceId } from "./model";

// Helpers every source normalizer shares: who sent it, typed reads of loosely typed attributes,
// redaction and truncation markers, deterministic ids, and identity collection.

export function classifySource(serviceName: string | null, scopeName: string | null): SourceId {
  switch (serviceName) {
    case "claude-code":
    case "claude-code-desktop":
      return "claude_code";
    case "cowork":
      return "cowork";
    case "claude-desktop":
      return "claude_desktop";
    case "office-agent":
      return "office";
  }
  if (scopeName?.startsWith("com.anthropic.claude_code")) return "claude_code";
  if (scopeName === "claude-desktop.events") return "claude_desktop";
  return "otel";
}

/** A uuid-formatted key from the SHA-256 of the parts: equal input, equal key. */
export function deterministicUuid(...parts: string[]): string {
  const h = hash("sha256", parts.join("\u001f"), "hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// ---- typed reads ------------------------------------------------------------------------

export function str(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v === "" ? null : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Numbers arrive as numbers or numeric strings ("37"); "undefined" and junk become null. */
export function num(v: JsonValue | undefined): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** An integer for a bigint column: values beyond 2^53 (not exact in JS, "1e+30" as text) become null. */
export function int(v: JsonValue | undefined): number | null {
  const n = num(v);
  if (n === null) return null;
  const i = Math.trunc(n);
  return Number.isSafeInteger(i) ? i : null;
}

/** An integer for an integer (int4) column; out of its range, null. */
export function int32(v: JsonValue | undefined): number | null {
  return int32OrNull(int(v));
}

/** Booleans arrive as true/false or "true"/"false" (also "1"/"0"). */
export function bool(v: JsonValue | undefined): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "1") return true;
    if (s === "false" || s === "0") return false;
  }
  if (typeof v === "number") return v !== 0;
  return null;
}

/** First present attribute among the keys (legacy names after current ones). */
export function pick(attrs: Attributes, ...keys: string[]): JsonValue | undefined {
  for (const k of keys) {
    const v = attrs[k];
    if (v !== undefined && v !== null && v !== "") return v;
  }
  return undefined;
}

/**
 * Nesting kept when parsing JSON-in-string attributes. Tool inputs nest a few levels; the content
 * is sender-controlled, and a value thousands of levels deep would overflow JSON.stringify's and
 * Postgres's jsonb parser's stacks and fail its whole batch. Deeper values stay strings.
 */
const MAX_PARSED_JSON_DEPTH = 64;

/** Whether arrays/objects nest deeper than `limit`; iterative, as the value may be arbitrarily deep. */
function nestsDeeperThan(v: JsonValue, limit: number): boolean {
  const stack: { value: JsonValue; depth: number }[] = [{ value: v, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth } = item;
    if (value === null || typeof value !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * Parses a JSON-in-string attribute; returns the raw string when it does not parse (often
 * truncated) or nests deeper than MAX_PARSED_JSON_DEPTH (`tooDeep`).
 */
export function parseJsonString(v: JsonValue | undefined): { value: JsonValue; parsed: boolean; tooDeep?: true } | undefined {
  if (typeof v !== "string") return v === undefined ? undefined : { value: v, parsed: true };
  const t = v.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return { value: v, parsed: false };
  let value: JsonValue;
  try {
    value = JSON.parse(toPostgresJsonText(t)) as JsonValue; // escapes of characters Postgres refuses: U+FFFD
  } catch {
    return { value: v, parsed: false };
  }
  return nestsDeeperThan(value, MAX_PARSED_JSON_DEPTH) ? { value: v, parsed: false, tooDeep: true } : { value, parsed: true };
}

// ---- redaction and truncation -----------------------------------------------------------

/** Values senders put in place of content they withhold: Claude Code without OTEL_LOG_TOOL_DETAILS, Office agents' `mcp_tool`. */
const PLACEHOLDERS_BY_KEY = new Map<string, readonly string[]>(Object.entries({
  tool_name: ["mcp_tool"],
  command_name: ["custom", "mcp"],
  "skill.name": ["custom_skill", "custom"],
  skill_name: ["custom_skill", "custom"],
  "plugin.name": ["third-party", "custom"],
  "marketplace.name": ["third-party", "custom"],
  "agent.name": ["third-party", "custom"],
  "mcp_server.name": ["third-party", "custom", "mcp_tool"],
  "mcp_tool.name": ["third-party", "custom", "mcp_tool"],
  "workflow.name": ["custom"],
  agent_type: ["custom"],
}));

export const REDACTED = "<REDACTED>";

export function isPlaceholder(key: string, value: JsonValue | undefined): boolean {
  if (typeof value !== "string") return false;
  if (value === REDACTED) return true;
  // A Map, not an object: keys are sender-controlled ("constructor" must not find Object's).
  return PLACEHOLDERS_BY_KEY.get(key)?.includes(value) ?? false;
}

export function redactedKeysOf(attrs: Attributes): string[] {
  return Object.keys(attrs).filter((k) => isPlaceholder(k, attrs[k]));
}

/** Claude Code cuts each tool_input value at 512 characters. */
export const TOOL_INPUT_VALUE_LIMIT = 512;

export function looksTruncated(v: JsonValue | undefined): boolean {
  return typeof v === "string" && (v.includes("[TRUNCATED") || v.endsWith("…[truncated]") || v.endsWith("...[truncated]"));
}

/** Keys whose string values carry a truncation marker. */
export function truncatedKeysOf(attrs: Attributes): string[] {
  return Object.keys(attrs).filter((k) => looksTruncated(attrs[k]));
}

/** Any string value inside a parsed tool_input at (or past) the per-value cap was cut. */
export function hasCutValue(v: JsonValue, limit = TOOL_INPUT_VALUE_LIMIT): boolean {
  if (typeof v === "string") return v.length >= limit || looksTruncated(v);
  if (Array.isArray(v)) return v.some((x) => hasCutValue(x, limit));
  if (v && typeof v === "object") return Object.values(v).some((x) => hasCutValue(x, limit));
  return false;
}

// ---- identity ----------------------------------------------------------------------------

/** Identity from record attributes first, then the resource (OTEL_RESOURCE_ATTRIBUTES). */
export function identityClaims(attrs: Attributes, resource: Attributes): IdentityClaims {
  const get = (k: string) => str(attrs[k]) ?? str(resource[k]);
  return {
    userId: get("user.id"),
    userEmail: get("user.email"),
    accountUuid: get("user.account_uuid"),
    accountId: get("user.account_id"),
    organizationId: get("organization.id"),
    enduserId: get("enduser.id"),
  };
}

/** Collects distinct identity claims of a batch with their first/last time. */
export class IdentityCollector {
  private readonly rows = new Map<string, IdentityRow>();

  add(source: SourceId, claims: IdentityClaims, time: Date): void {
    const { userId, userEmail, accountUuid, accountId, organizationId, enduserId } = claims;
    if (userId === null && userEmail === null && accountUuid === null && accountId === null && organizationId === null && enduserId === null) return;
    const parts = [source, userId ?? "", userEmail ?? "", accountUuid ?? "", accountId ?? "", organizationId ?? "", enduserId ?? ""];
    // A batch repeats a handful of people hundreds of times: hash each one once.
    const key = parts.join("\u001f");
    const row = this.rows.get(key);
    if (!row) {
      this.rows.set(key, { id: deterministicUuid(...parts), source, ...claims, firstSeen: time, lastSeen: time });
    } else {
      if (time < row.firstSeen) row.firstSeen = time;
      if (time > row.lastSeen) row.lastSeen = time;
    }
  }

  list(): IdentityRow[] {
    return [...this.rows.values()];
  }
}

/** Collects the distinct resources of a batch. */
export class ResourceCollector {
  private readonly rows = new Map<string, ResourceRow>();

  add(attributes: Attributes): ResourceRow {
    const id = deterministicUuid("resource", stableStringify(attributes));
    let row = this.rows.get(id);
    if (!row) {
      row = { id, serviceName: str(attributes["service.name"]), attributes };
      this.rows.set(id, row);
    }
    return row;
  }

  list(): ResourceRow[] {
    return [...this.rows.values()];
  }
}

export function emptyBatch(): NormalizedBatch {
  return { resources: [], events: [], spans: [], points: [], identities: [], rejected: 0, rejections: [] };
}

export const MAX_REJECTION_MESSAGES = 5;

export function noteRejection(batch: NormalizedBatch, where: string, err: unknown): void {
  batch.rejected += 1;
  if (batch.rejections.length < MAX_REJECTION_MESSAGES) {
    batch.rejections.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
