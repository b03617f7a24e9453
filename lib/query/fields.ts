import { isMetadataAttribute } from "@/lib/auth/content";
import { personColumns, personKeySql } from "@/lib/domain/person";
import type { ContentRule, FieldDef, TableDef, ValueType } from "@/lib/domain/fields/define";
import { EVENT_TABLE } from "@/lib/domain/fields/events";
import { SPAN_TABLE } from "@/lib/domain/fields/spans";
import { fieldTerms, QueryError, type QueryNode } from "./parse";

// The query language's fields: what `tool:`, `cost>`, `attr.<key>:` mean on each dataset. Most
// come straight from the field registry (every field declared `filter` or `text`), under a short
// name where the column's name is long (tool_name → tool); the rest are the pivot names of
// lib/query/terms.ts that have no column of their own (command, path, url read from the parsed
// tool parameters; user matches every identity column) and `attr.<key>` for any attribute.
// Pure (no database): the query bar uses it in the browser for autocomplete and errors.

/** What the query language searches: log events (Claude Code, Cowork, Desktop) or spans (Office agents, Claude Code traces). */
export type Dataset = "events" | "spans";
export const DATASETS: readonly Dataset[] = ["events", "spans"];

/** How a field's values compare. */
export type QueryFieldType = "text" | "number" | "time" | "bool" | "tags" | "id";

/** A field as autocomplete shows it. */
export interface QueryFieldInfo {
  name: string;
  type: QueryFieldType;
  label: string;
  description: string;
  /** Content (prompt text, commands, paths, …): only readers of content may search it. */
  content: boolean;
}

/** A field with the SQL it reads (table alias `e` for events, `s` for spans). Values never appear in `exprs`. */
export interface QueryField extends QueryFieldInfo {
  /** Matching any of these expressions matches the field (OR). */
  exprs: readonly string[];
  /** For those who may not read content: the expressions to use instead (a derived column's metadata part). */
  metadataExprs?: readonly string[];
  /** `attr.<key>`: the attribute key, bound as a parameter by compile.ts (it comes from the query). */
  attributeKey?: string;
  /** Compared with the value as given and lower-cased (expressions that are lower-cased themselves: emails, UUIDs). */
  caseInsensitive?: boolean;
  /** Normalizes a value before it is compared (event names: `claude_code.` prefix dropped). */
  normalize?: "eventName" | "spanStatus";
  /**
   * The field's value is a part of the row's attribute values, so the full-text index can
   * narrow a match before the field's own expression is checked.
   */
  inAttributes?: boolean;
}

/** Short query names for registry columns whose name is long or says the storage, not the meaning. */
const SHORT_NAMES: Readonly<Record<Dataset, Readonly<Record<string, string>>>> = {
  events: {
    event_name: "event", session_id: "session", prompt_id: "prompt", trace_id: "trace", tool_name: "tool",
    decision_source: "source", permission_mode: "mode", agent_id: "agent", cost_usd: "cost", duration_ms: "duration",
    source: "app", status_code: "http_status", service_name: "service", service_version: "version",
    terminal_type: "terminal", environment_id: "environment", organization_id: "org", redacted_keys: "redacted",
    truncated_keys: "truncated", time: "time", id: "id", secret_fingerprints: "secret",
  },
  spans: {
    trace_id: "trace", span_id: "span", name: "event", session_id: "session", start_time: "time", tool_name: "tool",
    decision_source: "source", duration_ms: "duration", organization_id: "org", service_name: "service",
    status_message: "error", secret_fingerprints: "secret",
  },
};

const QUERY_TYPE: Partial<Record<ValueType, QueryFieldType>> = {
  text: "text", source: "text", metricType: "text", uuid: "id", int: "number", count: "number", float: "number",
  bool: "bool", time: "time", tags: "tags",
};

function isContent(rule: ContentRule): boolean {
  return rule === "content" || (typeof rule === "object" && "perKey" in rule) || rule === "logBody";
}

