import type { DetectionRecord } from "../types";
import { SigmaError } from "./errors";
import { fieldValues, scalarText } from "./fields";
import type { ParsedEventRule } from "./rule";

// Sigma 2 correlation rules, evaluated in memory over records already ordered by time:
// event_count (how many matches), value_count (how many distinct values of a field), temporal
// (all referred rules matched, any order) and temporal_ordered (in the listed order), each within
// `timespan` and per `group-by` value. Detection windows slide; a hit's dedup window is the
// timespan-aligned window its first event falls in.

export const CORRELATION_TYPES = ["event_count", "value_count", "temporal", "temporal_ordered"] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];
const OPERATORS = ["gt", "gte", "lt", "lte", "eq", "neq"] as const;
type Operator = (typeof OPERATORS)[number];

export interface CompiledCorrelation {
  type: CorrelationType;
  rules: ParsedEventRule[];
  groupBy: string[];
  /** alias → (rule name or id → field). */
  aliases: Record<string, Record<string, string>>;
  timespanMs: number;
  timespanText: string;
  /** Operator → bound; all must hold (gte + lte is a range). */
  condition: Partial<Record<Operator, number>>;
  /** value_count: the field whose distinct values are counted. */
  field: string | null;
  words: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const MAX_TIMESPAN_MS = 31 * 86_400_000;
/** Evidence kept per hit, and partial sequences kept per group: bounded whatever the data. */
export const MAX_EVIDENCE = 50;
const MAX_PARTIALS = 256;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseTimespan(v: unknown, path: (string | number)[]): { ms: number; text: string } {
  const m = typeof v === "string" ? /^(\d{1,6})([smhdw])$/.exec(v.trim()) : null;
  if (!m) throw new SigmaError("timespan must be a number and a unit: s, m, h, d or w (e.g. 10m)", path);
  const ms = Number(m[1]) * UNITS[m[2]];
  if (ms <= 0 || ms > MAX_TIMESPAN_MS) throw new SigmaError("timespan must be between 1s and 31d", path);
  return { ms, text: v as string };
}

function parseCondition(raw: unknown, path: (string | number)[], type: CorrelationType, ruleCount: number): { condition: CompiledCorrelation["condition"]; field: string | null } {
  if (raw === undefined && (type === "temporal" || type === "temporal_ordered")) return { condition: { gte: ruleCount }, field: null };
  if (!isMap(raw)) throw new SigmaError("condition must be a map such as {gte: 5}", path);
  const condition: CompiledCorrelation["condition"] = {};
  let field: string | null = null;
  for (const [k, v] of Object.entries(raw)) {
    if (k === "field") {
      if (typeof v !== "string" || !v) throw new SigmaError("condition.field must be a field name", [...path, k]);
      field = v;
    } else if (k === "range") {
      const m = typeof v === "string" ? /^(\d+)\.\.(\d+)$/.exec(v) : null;
      if (!m) throw new SigmaError('range is written "low..high"', [...path, k]);
      condition.gte = Number(m[1]);
      condition.lte = Number(m[2]);
    } else if ((OPERATORS as readonly string[]).includes(k)) {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new SigmaError(`${k} takes a whole number`, [...path, k]);
      condition[k as Operator] = v;
    } else throw new SigmaError(`unknown condition key "${k}" (gt, gte, lt, lte, eq, neq, range, field)`, [...path, k]);
  }
  if (Object.keys(condition).length === 0) throw new SigmaError("condition needs a comparison (gt, gte, lt, lte, eq, neq or range)", path);
  if (type === "value_count" && !field) throw new SigmaError("a value_count condition names the field whose values it counts", path);
  if (type !== "value_count" && field) throw new SigmaError("condition.field belongs to value_count", path);
  return { condition, field };
}

export function holds(c: CompiledCorrelation["condition"], n: number): boolean {
  return (c.gt === undefined || n > c.gt) && (c.gte === undefined || n >= c.gte) && (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte) && (c.eq === undefined || n === c.eq) && (c.neq === undefined || n !== c.neq);
}

/** Whether the condition can only become true as a window fills (then a sliding window fires early). */
function monotone(c: CompiledCorrelation["condition"]): boolean {
  return c.lt === undefined && c.lte === undefined && c.eq === undefined && c.neq === undefined;
}

export function compileCorrelation(raw: unknown, resolve: (ref: string) => ParsedEventRule | null, path: (string | number)[]): CompiledCorrelation {
  if (!isMap(raw)) throw new SigmaError("correlation must be a map (type, rules, group-by, timespan, condition)", path);
  const type = raw.type;
  if (!(CORRELATION_TYPES as readonly unknown[]).includes(type)) throw new SigmaError(`correlation.type must be one of ${CORRELATION_TYPES.join(", ")}`, [...path, "type"]);
  const refs = raw.rules;
  if (!Array.isArray(refs) || refs.length === 0 || !refs.every((r) => typeof r === "string")) {
    throw new SigmaError("correlation.rules lists the names or ids of the rules it correlates", [...path, "rules"]);
  }
  const rules = (refs as string[]).map((ref, i) => {
    const r = resolve(ref);
    if (!r) throw new SigmaError(`correlation.rules: no single-event rule named or with id "${ref}"`, [...path, "rules", i]);
    return r;
  });
  if ((type === "temporal" || type === "temporal_ordered") && rules.length < 2) throw new SigmaError(`${type} needs at least two rules`, [...path, "rules"]);
  const groupRaw = raw["group-by"] ?? [];
  if (!Array.isArray(groupRaw) || !groupRaw.every((g) => typeof g === "string")) throw new SigmaError("group-by is a list of field names", [...path, "group-by"]);
  const aliasesRaw = raw.aliases ?? {};
  if (!isMap(aliasesRaw)) throw new SigmaError("aliases maps an alias to {rule: field}", [...path, "aliases"]);
  const aliases: Record<string, Record<string, string>> = {};
  for (const [alias, m] of Object.entries(aliasesRaw)) {
    if (!isMap(m) || !Object.values(m).every((f) => typeof f === "string")) throw new SigmaError(`alias "${alias}" maps each rule to a field`, [...path, "aliases", alias]);
    aliases[alias] = m as Record<string, string>;
  }
  const { ms, text } = parseTimespan(raw.timespan, [...path, "timespan"]);
  const { condition, field } = parseCondition(raw.condition, [...path, "condition"], type as CorrelationType, rules.length);
  if ("generate" in raw && typeof raw.generate !== "boolean") throw new SigmaError("generate is true or false", [...path, "generate"]);

  const bound = Object.entries(condition).map(([op, n]) => `${{ gt: "more than", gte: "at least", lt: "fewer than", lte: "at most", eq: "exactly", neq: "other than" }[op]} ${n}`).join(" and ");
  const titles = rules.map((r) => `"${r.title}"`);
  const per = groupBy(groupRaw as string[]);
  const words =
    type === "event_count" ? `${bound} matches of ${titles.join(" or ")} within ${text}${per}`
      : type === "value_count" ? `${bound} distinct values of ${field} in matches of ${titles.join(" or ")} within ${text}${per}`
        : type === "temporal" ? `${titles.join(", ")} all match within ${text}${per}`
          : `${titles.join(", then ")}, in this order, within ${text}${per}`;
  return { type: type as CorrelationType, rules, groupBy: groupRaw as string[], aliases, timespanMs: ms, timespanText: text, condition, field, words };
}

function groupBy(g: string[]): string {
  return g.length ? `, for the same ${g.join(" and ")}` : "";
}

/** One base-rule match: the record and what matched. */
export interface BaseMatch {
  record: DetectionRecord;
  /** Indexes into CompiledCorrelation.rules that matched this record. */
  rules: number[];
  matched: Record<string, string>;
}

export interface CorrelationGroupHit {
  groupKey: string;
  groupValues: Record<string, string>;
  matches: BaseMatch[];
  /** Count or distinct values that satisfied the condition. */
  value: number;
}

function groupValuesOf(c: CompiledCorrelation, m: BaseMatch): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const g of c.groupBy) {
    let value: string | null = null;
    for (const idx of m.rules) {
      const rule = c.rules[idx];
      const field = c.aliases[g]?.[rule.name ?? ""] ?? c.aliases[g]?.[rule.id] ?? g;
      const v = fieldValues(m.record.fields, field).map(scalarText).find((x) => x !== null && x !== "");
      if (v !== undefined && v !== null) {
        value = v;
        break;
      }
    }
    if (value === null) return null; // a record without the group's value cannot be put in a group
    out[g] = value;
  }
  return out;
}

