import Link from "next/link";
import type { ReactNode } from "react";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { Badge, DecisionBadge, SuccessBadge } from "@/components/ui/badge";
import { ContentBlock, RawJson } from "@/components/ui/raw-json";
import { EVENT } from "@/lib/domain/vocabulary";
import type { JsonValue } from "@/lib/otlp/values";
import { formatCost, formatCount, formatDuration, formatOffset } from "@/lib/presentation/format";
import { promptHref } from "@/lib/presentation/links";
import { subagentReport, type SubagentOrigin } from "@/lib/presentation/subagent-report";
import { axisPosition, foldRoutine, timelineItems, type TimelineItem } from "@/lib/presentation/timeline";
import { TimelineTypeFilter } from "./type-filter";
import { toolTarget, type ToolTarget } from "@/lib/presentation/tool-target";
import type { ToolMatch } from "@/lib/queries/conversation";
import type { SubagentReportOf } from "@/lib/queries/prompts";
import type { ApiEvent } from "@/lib/queries/events";
import { extent } from "@/lib/util/extent";

// The per-prompt timeline: every event in event.sequence order on a shared time axis, each
// rendered for what it is. All telemetry values are rendered as React text (inert).

const HIDDEN = "hidden for your role";

function attr(e: ApiEvent, key: string): string | null {
  const v = e.attributes[key];
  if (v === undefined || v === null) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

function num(e: ApiEvent, key: string): number | null {
  const v = e.fields[key] ?? e.attributes[key];
  return typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null;
}

function Markers({ e }: { e: ApiEvent }) {
  return (
    <>
      {e.redactedKeys.map((k) => (
        <Badge key={`r-${k}`} tone="slate" title="The client sent a placeholder instead of the value">
          redacted: {k}
        </Badge>
      ))}
      {e.truncatedKeys.map((k) => (
        <Badge key={`t-${k}`} tone="orange" title="The client cut this value">
          truncated: {k}
        </Badge>
      ))}
      {e.hiddenKeys.length > 0 && (
        <Badge tone="slate" title={e.hiddenKeys.join(", ")}>
          content hidden
        </Badge>
      )}
    </>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 gap-1.5">
      <dt className="shrink-0 text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 [overflow-wrap:anywhere] text-slate-900 dark:text-slate-100">{children}</dd>
    </div>
  );
}

function Fields({ children }: { children: ReactNode }) {
  return <dl className="mt-1 flex flex-wrap gap-x-5 gap-y-1 text-xs">{children}</dl>;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // truncated input is no longer valid JSON: show it as it came
  }
}

function resultText(content: JsonValue): string {
  if (Array.isArray(content)) {
    return content
      .map((b) => (b && typeof b === "object" && !Array.isArray(b) && typeof b.text === "string" ? b.text : JSON.stringify(b)))
      .join("\n");
  }
  return typeof content === "string" ? content : JSON.stringify(content, null, 2);
}

/** The Compliance transcript's side of a tool call: full input and the result Claude saw. */
function TranscriptTool({ match }: { match: ToolMatch }) {
  return (
    <div className="mt-2 rounded border border-violet-200 bg-violet-50/40 p-2 dark:border-violet-900 dark:bg-violet-950/30">
      <div className="mb-1 text-[11px] font-medium uppercase tracking-wide text-violet-800 dark:text-violet-300">From the Compliance transcript</div>
      {match.toolUse && (
        <div className="text-xs">
          <span className="text-slate-500">tool_use in </span>
          <span className="font-mono">{match.toolUse.messageId}</span>
          {match.toolUse.truncated && <Badge tone="orange">truncated</Badge>}
          {match.toolUse.input !== null ? <div className="mt-1"><ContentBlock mono>{prettyJson(match.toolUse.input)}</ContentBlock></div> : <p className="text-slate-500">Input {HIDDEN}.</p>}
        </div>
      )}
      {match.toolResult && (
        <div className="mt-2 text-xs">
          <span className="text-slate-500">tool_result in </span>
          <span className="font-mono">{match.toolResult.messageId}</span>
          {match.toolResult.isError && <Badge tone="red">error</Badge>}
          {match.toolResult.truncated && <Badge tone="orange">truncated</Badge>}
          {match.toolResult.content !== null ? <div className="mt-1"><ContentBlock mono>{resultText(match.toolResult.content)}</ContentBlock></div> : <p className="text-slate-500">Result {HIDDEN}.</p>}
        </div>
      )}
    </div>
  );
}

