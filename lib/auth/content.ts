import { ATTRIBUTE_CATALOG, type FieldRule } from "@/lib/domain/attributes";
import type { JsonValue } from "@/lib/otlp/values";

// Content: what people typed, what tools read and wrote, and anything derived from it (commands,
// paths, URLs, error text). Analysts and admins may read it; for everyone else (managers) it is
// removed on the server before anything leaves, and the removed keys are listed (`hiddenKeys`),
// so the UI can say "hidden" instead of pretending the value was never sent.
//
// Default deny: what is KNOWN to be metadata is listed, in the attribute catalog
// (lib/domain/attributes.ts) for attribute keys and parsed fields and in the field registry
// (lib/domain/fields) for typed columns. Every key not listed as metadata is content for a
// non-reader, so a key a new client release adds (Claude Code 2.1.332 added `prompt_text`, a
// second copy of the prompt) stays hidden until someone classifies it. Keys known to be content
// are listed too, so a reviewer sees every key of the captured fixtures decided on purpose
// (content-policy.test.ts checks that).

export type { FieldKind, FieldRule } from "@/lib/domain/attributes";
/** The content policy's table is the attribute catalog. */
export const CONTENT_POLICY = ATTRIBUTE_CATALOG;

// Maps, not the objects: keys are sender-controlled ("constructor" must not find Object's).
const ATTRIBUTE_RULES = new Map<string, FieldRule>(Object.entries(CONTENT_POLICY.attributes));
const FIELD_RULES = new Map<string, FieldRule>(Object.entries(CONTENT_POLICY.fields));

/** Attribute keys known to be metadata (everything else is content for non-readers). */
export const METADATA_ATTRIBUTE_KEYS: readonly string[] = [...ATTRIBUTE_RULES].filter(([, r]) => r.kind === "metadata").map(([k]) => k);

export function isMetadataAttribute(key: string): boolean {
  return ATTRIBUTE_RULES.get(key)?.kind === "metadata";
}

/** A `fields` key: its own rule, or (a coerced attribute) its attribute's. */
export function isMetadataField(key: string): boolean {
  const rule = FIELD_RULES.get(key) ?? ATTRIBUTE_RULES.get(key);
  return rule?.kind === "metadata";
}

/** `fields` keys known to be metadata. */
export const METADATA_FIELD_KEYS: readonly string[] = [
  ...[...FIELD_RULES].filter(([, r]) => r.kind === "metadata").map(([k]) => k),
  ...METADATA_ATTRIBUTE_KEYS.filter((k) => !FIELD_RULES.has(k)),
];

/** The rule for an attribute key, or undefined for a key nobody classified yet (content by default). */
export function attributeRule(key: string): FieldRule | undefined {
  return ATTRIBUTE_RULES.get(key);
}

export interface Redacted<T> {
  value: T;
  hiddenKeys: string[];
}

/** Keeps the keys `isMetadata` accepts; the others are listed in hiddenKeys (with `prefix`). */
export function keepMetadata(
  obj: Record<string, JsonValue> | null | undefined,
  isMetadata: (key: string) => boolean = isMetadataAttribute,
  prefix = "",
): Redacted<Record<string, JsonValue>> {
  const value: Record<string, JsonValue> = {};
  const hiddenKeys: string[] = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (isMetadata(k)) value[k] = v;
    else hiddenKeys.push(prefix + k);
  }
  return { value, hiddenKeys };
}

/** A Claude log body repeats the event name (`claude_code.tool_result`); any other body is content. */
export function isMetadataBody(body: JsonValue, eventName: string): boolean {
  if (body === null || body === undefined) return true;
  return typeof body === "string" && (body === `claude_code.${eventName}` || body === `claude-desktop.${eventName}`);
}

/**
 * A derived column's value for a non-reader: kept when one of the metadata attributes it may be
 * copied from holds exactly this value, otherwise null (it was copied from content).
 */
export function derivedColumnValue(from: readonly string[], value: string | null, attributes: Record<string, JsonValue>): string | null {
  if (value === null) return null;
  for (const key of from) {
    if (!isMetadataAttribute(key)) continue;
    const v = attributes[key];
    if (v !== undefined && v !== null && String(v) === value) return value;
  }
  return null;
}
