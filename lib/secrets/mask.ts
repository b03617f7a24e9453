import { isMetadataAttribute, isMetadataBody, isMetadataField } from "@/lib/auth/content";
import { JSON_STRING_ATTRIBUTES } from "@/lib/domain/attributes";
import { camel, EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, type TableDef } from "@/lib/domain/fields";
import type { JsonValue } from "@/lib/otlp/values";
import type { NormalizedBatch } from "@/lib/sources/model";
import { keyedDigest } from "./keys";
import { secretMarker, type DataPolicy, type PolicyAction, type StoredDataPolicy } from "./policy";
import { getDataPolicy } from "./policy-store";
import { scannerFor, type Scanner } from "./scan";

// Applies a tenant's data policy to records before they are stored: each content field of the
// field registry and each content attribute (the attribute catalog's default deny: a key not known
// to be metadata is content) is kept, masked (each secret replaced by its marker), hashed or
// dropped, per the most specific rule. Metadata (ids, names, numbers) is never altered. JSON
// carried in a string (tool_parameters, tool_input, raw API bodies) is masked inside and stays
// valid JSON. Each record notes what was done (`redaction`) and the fingerprints of its secrets.

/** What was done to one record, as stored in its `redaction` column. */
export interface Redaction {
  policy_version: number;
  /** Secrets replaced by a marker, per kind. */
  masked: Record<string, number>;
  /** Fields and attribute keys stored as a keyed digest. */
  hashed: string[];
  /** Fields and attribute keys not stored. */
  dropped: string[];
}

/** The most specific rule for a target: the exact field or key, then the longest `prefix*`, then the default. */
export function actionFor(policy: DataPolicy, target: string): PolicyAction {
  let best: { length: number; action: PolicyAction } | null = null;
  for (const rule of policy.rules) {
    if (rule.target === target) return rule.action;
    if (rule.target.endsWith("*")) {
      const prefix = rule.target.slice(0, -1);
      if (target.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, action: rule.action };
    }
  }
  return best?.action ?? policy.defaultAction;
}

/** Parsed `fields` key → the attribute it was parsed from (toolParameters → tool_parameters). */
const FIELD_SOURCE = new Map(Object.entries(JSON_STRING_ATTRIBUTES).map(([attr, field]) => [field, attr]));

const DROPPED = Symbol("dropped");
type Masked = JsonValue | typeof DROPPED;

/** Masks the content of records of one tenant under one policy version; collects what it did per record (each distinct secret counted once). */
export class RecordMasker {
  private readonly scanner: Scanner;
  private redaction: Redaction = emptyRedaction(0);
  /** Fingerprints of the current record: a secret counts once however many copies of it the record holds. */
  private fingerprints = new Set<string>();

  constructor(
    private readonly tenantId: string,
    private readonly stored: StoredDataPolicy,
  ) {
    this.scanner = scannerFor(stored.policy);
  }

  /** Starts a record. */
  begin(): void {
    this.redaction = emptyRedaction(this.stored.version);
    this.fingerprints = new Set();
  }

  /** Ends a record: its `redaction` (null when nothing was done under the default policy) and fingerprints. */
  end(): { redaction: Redaction | null; secretFingerprints: string[] } {
    const r = this.redaction;
    const untouched = Object.keys(r.masked).length === 0 && r.hashed.length === 0 && r.dropped.length === 0;
    return { redaction: untouched && r.policy_version === 0 ? null : r, secretFingerprints: [...this.fingerprints].sort() };
  }

  /** A string with each secret replaced by its marker. */
  maskText(text: string, keyHint?: string): string {
    const matches = this.scanner.scan(text, keyHint);
    if (matches.length === 0) return text;
    let out = "";
    let at = 0;
    for (const m of matches) {
      const fp = keyedDigest(this.tenantId, "secret-fingerprint", m.secret).slice(0, 8);
      out += text.slice(at, m.start) + secretMarker(m.kind, fp);
      at = m.end;
      const fingerprint = `${m.kind}:${fp}`;
      if (!this.fingerprints.has(fingerprint)) {
        this.fingerprints.add(fingerprint);
        this.redaction.masked[m.kind] = (this.redaction.masked[m.kind] ?? 0) + 1;
      }
    }
    return out + text.slice(at);
  }