/** A tool call ran when it has a result that is not a rejection (Cowork sends a result for a rejected call). */
function ran(item: Extract<TimelineItem, { kind: "tool" }>): boolean {
  return item.result !== null && item.result.decision !== "reject";
}

const TARGET_FIELD = { command: "command", file: "path", url: "url", skill: "skill", agent: "agent" } as const;

/** What a tool call acted on, each part a pivot (an MCP target is its server and its tool). */
function TargetValue({ target, server, tool }: { target: ToolTarget; server: string | null; tool: string | null }) {
  const code = (v: string) => <code className="font-mono text-xs [overflow-wrap:anywhere]">{v}</code>;
  if (target.kind === "mcp") {
    const [s, t] = server ? [server, tool] : target.value.split(":", 2);
    return (
      <>
        <PivotMenu field="mcp_server" value={s}>{code(s)}</PivotMenu>
        {t && <>{code(":")}<PivotMenu field="mcp_tool" value={t}>{code(t)}</PivotMenu></>}
      </>
    );
  }
  const field = TARGET_FIELD[target.kind as keyof typeof TARGET_FIELD];
  return field ? <PivotMenu field={field} value={target.value}>{code(target.value)}</PivotMenu> : code(target.value);
}

function ToolCall({ item, canReadContent }: { item: Extract<TimelineItem, { kind: "tool" }>; canReadContent: boolean }) {
  const r = item.result;
  const d = item.decisions[item.decisions.length - 1];
  const e = r ?? d ?? item.first;
  const fields: Record<string, JsonValue> = { ...(d?.fields ?? {}), ...(r?.fields ?? {}) };
  const mcpServer = e.mcpServer ?? d?.mcpServer ?? null;
  const mcpTool = e.mcpTool ?? d?.mcpTool ?? null;
  const target = toolTarget(fields, { server: mcpServer, tool: mcpTool });
  const params = fields.toolParameters;
  const input = fields.toolInput;
  // Claude Code decides in a tool_decision; Cowork reports the decision on the tool_result.
  const decided = d ?? (r?.decision ? r : null);
  const mode = decided?.permissionMode ?? null;
  return (
    <div>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">Tool call</span>
        {e.toolName ? <PivotMenu field="tool" value={e.toolName}><span className="font-mono text-xs">{e.toolName}</span></PivotMenu> : <span className="font-mono text-xs">?</span>}
        {decided && <DecisionBadge decision={decided.decision} source={null} />}
        {decided?.decisionSource && (
          <PivotMenu field="source" value={decided.decisionSource}>
            <DecisionBadge decision={null} source={decided.decisionSource} />
          </PivotMenu>
        )}
        {mode && (
          <PivotMenu field="mode" value={mode}>
            <Badge tone={mode === "bypassPermissions" ? "red" : "slate"} title="The permission mode the decision was taken in">mode {mode}</Badge>
          </PivotMenu>
        )}
        {ran(item) ? <SuccessBadge success={r!.success} /> : <Badge tone="red">did not run</Badge>}
        {e.toolSource && <Badge tone="slate">{e.toolSource}</Badge>}
        <Markers e={e} />
      </div>
      {target && (
        <div className="mt-1.5">
          <span className="mr-2 text-xs uppercase tracking-wide text-slate-500">{target.kind}</span>
          <TargetValue target={target} server={mcpServer} tool={mcpTool} />
        </div>
      )}
      {!target && !canReadContent && <p className="mt-1 text-xs text-slate-500">Command, path and input {HIDDEN}.</p>}
      <Fields>
        <Field label="tool_use_id">
          <span className="font-mono">{item.toolUseId}</span>
        </Field>
        {r && <Field label="duration">{formatDuration(r.durationMs)}</Field>}
        {r?.errorType && <Field label="error type">{r.errorType}</Field>}
        {r?.error && <Field label="error">{r.error}</Field>}
        {num(e, "tool_result_size_bytes") !== null && <Field label="result size">{formatCount(num(e, "tool_result_size_bytes"))} B</Field>}
        {item.decisions.length > 1 && <Field label="decisions">{item.decisions.length}</Field>}
      </Fields>
      {params !== undefined && <RawJson label="Parameters" value={params} />}
      {input !== undefined && <RawJson label={`Input${e.truncatedKeys.includes("tool_input") ? " (truncated by the client)" : ""}`} value={input} />}
      <RawJson value={Object.fromEntries([...(item.decisions.map((x, i) => [`${EVENT.toolDecision}#${i + 1}`, x.attributes] as const)), ...(r ? [[EVENT.toolResult, r.attributes] as const] : [])])} />
    </div>
  );
}

