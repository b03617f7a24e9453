import Link from "next/link";
import type { ReactNode } from "react";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { EVENT_TABLE, type FieldDef } from "@/lib/domain/fields";
import { personKey } from "@/lib/domain/person";
import type { JsonValue } from "@/lib/otlp/values";
import type { PivotField } from "@/lib/query/terms";
import type { ApiEvent } from "@/lib/queries/events";
import { PanelCloser } from "./panel-closer";

// The Explorer's row panel: every field of one event (typed columns from the field registry, the
// parsed fields, every attribute, the resource, the raw record), each value a pivot. Content was
// already removed for readers who may not see it (lib/queries/events.ts toApiEvent); the panel
// only says which keys were hidden.

/** Registry columns whose values the query language filters on, by its field name (lib/query/fields.ts). */
const PIVOT_COLUMNS: Partial<Record<string, PivotField>> = {
  source: "app",
  decision_source: "source",
  event_name: "event",
  session_id: "session",
  prompt_id: "prompt",
  trace_id: "trace",
  user_email: "user",
  user_id: "user",
  account_uuid: "user",
  account_id: "user",
  enduser_id: "user",
  tool_name: "tool",
  mcp_server: "mcp_server",
  mcp_tool: "mcp_tool",
  decision: "decision",
  permission_mode: "mode",
  agent_id: "agent",
  model: "model",
};

/** Parsed-field and attribute keys that hold a command, a path or a URL (content: absent for managers). */
const PIVOT_KEYS: Array<[RegExp, PivotField]> = [
  [/(^|\.)(full_command|command)$/, "command"],
  [/(^|\.)(file_path|notebook_path|path)$/, "path"],
  [/(^|\.)url$/, "url"],
  [/^skill(_name)?$|\.skill(_name)?$/, "skill"],
];

const STRUCTURED = new Set(["object", "attributes", "json"]);
const TYPED_FIELDS = (EVENT_TABLE.fields as readonly FieldDef[]).flatMap((f) =>
  f.api && !STRUCTURED.has(f.type) ? [{ column: f.column, api: f.api, label: f.label }] : [],
);

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** A JSON object flattened to dotted keys (arrays kept whole), for a key/value list. */
function flatten(obj: Record<string, JsonValue> | null | undefined, prefix = ""): Array<[string, JsonValue]> {
  const out: Array<[string, JsonValue]> = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) out.push(...flatten(v, key));
    else out.push([key, v]);
  }
  return out;
}

/** A string attribute that holds JSON (tool_parameters, tool_input): parsed, for reading. */
function parsedJson(v: JsonValue): JsonValue | undefined {
  if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return undefined;
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return undefined;
  }
}

interface PanelProps {
  event: ApiEvent;
  /** The Explorer's current query: filter for / out narrow the current view. */
  query: string;
  /** Explorer parameters pivots keep (time range). */
  keep: Record<string, string>;
  /** The Explorer URL without the panel. */
  closeHref: string;
  canReadContent: boolean;
}

