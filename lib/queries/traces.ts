import { CONTENT_POLICY, derivedColumnValue, isMetadataField, keepMetadata } from "@/lib/auth/content";
import { getPool } from "@/lib/db/pool";
import type { JsonValue } from "@/lib/otlp/values";

// Span trees (Office agents, Claude Code beta traces). The tree is built iteratively from a
// parent index, so depth is unlimited; spans whose parent never arrived become roots.

export interface ApiSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  source: string;
  startTime: string;
  endTime: string | null;
  startTimeUnixNano: string | null;
  endTimeUnixNano: string | null;
  durationMs: number | null;
  status: { code: number; message: string | null };
  sessionId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  organizationId: string | null;
  surface: string | null;
  toolName: string | null;
  toolUseId: string | null;
  decision: string | null;
  decisionSource: string | null;
  readWrite: string | null;
  success: boolean | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  errorType: string | null;
  redactedKeys: string[];
  truncatedKeys: string[];
  hiddenKeys: string[];
  fields: Record<string, JsonValue>;
  attributes: Record<string, JsonValue>;
  events: { timeUnixNano: string | null; name: string; attributes: Record<string, JsonValue> }[];
  links: JsonValue;
  resource: Record<string, JsonValue>;
  children: ApiSpan[];
}

interface SpanDbRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  source: string;
  start_time: Date;
  end_time: Date | null;
  start_ns: string | null;
  end_ns: string | null;
  duration_ms: number | null;
  status_code: number;
  status_message: string | null;
  session_id: string | null;
  user_email: string | null;
  account_uuid: string | null;
  organization_id: string | null;
  surface: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  decision: string | null;
  decision_source: string | null;
  read_write: string | null;
  success: boolean | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  error_type: string | null;
  redacted_keys: string[] | null;
  truncated_keys: string[] | null;
  fields: Record<string, JsonValue>;
  attributes: Record<string, JsonValue>;
  events: { timeUnixNano: string | null; name: string; attributes: Record<string, JsonValue> }[];
  links: JsonValue;
  resource_attributes: Record<string, JsonValue> | null;
}

export const MAX_TRACE_SPANS = 50_000;

/**
 * For non-readers only what the content policy knows to be metadata stays: attributes, resource,
 * parsed fields, span event and link attributes, the status message and an error type copied from
 * content. Removed keys are listed in hiddenKeys (`fields.`, `resource.`, `events.`, `links.`
 * prefixes; `status.message`, `errorType`).
 */
function toApiSpan(row: SpanDbRow, canReadContent: boolean): ApiSpan {
  let attributes = row.attributes ?? {};
  let fields = row.fields ?? {};
  let resource = row.resource_attributes ?? {};
  let events = row.events ?? [];
  let links = row.links;
  let statusMessage = row.status_message;
  let errorType = row.error_type;
  const hiddenKeys: string[] = [];
  if (!canReadContent) {
    const a = keepMetadata(attributes);
    const f = keepMetadata(fields, isMetadataField, "fields.");
    const r = keepMetadata(resource, undefined, "resource.");
    hiddenKeys.push(...a.hiddenKeys, ...f.hiddenKeys, ...r.hiddenKeys);
    events = events.map((e) => {
      const ea = keepMetadata(e.attributes, undefined, "events.");
      hiddenKeys.push(...ea.hiddenKeys);
      return { ...e, attributes: ea.value };
    });
    links = Array.isArray(links)
      ? links.map((l) => {
          if (!l || typeof l !== "object" || Array.isArray(l)) return l;
          const la = keepMetadata(l.attributes && typeof l.attributes === "object" && !Array.isArray(l.attributes) ? l.attributes : {}, undefined, "links.");
          hiddenKeys.push(...la.hiddenKeys);
          return { ...l, attributes: la.value };
        })
      : links;
    const shownErrorType = derivedColumnValue(CONTENT_POLICY.spanColumns.errorType, errorType, attributes);
    if (statusMessage !== null) hiddenKeys.push("status.message");
    if (errorType !== shownErrorType) hiddenKeys.push("errorType");
    attributes = a.value;
    fields = f.value;
    resource = r.value;
    statusMessage = null;
    errorType = shownErrorType;
  }
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    kind: row.kind,
    source: row.source,
    startTime: row.start_time.toISOString(),
    endTime: row.end_time?.toISOString() ?? null,
    startTimeUnixNano: row.start_ns,
    endTimeUnixNano: row.end_ns,
    durationMs: row.duration_ms,
    status: { code: row.status_code, message: statusMessage },
    sessionId: row.session_id,
    userEmail: row.user_email,
    accountUuid: row.account_uuid,
    organizationId: row.organization_id,
    surface: row.surface,
    toolName: row.tool_name,
    toolUseId: row.tool_use_id,
    decision: row.decision,
    decisionSource: row.decision_source,
    readWrite: row.read_write,
    success: row.success,
    model: row.model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    errorType,
    redactedKeys: row.redacted_keys ?? [],
    truncatedKeys: row.truncated_keys ?? [],
    hiddenKeys: [...new Set(hiddenKeys)],
    fields,
    attributes,
    events,
    links,
    resource,
    children: [],
  };
}