function ModelPivot({ model }: { model: string }) {
  return <PivotMenu field="model" value={model}><span className="font-mono text-xs">{model}</span></PivotMenu>;
}

/** A permission_mode_changed row: from → to (each a pivot) and what triggered it. */
export function ModeChange({ e }: { e: ApiEvent }) {
  const from = attr(e, "from_mode");
  const to = attr(e, "to_mode");
  const trigger = attr(e, "trigger");
  const mode = (m: string | null) => (m ? <PivotMenu field="mode" value={m}><span className="font-mono text-xs">{m}</span></PivotMenu> : <span className="font-mono text-xs">?</span>);
  return (
    <span className="inline-flex flex-wrap items-center gap-1 text-xs" data-mode-change>
      {mode(from)} <span aria-label="to">→</span> {mode(to)}
      {to === "bypassPermissions" && <Badge tone="red">bypass</Badge>}
      {trigger && <span className="text-slate-500">(trigger: {trigger})</span>}
    </span>
  );
}

/** A background subagent reporting back: its result, linked to the prompt that started it. */
function SubagentReport({ e, origin }: { e: ApiEvent; origin?: SubagentOrigin | null }) {
  const report = subagentReport(attr(e, "prompt"));
  return (
    <div data-subagent-report>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">Subagent report</span>
        <Badge tone="violet" title="A background subagent's result, sent back to the session as a user_prompt: not typed by the person">not typed by the person</Badge>
        {report?.status && <Badge tone={report.status === "completed" ? "emerald" : "orange"}>{report.status}</Badge>}
        {report?.taskId && <PivotMenu field="agent" value={report.taskId}><span className="font-mono text-xs">{report.taskId}</span></PivotMenu>}
        <Markers e={e} />
      </div>
      {origin ? (
        <p className="mt-1 text-xs">
          Started by <Link className="link" href={promptHref(origin.promptId, origin.eventId)}>{origin.label}</Link>
        </p>
      ) : (
        <p className="mt-1 text-xs text-slate-500">The prompt that started this subagent is not in this session's telemetry.</p>
      )}
      {report?.summary && <p className="mt-1 text-xs">{report.summary}</p>}
      {report?.result && <div className="mt-1.5"><ContentBlock>{report.result}</ContentBlock></div>}
      <RawJson value={e.attributes} />
    </div>
  );
}

