import { METADATA_ATTRIBUTE_KEYS, METADATA_FIELD_KEYS } from "@/lib/auth/content";
import { recordContentView } from "@/lib/audit";
import { getPool } from "@/lib/db/pool";
import { describeError } from "@/lib/ingest/db-errors";
import { parseTimeParam, timeWindow, type TimeWindow } from "@/lib/time-range";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "./events";

// The Explorer read model: every event of a tenant, filtered and sorted on the server, paged by
// keyset cursor, plus distinct values for the filter menus and a bounded-memory export.
//
// Sorting with a keyset cursor: rows are ordered by (sort key, time, id), all in the same
// direction, so "rows after the cursor" is one row comparison that a btree on
// (tenant_id, key, time, id) answers by scanning forward or backward. NULL sort keys always come
// last, whatever the direction (sorting by cost should show the most expensive call first, not
// thousands of events without a cost). A page is therefore read in two phases: the rows with a
// value, then, once those are exhausted, the rows without one (ordered by time, id). The cursor
// says which phase it is in (v === null means "inside the NULL tail"). Each phase is a plain
// index-ordered scan; no OFFSET, no sort over the whole window.

// ---- query shape ------------------------------------------------------------------------

type SortType = "timestamptz" | "text" | "float8";

/** Sortable columns (each backed by an index on (tenant_id, column, time, id); see the migration). */
export const EXPLORE_SORTS = {
  time: { column: "e.time", type: "timestamptz", nullable: false, defaultDir: "desc" },
  source: { column: "e.source", type: "text", nullable: false, defaultDir: "asc" },
  event_name: { column: "e.event_name", type: "text", nullable: false, defaultDir: "asc" },
  user_email: { column: "e.user_email", type: "text", nullable: true, defaultDir: "asc" },
  tool_name: { column: "e.tool_name", type: "text", nullable: true, defaultDir: "asc" },
  mcp_server: { column: "e.mcp_server", type: "text", nullable: true, defaultDir: "asc" },
  decision_source: { column: "e.decision_source", type: "text", nullable: true, defaultDir: "asc" },
  duration_ms: { column: "e.duration_ms", type: "float8", nullable: true, defaultDir: "desc" },
  cost_usd: { column: "e.cost_usd", type: "float8", nullable: true, defaultDir: "desc" },
} as const satisfies Record<string, { column: string; type: SortType; nullable: boolean; defaultDir: SortDir }>;

export type ExploreSort = keyof typeof EXPLORE_SORTS;
export type SortDir = "asc" | "desc";

export function isExploreSort(v: string): v is ExploreSort {
  return Object.prototype.hasOwnProperty.call(EXPLORE_SORTS, v);
}

export interface ExploreFilters {
  source?: string;
  /** Event name, bare (tool_decision) or prefixed (claude_code.tool_decision). */
  name?: string;
  /** Matches user email, user.id, account UUID, tagged account id or enduser.id. */
  user?: string;
  tool?: string;
  mcpServer?: string;
  decisionSource?: string;
  decision?: string;
  success?: boolean;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

export interface ExploreQuery extends ExploreFilters {
  sort: ExploreSort;
  dir: SortDir;
  cursor?: string;
  limit: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
export const PAGE_SIZES = [50, 100, 250, 500] as const;

// ---- URL parameters ---------------------------------------------------------------------

/** Filter parameters in the URL (page, export link and export route share them). */
export const FILTER_PARAMS = ["source", "name", "user", "tool", "mcpServer", "decisionSource", "decision", "success", "from", "to"] as const;
/** Everything that decides which rows, in which order (not which page, not how many). */
export const QUERY_PARAMS = ["range", ...FILTER_PARAMS, "sort", "dir"] as const;

export type SearchParamsRecord = Record<string, string | string[] | undefined>;

export function toSearchParams(record: SearchParamsRecord): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === "string") out.set(k, v);
    else if (Array.isArray(v) && v.length > 0) out.set(k, v[0]);
  }
  return out;
}

function text(params: URLSearchParams, key: string): string | undefined {
  const v = params.get(key)?.trim();
  return v ? v.slice(0, 500) : undefined;
}

export interface ParsedExplore {
  query: ExploreQuery;
  /** The console time range (?range=), used when no explicit from/to is given. */
  window: TimeWindow;
}