function Row({ label, title, children }: { label: string; title?: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[11rem_minmax(0,1fr)] gap-x-3 border-b border-slate-100 px-4 py-1 text-xs last:border-b-0 dark:border-slate-800">
      <dt className="truncate font-mono text-slate-500 dark:text-slate-400" title={title ?? label}>
        {label}
      </dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

const OPEN_LABELS: Partial<Record<PivotField, string>> = { user: "Open person", session: "Open session", trace: "Open trace", prompt: "Open prompt" };

function Value({ value, field, query, keep, openHref }: { value: unknown; field?: PivotField; query: string; keep: Record<string, string>; openHref?: string }) {
  if (value === null || value === undefined) return <span className="text-slate-400">–</span>;
  const shown = text(value);
  const body = <span className="font-mono whitespace-pre-wrap break-all">{shown}</span>;
  if (!field || typeof value === "object") return body;
  return (
    <PivotMenu field={field} value={shown} query={query} keep={keep} openHref={openHref} openLabel={OPEN_LABELS[field]}>
      {body}
    </PivotMenu>
  );
}

function Section({ title, children, count }: { title: string; children: ReactNode; count?: number }) {
  return (
    <section className="border-t border-slate-200 dark:border-slate-800">
      <h3 className="bg-slate-50 px-4 py-1.5 text-[11px] font-semibold uppercase tracking-wider text-slate-500 dark:bg-slate-800/60 dark:text-slate-400">
        {title}
        {count !== undefined && <span className="ml-1 font-normal normal-case">({count})</span>}
      </h3>
      <dl>{children}</dl>
    </section>
  );
}

export function EventPanel({ event, query, keep, closeHref, canReadContent }: PanelProps) {
  const person = personKey({
    userEmail: event.user?.email, enduserId: event.user?.enduserId, accountUuid: event.user?.accountUuid, accountId: event.user?.accountId, userId: event.user?.id,
  });
  const personHref = person ? `/people/${encodeURIComponent(person)}` : undefined;
  const openHref = (column: string) =>
    column === "session_id" && event.sessionId ? `/sessions/${encodeURIComponent(event.sessionId)}`
      : column === "trace_id" && event.traceId ? `/traces/${encodeURIComponent(event.traceId)}`
      : column === "prompt_id" && event.promptId ? `/prompts/${encodeURIComponent(event.promptId)}?event=${encodeURIComponent(event.id)}`
        : PIVOT_COLUMNS[column] === "user" ? personHref : undefined;
  const keyField = (key: string) => PIVOT_KEYS.find(([re]) => re.test(key))?.[1];

  const typed = TYPED_FIELDS.map((f) => ({ f, value: at(event, f.api) })).filter(({ value }) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0));
  const fields = flatten(event.fields as Record<string, JsonValue>);
  const attributes = Object.entries((event.attributes ?? {}) as Record<string, JsonValue>).sort(([a], [b]) => a.localeCompare(b));
  const resource = Object.entries(event.resource).sort(([a], [b]) => a.localeCompare(b));
  const promptHref = event.promptId ? `/prompts/${encodeURIComponent(event.promptId)}?event=${encodeURIComponent(event.id)}` : null;

  return (
    <aside
      role="dialog"
      aria-modal="false"
      aria-labelledby="event-panel-title"
      id="event-panel"
      className="fixed inset-y-0 right-0 z-40 flex w-[min(36rem,100vw)] flex-col border-l border-slate-200 bg-white shadow-2xl dark:border-slate-800 dark:bg-slate-900"
    >
      <PanelCloser closeHref={closeHref} />
      <header className="flex items-start justify-between gap-3 px-4 py-3">
        <div className="min-w-0">
          <h2 id="event-panel-title" className="truncate text-sm font-semibold">
            {event.name}
          </h2>
          <p className="font-mono text-[11px] text-slate-500 dark:text-slate-400">
            {event.timestamp} · {event.id}
          </p>
          <p className="mt-1.5 flex flex-wrap gap-3 text-xs">
            {promptHref && (
              <Link prefetch={false} href={promptHref} className="link" data-testid="open-in-prompt">
                Open in prompt
              </Link>
            )}
            {event.sessionId && (
              <Link prefetch={false} href={`/sessions/${encodeURIComponent(event.sessionId)}`} className="link">
                Open session
              </Link>
            )}
            {personHref && (
              <Link prefetch={false} href={personHref} className="link">
                Open person
              </Link>
            )}
          </p>
        </div>
        <Link prefetch={false} href={closeHref} scroll={false} className="btn-secondary py-1 text-xs" aria-label="Close the event panel (Esc)">
          Close
        </Link>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {!canReadContent && event.hiddenKeys.length > 0 && (
          <p role="note" className="mx-4 mb-2 rounded border border-slate-200 bg-slate-50 px-2 py-1 text-[11px] text-slate-600 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-300">
            Content hidden for your role: {event.hiddenKeys.join(", ")}
          </p>
        )}
        <Section title="Fields">
          {typed.map(({ f, value }) => (
            <Row key={f.column} label={f.label} title={f.api}>
              <Value value={value} field={PIVOT_COLUMNS[f.column]} query={query} keep={keep} openHref={openHref(f.column)} />
            </Row>
          ))}
        </Section>
        {fields.length > 0 && (
          <Section title="Parsed fields" count={fields.length}>
            {fields.map(([k, v]) => (
              <Row key={k} label={k}>
                <Value value={v} field={keyField(k)} query={query} keep={keep} />
              </Row>
            ))}
          </Section>
        )}
        <Section title="Attributes" count={attributes.length}>
          {attributes.map(([k, v]) => {
            const json = parsedJson(v);
            return (
              <Row key={k} label={k}>
                {json === undefined ? (
                  <Value value={v} field={keyField(k)} query={query} keep={keep} />
                ) : (
                  <pre className="max-h-60 overflow-auto rounded bg-slate-50 p-1.5 font-mono text-[11px] dark:bg-slate-800">{JSON.stringify(json, null, 2)}</pre>
                )}
              </Row>
            );
          })}
        </Section>
        {resource.length > 0 && (
          <Section title="Resource" count={resource.length}>
            {resource.map(([k, v]) => (
              <Row key={k} label={k}>
                <Value value={v} query={query} keep={keep} />
              </Row>
            ))}
          </Section>
        )}
        <Section title="Raw">
          <details className="px-4 py-2 text-xs">
            <summary className="cursor-pointer text-slate-600 dark:text-slate-300">The event as the API returns it (JSON)</summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] dark:bg-slate-800">{JSON.stringify(event, null, 2)}</pre>
          </details>
        </Section>
      </div>
    </aside>
  );
}