function EventBody({ e, canReadContent, subagent }: { e: ApiEvent; canReadContent: boolean; subagent?: SubagentReportOf | null }) {
  switch (e.name) {
    case EVENT.userPrompt: {
      const text = attr(e, "prompt");
      if (subagent?.reportEventId === e.id || subagentReport(text)) return <SubagentReport e={e} origin={subagent?.origin} />;
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">Prompt</span>
            {attr(e, "command_name") && <Badge tone="violet">/{attr(e, "command_name")}</Badge>}
            <Markers e={e} />
          </div>
          {text && text !== "<REDACTED>" ? (
            <div className="mt-1.5"><ContentBlock>{text}</ContentBlock></div>
          ) : (
            <p className="mt-1 text-xs text-slate-500">
              {canReadContent ? "Prompt text not captured (OTEL_LOG_USER_PROMPTS is off on this client)." : `Prompt text ${HIDDEN}.`}{" "}
              Length {formatCount(num(e, "prompt_length"))} characters.
            </p>
          )}
          <RawJson value={e.attributes} />
        </div>
      );
    }
    case EVENT.assistantResponse: {
      const text = attr(e, "response");
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">Response</span>
            {e.model && <ModelPivot model={e.model} />}
            <Markers e={e} />
          </div>
          {text && text !== "<REDACTED>" ? (
            <div className="mt-1.5"><ContentBlock>{text}</ContentBlock></div>
          ) : (
            <p className="mt-1 text-xs text-slate-500">{canReadContent ? "Response text not captured." : `Response text ${HIDDEN}.`}</p>
          )}
          <RawJson value={e.attributes} />
        </div>
      );
    }
    case EVENT.apiRequest:
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">API request</span>
            {e.model && <ModelPivot model={e.model} />}
            <Markers e={e} />
          </div>
          <Fields>
            <Field label="tokens in">{formatCount(e.inputTokens)}</Field>
            <Field label="out">{formatCount(e.outputTokens)}</Field>
            <Field label="cache read">{formatCount(e.cacheReadTokens)}</Field>
            <Field label="cache write">{formatCount(e.cacheCreationTokens)}</Field>
            <Field label="cost">{formatCost(e.costUsd)}</Field>
            <Field label="latency">{formatDuration(e.durationMs)}</Field>
            {e.requestId && <Field label="request">{e.requestId}</Field>}
            {attr(e, "query_source") && <Field label="source">{attr(e, "query_source")}</Field>}
          </Fields>
          <RawJson value={e.attributes} />
        </div>
      );
    case EVENT.apiError:
    case "api_retries_exhausted":
    case EVENT.apiRefusal:
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold text-red-700 dark:text-red-400">
              {e.name === EVENT.apiError ? "API error" : e.name === EVENT.apiRefusal ? "API refusal" : "Retries exhausted"}
            </span>
            {e.statusCode !== null && <Badge tone="red">HTTP {e.statusCode}</Badge>}
            {e.model && <ModelPivot model={e.model} />}
            <Markers e={e} />
          </div>
          <Fields>
            {e.error && <Field label="error">{e.error}</Field>}
            {num(e, "attempt") !== null && <Field label="attempt">{num(e, "attempt")}</Field>}
            {num(e, "total_attempts") !== null && <Field label="attempts">{num(e, "total_attempts")}</Field>}
            {e.durationMs !== null && <Field label="duration">{formatDuration(e.durationMs)}</Field>}
            {attr(e, "category") && <Field label="category">{attr(e, "category")}</Field>}
          </Fields>
          <RawJson value={e.attributes} />
        </div>
      );
    case "hook_execution_start":
    case "hook_execution_complete": {
      const blocking = num(e, "num_blocking") ?? 0;
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">{e.name === "hook_execution_start" ? "Hook started" : "Hook finished"}</span>
            <span className="font-mono text-xs">{attr(e, "hook_name") ?? attr(e, "hook_event")}</span>
            {e.name === "hook_execution_complete" && blocking > 0 && <Badge tone="red">blocked ({blocking})</Badge>}
            {num(e, "num_non_blocking_error") ? <Badge tone="orange">{num(e, "num_non_blocking_error")} hook error</Badge> : null}
            <Markers e={e} />
          </div>
          <Fields>
            <Field label="hooks">{num(e, "num_hooks") ?? "–"}</Field>
            {e.name === "hook_execution_complete" && <Field label="succeeded">{num(e, "num_success") ?? "–"}</Field>}
            {attr(e, "hook_source") && <Field label="configured in">{attr(e, "hook_source")}</Field>}
            {e.durationMs !== null && <Field label="duration">{formatDuration(e.durationMs)}</Field>}
          </Fields>
          <RawJson value={e.attributes} />
        </div>
      );
    }
    case EVENT.mcpServerConnection:
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">MCP server</span>
            {e.mcpServer ? <PivotMenu field="mcp_server" value={e.mcpServer}><span className="font-mono text-xs">{e.mcpServer}</span></PivotMenu> : <span className="font-mono text-xs">(name not captured)</span>}
            <Badge tone={attr(e, "status") === "failed" ? "red" : attr(e, "status") === "connected" ? "emerald" : "slate"}>{attr(e, "status") ?? "?"}</Badge>
            <Markers e={e} />
          </div>
          <Fields>
            {attr(e, "transport_type") && <Field label="transport">{attr(e, "transport_type")}</Field>}
            {attr(e, "server_scope") && <Field label="scope">{attr(e, "server_scope")}</Field>}
            {e.errorType && <Field label="error">{e.errorType}</Field>}
            {e.error && <Field label="message">{e.error}</Field>}
          </Fields>
          <RawJson value={e.attributes} />
        </div>
      );
    case "permission_mode_changed":
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">Permission mode</span>
            <ModeChange e={e} />
          </div>
          <RawJson value={e.attributes} />
        </div>
      );
    default:
      return (
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">{e.name.replace(/_/g, " ")}</span>
            {e.success !== null && <SuccessBadge success={e.success} />}
            <Markers e={e} />
          </div>
          <Fields>
            {Object.entries(e.attributes)
              .filter(([k]) => !STANDARD_KEYS.has(k))
              .slice(0, 8)
              .map(([k, v]) => (
                <Field key={k} label={k}>
                  {typeof v === "string" ? v : JSON.stringify(v)}
                </Field>
              ))}
          </Fields>
          <RawJson value={e.attributes} />
        </div>
      );
  }
}