/**
 * Reads the Explorer's URL parameters leniently: unknown sorts, bad numbers and empty values fall
 * back to defaults (a hand-edited link still shows something). Only a bad cursor is an error,
 * raised when the page is read.
 */
export function parseExploreParams(params: URLSearchParams, now = new Date()): ParsedExplore {
  const window = timeWindow(params.get("range") ?? undefined, now);
  const explicitFrom = parseTimeParam(params.get("from"));
  const explicitTo = parseTimeParam(params.get("to"));
  const sortRaw = params.get("sort") ?? "time";
  const sort: ExploreSort = isExploreSort(sortRaw) ? sortRaw : "time";
  const dirRaw = params.get("dir");
  const dir: SortDir = dirRaw === "asc" || dirRaw === "desc" ? dirRaw : EXPLORE_SORTS[sort].defaultDir;
  const limitRaw = Number(params.get("limit") ?? DEFAULT_PAGE_SIZE);
  const limit = Number.isInteger(limitRaw) ? Math.min(Math.max(limitRaw, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const successRaw = params.get("success");
  return {
    window,
    query: {
      source: text(params, "source"),
      name: text(params, "name"),
      user: text(params, "user"),
      tool: text(params, "tool"),
      mcpServer: text(params, "mcpServer"),
      decisionSource: text(params, "decisionSource"),
      decision: text(params, "decision"),
      success: successRaw === "true" ? true : successRaw === "false" ? false : undefined,
      // Explicit bounds win over the range picker; either bound alone keeps the other open.
      from: explicitFrom ?? (explicitTo ? undefined : window.from),
      to: explicitTo ?? (explicitFrom ? undefined : window.to),
      sort,
      dir,
      cursor: text(params, "cursor"),
      limit,
    },
  };
}

/** The parameters that select and order rows, in a fixed order, empty ones dropped. */
export function canonicalQueryParams(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of QUERY_PARAMS) {
    const v = params.get(key)?.trim();
    if (v) out.set(key, v);
  }
  return out;
}

// ---- cursor -----------------------------------------------------------------------------

interface Cursor {
  /** sort key and direction the cursor was made for */
  s: ExploreSort;
  d: SortDir;
  /** sort value of the last row (null: the row had none, so paging is in the NULL tail) */
  v: string | number | null;
  /** time of the last row, UTC ISO with microseconds */
  t: string;
  id: string;
}

export class BadCursorError extends Error {}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string, sort: ExploreSort, dir: SortDir): Cursor {
  let c: Cursor;
  try {
    c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
  } catch {
    throw new BadCursorError("invalid cursor");
  }
  const spec = EXPLORE_SORTS[sort];
  const valueOk =
    sort === "time"
      ? c.v === null
      : c.v === null
        ? spec.nullable
        : spec.type === "float8"
          ? typeof c.v === "number" && Number.isFinite(c.v)
          : typeof c.v === "string";
  if (
    typeof c !== "object" || c === null || c.s !== sort || c.d !== dir || !valueOk ||
    typeof c.t !== "string" || !CURSOR_TIME_RE.test(c.t) || typeof c.id !== "string" || !UUID_RE.test(c.id)
  ) {
    throw new BadCursorError("invalid cursor (or one made for another sort order)");
  }
  return c;
}

// ---- SQL building -----------------------------------------------------------------------

/** Collects positional parameters; SQL only ever receives `$n`, never a value. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filterConditions(tenantId: string, f: ExploreFilters, p: Params): string[] {
  const where = [`e.tenant_id = ${p.add(tenantId)}`];
  if (f.source) where.push(`e.source = ${p.add(f.source)}`);
  if (f.name) where.push(`e.event_name = ${p.add(f.name.replace(/^claude_code\./, ""))}`);
  if (f.user) {
    const u = p.add(f.user);
    where.push(`(e.user_email = ${u} OR e.user_id = ${u} OR e.account_uuid = ${u} OR e.account_id = ${u} OR e.enduser_id = ${u})`);
  }
  if (f.tool) where.push(`e.tool_name = ${p.add(f.tool)}`);
  if (f.mcpServer) where.push(`e.mcp_server = ${p.add(f.mcpServer)}`);
  if (f.decisionSource) where.push(`e.decision_source = ${p.add(f.decisionSource)}`);
  if (f.decision) where.push(`e.decision = ${p.add(f.decision)}`);
  if (f.success !== undefined) where.push(`e.success = ${p.add(f.success)}`);
  if (f.from) where.push(`e.time >= ${p.add(f.from)}`);
  if (f.to) where.push(`e.time < ${p.add(f.to)}`);
  return where;
}

const CURSOR_TIME_SQL = `to_char(e.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface KeysetColumns {
  sort_value: string | number | null;
  cursor_time: string;
  id: string;
}

/**
 * One page in (sort key, time, id) order after the cursor. `select` builds the column list (it
 * may add parameters); the rows come back with what the next cursor needs.
 */
