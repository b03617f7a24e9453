import { EVENT } from "@/lib/domain/vocabulary";
import type { ApiEvent } from "@/lib/queries/events";

// Turns a prompt's events (in event.sequence order) into timeline items. A tool call's
// decision and result share a tool_use_id: they become one item at the position of the first,
// so the approval is shown next to the action it decided.

export type TimelineItem =
  | { kind: "event"; event: ApiEvent }
  | { kind: "tool"; toolUseId: string; decisions: ApiEvent[]; result: ApiEvent | null; first: ApiEvent };

export function timelineItems(events: ApiEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const byToolUse = new Map<string, Extract<TimelineItem, { kind: "tool" }>>();
  for (const e of events) {
    const isTool = (e.name === EVENT.toolDecision || e.name === EVENT.toolResult) && e.toolUseId;
    if (!isTool) {
      items.push({ kind: "event", event: e });
      continue;
    }
    let item = byToolUse.get(e.toolUseId!);
    if (!item) {
      item = { kind: "tool", toolUseId: e.toolUseId!, decisions: [], result: null, first: e };
      byToolUse.set(e.toolUseId!, item);
      items.push(item);
    }
    if (e.name === EVENT.toolDecision) item.decisions.push(e);
    else item.result = e;
  }
  return items;
}

/** Where an event sits on the prompt's time axis, as fractions of the whole. */
export function axisPosition(
  e: ApiEvent,
  startMs: number,
  totalMs: number,
): { left: number; width: number; offsetMs: number } {
  const t = Date.parse(e.timestamp);
  // Events are emitted when something finished; a duration reaches back from there.
  const begin = e.durationMs ? t - e.durationMs : t;
  const total = Math.max(totalMs, 1);
  const left = Math.min(Math.max((begin - startMs) / total, 0), 1);
  const right = Math.min(Math.max((t - startMs) / total, 0), 1);
  return { left, width: Math.max(right - left, 0), offsetMs: t - startMs };
}

/** Routine events that fold into a compact waterfall between the events an analyst reads. */
const ROUTINE = new Set<string>([EVENT.apiRequest, "hook_execution_start", "hook_execution_complete", "hook_registered"]);

export type TimelineRow = TimelineItem | { kind: "fold"; events: ApiEvent[] };

/**
 * Runs of two or more routine events (API calls, hooks) become one fold; everything else stays
 * a row of its own. A hook that blocked stays out of the fold: it decided something.
 */
export function foldRoutine(items: TimelineItem[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let run: ApiEvent[] = [];
  const flush = () => {
    if (run.length >= 2) rows.push({ kind: "fold", events: run });
    else rows.push(...run.map((event) => ({ kind: "event" as const, event })));
    run = [];
  };
  for (const item of items) {
    if (item.kind === "event" && ROUTINE.has(item.event.name) && !blocked(item.event)) run.push(item.event);
    else {
      flush();
      rows.push(item);
    }
  }
  flush();
  return rows;
}

function blocked(e: ApiEvent): boolean {
  const n = e.fields.num_blocking ?? e.attributes.num_blocking;
  return n !== undefined && n !== null && Number(n) > 0;
}