  /**
   * Every string inside a JSON value masked; JSON inside a string is masked inside and
   * re-serialized only when it changed. Past MAX_DEPTH levels a value is scanned as its text.
   */
  maskJson(value: JsonValue, keyHint?: string, depth = 0): JsonValue {
    if (typeof value === "string") {
      const inner = depth < MAX_DEPTH ? parseJsonContainer(value, MAX_DEPTH - depth) : undefined;
      if (inner !== undefined) {
        const masked = this.maskJson(inner, keyHint, depth + 1);
        return masked === inner ? value : JSON.stringify(masked);
      }
      return this.maskText(value, keyHint);
    }
    if (value !== null && typeof value === "object" && depth >= MAX_DEPTH) {
      // Too deep to walk: scanned as text; replaced by its masked text only when it held a secret.
      let text: string;
      try {
        text = JSON.stringify(value);
      } catch {
        return value;
      }
      const masked = this.maskText(text, keyHint);
      return masked === text ? value : masked;
    }
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const m = this.maskJson(v, keyHint, depth + 1);
        if (m !== v) changed = true;
        return m;
      });
      return changed ? out : value;
    }
    if (value !== null && typeof value === "object") {
      let changed = false;
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(value)) {
        const m = this.maskJson(v, k, depth + 1);
        if (m !== v) changed = true;
        out[k] = m;
      }
      return changed ? out : value;
    }
    return value;
  }

  /** Applies the policy's action for `target` to a content value. */
  apply(target: string, value: JsonValue, keyHint?: string): Masked {
    if (value === null || value === undefined) return value;
    switch (actionFor(this.stored.policy, target)) {
      case "keep":
        return value;
      case "mask":
        return this.maskJson(value, keyHint);
      case "hash": {
        if (!this.redaction.hashed.includes(target)) this.redaction.hashed.push(target);
        const text = typeof value === "string" ? value : JSON.stringify(value);
        return `[hash:hmac8=${keyedDigest(this.tenantId, "field-hash", text).slice(0, 8)}]`;
      }
      case "drop":
        if (!this.redaction.dropped.includes(target)) this.redaction.dropped.push(target);
        return DROPPED;
    }
  }

  /** Content attributes of a map (metadata keys untouched), in place. */
  attributes(attrs: Record<string, JsonValue>, targetPrefix = ""): void {
    for (const [key, value] of Object.entries(attrs)) {
      if (isMetadataAttribute(key)) continue;
      const out = this.apply(targetPrefix + key, value, key);
      if (out === DROPPED) delete attrs[key];
      else if (out !== value) attrs[key] = out;
    }
  }

  /** The parsed `fields` map: each content key follows the rule of the attribute it was parsed from. */
  fields(fields: Record<string, JsonValue>): void {
    for (const [key, value] of Object.entries(fields)) {
      if (isMetadataField(key)) continue;
      const out = this.apply(FIELD_SOURCE.get(key) ?? key, value, key);
      if (out === DROPPED) delete fields[key];
      else if (out !== value) fields[key] = out;
    }
  }
}

function emptyRedaction(version: number): Redaction {
  return { policy_version: version, masked: {}, hashed: [], dropped: [] };
}

/** Nesting walked in JSON values (deeper parts are scanned as text). */
const MAX_DEPTH = 64;

