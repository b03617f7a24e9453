import { SqlBuilder } from "@/lib/db/sql/builder";
import { bareEventName } from "@/lib/domain/vocabulary";
import { checkFields, resolveField, type Dataset, type QueryField } from "./fields";
import { parseQuery, QueryError, type CompareOp, type QueryNode } from "./parse";

// The query language's SQL: a parsed query (lib/query/parse.ts) → one WHERE condition over a
// dataset's table, through SqlBuilder so that every value of the query is a parameter and the SQL
// text holds only the registry's column expressions and placeholders. Values are typed by their
// field: numbers compare as numbers, times as times; a wildcard becomes ILIKE with `%`, `_` and `\`
// of the value escaped. Unknown fields, content fields for a non-reader and badly typed values are
// QueryErrors with the position of the term (lib/query/fields.ts checkFields), never SQL errors.

/**
 * Attributes free text leaves out: machine identifiers and times, unique per record or per
 * session. They were 70% of the trigrams the index stored per record, hence most of its cost at
 * ingest (migration 20261205150000_ingest_index_costs); each has its own field (session:, prompt:,
 * user_id:, org:, request_id:, tool_use_id:, time ranges). Written into the index's expression:
 * change both together.
 */
export const SEARCH_TEXT_SKIPPED_KEYS = [
  "event.sequence", "event.timestamp", "organization.id", "prompt.id", "request_id", "session.id", "tool_use_id",
  "user.account_id", "user.account_uuid", "user.id",
] as const;
const SKIPPED = `'{${SEARCH_TEXT_SKIPPED_KEYS.join(",")}}'::text[]`;

/**
 * The text free-text terms search, per dataset: every attribute VALUE of the row but the
 * identifiers above, as JSON text (keys left out, so `tool_name` does not match every row). An
 * expression GIN trigram index on exactly this expression (migration
 * 20261205150000_ingest_index_costs) serves `ILIKE '%…%'`: substrings work (`rm -rf`,
 * `secrets/prod.env`), not only words. Strings in it are JSON-escaped, so a search term is
 * escaped the same way (jsonTextPatterns).
 */
export const SEARCH_TEXT_SQL: Readonly<Record<Dataset, string>> = {
  events: `(jsonb_path_query_array(e.attributes - ${SKIPPED}, '$.*')::text)`,
  spans: `(jsonb_path_query_array(s.attributes - ${SKIPPED}, '$.*')::text || ' ' || COALESCE(s.status_message, ''))`,
};

/** The table (with the alias the expressions use) and its time column, per dataset. */
export const DATASET_TABLE: Readonly<Record<Dataset, { from: string; alias: string; time: string; id: string }>> = {
  events: { from: "events e", alias: "e", time: "e.time", id: "e.id" },
  spans: { from: "spans s", alias: "s", time: "s.start_time", id: "s.span_id" },
};