/** Attributes every event carries; not worth repeating in a compact row. */
const STANDARD_KEYS = new Set([
  "event.name", "event.timestamp", "event.sequence", "session.id", "prompt.id", "user.id", "user.email",
  "user.account_uuid", "user.account_id", "organization.id", "terminal.type", "app.version", "enduser.id",
]);

/** The compact row of a routine event inside a fold: offset, name, what it was, how long, a bar. */
function RoutineRow({ e, start, total, marked }: { e: ApiEvent; start: number; total: number; marked: boolean }) {
  const pos = axisPosition(e, start, total);
  const what = e.name === EVENT.apiRequest ? e.model : attr(e, "hook_name") ?? attr(e, "hook_event");
  return (
    <li
      id={`event-${e.id}`}
      data-event-type={e.name}
      data-highlighted={marked ? "event" : undefined}
      className={`grid scroll-mt-16 grid-cols-[4.5rem_9rem_minmax(0,1fr)_4.5rem_minmax(4rem,10rem)] items-center gap-2 px-1 py-0.5 ${marked ? "bg-amber-50 ring-2 ring-amber-400/60 dark:bg-amber-950/40" : ""}`}
    >
      <span className="text-right font-mono text-[11px] text-slate-500">{formatOffset(pos.offsetMs)}</span>
      <span className="truncate">{e.name.replace(/_/g, " ")}</span>
      <span className="min-w-0 truncate font-mono text-slate-600 dark:text-slate-300">
        {e.name === EVENT.apiRequest && e.model ? <ModelPivot model={e.model} /> : what ?? ""}
        {e.name === EVENT.apiRequest && e.costUsd !== null && <span className="ml-2 text-slate-500">{formatCost(e.costUsd)}</span>}
      </span>
      <span className="text-right font-mono text-[11px] tabular-nums text-slate-500">{formatDuration(e.durationMs)}</span>
      <span className="relative h-2 rounded bg-slate-100 dark:bg-slate-800" aria-hidden>
        <span className="absolute top-0 h-2 rounded bg-slate-400" style={{ left: `${pos.left * 100}%`, width: `max(${pos.width * 100}%, 2px)` }} />
      </span>
    </li>
  );
}

