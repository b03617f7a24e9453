import type { JsonValue } from "@/lib/otlp/values";
import { conditionWords, evaluate, parseCondition, positiveIdentifiers, referencedIdentifiers, type Condition } from "./condition";
import { SigmaError } from "./errors";
import { fieldValues, scalarText } from "./fields";
import { compileFieldTest, type FieldTest, type MatchContext } from "./modifiers";

// A Sigma `detection` block compiled: search identifiers (a map = all its fields match, a list of
// maps = any of them, a list of plain values = keywords found in any field) and the condition.

type Search =
  | { kind: "map"; alternatives: FieldTest[][] }
  | { kind: "keywords"; tests: FieldTest[] };

export interface CompiledDetection {
  identifiers: string[];
  condition: Condition;
  /** The condition in words, for analysts. */
  words: string;
  /**
   * A field the condition cannot hold without (one of these lower-case values, compared as its
   * selections compare it), or null: `match` checks it first, so a rule on tool_decision costs
   * other events one lookup instead of its whole condition.
   */
  prefilter: Prefilter | null;
  /** Field → value of the selections that made the condition true, or null. */
  match(fields: Record<string, JsonValue>, ctx: MatchContext): Record<string, string> | null;
}

export interface Prefilter {
  field: string;
  values: ReadonlySet<string>;
}

/** Field → values one of which the field must hold for a condition (or a search) to be true. */
type Needs = Map<string, ReadonlySet<string>>;
const NOTHING_NEEDED: Needs = new Map();

/** What every one of `all` needs (an `or`): the fields they all need, any of their values. */
function eitherOf(all: Needs[]): Needs {
  if (all.length === 0) return NOTHING_NEEDED;
  const out: Needs = new Map();
  for (const [field, values] of all[0]) {
    if (!all.every((n) => n.has(field))) continue;
    out.set(field, new Set(all.flatMap((n) => [...n.get(field)!])));
  }
  return out;
}

/** What each of `all` needs (an `and`): every field any of them needs (the first one's values, each alone being necessary). */
function eachOf(all: Needs[]): Needs {
  const out: Needs = new Map();
  for (const n of all) for (const [field, values] of n) if (!out.has(field)) out.set(field, values);
  return out;
}

function searchNeeds(s: Search): Needs {
  if (s.kind === "keywords") return NOTHING_NEEDED;
  return eitherOf(s.alternatives.map((tests) => eachOf(tests.map((t) => (t.equalsOneOf ? new Map([[t.field, t.equalsOneOf]]) : NOTHING_NEEDED)))));
}

function conditionNeeds(c: Condition, searches: Map<string, Search>): Needs {
  switch (c.op) {
    case "id":
      return searchNeeds(searches.get(c.name)!);
    case "not":
      return NOTHING_NEEDED; // a negation needs nothing present
    case "and":
      return eachOf(c.args.map((a) => conditionNeeds(a, searches)));
    case "or":
      return eitherOf(c.args.map((a) => conditionNeeds(a, searches)));
    case "of": {
      const each = c.names.map((n) => searchNeeds(searches.get(n)!));
      return c.quantifier === "all" ? eachOf(each) : eitherOf(each);
    }
  }
}

