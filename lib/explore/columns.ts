import { isMetadataAttribute, METADATA_ATTRIBUTE_KEYS, METADATA_FIELD_KEYS } from "@/lib/auth/content";
import {
  camel, csvColumns, EVENT_TABLE, PG_TYPE, type ApiTypes, type Camel, type ContentRule, type CsvValue, type DbTypes, type Nullable,
} from "@/lib/domain/fields";
import type { SqlBuilder } from "@/lib/db/sql";
import type { ApiEvent } from "@/lib/queries/events";

// The Explorer's columns, in one place: which columns sort (and how), what a table row holds and
// how it is read, which columns feed the filter menus, and the CSV export's columns.

// ---- sorting ------------------------------------------------------------------------------

export type SortType = "timestamptz" | "text" | "float8";
export type SortDir = "asc" | "desc";

type EventField = (typeof EVENT_TABLE.fields)[number];
type SortField = Extract<EventField, { sort: SortDir }>;
export type ExploreSort = SortField["column"];

interface SortSpec {
  column: string;
  type: SortType;
  nullable: boolean;
  defaultDir: SortDir;
}

/** Sortable columns: the registry's fields with a sort direction (each backed by an index on (tenant_id, column, time, id)). */
export const EXPLORE_SORTS = Object.fromEntries(
  EVENT_TABLE.fields.flatMap((f) => ("sort" in f ? [[f.column, {
    column: `e.${f.column}`, type: PG_TYPE[f.type] as SortType, nullable: !("required" in f), defaultDir: f.sort,
  }]] : [])),
) as Record<ExploreSort, SortSpec>;

export function isExploreSort(v: string): v is ExploreSort {
  return Object.prototype.hasOwnProperty.call(EXPLORE_SORTS, v);
}

// ---- table rows ---------------------------------------------------------------------------

type ExplorerField = Extract<EventField, { explorer: true }>;
const EXPLORER_FIELDS = EVENT_TABLE.fields.filter((f): f is ExplorerField => "explorer" in f);

// The table shows metadata only: a manager sees every cell, so no column of it may be content.
for (const f of EXPLORER_FIELDS) {
  const rule = f.content as ContentRule;
  if (rule !== "metadata" && !(typeof rule === "object" && "derivedFrom" in rule && rule.derivedFrom.every(isMetadataAttribute))) {
    throw new Error(`the Explorer table cannot show ${f.column}: it may hold content`);
  }
}

/** One table row: the registry's Explorer columns and, for readers allowed to see it, a short content preview. */
export type ExploreRow = { [F in ExplorerField as Camel<F["column"]>]: Nullable<F, ApiTypes[F["type"]]> } & {
  /** Prompt text, command, file path, tool input, response or error text; null when hidden or absent. */
  content: string | null;
  /** The event carries content this reader may not see. */
  contentHidden: boolean;
};

export type ExploreDbRow = { [F in ExplorerField as F["column"]]: Nullable<F, DbTypes[F["type"]]> } & {
  content: string | null;
  has_content: boolean;
};

export const CONTENT_PREVIEW_CHARS = 300;

const ROW_COLUMNS = EXPLORER_FIELDS.map((f) => `e.${f.column}`).join(", ");

/** The preview: the most telling piece of content the event has (never selected for managers). */
function contentPreviewSql(p: SqlBuilder): string {
  return `left(COALESCE(
    e.attributes->>'prompt',
    e.fields->'toolParameters'->>'full_command',
    e.fields->'toolInput'->>'command',
    e.fields->'toolInput'->>'file_path',
    e.fields->'toolParameters'->>'file_path',
    e.attributes->>'tool_input',
    e.attributes->>'tool_parameters',
    e.attributes->>'response',
    e.error
  ), ${p.param(CONTENT_PREVIEW_CHARS)}::int)`;
}

export function rowSelect(canReadContent: boolean) {
  return (p: SqlBuilder): string => {
    if (canReadContent) return `${ROW_COLUMNS}, ${contentPreviewSql(p)} AS content, false AS has_content`;
    // Managers: the content itself is not even read; only whether there was some, i.e. any key
    // the content policy does not know to be metadata (default deny, as toApiEvent).
    const keys = p.param([...METADATA_ATTRIBUTE_KEYS]);
    const fieldKeys = p.param([...METADATA_FIELD_KEYS]);
    return `${ROW_COLUMNS}, NULL::text AS content,
      (e.error IS NOT NULL
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.attributes) k WHERE NOT (k = ANY(${keys}::text[])))
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.fields) k WHERE NOT (k = ANY(${fieldKeys}::text[])))) AS has_content`;
  };
}

const ROW_PLAN = EXPLORER_FIELDS.map((f) => ({ column: f.column, key: camel(f.column), time: f.type === "time" }));

export function toExploreRow(r: ExploreDbRow, canReadContent: boolean): ExploreRow {
  const row: Record<string, unknown> = {};
  for (const { column, key, time } of ROW_PLAN) {
    const v = (r as Record<string, unknown>)[column] ?? null;
    row[key] = time && v instanceof Date ? v.toISOString() : v;
  }
  return { ...row, content: canReadContent ? r.content : null, contentHidden: !canReadContent && r.has_content } as ExploreRow;
}

// ---- filter menus -------------------------------------------------------------------------

export const FACET_COLUMNS = {
  sources: "source",
  eventNames: "event_name",
  tools: "tool_name",
  mcpServers: "mcp_server",
  decisionSources: "decision_source",
} as const satisfies Record<string, ExplorerField["column"]>;

export type ExploreFacets = Record<keyof typeof FACET_COLUMNS, string[]>;

// ---- CSV export ---------------------------------------------------------------------------

export type { CsvValue };

/** The registry's CSV columns in declaration order, with what the API adds (the keys hidden from this reader) before the JSON of every attribute, which stays last. */
const REGISTRY_CSV = csvColumns(EVENT_TABLE);
export const CSV_COLUMNS: Array<[string, (e: ApiEvent) => CsvValue]> = [
  ...REGISTRY_CSV.filter(([name]) => name !== "attributes"),
  ["hidden_keys", (e) => e.hiddenKeys.join(" ")],
  ...REGISTRY_CSV.filter(([name]) => name === "attributes"),
];
