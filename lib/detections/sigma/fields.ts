import type { JsonValue } from "@/lib/otlp/values";

// Field lookup as the Sigma matchers see it. A record's fields are the telemetry's own attribute
// names ("mcp_server.name" is one flat key) plus nested objects (tool_parameters, actor, …): a
// dotted name is first tried as a flat key, then as a path, longest key first at each level.
// Arrays are searched element by element, as Sigma treats a list-valued field.

type Obj = Record<string, JsonValue>;

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function resolve(value: JsonValue, parts: string[], i: number, out: JsonValue[], depth: number): void {
  if (depth > 32) return; // deliberately shallow: telemetry nesting is a few levels at most
  if (i === parts.length) {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) resolve(v, parts, i, out, depth + 1);
    return;
  }
  if (!isObj(value)) return;
  for (let j = parts.length; j > i; j--) {
    const key = j - i === 1 ? parts[i] : parts.slice(i, j).join(".");
    if (Object.hasOwn(value, key)) {
      resolve(value[key], parts, j, out, depth + 1);
      return;
    }
  }
}

function flattenInto(v: JsonValue, depth: number, out: JsonValue[]): void {
  if (Array.isArray(v) && depth < 8) for (const x of v) flattenInto(x, depth + 1, out);
  else out.push(v);
}

/** Every value a field holds: [] when absent; arrays flattened one element at a time. */
export function fieldValues(fields: Obj, name: string): JsonValue[] {
  // Runs for every field test of every rule on every record: no closure, no intermediate array
  // for the common top-level field.
  const out: JsonValue[] = [];
  if (Object.hasOwn(fields, name)) flattenInto(fields[name], 0, out);
  else if (name.includes(".")) {
    const raw: JsonValue[] = [];
    resolve(fields, name.split("."), 0, raw, 0);
    for (const v of raw) flattenInto(v, 0, out);
  }
  return out;
}

/** The text Sigma compares: strings as they are, numbers and booleans printed, objects not at all. */
export function scalarText(v: JsonValue): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

/** A number from a number or numeric text ("37"), else null. */
export function numeric(v: JsonValue): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "" && v.length < 64) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