/** API calls and hooks between two rows of the story, folded into a waterfall (open when a linked event is inside). */
function Fold({ events, start, total, highlight, focus }: { events: ApiEvent[]; start: number; total: number; highlight?: ReadonlySet<string>; focus?: string }) {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  const isMarked = (id: string) => focus === id || (highlight?.has(id) ?? false);
  const open = events.some((e) => isMarked(e.id));
  const first = Date.parse(events[0].timestamp) - start;
  const spent = events.reduce((n, e) => n + (e.durationMs ?? 0), 0);
  return (
    <li className="grid grid-cols-[5.5rem_1fr] gap-3 rounded-md border border-dashed border-slate-200 bg-slate-50/60 px-3 py-1.5 dark:border-slate-800 dark:bg-slate-900/50" data-fold data-event-type={[...counts.keys()].join(" ")}>
      <div className="text-right font-mono text-[11px] leading-5 text-slate-500 dark:text-slate-400">{formatOffset(first)}</div>
      <details open={open} className="min-w-0 text-xs">
        <summary className="cursor-pointer select-none text-slate-600 dark:text-slate-300">
          {[...counts].map(([name, n]) => `${n} ${name.replace(/_/g, " ")}${n === 1 ? "" : "s"}`).join(" · ")}
          <span className="ml-2 text-slate-500">{formatDuration(spent)} in total</span>
        </summary>
        <ol className="mt-1 space-y-0.5" aria-label="Folded events">
          {events.map((e) => <RoutineRow key={e.id} e={e} start={start} total={total} marked={isMarked(e.id)} />)}
        </ol>
      </details>
    </li>
  );
}

