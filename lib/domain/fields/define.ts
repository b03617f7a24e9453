import type { Attributes, JsonValue } from "@/lib/otlp/values";
import type { SpanEventJson, SpanLinkJson } from "./json-shapes";
import type { MetricType, SourceId } from "@/lib/domain/vocabulary";

// The field registry's building blocks. A table's fields are declared once (events.ts, spans.ts,
// metric-points.ts); the batch writer's column lists, the SELECT lists, the normalized row types,
// the read API's shapes and mappers, the manager content filter, the CSV columns (codec.ts) and
// the Explorer's columns and sorts (lib/explore/columns.ts) are all derived from them. A test
// checks the declarations against the migrated database and schema.prisma (registry.test.ts).

/** How a value is stored and carried. Each maps to one Postgres type and one TypeScript type per stage. */
export type ValueType =
  | "text" | "source" | "metricType" | "uuid" | "int" | "count" | "float" | "bool" | "time" | "nanos" | "tags"
  | "json" | "attributes" | "object" | "spanEvents" | "spanLinks";

/** Postgres type of each value type (what the writer casts to). */
export const PG_TYPE = {
  text: "text", source: "text", metricType: "text", uuid: "uuid", int: "int4", count: "int8", float: "float8", bool: "bool", time: "timestamptz",
  nanos: "int8", tags: "text[]", json: "jsonb", attributes: "jsonb", object: "jsonb", spanEvents: "jsonb", spanLinks: "jsonb",
} as const satisfies Record<ValueType, string>;

/** Type as the normalizers produce it (lib/sources) and the writer stores it. */
export interface RowTypes {
  text: string; source: SourceId; metricType: MetricType; uuid: string; int: number; count: number; float: number; bool: boolean; time: Date; nanos: bigint; tags: string[];
  json: JsonValue; attributes: Attributes; object: Record<string, JsonValue>; spanEvents: SpanEventJson[]; spanLinks: SpanLinkJson[];
}
/** Type as it is read back (pg: int8 parsed as number, nanos selected as text to keep every digit). */
export interface DbTypes extends Omit<RowTypes, "source" | "metricType" | "nanos" | "tags" | "attributes" | "spanLinks"> {
  source: string; metricType: string; nanos: string; tags: string[] | null; attributes: Record<string, JsonValue>; spanLinks: JsonValue;
}
/** Type in the read API (JSON: times as ISO strings, nanoseconds as decimal strings). */
export interface ApiTypes extends Omit<RowTypes, "source" | "metricType" | "time" | "nanos" | "attributes" | "spanLinks"> {
  source: string; metricType: string; time: string; nanos: string; attributes: Record<string, JsonValue>; spanLinks: JsonValue;
}

/**
 * Who may see a field's value:
 * - metadata: everyone with access to the tenant;
 * - content: readers of content only (analysts, admins); removed for managers and listed in hiddenKeys;
 * - derivedFrom: a column copied from whichever of these attributes was sent; shown to non-readers only when it
 *   holds the value of one of those attributes that is metadata (lib/auth/content.ts);
 * - perKey: a JSON map whose keys are classified one by one by the attribute catalog (default deny);
 * - logBody: a log record's body, metadata only when it merely repeats the event name.
 */
export type ContentRule =
  | "metadata"
  | "content"
  | { derivedFrom: readonly string[] }
  | { perKey: "attributes" | "fields"; hiddenPrefix: string }
  | "logBody";

export interface FieldDef {
  /** SQL column (snake_case); the normalized row's property is its camelCase (see Camel). */
  readonly column: string;
  readonly type: ValueType;
  /** Column is NOT NULL. */
  readonly required?: true;
  /**
   * Who fills the column: "row" (the normalizer, default), "scope" (the writer, from the ingest
   * token: tenant, environment, token) or "database" (a default such as now()).
   */
  readonly filledBy?: "row" | "scope" | "database";
  /** Path in the read API's object (`user.email`); absent: not in the API. */
  readonly api?: string;
  readonly label: string;
  /** Telemetry attribute keys the value is read from, in order of preference. */
  readonly attributes?: readonly string[];
  readonly content: ContentRule;
  /** Offered as a filter / full-text field by the Explorer and the query language. */
  readonly filter?: true;
  readonly text?: true;
  /** The Explorer sorts by it, first in this direction (each sort has an index on (tenant_id, column, time, id)). */
  readonly sort?: "asc" | "desc";
  /** A column of the Explorer's table. */
  readonly explorer?: true;
  /** A column of the CSV export, under the column's name (true) or this name. */
  readonly csv?: true | string;
  /** Where the value goes in an OCSF event (lib/ocsf), when one attribute fits. */
  readonly ocsf?: string;
  readonly description?: string;
}

export interface TableDef<F extends readonly FieldDef[] = readonly FieldDef[]> {
  readonly table: string;
  /** Alias used in the read models' SQL (`e` for events, `s` for spans). */
  readonly alias: string;
  readonly fields: F;
}

export const defineTable = <const F extends readonly FieldDef[]>(table: string, alias: string, fields: F): TableDef<F> => ({ table, alias, fields });

// ---- types derived from a table's declaration ---------------------------------------------------

export type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

export type Nullable<F extends FieldDef, V> = F["required"] extends true ? V : V | null;

/** The normalized row a source produces for this table (what the writer takes). A list is empty, never null, in a row. */
export type RowOf<T extends TableDef> = {
  [F in T["fields"][number] as F["filledBy"] extends "scope" | "database" ? never : Camel<F["column"]>]:
    F["type"] extends "tags" ? string[] : Nullable<F, RowTypes[F["type"]]>;
};

/** A row as the read models SELECT it (snake_case, as pg returns it). */
export type DbRowOf<T extends TableDef> = {
  [F in T["fields"][number] as F["api"] extends string ? F["column"] : never]: Nullable<F, DbTypes[F["type"]]>;
};

// Leaves are boxed while the nested object is built so that flattening stops at them (a JSON value is recursive).
interface Leaf<V> { readonly leaf: V }
type Nest<P extends string, V> = P extends `${infer H}.${infer R}` ? { [K in H]: Nest<R, V> } : { [K in P]: Leaf<V> };
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Flatten<T> = T extends Leaf<infer V> ? V : { [K in keyof T]: Flatten<T[K]> };

/** The read API's object for this table (nested where `api` has dots). */
export type ApiOf<T extends TableDef> = Flatten<UnionToIntersection<
  T["fields"][number] extends infer F ? F extends FieldDef ? F["api"] extends string ? Nest<F["api"], ApiValue<F>> : never : never : never
>>;
type ApiValue<F extends FieldDef> = F["type"] extends "tags" ? string[] : Nullable<F, ApiTypes[F["type"]]>;

export function camel(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