async function keysetPage<R extends { id: string }>(
  tenantId: string,
  q: ExploreQuery,
  select: (p: Params) => string,
  from: string,
): Promise<{ rows: Array<R & KeysetColumns>; nextCursor: string | null }> {
  const spec = EXPLORE_SORTS[q.sort];
  const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, q.dir) : null;
  const op = q.dir === "desc" ? "<" : ">";
  const ord = q.dir === "desc" ? "DESC" : "ASC";
  const limit = Math.min(Math.max(Math.trunc(q.limit), 1), MAX_PAGE_SIZE);
  const isTime = q.sort === "time";

  const run = async (phase: "values" | "nulls", take: number): Promise<Array<R & KeysetColumns>> => {
    const p = new Params();
    const where = filterConditions(tenantId, q, p);
    let orderBy: string;
    if (isTime || phase === "nulls") {
      if (!isTime) where.push(`${spec.column} IS NULL`);
      // In the NULL tail the cursor applies only if it was made there (else the tail starts fresh).
      if (cursor && (isTime || cursor.v === null)) where.push(`(e.time, e.id) ${op} (${p.add(cursor.t)}::timestamptz, ${p.add(cursor.id)}::uuid)`);
      orderBy = `e.time ${ord}, e.id ${ord}`;
    } else {
      if (spec.nullable) where.push(`${spec.column} IS NOT NULL`);
      if (cursor && cursor.v !== null) {
        where.push(
          `(${spec.column}, e.time, e.id) ${op} (${p.add(cursor.v)}::${spec.type}, ${p.add(cursor.t)}::timestamptz, ${p.add(cursor.id)}::uuid)`,
        );
      }
      orderBy = `${spec.column} ${ord}, e.time ${ord}, e.id ${ord}`;
    }
    const sql =
      `SELECT ${select(p)}, ${isTime || phase === "nulls" ? "NULL" : spec.column} AS sort_value, ${CURSOR_TIME_SQL} AS cursor_time` +
      ` FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${orderBy} LIMIT ${p.add(take)}`;
    const { rows } = await getPool().query<R & KeysetColumns>(sql, p.values);
    return rows;
  };

  let rows: Array<R & KeysetColumns>;
  if (isTime || !spec.nullable) {
    rows = await run("values", limit + 1);
  } else {
    const inNullTail = cursor !== null && cursor.v === null;
    rows = inNullTail ? [] : await run("values", limit + 1);
    if (rows.length <= limit) rows = rows.concat(await run("nulls", limit + 1 - rows.length));
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ s: q.sort, d: q.dir, v: last.sort_value, t: last.cursor_time, id: last.id })
      : null;
  return { rows: page, nextCursor };
}

// ---- the table page ---------------------------------------------------------------------

/** One table row: typed columns and, for readers allowed to see it, a short content preview. */
export interface ExploreRow {
  id: string;
  /** ISO time (UTC). */
  time: string;
  source: string;
  eventName: string;
  sessionId: string | null;
  promptId: string | null;
  traceId: string | null;
  sequence: number | null;
  userEmail: string | null;
  userId: string | null;
  accountUuid: string | null;
  accountId: string | null;
  organizationId: string | null;
  enduserId: string | null;
  terminalType: string | null;
  toolName: string | null;
  toolUseId: string | null;
  mcpServer: string | null;
  mcpTool: string | null;
  decision: string | null;
  decisionSource: string | null;
  success: boolean | null;
  durationMs: number | null;
  statusCode: number | null;
  errorType: string | null;
  model: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  serviceVersion: string | null;
  /** Prompt text, command, file path, tool input, response or error text; null when hidden or absent. */
  content: string | null;
  /** The event carries content this reader may not see. */
  contentHidden: boolean;
}