const windowStartOf = (t: Date, ms: number) => new Date(Math.floor(t.getTime() / ms) * ms);
export { windowStartOf };

/** Run one correlation over base matches ordered by time. */
export function runCorrelation(c: CompiledCorrelation, matches: BaseMatch[]): CorrelationGroupHit[] {
  const groups = new Map<string, { values: Record<string, string>; list: BaseMatch[] }>();
  for (const m of matches) {
    const values = groupValuesOf(c, m);
    if (!values) continue;
    const key = c.groupBy.map((g) => values[g]).join("|");
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { values, list: [] }));
    g.list.push(m);
  }
  const hits: CorrelationGroupHit[] = [];
  for (const [key, g] of groups) {
    const emit = (list: BaseMatch[], value: number) => hits.push({ groupKey: key, groupValues: g.values, matches: list, value });
    if (c.type === "event_count" || c.type === "value_count") countGroup(c, g.list, emit);
    else if (c.type === "temporal") temporalGroup(c, g.list, emit);
    else orderedGroup(c, g.list, emit);
  }
  return hits;
}

function measure(c: CompiledCorrelation, list: BaseMatch[]): number {
  if (c.type === "event_count") return list.length;
  const distinct = new Set<string>();
  for (const m of list) for (const v of fieldValues(m.record.fields, c.field!)) {
    const t = scalarText(v);
    if (t !== null && t !== "") distinct.add(t);
  }
  return distinct.size;
}