/** The registry's filter fields of a table, under their query names. */
function registryFields(dataset: Dataset, table: TableDef): QueryField[] {
  const alias = table.alias;
  const out: QueryField[] = [];
  for (const f of table.fields as readonly FieldDef[]) {
    if (!f.filter && !f.text) continue;
    const type = QUERY_TYPE[f.type];
    if (!type) continue;
    const expr = `${alias}.${f.column}`;
    const derived = typeof f.content === "object" && "derivedFrom" in f.content ? f.content.derivedFrom : null;
    const metadataKeys = derived?.filter(isMetadataAttribute) ?? [];
    out.push({
      name: SHORT_NAMES[dataset][f.column] ?? f.column,
      type,
      label: f.label,
      description: f.description ?? f.label,
      content: isContent(f.content),
      exprs: [expr],
      // A derived column holds content when it was copied from a content attribute: a non-reader
      // matches it only where a metadata attribute holds the same value (lib/auth/content.ts derivedColumnValue).
      ...(derived
        ? {
            metadataExprs: [
              metadataKeys.length
                ? `CASE WHEN ${expr} IN (${metadataKeys.map((k) => `${alias}.attributes->>'${k.replace(/'/g, "''")}'`).join(", ")}) THEN ${expr} END`
                : "NULL::text",
            ],
          }
        : {}),
      ...(f.column === "event_name" ? { normalize: "eventName" as const } : {}),
    });
  }
  return out;
}

const attr = (alias: string, key: string) => `${alias}.attributes->>'${key}'`;
const param = (alias: string, obj: "toolParameters" | "toolInput", key: string) => `${alias}.fields->'${obj}'->>'${key}'`;

/** The pivot names with no column of their own, and the sums. */
function derivedFields(dataset: Dataset): QueryField[] {
  if (dataset === "events") {
    const e = "e";
    return [
      // The person key (lib/domain/person.ts), as person pages and pivots name a person; an
      // expression index (migration 20261205130100_person_key_index) serves it.
      { name: "user", type: "text", label: "User", content: false, caseInsensitive: true,
        description: "A person, by the person key: email, else enduser.id, else account UUID (or tagged account id), else device id (user.id)",
        exprs: [personKeySql(personColumns(e))] },
      { name: "command", type: "text", label: "Command", content: true, inAttributes: true,
        description: "The shell command of a Bash call (tool_parameters full_command / bash_command, tool_input command)",
        exprs: [param(e, "toolParameters", "full_command"), param(e, "toolParameters", "bash_command"), param(e, "toolInput", "command")] },
      { name: "path", type: "text", label: "File path", content: true, inAttributes: true,
        description: "The file a tool read or wrote (file_path, path, notebook_path)",
        exprs: [param(e, "toolParameters", "file_path"), param(e, "toolInput", "file_path"), param(e, "toolInput", "path"), param(e, "toolInput", "notebook_path")] },
      { name: "url", type: "text", label: "URL", content: true, inAttributes: true,
        description: "The URL a tool fetched (WebFetch)", exprs: [param(e, "toolInput", "url"), param(e, "toolParameters", "url")] },
      { name: "prompt_text", type: "text", label: "Prompt text", content: true, inAttributes: true,
        description: "What the person typed (user_prompt)", exprs: [attr(e, "prompt"), attr(e, "prompt_text")] },
      { name: "tool_input", type: "text", label: "Tool input", content: true, inAttributes: true,
        description: "A tool call's input as sent (JSON text)", exprs: [attr(e, "tool_input"), attr(e, "tool_parameters")] },
      { name: "skill", type: "text", label: "Skill", content: false,
        description: "The skill a call ran under", exprs: [attr(e, "skill_name"), attr(e, "skill.name"), param(e, "toolParameters", "skill_name")] },
      { name: "status", type: "text", label: "Status", content: false,
        description: "An MCP server connection's status (connected, failed, …)", exprs: [attr(e, "status")] },
      { name: "tokens", type: "number", label: "Tokens", content: false,
        description: "Input plus output tokens of an API request", exprs: [`(${e}.input_tokens + ${e}.output_tokens)`] },
    ];
  }
  const s = "s";
  return [
    { name: "app", type: "text", label: "App", content: false, description: "The Office app (excel, word, powerpoint, outlook) or the source (office, claude_code)",
      exprs: [`${s}.surface`, `${s}.source`] },
    { name: "user", type: "text", label: "User", content: false, caseInsensitive: true, description: "A person, by the person key: email, else account UUID",
      exprs: [personKeySql(personColumns(s, { enduser: false, accountId: false, device: false }))] },
    { name: "status", type: "text", label: "Status", content: false, normalize: "spanStatus", description: "unset, ok or error",
      exprs: [`CASE ${s}.status_code WHEN 0 THEN 'unset' WHEN 1 THEN 'ok' WHEN 2 THEN 'error' END`] },
    { name: "prompt_text", type: "text", label: "Prompt text", content: true, inAttributes: true, description: "What the person asked",
      exprs: [attr(s, "user.message"), attr(s, "user_prompt")] },
    { name: "tool_input", type: "text", label: "Tool input", content: true, inAttributes: true, description: "A tool call's input", exprs: [attr(s, "tool.input")] },
    { name: "tool_output", type: "text", label: "Tool output", content: true, inAttributes: true, description: "A tool call's output", exprs: [attr(s, "tool.output")] },
    { name: "command", type: "text", label: "Command", content: true, inAttributes: true, description: "A shell command (Claude Code tool spans)",
      exprs: [attr(s, "full_command"), attr(s, "bash_command")] },
    { name: "path", type: "text", label: "File path", content: true, inAttributes: true, description: "A file a tool read or wrote", exprs: [attr(s, "file_path")] },
    { name: "url", type: "text", label: "URL", content: true, inAttributes: true, description: "The document's URL", exprs: [attr(s, "document.url")] },
    { name: "tokens", type: "number", label: "Tokens", content: false, description: "Input plus output tokens",
      exprs: [`(${s}.input_tokens + ${s}.output_tokens)`] },
  ];
}