interface ExploreDbRow {
  id: string;
  time: Date;
  source: string;
  event_name: string;
  session_id: string | null;
  prompt_id: string | null;
  trace_id: string | null;
  sequence: number | null;
  user_email: string | null;
  user_id: string | null;
  account_uuid: string | null;
  account_id: string | null;
  organization_id: string | null;
  enduser_id: string | null;
  terminal_type: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  mcp_server: string | null;
  mcp_tool: string | null;
  decision: string | null;
  decision_source: string | null;
  success: boolean | null;
  duration_ms: number | null;
  status_code: number | null;
  error_type: string | null;
  model: string | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  service_version: string | null;
  content: string | null;
  has_content: boolean;
}

export const CONTENT_PREVIEW_CHARS = 300;

const ROW_COLUMNS = `
  e.id, e.time, e.source, e.event_name, e.session_id, e.prompt_id, e.trace_id, e.sequence,
  e.user_email, e.user_id, e.account_uuid, e.account_id, e.organization_id, e.enduser_id,
  e.terminal_type, e.tool_name, e.tool_use_id, e.mcp_server, e.mcp_tool, e.decision,
  e.decision_source, e.success, e.duration_ms, e.status_code, e.error_type, e.model, e.cost_usd,
  e.input_tokens, e.output_tokens, e.service_version`;

