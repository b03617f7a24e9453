import { keepMetadata } from "@/lib/auth/content";
import { apiMapper, contentFilter, selectList, SPAN_TABLE, type ApiOf, type DbRowOf } from "@/lib/domain/fields";
import { getPool } from "@/lib/db/pool";
import type { JsonValue } from "@/lib/otlp/values";

// Span trees (Office agents, Claude Code beta traces). The tree is built iteratively from a
// parent index, so depth is unlimited; spans whose parent never arrived become roots.

export type ApiSpan = ApiOf<typeof SPAN_TABLE> & {
  /** Content keys removed because the reader may not see content. */
  hiddenKeys: string[];
  resource: Record<string, JsonValue>;
  children: ApiSpan[];
};

type SpanDbRow = DbRowOf<typeof SPAN_TABLE> & { resource_attributes: Record<string, JsonValue> | null };

export const MAX_TRACE_SPANS = 50_000;

const spanToApi = apiMapper(SPAN_TABLE);
const spanContentFilter = contentFilter(SPAN_TABLE);

/**
 * For non-readers only what the content policy knows to be metadata stays: attributes, resource,
 * parsed fields, span event and link attributes, the status message and an error type copied from
 * content. Removed keys are listed in hiddenKeys (`fields.`, `resource.`, `events.`, `links.`
 * prefixes; `status.message`, `errorType`).
 */
function toApiSpan(row: SpanDbRow, canReadContent: boolean): ApiSpan {
  if (canReadContent) return { ...spanToApi(row), hiddenKeys: [], resource: row.resource_attributes ?? {}, children: [] };
  const shown = spanContentFilter(row);
  const resource = keepMetadata(row.resource_attributes, undefined, "resource.");
  return {
    ...spanToApi(shown.row),
    hiddenKeys: [...new Set([...shown.hiddenKeys, ...resource.hiddenKeys])],
    resource: resource.value,
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
export const TRACE_TREE_SQL = `SELECT ${selectList(SPAN_TABLE)}, r.attributes AS resource_attributes
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

// ---- prompt ⇄ trace -----------------------------------------------------------------------
// Claude Code's beta traces carry session.id and prompt.id on their spans: a prompt's traces are
// the ones whose spans name it, and a trace's prompts are the prompt ids its spans name.

export interface UnreportedRejection {
  traceId: string;
  spanId: string;
  toolName: string | null;
  toolUseId: string | null;
  decisionSource: string | null;
}

export interface PromptTraces {
  traceIds: string[];
  /** Rejections a trace shows that the prompt's log events never reported (a telemetry gap). */
  unreported: UnreportedRejection[];
}

const LINKED_TRACES_LIMIT = 50;

export async function promptTraces(tenantId: string, sessionId: string | null, promptId: string): Promise<PromptTraces> {
  if (!sessionId) return { traceIds: [], unreported: [] };
  const pool = getPool();
  const traces = await pool.query<{ trace_id: string }>(
    `SELECT trace_id FROM spans WHERE tenant_id = $1 AND session_id = $2 AND attributes->>'prompt.id' = $3
     GROUP BY trace_id ORDER BY min(start_time) LIMIT ${LINKED_TRACES_LIMIT}`,
    [tenantId, sessionId, promptId],
  );
  const traceIds = traces.rows.map((r) => r.trace_id);
  if (traceIds.length === 0) return { traceIds, unreported: [] };
  const { rows } = await pool.query<{ trace_id: string; span_id: string; tool_name: string | null; tool_use_id: string | null; decision_source: string | null }>(
    `SELECT s.trace_id, s.span_id, s.tool_name, s.tool_use_id, s.decision_source FROM spans s
     WHERE s.tenant_id = $1 AND s.trace_id = ANY($2) AND s.decision = 'reject'
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = s.tenant_id AND e.prompt_id = $3 AND e.decision = 'reject'
                         AND (s.tool_use_id IS NULL OR e.tool_use_id = s.tool_use_id))
     ORDER BY s.start_time LIMIT 100`,
    [tenantId, traceIds, promptId],
  );
  return {
    traceIds,
    unreported: rows.map((r) => ({ traceId: r.trace_id, spanId: r.span_id, toolName: r.tool_name, toolUseId: r.tool_use_id, decisionSource: r.decision_source })),
  };
}

/** The prompt ids a trace's spans name (Claude Code beta traces). */
export async function tracePromptIds(tenantId: string, traceId: string): Promise<string[]> {
  const { rows } = await getPool().query<{ prompt_id: string }>(
    `SELECT attributes->>'prompt.id' AS prompt_id FROM spans WHERE tenant_id = $1 AND trace_id = $2 AND attributes ? 'prompt.id'
     GROUP BY 1 ORDER BY min(start_time) LIMIT ${LINKED_TRACES_LIMIT}`,
    [tenantId, traceId],
  );
  return rows.map((r) => r.prompt_id).filter((p) => p !== "");
}
