import { METADATA_ATTRIBUTE_KEYS, METADATA_FIELD_KEYS, isMetadataAttribute } from "@/lib/auth/content";
import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE, type FieldDef, type TableDef } from "@/lib/domain/fields";

// SQL that removes content from stored rows, derived from the field registry (each column's
// ContentRule) and the attribute catalog (which attribute and parsed-field keys are metadata).
// Erasure (erase.ts) and content retention (retention.ts) both apply it, so what counts as content
// is decided in one place: the same rule that hides a value from managers removes it from disk.
// Default deny, as for readers: a JSON key nobody classified as metadata is removed.

/** Collects positional parameters for one statement. */
export class Params {
  readonly values: unknown[] = [];
  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const q = (column: string) => `"${column}"`;

/** A JSON object keeping only the keys listed in the array parameter. */
function keepKeys(expr: string, keysParam: string): string {
  return `(SELECT COALESCE(jsonb_object_agg(k, v), '{}'::jsonb) FROM jsonb_each(CASE WHEN jsonb_typeof(${expr}) = 'object' THEN ${expr} ELSE '{}'::jsonb END) AS kv(k, v) WHERE k = ANY(${keysParam}::text[]))`;
}

/** A JSON array of objects (span events, links) with each element's `attributes` filtered. */
function keepElementKeys(expr: string, keysParam: string): string {
  return `(SELECT COALESCE(jsonb_agg(CASE WHEN jsonb_typeof(el) = 'object' THEN el || jsonb_build_object('attributes', ${keepKeys("el->'attributes'", keysParam)}) ELSE el END ORDER BY ord), '[]'::jsonb)
           FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN ${expr} ELSE '[]'::jsonb END) WITH ORDINALITY AS x(el, ord))`;
}

/**
 * The content-free value of one column, or null when the column is metadata. `source`: the value to
 * strip (default: the column itself; erasure passes the column with identities already replaced).
 */
export function strippedExpr(f: FieldDef, p: Params, source = q(f.column)): string | null {
  const col = source;
  const rule = f.content;
  if (rule === "metadata") return null;
  if (rule === "content") return "NULL";
  if (rule === "logBody") {
    // A Claude log body that merely repeats the event name is metadata (lib/auth/content.ts isMetadataBody).
    return `CASE WHEN ${col} IS NULL OR ${col} = to_jsonb('claude_code.' || "event_name") OR ${col} = to_jsonb('claude-desktop.' || "event_name") THEN ${col} ELSE NULL END`;
  }
  if ("derivedFrom" in rule) {
    const sources = rule.derivedFrom.filter(isMetadataAttribute);
    if (!sources.length) return "NULL";
    // Kept when a metadata attribute holds exactly this value (lib/auth/content.ts derivedColumnValue).
    return `CASE WHEN ${col} IN (${sources.map((k) => `"attributes"->>${p.add(k)}::text`).join(", ")}) THEN ${col} ELSE NULL END`;
  }
  const keys = p.add(rule.perKey === "fields" ? METADATA_FIELD_KEYS : METADATA_ATTRIBUTE_KEYS);
  if (f.type === "spanEvents" || f.type === "spanLinks") return keepElementKeys(col, keys);
  return keepKeys(col, keys);
}

export interface ContentStrip {
  /** `col = expr, …` for the UPDATE. */
  set: string[];
  /** True for a row that still holds content (some column differs from its stripped value). */
  hasContent: string;
}

/** The SET list and the "still holds content" predicate of a registry table. Parameters go into p. */
export function contentStrip(table: TableDef, p: Params): ContentStrip {
  const set: string[] = [];
  const differs: string[] = [];
  for (const f of table.fields) {
    const expr = strippedExpr(f, p);
    if (expr === null) continue;
    set.push(`${q(f.column)} = ${expr}`);
    differs.push(`${q(f.column)} IS DISTINCT FROM ${expr}`);
  }
  return { set, hasContent: differs.length ? `(${differs.join(" OR ")})` : "false" };
}

export const TELEMETRY_TABLES = [EVENT_TABLE, SPAN_TABLE, METRIC_POINT_TABLE] as const;

// Compliance API tables are not in the field registry: their content is the transcript itself.
// Each entry lists the columns that hold it and the value they take once it is removed (raw is
// NOT NULL: the empty object). Identity columns are handled by erase.ts.
export interface ComplianceContent {
  table: string;
  /** Column → content-free value. */
  strip: Record<string, string>;
  /** The record's own time (retention). */
  time: string;
  /** Who did what, not what was said: kept by content retention, removed only by erasure. */
  eraseOnly?: true;
}

export const COMPLIANCE_CONTENT: readonly ComplianceContent[] = [
  { table: "compliance_activities", strip: { raw: "'{}'::jsonb", actor_ip: "NULL", actor_user_agent: "NULL" }, time: "created_at", eraseOnly: true },
  { table: "compliance_chats", strip: { raw: "'{}'::jsonb", name: "NULL" }, time: "created_at" },
  { table: "compliance_chat_messages", strip: { raw: "'{}'::jsonb", text: "NULL" }, time: "created_at" },
  { table: "compliance_sessions", strip: { raw: "'{}'::jsonb" }, time: "created_at" },
  { table: "compliance_session_messages", strip: { raw: "'{}'::jsonb", text: "NULL" }, time: "created_at" },
  { table: "compliance_tool_blocks", strip: { input: "NULL", content: "NULL" }, time: "created_at" },
];

export function complianceStrip(c: ComplianceContent): ContentStrip {
  const cols = Object.entries(c.strip);
  return {
    set: cols.map(([col, v]) => `${q(col)} = ${v}`),
    hasContent: `(${cols.map(([col, v]) => `${q(col)} IS DISTINCT FROM ${v}`).join(" OR ")})`,
  };
}
