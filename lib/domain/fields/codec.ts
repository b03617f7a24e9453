import { derivedColumnValue, isMetadataAttribute, isMetadataBody, isMetadataField, keepMetadata } from "@/lib/auth/content";
import type { Cell, PgType } from "@/lib/db/unnest-insert";
import type { JsonValue } from "@/lib/otlp/values";
import { PG_TYPE, camel, type ApiOf, type DbRowOf, type FieldDef, type RowOf, type TableDef, type ValueType } from "./define";

// What the rest of the house derives from a table's declaration: the writer's columns, the read
// models' SELECT list, the row → API mapper, and the content filter for readers who may not see
// content. Each is built once per table (the returned functions are hot: every stored and every
// shown record goes through them).

/** A column the batch writer fills from the normalized row. */
export interface WriteColumn<R> {
  name: string;
  type: PgType;
  get: (row: R) => Cell;
}

const toCell: Partial<Record<ValueType, (v: unknown) => Cell>> = {
  time: (v) => (v as Date).toISOString(),
  nanos: (v) => (v as bigint).toString(),
};

/** The columns a normalizer fills, in declaration order (the tenant, environment and token are the writer's). */
export function writeColumns<T extends TableDef>(t: T): WriteColumn<RowOf<T>>[] {
  return t.fields
    .filter((f) => (f.filledBy ?? "row") === "row")
    .map((f) => {
      const key = camel(f.column);
      const convert = toCell[f.type];
      const get = convert
        ? (r: RowOf<T>) => {
            const v = (r as Record<string, unknown>)[key];
            return v === null || v === undefined ? null : convert(v);
          }
        : (r: RowOf<T>) => ((r as Record<string, unknown>)[key] ?? null) as Cell;
      return { name: f.column, type: PG_TYPE[f.type], get };
    });
}

/** The fields the read API shows. */
export const apiFields = (t: TableDef): FieldDef[] => t.fields.filter((f) => f.api !== undefined);

/** SELECT list of the API's columns (`e.session_id, e.time_ns::text AS time_ns, …`); nanoseconds as text keep every digit. */
export function selectList(t: TableDef, alias = t.alias): string {
  return apiFields(t)
    .map((f) => (f.type === "nanos" ? `${alias}.${f.column}::text AS ${f.column}` : `${alias}.${f.column}`))
    .join(", ");
}

const fromDb: Partial<Record<ValueType, (v: unknown) => unknown>> = {
  time: (v) => (v === null ? null : (v as Date).toISOString()),
  tags: (v) => v ?? [],
};

/** Maps a SELECTed row to the API's object (nested where the API path has dots). */
export function apiMapper<T extends TableDef>(t: T): (row: DbRowOf<T>) => ApiOf<T> {
  const plan = apiFields(t).map((f) => ({ column: f.column, path: f.api!.split("."), convert: fromDb[f.type] }));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const { column, path, convert } of plan) {
      const raw = (row as Record<string, unknown>)[column] ?? null;
      const value = convert ? convert(raw) : raw;
      let target = out;
      for (let i = 0; i < path.length - 1; i++) target = (target[path[i]] ??= {}) as Record<string, unknown>;
      target[path[path.length - 1]] = value;
    }
    return out as ApiOf<T>;
  };
}

type JsonMap = Record<string, JsonValue>;
const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Removes what a reader without content access may not see from a SELECTed row, per each field's
 * content rule, and lists what was removed under its API name (attribute keys as they are,
 * `fields.<key>`, `events.<key>`, `links.<key>`, and column names such as `error`, `status.message`).
 */
export function contentFilter<T extends TableDef>(t: T): (row: DbRowOf<T>) => { row: DbRowOf<T>; hiddenKeys: string[] } {
  const rules = apiFields(t).filter((f) => f.content !== "metadata");
  return (input) => {
    const row = { ...input } as Record<string, unknown>;
    const attributes = (isMap(row.attributes) ? row.attributes : {}) as JsonMap;
    const hiddenKeys: string[] = [];
    for (const f of rules) {
      const value = row[f.column] ?? null;
      const rule = f.content;
      if (rule === "content") {
        if (value !== null) hiddenKeys.push(f.api!);
        row[f.column] = null;
      } else if (rule === "logBody") {
        if (!isMetadataBody(value as JsonValue, String(row.event_name ?? ""))) {
          hiddenKeys.push(f.api!);
          row[f.column] = null;
        }
      } else if (typeof rule === "object" && "derivedFrom" in rule) {
        const shown = derivedColumnValue(rule.derivedFrom, value as string | null, attributes);
        if (shown !== value) hiddenKeys.push(f.api!);
        row[f.column] = shown;
      } else if (typeof rule === "object" && "perKey" in rule) {
        const isMetadata = rule.perKey === "fields" ? isMetadataField : isMetadataAttribute;
        const keep = (m: unknown) => {
          const kept = keepMetadata(isMap(m) ? m : {}, isMetadata, rule.hiddenPrefix);
          hiddenKeys.push(...kept.hiddenKeys);
          return kept.value;
        };
        // Span events and links carry their attributes one level down.
        row[f.column] = f.type === "spanEvents" || f.type === "spanLinks"
          ? Array.isArray(value) ? value.map((item) => (isMap(item) ? { ...item, attributes: keep(item.attributes) } : item)) : value
          : keep(value);
      }
    }
    return { row: row as DbRowOf<T>, hiddenKeys };
  };
}

export type CsvValue = string | number | boolean | null | undefined;

/** The CSV export's columns of a table, in declaration order: name and how to read it from the API object. */
export function csvColumns<T extends TableDef>(t: T): Array<[string, (row: ApiOf<T>) => CsvValue]> {
  return apiFields(t)
    .filter((f) => f.csv !== undefined)
    .map((f) => {
      const path = f.api!.split(".");
      const read = (row: ApiOf<T>): CsvValue => {
        let v: unknown = row;
        for (const p of path) v = v === null || v === undefined ? null : (v as Record<string, unknown>)[p];
        return v !== null && typeof v === "object" ? JSON.stringify(v) : (v as CsvValue);
      };
      return [f.csv === true ? f.column : f.csv!, read];
    });
}