/** `\`, `%` and `_` of a LIKE pattern's literal part escaped (`\` is ILIKE's default escape). */
export function escapeLike(literal: string): string {
  return literal.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A wildcard value (`*` = any run of characters) as an ILIKE pattern. */
export function wildcardPattern(value: string): string {
  return value.split("*").map(escapeLike).join("%");
}

/** A string as it appears inside JSON text (the search text above): quotes, backslashes and control characters escaped. */
function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * ILIKE patterns (substring) for a free-text value over the search text: as a JSON string value,
 * and as a value inside JSON that a client sent as a string attribute (tool_parameters,
 * tool_input), which is escaped twice. `*` in a bare word is a wildcard.
 */
export function jsonTextPatterns(value: string, wildcard: boolean): string[] {
  const parts = wildcard ? value.split("*") : [value];
  const once = parts.map((p) => escapeLike(jsonEscaped(p))).join("%");
  const twice = parts.map((p) => escapeLike(jsonEscaped(jsonEscaped(p)))).join("%");
  return [...new Set([`%${once}%`, `%${twice}%`])];
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const RELATIVE = /^now(?:-(\d{1,6})(s|m|h|d|w))?$/i;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

function numberValue(field: string, value: string, pos: number): number {
  if (!NUMBER.test(value)) throw new QueryError(`\`${field}\` takes a number, not \`${value}\``, pos);
  return Number(value);
}

/** A time: a date (UTC day), an ISO date-time, `now` or `now-7d` (s, m, h, d, w). */
export function timeValue(field: string, value: string, pos: number, now: Date): { at: Date; day: boolean } {
  const rel = RELATIVE.exec(value);
  if (rel) return { at: new Date(now.getTime() - (rel[1] ? Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()] : 0)), day: false };
  if (DATE_ONLY.test(value) || DATE_TIME.test(value)) {
    const at = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
    if (!Number.isNaN(at.getTime())) return { at, day: DATE_ONLY.test(value) };
  }
  throw new QueryError(`\`${field}\` takes a time (2026-12-01, 2026-12-01T10:00:00Z, now-7d), not \`${value}\``, pos);
}

function boolValue(field: string, value: string, pos: number): boolean {
  const v = value.toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw new QueryError(`\`${field}\` takes true or false, not \`${value}\``, pos);
}

const SQL_OP: Record<CompareOp, string> = { ">": ">", ">=": ">=", "<": "<", "<=": "<=" };
const NUMERIC_TEXT = `'^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$'`;

class Compiler {
  constructor(
    private readonly p: SqlBuilder,
    private readonly dataset: Dataset,
    private readonly canReadContent: boolean,
    private readonly now: Date,
  ) {}

  node(n: QueryNode): string {
    switch (n.type) {
      case "and":
        return `(${n.items.map((i) => this.node(i)).join(" AND ")})`;
      case "or":
        return `(${n.items.map((i) => this.node(i)).join(" OR ")})`;
      case "not":
        // A row without the field is "not that value" too (SQL's NOT of NULL is NULL).
        return `NOT COALESCE(${this.node(n.item)}, FALSE)`;
      case "text":
        return this.freeText(n.value, n.wildcard);
      case "match":
      case "compare":
      case "range":
        return this.fieldTerm(n);
    }
  }

  private freeText(value: string, wildcard: boolean): string {
    const search = SEARCH_TEXT_SQL[this.dataset];
    return `(${jsonTextPatterns(value, wildcard).map((pat) => `${search} ILIKE ${this.p.param(pat)}`).join(" OR ")})`;
  }

  /** The field's SQL expressions (for an attribute: `attributes->>$key`, the key bound as a parameter). */
  private exprs(f: QueryField): string[] {
    if (f.attributeKey !== undefined) return [`${f.exprs[0]}->>${this.p.param(f.attributeKey)}::text`];
    return [...(!this.canReadContent && f.metadataExprs ? f.metadataExprs : f.exprs)];
  }

  private any(exprs: string[], cond: (e: string) => string): string {
    return exprs.length === 1 ? cond(exprs[0]) : `(${exprs.map(cond).join(" OR ")})`;
  }

  /**
   * For a content field whose value lies in the row's attribute values, the same value must be in
   * the search text: adding that lets the trigram index narrow the rows first. Only when the
   * literal is long enough for trigrams and reads the same escaped or not.
   */
  private prefilter(f: QueryField, value: string, wildcard: boolean): string {
    if (!f.inAttributes) return "";
    const literal = (wildcard ? value.split("*") : [value]).reduce((a, b) => (b.length > a.length ? b : a), "");
    if (literal.length < 3 || jsonEscaped(literal) !== literal) return "";
    return `${SEARCH_TEXT_SQL[this.dataset]} ILIKE ${this.p.param(`%${escapeLike(literal)}%`)} AND `;
  }

  private fieldTerm(n: Extract<QueryNode, { field: string }>): string {
    const f = resolveField(this.dataset, n.field);
    // checkFields ran first; this is a second line of defence.
    if (!f) throw new QueryError(`unknown field \`${n.field}\``, n.fieldPos);
    if (f.content && !this.canReadContent) throw new QueryError(`\`${n.field}\` searches content, which your role may not read`, n.fieldPos);
    const exprs = this.exprs(f);
    const valuePos = n.pos + n.field.length + 1;
    if (n.type === "match") {
      if (n.wildcard && n.value === "*") {
        if (f.type === "tags") return this.any(exprs, (e) => `COALESCE(cardinality(${e}), 0) > 0`);
        return this.any(exprs, (e) => `${e} IS NOT NULL`);
      }
      return this.match(f, exprs, n.field, n.value, n.wildcard, valuePos);
    }
    if (n.type === "compare") return this.compare(f, exprs, n.field, n.op, n.value, valuePos);
    const parts: string[] = [];
    if (n.from !== null) parts.push(this.compare(f, exprs, n.field, ">=", n.from, valuePos));
    if (n.to !== null) parts.push(this.compare(f, exprs, n.field, "<=", n.to, valuePos));
    return `(${parts.join(" AND ")})`;
  }

  private match(f: QueryField, exprs: string[], field: string, raw: string, wildcard: boolean, pos: number): string {
    switch (f.type) {
      case "text": {
        const value = f.normalize === "eventName" ? bareEventName(raw) : f.normalize === "spanStatus" ? raw.toLowerCase() : raw;
        const pre = this.prefilter(f, value, wildcard);
        if (wildcard) {
          const pat = this.p.param(wildcardPattern(value));
          return `(${pre}${this.any(exprs, (e) => `${e} ILIKE ${pat}`)})`;
        }
        if (f.caseInsensitive) {
          // Lower-cased expressions (emails, UUIDs) meet the lower-cased value; exact ids the value as given.
          const a = this.p.param(value);
          const b = this.p.param(value.toLowerCase());
          return this.any(exprs, (e) => `${e} IN (${a}, ${b})`);
        }
        const v = this.p.param(value);
        return `(${pre}${this.any(exprs, (e) => `${e} = ${v}`)})`;
      }
      case "tags": {
        if (wildcard) {
          const pat = this.p.param(wildcardPattern(raw));
          return this.any(exprs, (e) => `EXISTS (SELECT 1 FROM unnest(${e}) AS t(v) WHERE t.v ILIKE ${pat})`);
        }
        const v = this.p.param(raw);
        return this.any(exprs, (e) => `${v}::text = ANY(${e})`);
      }
      case "number": {
        if (wildcard) throw new QueryError(`\`${field}\` is a number: wildcards do not apply (use a range)`, pos);
        const v = this.p.param(numberValue(field, raw, pos));
        return this.any(exprs, (e) => `${e} = ${v}::float8`);
      }
      case "time": {
        if (wildcard) throw new QueryError(`\`${field}\` is a time: wildcards do not apply (use a range)`, pos);
        const t = timeValue(field, raw, pos, this.now);
        if (t.day) {
          const from = this.p.param(t.at);
          const to = this.p.param(new Date(t.at.getTime() + 86400e3));
          return this.any(exprs, (e) => `(${e} >= ${from}::timestamptz AND ${e} < ${to}::timestamptz)`);
        }
        const v = this.p.param(t.at);
        return this.any(exprs, (e) => `${e} = ${v}::timestamptz`);
      }
      case "bool": {
        const v = this.p.param(boolValue(field, raw, pos));
        return this.any(exprs, (e) => `${e} = ${v}::bool`);
      }
      case "id": {
        if (!UUID.test(raw)) throw new QueryError(`\`${field}\` takes an id (a UUID), not \`${raw}\``, pos);
        const v = this.p.param(raw.toLowerCase());
        return this.any(exprs, (e) => `${e} = ${v}::uuid`);
      }
    }
  }

  private compare(f: QueryField, exprs: string[], field: string, op: CompareOp, raw: string, pos: number): string {
    if (f.attributeKey !== undefined) {
      // Attributes are text as sent: compared as numbers where they hold one (never a cast error).
      const v = this.p.param(numberValue(field, raw, pos));
      return this.any(exprs, (e) => `(CASE WHEN ${e} ~ ${NUMERIC_TEXT} THEN (${e})::float8 END) ${SQL_OP[op]} ${v}::float8`);
    }
    switch (f.type) {
      case "number": {
        const v = this.p.param(numberValue(field, raw, pos));
        return this.any(exprs, (e) => `${e} ${SQL_OP[op]} ${v}::float8`);
      }
      case "time": {
        const t = timeValue(field, raw, pos, this.now);
        // A day as an upper bound includes that whole day (time<=2026-12-01 means up to its end).
        const at = t.day && (op === "<=" || op === ">") ? new Date(t.at.getTime() + 86400e3) : t.at;
        const sqlOp = t.day && op === "<=" ? "<" : t.day && op === ">" ? ">=" : SQL_OP[op];
        const v = this.p.param(at);
        return this.any(exprs, (e) => `${e} ${sqlOp} ${v}::timestamptz`);
      }
      default:
        throw new QueryError(`\`${field}\` is ${f.type === "id" ? "an id" : f.type}: comparisons and ranges need a number or time field`, pos - 1);
    }
  }
}

/**
 * The SQL condition for a parsed query (null: no condition), parameters added to `p`. Throws
 * QueryError for unknown fields, content fields when `canReadContent` is false, and values of the
 * wrong type.
 */
export function compileQuery(
  p: SqlBuilder,
  node: QueryNode | null,
  dataset: Dataset,
  canReadContent: boolean,
  now: Date = new Date(),
): string | null {
  if (!node) return null;
  checkFields(node, dataset, canReadContent);
  return new Compiler(p, dataset, canReadContent, now).node(node);
}

/** Parses and compiles `q` (when given) and adds it to `p`'s conditions. Throws QueryError. */
export function whereQuery(p: SqlBuilder, dataset: Dataset, q: string | undefined, canReadContent: boolean, now: Date = new Date()): SqlBuilder {
  if (!q || !q.trim()) return p;
  const cond = compileQuery(p, parseQuery(q), dataset, canReadContent, now);
  if (cond) p.where(cond);
  return p;
}

/**
 * Checks a query exactly as the server will (syntax, field names, content permission, value
 * types) without a database: the query bar shows the error the server would return, with its
 * position. Pure, safe in client components. Returns the error or null.
 */
export function checkQuery(q: string, dataset: Dataset, canReadContent: boolean, now: Date = new Date()): QueryError | null {
  try {
    whereQuery(new SqlBuilder(), dataset, q, canReadContent, now);
    return null;
  } catch (e) {
    return e instanceof QueryError ? e : new QueryError("the query could not be read", 0);
  }
}