/** The object or array a string holds as JSON, or undefined (also when nested deeper than maxDepth: then it is text). */
function parseJsonContainer(s: string, maxDepth: number): JsonValue | undefined {
  const t = s.trimStart();
  if (t[0] !== "{" && t[0] !== "[") return undefined;
  if (nesting(s) > maxDepth) return undefined;
  try {
    const v = JSON.parse(s) as JsonValue;
    return v !== null && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** How deeply brackets nest in JSON text (outside its strings). */
function nesting(s: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

type AnyRow = Record<string, unknown>;

/** The content columns of a registry table with their row property (computed once: this runs per record). */
const contentColumns = new Map<TableDef, { prop: string; f: TableDef["fields"][number] }[]>();
function contentColumnsOf(table: TableDef) {
  let list = contentColumns.get(table);
  if (!list) {
    list = table.fields.filter((f) => f.content !== "metadata").map((f) => ({ prop: camel(f.column), f }));
    contentColumns.set(table, list);
  }
  return list;
}

/** One registry row masked in place: every content column, per its content rule. */
function maskRow(m: RecordMasker, table: TableDef, row: AnyRow): void {
  m.begin();
  for (const { prop, f } of contentColumnsOf(table)) {
    const value = row[prop] as JsonValue | undefined;
    if (value === undefined || value === null) continue;
    const rule = f.content;
    if (rule === "logBody") {
      if (isMetadataBody(value, String(row.eventName ?? ""))) continue;
    } else if (typeof rule === "object" && "perKey" in rule) {
      if (f.type === "spanEvents" || f.type === "spanLinks") {
        for (const item of value as { attributes?: Record<string, JsonValue> }[]) if (item.attributes) m.attributes(item.attributes);
      } else if (rule.perKey === "fields") {
        m.fields(value as Record<string, JsonValue>);
      } else {
        m.attributes(value as Record<string, JsonValue>);
      }
      continue;
    }
    // A content column (error, status_message), a derived one (error_type) or a log body.
    const out = m.apply(f.column, value, f.column);
    if (out === DROPPED) row[prop] = null;
    else if (out !== value) row[prop] = out;
  }
  const { redaction, secretFingerprints } = m.end();
  if ("redaction" in row) {
    row.redaction = redaction as JsonValue;
    row.secretFingerprints = secretFingerprints;
  }
}

let maskingEnabled = true;
/** Turns ingest masking off for this process: benchmarks and tests only (a tenant turns it off with defaultAction "keep"). */
export function setMaskingForBenchmark(enabled: boolean): void {
  maskingEnabled = enabled;
}

/** Masks a normalized OTLP batch of one tenant in place, under its current policy (read once). */
export async function maskBatch(tenantId: string, batch: NormalizedBatch): Promise<void> {
  if (!maskingEnabled) return;
  maskBatchWith(new RecordMasker(tenantId, await getDataPolicy(tenantId)), batch);
}

/** Masks a normalized batch in place with a masker (one tenant, one policy version). */
export function maskBatchWith(m: RecordMasker, batch: NormalizedBatch): void {
  for (const e of batch.events) maskRow(m, EVENT_TABLE, e as unknown as AnyRow);
  for (const s of batch.spans) maskRow(m, SPAN_TABLE, s as unknown as AnyRow);
  for (const p of batch.points) maskRow(m, METRIC_POINT_TABLE, p as unknown as AnyRow);
  // Resource attributes: organization-chosen keys (OTEL_RESOURCE_ATTRIBUTES) may carry anything.
  for (const r of batch.resources) {
    m.begin();
    m.attributes(r.attributes as Record<string, JsonValue>);
  }
}

// ---- Compliance API records -------------------------------------------------------------------

/** Keys of Compliance records that identify, order or classify (never masked): ids, times, roles, types. */
const COMPLIANCE_METADATA = new Set(["id", "type", "role", "model", "status", "product_surface", "email_address", "uuid", "stop_reason", "is_error", "truncated", "media_type"]);
/** Keys of a Compliance record that are identity, kind or time, never content: not masked. */
export const isComplianceMetadata = (key: string, parent: Record<string, JsonValue>) =>
  COMPLIANCE_METADATA.has(key) || /_(?:id|uuid|at)$/.test(key) || (key === "name" && (parent.type === "tool_use" || parent.type === "tool_result"));

/** The policy target of a Compliance record's content (messages' text, tool inputs and results, titles). */
export const COMPLIANCE_TARGET = "compliance.text";

/**
 * A Compliance record (chat, session, message) with its content masked, leaf by leaf so that the
 * record keeps its shape (a dropped leaf is removed, a hashed one is its digest).
 */
function maskComplianceValue(m: RecordMasker, value: JsonValue, key?: string, depth = 0): Masked {
  if (typeof value === "string") return m.apply(COMPLIANCE_TARGET, value, key);
  if (depth >= MAX_DEPTH) return m.apply(COMPLIANCE_TARGET, value, key);
  if (Array.isArray(value)) {
    let changed = false;
    const out: JsonValue[] = [];
    for (const v of value) {
      const r = maskComplianceValue(m, v, key, depth + 1);
      if (r !== v) changed = true;
      if (r !== DROPPED) out.push(r);
    }
    return changed ? out : value;
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = isComplianceMetadata(k, value) ? v : maskComplianceValue(m, v, k, depth + 1);
      if (r !== v) changed = true;
      if (r !== DROPPED) out[k] = r;
    }
    return changed ? out : value;
  }
  return value;
}

export interface MaskedRecord<T> {
  record: T;
  redaction: Redaction | null;
  secretFingerprints: string[];
}

/** Masks Compliance records of one tenant under its current policy (read once per masker). */
export class ComplianceMasker {
  private constructor(private readonly m: RecordMasker | null) {}

  /** `db`: the caller's connection, when it holds a transaction. */
  static async forTenant(tenantId: string, db?: Parameters<typeof getDataPolicy>[1]): Promise<ComplianceMasker> {
    return new ComplianceMasker(maskingEnabled ? new RecordMasker(tenantId, await getDataPolicy(tenantId, db)) : null);
  }

  static using(m: RecordMasker): ComplianceMasker {
    return new ComplianceMasker(m);
  }

  mask<T>(record: T): MaskedRecord<T> {
    if (!this.m) return { record, redaction: null, secretFingerprints: [] };
    this.m.begin();
    const out = maskComplianceValue(this.m, record as JsonValue);
    return { record: (out === DROPPED ? null : out) as T, ...this.m.end() };
  }
}