/** Nests spans under their parents without recursion; children ordered by start time. */
export function buildSpanTree<T extends { spanId: string; parentSpanId: string | null; startTime: string; children: T[] }>(spans: T[]): T[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parentOf = (s: T) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
  const roots: T[] = [];
  const sorted = [...spans].sort((a, b) => a.startTime.localeCompare(b.startTime));
  for (const s of sorted) {
    const parent = parentOf(s);
    if (parent && parent !== s) parent.children.push(s);
    else roots.push(s);
  }

  // Spans whose parents form a loop (A's parent B, B's parent A: a broken or hostile sender) hang
  // from no root and would vanish from the tree. Cut each loop at its earliest span, a root then.
  const reached = new Set<T>();
  const reach = (from: T) => {
    for (const stack = [from]; stack.length > 0; ) {
      const s = stack.pop()!;
      reached.add(s);
      for (const c of s.children) stack.push(c); // a span may have tens of thousands of children: no spread
    }
  };
  roots.forEach(reach);
  let cut = false;
  for (const s of sorted) {
    if (reached.has(s)) continue;
    // Not reached, so every ancestor has a parent: walking up must come back to a span of the loop.
    const seen = new Set<T>();
    let onLoop = s;
    while (!seen.has(onLoop)) {
      seen.add(onLoop);
      onLoop = parentOf(onLoop)!;
    }
    let first = onLoop;
    for (let q = parentOf(onLoop)!; q !== onLoop; q = parentOf(q)!) if (q.startTime < first.startTime) first = q;
    const siblings = parentOf(first)!.children;
    siblings.splice(siblings.indexOf(first), 1);
    roots.push(first);
    reach(first);
    cut = true;
  }
  if (cut) roots.sort((a, b) => a.startTime.localeCompare(b.startTime));
  return roots;
}

export interface TraceTree {
  traceId: string;
  spanCount: number;
  start: string;
  end: string | null;
  roots: ApiSpan[];
}

/** A trace's spans with their resource, by start time ($1 tenant, $2 trace id, $3 limit); also timed by bench:console. */
export const TRACE_TREE_SQL = `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.source, s.start_time, s.end_time,
  s.start_ns::text AS start_ns, s.end_ns::text AS end_ns, s.duration_ms, s.status_code, s.status_message,
  s.session_id, s.user_email, s.account_uuid, s.organization_id, s.surface, s.tool_name, s.tool_use_id,
  s.decision, s.decision_source, s.read_write, s.success, s.model, s.input_tokens, s.output_tokens,
  s.error_type, s.redacted_keys, s.truncated_keys, s.fields, s.attributes, s.events, s.links,
  r.attributes AS resource_attributes
  FROM spans s LEFT JOIN resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
  WHERE s.tenant_id = $1 AND s.trace_id = $2
  ORDER BY s.start_time LIMIT $3`;

export async function traceTree(tenantId: string, traceId: string, canReadContent: boolean): Promise<TraceTree | null> {
  const { rows } = await getPool().query<SpanDbRow>(
    TRACE_TREE_SQL,
    [tenantId, traceId.toLowerCase(), MAX_TRACE_SPANS],
  );
  if (rows.length === 0) return null;
  const spans = rows.map((r) => toApiSpan(r, canReadContent));
  const ends = spans.map((s) => s.endTime).filter((e): e is string => e !== null).sort();
  return {
    traceId: traceId.toLowerCase(),
    spanCount: spans.length,
    start: spans[0].startTime,
    end: ends[ends.length - 1] ?? null,
    roots: buildSpanTree(spans),
  };
}