/** The preview: the most telling piece of content the event has (never selected for managers). */
function contentPreviewSql(p: Params): string {
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
  ), ${p.add(CONTENT_PREVIEW_CHARS)}::int)`;
}

function rowSelect(canReadContent: boolean) {
  return (p: Params): string => {
    if (canReadContent) return `${ROW_COLUMNS}, ${contentPreviewSql(p)} AS content, false AS has_content`;
    // Managers: the content itself is not even read; only whether there was some, i.e. any key
    // the content policy does not know to be metadata (default deny, as toApiEvent).
    const keys = p.add([...METADATA_ATTRIBUTE_KEYS]);
    const fieldKeys = p.add([...METADATA_FIELD_KEYS]);
    return `${ROW_COLUMNS}, NULL::text AS content,
      (e.error IS NOT NULL
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.attributes) k WHERE NOT (k = ANY(${keys}::text[])))
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.fields) k WHERE NOT (k = ANY(${fieldKeys}::text[])))) AS has_content`;
  };
}

function toExploreRow(r: ExploreDbRow, canReadContent: boolean): ExploreRow {
  return {
    id: r.id,
    time: r.time.toISOString(),
    source: r.source,
    eventName: r.event_name,
    sessionId: r.session_id,
    promptId: r.prompt_id,
    traceId: r.trace_id,
    sequence: r.sequence,
    userEmail: r.user_email,
    userId: r.user_id,
    accountUuid: r.account_uuid,
    accountId: r.account_id,
    organizationId: r.organization_id,
    enduserId: r.enduser_id,
    terminalType: r.terminal_type,
    toolName: r.tool_name,
    toolUseId: r.tool_use_id,
    mcpServer: r.mcp_server,
    mcpTool: r.mcp_tool,
    decision: r.decision,
    decisionSource: r.decision_source,
    success: r.success,
    durationMs: r.duration_ms,
    statusCode: r.status_code,
    errorType: r.error_type,
    model: r.model,
    costUsd: r.cost_usd,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    serviceVersion: r.service_version,
    content: canReadContent ? r.content : null,
    contentHidden: !canReadContent && r.has_content,
  };
}

export interface ExplorePage {
  rows: ExploreRow[];
  nextCursor: string | null;
}

/** One page of the Explorer table. Throws BadCursorError for a cursor that does not fit. */
export async function exploreEvents(tenantId: string, q: ExploreQuery, canReadContent: boolean): Promise<ExplorePage> {
  const page = await keysetPage<ExploreDbRow>(tenantId, q, rowSelect(canReadContent), "events e");
  return { rows: page.rows.map((r) => toExploreRow(r, canReadContent)), nextCursor: page.nextCursor };
}

// ---- facets -----------------------------------------------------------------------------

export const FACET_LIMIT = 200;

const FACET_COLUMNS = {
  sources: "source",
  eventNames: "event_name",
  tools: "tool_name",
  mcpServers: "mcp_server",
  decisionSources: "decision_source",
} as const;

export type ExploreFacets = Record<keyof typeof FACET_COLUMNS, string[]>;

/**
 * Distinct values for the filter menus within the time window, up to FACET_LIMIT each. A loose
 * index scan (one index probe per distinct value, via a recursive CTE) instead of DISTINCT over
 * every row of the window: cheap on millions of rows when values are few.
 */
export async function exploreFacets(tenantId: string, window: { from?: Date; to?: Date }): Promise<ExploreFacets> {
  const entries = await Promise.all(
    Object.entries(FACET_COLUMNS).map(async ([facet, column]) => {
      const p = new Params();
      const tenant = p.add(tenantId);
      const bounds: string[] = [];
      if (window.from) bounds.push(`AND e.time >= ${p.add(window.from)}`);
      if (window.to) bounds.push(`AND e.time < ${p.add(window.to)}`);
      const cap = p.add(FACET_LIMIT);
      const sql = `
        WITH RECURSIVE vals(v, n) AS (
          (SELECT e.${column}, 1 FROM events e
            WHERE e.tenant_id = ${tenant} AND e.${column} IS NOT NULL ${bounds.join(" ")}
            ORDER BY e.${column} LIMIT 1)
          UNION ALL
          SELECT (SELECT e.${column} FROM events e
                   WHERE e.tenant_id = ${tenant} AND e.${column} > vals.v ${bounds.join(" ")}
                   ORDER BY e.${column} LIMIT 1),
                 vals.n + 1
          FROM vals WHERE vals.v IS NOT NULL AND vals.n < ${cap}
        )
        SELECT v FROM vals WHERE v IS NOT NULL`;
      const { rows } = await getPool().query<{ v: string }>(sql, p.values);
      return [facet, rows.map((r) => r.v)] as const;
    }),
  );
  return Object.fromEntries(entries) as ExploreFacets;
}

// ---- export -----------------------------------------------------------------------------

/** Largest export; beyond it CSV simply ends and NDJSON ends with a note line. */
export const MAX_EXPORT_ROWS = 1_000_000;
export const EXPORT_PAGE_SIZE = 500;

export type ExportFormat = "csv" | "ndjson";

export interface ExportOptions {
  /** Stop after this many rows (default MAX_EXPORT_ROWS). */
  maxRows?: number;
  /** Rows read per query (default EXPORT_PAGE_SIZE); memory stays bounded by one page. */
  pageSize?: number;
}

/** The filtered set in full event shape (as the read API returns it), page by page. */
export async function* exportEventPages(
  tenantId: string,
  q: ExploreQuery,
  canReadContent: boolean,
  options: ExportOptions = {},
): AsyncGenerator<{ events: ApiEvent[]; truncated: boolean }> {
  const maxRows = options.maxRows ?? MAX_EXPORT_ROWS;
  const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;
  let cursor = q.cursor;
  let sent = 0;
  for (;;) {
    const want = Math.min(pageSize, maxRows - sent);
    const page = await keysetPage<EventDbRow>(tenantId, { ...q, cursor, limit: want }, () => EVENT_SELECT, EVENT_FROM);
    sent += page.rows.length;
    const truncated = sent >= maxRows && page.nextCursor !== null;
    yield { events: page.rows.map((r) => toApiEvent(r, canReadContent)), truncated };
    if (!page.nextCursor || truncated) return;
    cursor = page.nextCursor;
  }
}

type CsvValue = string | number | boolean | null | undefined;

/**
 * One CSV field (RFC 4180: quoted when it holds a quote, comma or line break; quotes doubled).
 * Text that a spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) gets a
 * leading apostrophe. Numbers and booleans are written by us, never telemetry text.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r\n]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export const CSV_COLUMNS: Array<[string, (e: ApiEvent) => CsvValue]> = [
  ["id", (e) => e.id],
  ["time", (e) => e.timestamp],
  ["time_unix_nano", (e) => e.timeUnixNano],
  ["source", (e) => e.source],
  ["event_name", (e) => e.name],
  ["session_id", (e) => e.sessionId],
  ["prompt_id", (e) => e.promptId],
  ["sequence", (e) => e.sequence],
  ["trace_id", (e) => e.traceId],
  ["span_id", (e) => e.spanId],
  ["user_email", (e) => e.user.email],
  ["user_id", (e) => e.user.id],
  ["account_uuid", (e) => e.user.accountUuid],
  ["account_id", (e) => e.user.accountId],
  ["organization_id", (e) => e.user.organizationId],
  ["enduser_id", (e) => e.user.enduserId],
  ["terminal_type", (e) => e.terminalType],
  ["service_name", (e) => e.service.name],
  ["service_version", (e) => e.service.version],
  ["tool_name", (e) => e.toolName],
  ["tool_use_id", (e) => e.toolUseId],
  ["mcp_server", (e) => e.mcpServer],
  ["mcp_tool", (e) => e.mcpTool],
  ["decision", (e) => e.decision],
  ["decision_source", (e) => e.decisionSource],
  ["success", (e) => e.success],
  ["duration_ms", (e) => e.durationMs],
  ["status_code", (e) => e.statusCode],
  ["error_type", (e) => e.errorType],
  ["error", (e) => e.error],
  ["model", (e) => e.model],
  ["cost_usd", (e) => e.costUsd],
  ["input_tokens", (e) => e.inputTokens],
  ["output_tokens", (e) => e.outputTokens],
  ["cache_read_tokens", (e) => e.cacheReadTokens],
  ["cache_creation_tokens", (e) => e.cacheCreationTokens],
  ["hidden_keys", (e) => e.hiddenKeys.join(" ")],
  ["attributes", (e) => JSON.stringify(e.attributes)],
];

/** The export as text chunks (one per page of rows): header first, then rows. */
export async function* exportChunks(
  tenantId: string,
  q: ExploreQuery,
  format: ExportFormat,
  canReadContent: boolean,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const maxRows = options.maxRows ?? MAX_EXPORT_ROWS;
  if (format === "csv") yield csvLine(CSV_COLUMNS.map(([name]) => name));
  for await (const page of exportEventPages(tenantId, q, canReadContent, options)) {
    if (format === "csv") {
      yield page.events.map((e) => csvLine(CSV_COLUMNS.map(([, get]) => get(e)))).join("");
    } else {
      let out = page.events.map((e) => `${JSON.stringify(e)}\n`).join("");
      if (page.truncated) out += `${JSON.stringify({ _blindspot: { truncated: true, maxRows } })}\n`;
      yield out;
    }
  }
}

/** A pull-based byte stream: the next page is read only when the client has taken the last one. */
export function exportStream(
  tenantId: string,
  q: ExploreQuery,
  format: ExportFormat,
  canReadContent: boolean,
  options: ExportOptions = {},
): ReadableStream<Uint8Array> {
  const chunks = exportChunks(tenantId, q, format, canReadContent, options);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else if (next.value.length > 0) controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        console.error(`[explore] export failed: ${describeError(err)}`);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

export interface ExportViewer {
  tenantId: string;
  email: string;
  canReadContent: boolean;
}

/** `blindspot-events-20261122T101500Z.csv` */
export function exportFilename(format: ExportFormat, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `blindspot-events-${stamp}.${format}`;
}

/**
 * GET /api/console/events/export for a signed-in viewer: the same parameters as the Explorer
 * plus format=csv|ndjson. Content readers' exports are written to the audit log first.
 */
export async function exportResponse(viewer: ExportViewer, params: URLSearchParams, now = new Date()): Promise<Response> {
  const format = params.get("format") ?? "csv";
  if (format !== "csv" && format !== "ndjson") {
    return Response.json({ error: "format must be csv or ndjson" }, { status: 400 });
  }
  const { query } = parseExploreParams(params, now);
  // The whole filtered set, from its start: a cursor in the link would silently drop rows.
  query.cursor = undefined;
  if (viewer.canReadContent) {
    const canonical = canonicalQueryParams(params);
    canonical.set("format", format);
    await recordContentView(viewer.tenantId, viewer.email, `export:${canonical.toString()}`);
  }
  return new Response(exportStream(viewer.tenantId, query, format, viewer.canReadContent), {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(format, now)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-blindspot-export-max-rows": String(MAX_EXPORT_ROWS),
    },
  });
}