/** Whether some value of the prefilter's field is one of its values (as FieldTest compares: lower-cased text). */
function mayMatch(fields: Record<string, JsonValue>, p: Prefilter): boolean {
  const own = Object.hasOwn(fields, p.field) ? fields[p.field] : undefined;
  if (typeof own === "string") return p.values.has(own.toLowerCase()); // the common case: one top-level text value
  for (const v of fieldValues(fields, p.field)) {
    const t = scalarText(v);
    if (t !== null && p.values.has(t.toLowerCase())) return true;
  }
  return false;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_IDENTIFIERS = 64;
const MAX_ENTRIES = 256;

function compileMap(map: Record<string, unknown>, path: (string | number)[]): FieldTest[] {
  const keys = Object.keys(map);
  if (keys.length === 0) throw new SigmaError("a selection needs at least one field", path);
  if (keys.length > MAX_ENTRIES) throw new SigmaError(`a selection holds at most ${MAX_ENTRIES} fields`, path);
  return keys.map((k) => compileFieldTest(k, map[k], [...path, k]));
}

/** Keywords: the value anywhere in the record's text fields (top level and one level down). */
function keywordTest(value: string | number, path: (string | number)[]): FieldTest {
  const inner = compileFieldTest("keyword|contains", String(value), path);
  return {
    field: "keyword",
    words: `any field contains '${value}'`,
    test(fields, ctx) {
      for (const [k, v] of Object.entries(fields)) {
        const values = Array.isArray(v) ? v : v !== null && typeof v === "object" ? Object.values(v) : [v];
        for (const x of values) {
          if (scalarText(x) === null) continue;
          const hit = inner.test({ keyword: x }, ctx);
          if (hit !== null) return `${k}: ${hit}`;
        }
      }
      return null;
    },
  };
}

/** `prefilter: false` compiles without the prefilter: the reference the tests compare it with. */
export function compileDetection(detection: unknown, path: (string | number)[] = ["detection"], { prefilter: usePrefilter = true } = {}): CompiledDetection {
  if (!isPlainObject(detection)) throw new SigmaError("detection must be a map of selections and a condition", path);
  const searches = new Map<string, Search>();
  for (const [name, body] of Object.entries(detection)) {
    if (name === "condition" || name === "timeframe") continue;
    const p = [...path, name];
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SigmaError(`"${name}": identifiers are letters, digits, _ and -`, p);
    if (isPlainObject(body)) searches.set(name, { kind: "map", alternatives: [compileMap(body, p)] });
    else if (Array.isArray(body) && body.length > 0 && body.every(isPlainObject)) {
      if (body.length > MAX_ENTRIES) throw new SigmaError(`"${name}" holds more than ${MAX_ENTRIES} alternatives`, p);
      searches.set(name, { kind: "map", alternatives: body.map((m, i) => compileMap(m as Record<string, unknown>, [...p, i])) });
    } else if (Array.isArray(body) && body.length > 0 && body.every((v) => typeof v === "string" || typeof v === "number")) {
      searches.set(name, { kind: "keywords", tests: body.map((v, i) => keywordTest(v as string | number, [...p, i])) });
    } else throw new SigmaError(`"${name}" must be a map of fields, a list of maps, or a list of keywords`, p);
  }
  if ("timeframe" in detection) throw new SigmaError("timeframe is not supported here: write a correlation rule with a timespan", [...path, "timeframe"]);
  if (searches.size === 0) throw new SigmaError("detection has no selection", path);
  if (searches.size > MAX_IDENTIFIERS) throw new SigmaError(`detection holds more than ${MAX_IDENTIFIERS} selections`, path);
  const identifiers = [...searches.keys()];

  const rawCondition = detection.condition;
  const condPath = [...path, "condition"];
  let condition: Condition;
  if (typeof rawCondition === "string") condition = parseCondition(rawCondition, identifiers, condPath);
  else if (Array.isArray(rawCondition) && rawCondition.length > 0 && rawCondition.every((c) => typeof c === "string")) {
    // Sigma 1 allowed a list of conditions: any of them.
    const parts = rawCondition.map((c, i) => parseCondition(c as string, identifiers, [...condPath, i]));
    condition = parts.length === 1 ? parts[0] : { op: "or", args: parts };
  } else throw new SigmaError("detection needs a condition", condPath);

  const referenced = referencedIdentifiers(condition);
  const unused = identifiers.find((n) => !referenced.has(n));
  if (unused) throw new SigmaError(`"${unused}" is not used by the condition`, [...path, unused]);
  const positive = positiveIdentifiers(condition);
  const describe = (name: string): string => {
    const s = searches.get(name)!;
    if (s.kind === "keywords") return s.tests.length === 1 ? s.tests[0].words : `any field contains one of ${s.tests.map((t) => t.words.replace("any field contains ", "")).join(", ")}`;
    const alt = s.alternatives.map((tests) => tests.map((t) => t.words).join(" and "));
    return alt.length === 1 ? `(${alt[0]})` : `(${alt.map((a) => `(${a})`).join(" or ")})`;
  };
  const words = conditionWords(condition, describe);

  const runSearch = (s: Search, fields: Record<string, JsonValue>, ctx: MatchContext): Record<string, string> | null => {
    if (s.kind === "keywords") {
      for (const t of s.tests) {
        const hit = t.test(fields, ctx);
        if (hit !== null) return { keyword: hit };
      }
      return null;
    }
    for (const tests of s.alternatives) {
      // Allocated on the first hit only: most records fail a selection on its first field.
      let out: Record<string, string> | null = null;
      let ok = true;
      for (const t of tests) {
        const hit = t.test(fields, ctx);
        if (hit === null) {
          ok = false;
          break;
        }
        (out ??= {})[t.field] = hit;
      }
      if (ok) return out ?? {};
    }
    return null;
  };

  const needs = conditionNeeds(condition, searches);
  const first = needs.entries().next();
  const prefilter: Prefilter | null = first.done || !usePrefilter ? null : { field: first.value[0], values: first.value[1] };

  return {
    identifiers,
    condition,
    words,
    prefilter,
    match(fields, ctx) {
      if (prefilter && !mayMatch(fields, prefilter)) return null;
      const results = new Map<string, Record<string, string> | null>();
      const found = (name: string): boolean => {
        let r = results.get(name);
        if (r === undefined) {
          r = runSearch(searches.get(name)!, fields, ctx);
          results.set(name, r);
        }
        return r !== null;
      };
      if (!evaluate(condition, found)) return null;
      const matched: Record<string, string> = {};
      for (const n of positive) {
        const r = results.get(n);
        if (r) Object.assign(matched, r);
      }
      return matched;
    },
  };
}