function countGroup(c: CompiledCorrelation, list: BaseMatch[], emit: (l: BaseMatch[], v: number) => void): void {
  if (monotone(c.condition)) {
    // Sliding window, counted incrementally: fire as soon as the condition holds, then start afresh.
    const counts = new Map<string, number>();
    const valuesOf = (m: BaseMatch) => [...new Set(fieldValues(m.record.fields, c.field!).map(scalarText).filter((t): t is string => t !== null && t !== ""))];
    const add = (m: BaseMatch, d: number) => {
      if (c.type !== "value_count") return;
      for (const v of valuesOf(m)) {
        const n = (counts.get(v) ?? 0) + d;
        if (n <= 0) counts.delete(v);
        else counts.set(v, n);
      }
    };
    let start = 0;
    for (let i = 0; i < list.length; i++) {
      const t = list[i].record.time.getTime();
      add(list[i], 1);
      while (list[start].record.time.getTime() < t - c.timespanMs) add(list[start++], -1);
      const v = c.type === "event_count" ? i - start + 1 : counts.size;
      if (holds(c.condition, v)) {
        emit(list.slice(start, i + 1), v);
        counts.clear();
        start = i + 1;
        if (start >= list.length) break;
      }
    }
    return;
  }
  // Upper bounds and equality need the whole window: aligned windows, judged when complete.
  const byWindow = new Map<number, BaseMatch[]>();
  for (const m of list) {
    const w = windowStartOf(m.record.time, c.timespanMs).getTime();
    const l = byWindow.get(w);
    if (l) l.push(m);
    else byWindow.set(w, [m]);
  }
  for (const l of byWindow.values()) {
    const v = measure(c, l);
    if (holds(c.condition, v)) emit(l, v);
  }
}

function temporalGroup(c: CompiledCorrelation, list: BaseMatch[], emit: (l: BaseMatch[], v: number) => void): void {
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const t = list[i].record.time.getTime();
    while (list[start].record.time.getTime() < t - c.timespanMs) start++;
    const window = list.slice(start, i + 1);
    const seen = new Set<number>();
    for (const m of window) for (const r of m.rules) seen.add(r);
    if (holds(c.condition, seen.size)) {
      emit(window, seen.size);
      start = i + 1;
      if (start >= list.length) break;
    }
  }
}

function orderedGroup(c: CompiledCorrelation, list: BaseMatch[], emit: (l: BaseMatch[], v: number) => void): void {
  const steps = c.rules.length;
  // Partial sequences: the matches so far, the next step expected, and the first event's time.
  let partials: { seq: BaseMatch[]; next: number; start: number }[] = [];
  for (const m of list) {
    const t = m.record.time.getTime();
    partials = partials.filter((p) => t - p.start <= c.timespanMs);
    const extended: typeof partials = [];
    let done: BaseMatch[] | null = null;
    for (const p of partials) {
      if (m.rules.includes(p.next) && m.record !== p.seq[p.seq.length - 1].record) {
        const seq = [...p.seq, m];
        if (p.next + 1 === steps) {
          done ??= seq;
          continue;
        }
        extended.push({ seq, next: p.next + 1, start: p.start });
      }
    }
    if (done) {
      emit(done, steps);
      partials = []; // one alert per completed sequence; later events start new ones
      if (m.rules.includes(0)) partials.push({ seq: [m], next: 1, start: t });
      continue;
    }
    partials.push(...extended);
    if (m.rules.includes(0)) partials.push({ seq: [m], next: 1, start: t });
    if (partials.length > MAX_PARTIALS) partials = partials.slice(-MAX_PARTIALS);
  }
}