function build(dataset: Dataset): ReadonlyMap<string, QueryField> {
  const map = new Map<string, QueryField>();
  const table = dataset === "events" ? EVENT_TABLE : SPAN_TABLE;
  // Pivot names first: where a registry column has the same name, the pivot's meaning wins (spans' `source`).
  for (const f of [...derivedFields(dataset), ...registryFields(dataset, table)]) if (!map.has(f.name)) map.set(f.name, f);
  return map;
}

const FIELDS: Readonly<Record<Dataset, ReadonlyMap<string, QueryField>>> = { events: build("events"), spans: build("spans") };

/** `attr.<key>`: any attribute as sent (text; numbers compare as numbers). */
export const ATTRIBUTE_PREFIX = "attr.";

/** Every named field of a dataset, sorted by name, for autocomplete (`attr.<key>` is described by ATTRIBUTE_FIELD_INFO). */
export function queryFields(dataset: Dataset = "events"): QueryFieldInfo[] {
  return [...FIELDS[dataset].values()]
    .map(({ name, type, label, description, content }) => ({ name, type, label, description, content }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const ATTRIBUTE_FIELD_INFO: QueryFieldInfo = {
  name: "attr.<key>", type: "text", label: "Attribute", content: false,
  description: "Any attribute as sent, by its key (attr.terminal.type:vscode). Keys not known to be metadata are content.",
};

/** The field a query name means on a dataset, or null when there is none. */
export function resolveField(dataset: Dataset, name: string): QueryField | null {
  const known = FIELDS[dataset].get(name);
  if (known) return known;
  if (name.startsWith(ATTRIBUTE_PREFIX) && name.length > ATTRIBUTE_PREFIX.length) {
    const key = name.slice(ATTRIBUTE_PREFIX.length);
    const alias = dataset === "events" ? "e" : "s";
    return {
      name, type: "text", label: key, description: `attribute ${key}`, content: !isMetadataAttribute(key),
      exprs: [`${alias}.attributes`], attributeKey: key, inAttributes: true,
    };
  }
  return null;
}

/** Why a content field cannot be searched by someone who may not read content. */
export function contentRefusal(what: string): string {
  return `${what} searches content, which your role may not read`;
}

/** Field names (and the nearest known one) for an error message. */
function unknownField(dataset: Dataset, name: string): string {
  const names = [...FIELDS[dataset].keys()];
  const near = names.find((n) => n.startsWith(name.toLowerCase())) ?? names.find((n) => name.toLowerCase().startsWith(n));
  return `unknown field \`${name}\`${near ? ` (did you mean \`${near}\`?)` : ""}`;
}

/** Throws the first field-level QueryError of a parsed query (unknown field, content for a non-reader). */
export function checkFields(node: QueryNode | null, dataset: Dataset, canReadContent: boolean): void {
  if (!canReadContent) {
    const text = firstText(node);
    if (text) throw new QueryError(contentRefusal("free text"), text.pos);
  }
  for (const t of fieldTerms(node)) {
    const f = resolveField(dataset, t.field);
    if (!f) throw new QueryError(unknownField(dataset, t.field), t.fieldPos);
    if (f.content && !canReadContent) throw new QueryError(contentRefusal(`\`${t.field}\``), t.fieldPos);
  }
}

function firstText(node: QueryNode | null): Extract<QueryNode, { type: "text" }> | null {
  if (!node) return null;
  switch (node.type) {
    case "text":
      return node;
    case "and":
    case "or":
      for (const i of node.items) {
        const t = firstText(i);
        if (t) return t;
      }
      return null;
    case "not":
      return firstText(node.item);
    default:
      return null;
  }
}