export function TimelineView({
  events, canReadContent, transcriptTools = [], highlight, focus, subagent,
}: {
  events: ApiEvent[];
  canReadContent: boolean;
  transcriptTools?: ToolMatch[];
  /** Event ids to mark (an alert's evidence); a tool call is marked when any of its events is. */
  highlight?: ReadonlySet<string>;
  /** One event to mark as the one a link pointed at (`?event=`); its tool call when it belongs to one. */
  focus?: string;
  /** This prompt is a background subagent's report: its user_prompt and where the subagent came from. */
  subagent?: SubagentReportOf | null;
}) {
  const byToolUse = new Map(transcriptTools.map((t) => [t.toolUseId, t]));
  // With a transcript, wide screens show it in a column of its own, on the row of its tool call.
  const beside = byToolUse.size > 0;
  const rows = foldRoutine(timelineItems(events));
  const times = events.flatMap((e) => {
    const t = Date.parse(e.timestamp);
    return e.durationMs ? [t, t - e.durationMs] : [t];
  });
  const range = extent(times);
  const start = range?.min ?? 0;
  const total = range ? range.max - range.min : 0;
  const types = [...new Set(events.map((e) => (e.name === EVENT.toolDecision || e.name === EVENT.toolResult) && e.toolUseId ? "tool_call" : e.name))];
  return (
    <div data-timeline>
      <TimelineTypeFilter types={types} />
      {beside && (
        <div className="mb-1 hidden grid-cols-[5.5rem_minmax(0,1fr)_minmax(0,1fr)] gap-3 px-3 text-[11px] font-semibold uppercase tracking-wide text-slate-500 xl:grid">
          <span />
          <span>What the client reported (OpenTelemetry)</span>
          <span className="text-violet-800 dark:text-violet-300">What Claude saw (Compliance transcript)</span>
        </div>
      )}
      <ol className="relative space-y-2" aria-label="Events in sequence order">
        {rows.map((item) => {
          if (item.kind === "fold") return <Fold key={`fold-${item.events[0].id}`} events={item.events} start={start} total={total} highlight={highlight} focus={focus} />;
          const e = item.kind === "tool" ? (item.result ?? item.first) : item.event;
          const pos = axisPosition(e, start, total);
          // A tool call sits where it started (its first event); its bar shows when it ran.
          const offsetMs = item.kind === "tool" ? Date.parse(item.first.timestamp) - start : pos.offsetMs;
          const seq = item.kind === "tool" ? [...item.decisions, ...(item.result ? [item.result] : [])].map((x) => x.sequence).join(", ") : String(e.sequence ?? "–");
          const rejected = item.kind === "tool" && (item.decisions.some((d) => d.decision === "reject") || item.result?.decision === "reject");
          const failed = (item.kind === "tool" ? ran(item) && item.result?.success === false : false) || e.name === EVENT.apiError;
          const ids = item.kind === "tool" ? [...new Set([item.first, ...item.decisions, ...(item.result ? [item.result] : [])].map((x) => x.id))] : [e.id];
          const evidence = highlight !== undefined && ids.some((id) => highlight.has(id));
          const focused = focus !== undefined && ids.includes(focus);
          const marked = evidence || focused;
          const transcript = item.kind === "tool" ? byToolUse.get(item.toolUseId) : undefined;
          return (
            <li
              key={item.kind === "tool" ? `tool-${item.toolUseId}` : e.id}
              id={item.kind === "tool" ? item.toolUseId : `event-${e.id}`}
              data-event-type={item.kind === "tool" ? "tool_call" : e.name}
              data-highlighted={evidence ? "evidence" : focused ? "event" : undefined}
              className={`grid scroll-mt-16 grid-cols-[5.5rem_minmax(0,1fr)] gap-x-3 rounded-md border px-3 py-2 ${beside ? "xl:grid-cols-[5.5rem_minmax(0,1fr)_minmax(0,1fr)]" : ""} ${
                marked
                  ? "border-amber-400 bg-amber-50 ring-2 ring-amber-400/60 dark:border-amber-500 dark:bg-amber-950/40"
                  : rejected || failed
                    ? "border-red-200 bg-white dark:border-red-900 dark:bg-slate-900"
                    : "border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
              }`}
            >
              <div className="text-right font-mono text-[11px] leading-5 text-slate-500 dark:text-slate-400">
                {/* Every event of a tool call keeps its own anchor: `?event=` and `#event-<id>` reach it. */}
                {item.kind === "tool" && ids.map((id) => <span key={id} id={`event-${id}`} />)}
                {marked && <div className="mb-0.5 font-sans text-[10px] font-semibold uppercase tracking-wide text-amber-800 dark:text-amber-300">{evidence ? "Evidence" : "Linked event"}</div>}
                <div title="Time since the first event of the prompt">{formatOffset(offsetMs)}</div>
                <div title="event.sequence">#{seq}</div>
              </div>
              <div className="min-w-0">
                <div className="mb-1.5 h-1 w-full rounded bg-slate-100 dark:bg-slate-800" aria-hidden>
                  <div
                    className={`h-1 rounded ${failed || rejected ? "bg-red-500" : "bg-sky-500"}`}
                    style={{ marginLeft: `${pos.left * 100}%`, width: `max(${pos.width * 100}%, 3px)` }}
                  />
                </div>
                {item.kind === "tool" ? <ToolCall item={item} canReadContent={canReadContent} /> : <EventBody e={e} canReadContent={canReadContent} subagent={subagent} />}
              </div>
              {/* Narrow screens: below the card; wide screens: its own column, level with the call. */}
              {transcript && <div className="col-start-2 min-w-0 xl:col-start-3 xl:row-start-1" data-transcript-for={item.kind === "tool" ? item.toolUseId : undefined}><TranscriptTool match={transcript} /></div>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
