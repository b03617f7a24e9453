import ipaddr from "ipaddr.js";
import { RE2JS } from "re2js";
import type { JsonValue } from "@/lib/otlp/values";
import { ALLOWLISTS, type AllowlistName } from "../types";
import { SigmaError } from "./errors";
import { fieldValues, numeric, scalarText } from "./fields";

// One `field|modifier|…: value(s)` entry of a Sigma selection, compiled once into a test.
// Matching follows Sigma: strings compare case-insensitively with `*` and `?` wildcards (`\` escapes
// them), a list of values is an OR (AND with `|all`), `null` means the field is absent or empty.
// Every pattern runs in linear time: plain comparisons where possible, RE2 (re2js) otherwise, so
// a hostile value can never make a rule backtrack.

export interface MatchContext {
  allowlists: Record<AllowlistName, string[]>;
  /** Lower-cased copies of long values, made once per record however many rules read them. */
  lowerCache: Map<string, string>;
}

export function newMatchContext(allowlists: Record<AllowlistName, string[]>): MatchContext {
  return { allowlists, lowerCache: new Map() };
}

function lowerOf(s: string, ctx: MatchContext): string {
  if (s.length < 256) return s.toLowerCase();
  let l = ctx.lowerCache.get(s);
  if (l === undefined) {
    l = s.toLowerCase();
    ctx.lowerCache.set(s, l);
  }
  return l;
}

export interface FieldTest {
  field: string;
  /** The test in words, for analysts. */
  words: string;
  /** The first field value that satisfies the test (as text), or null. */
  test(fields: Record<string, JsonValue>, ctx: MatchContext): string | null;
  /**
   * Set when the test is a plain case-insensitive comparison (`event.name: [tool_decision, tool_result]`):
   * it holds only when some value of the field, as lower-case text, is one of these.
   */
  equalsOneOf?: ReadonlySet<string>;
}

/** A value Sigma compares as it is written (no wildcard, no escape): its lower-case text. */
function plainText(v: unknown): string | null {
  if (typeof v === "number" || typeof v === "boolean") return String(v).toLowerCase();
  return typeof v === "string" && !/[*?\\]/.test(v) ? v.toLowerCase() : null;
}

const MATCH_MODES = ["contains", "startswith", "endswith", "re", "cidr", "gt", "gte", "lt", "lte", "exists"] as const;
type MatchMode = (typeof MATCH_MODES)[number] | "equals";
const TRANSFORMS = ["base64", "base64offset", "windash", "expand"] as const;
const FLAGS = ["all", "cased"] as const;
const RE_FLAGS = ["i", "m", "s"] as const;
export const SUPPORTED_MODIFIERS = [...MATCH_MODES, ...TRANSFORMS, ...FLAGS, ...RE_FLAGS];

/** Longest value a rule may hold: patterns are data an admin pastes, not a place for megabytes. */
const MAX_PATTERN = 4096;

type Pred = (v: JsonValue, ctx: MatchContext) => boolean;

// ---- Sigma strings with wildcards -------------------------------------------------------------

type Piece = { lit: string } | { wild: "*" | "?" };

function parseWildcards(s: string): Piece[] {
  const out: Piece[] = [];
  let lit = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length && (s[i + 1] === "*" || s[i + 1] === "?" || s[i + 1] === "\\")) {
      lit += s[++i];
    } else if (c === "*" || c === "?") {
      if (lit) out.push({ lit });
      lit = "";
      out.push({ wild: c });
    } else lit += c;
  }
  if (lit) out.push({ lit });
  return out;
}

function stringPred(pattern: string, mode: "equals" | "contains" | "startswith" | "endswith", cased: boolean): Pred {
  let pieces = parseWildcards(pattern);
  if (mode === "contains" || mode === "endswith") pieces = [{ wild: "*" }, ...pieces];
  if (mode === "contains" || mode === "startswith") pieces = [...pieces, { wild: "*" }];
  // Only leading and trailing `*`: a plain comparison.
  const isStar = (p: Piece | undefined) => p !== undefined && "wild" in p && p.wild === "*";
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi && isStar(pieces[lo])) lo++;
  while (hi > lo && isStar(pieces[hi - 1])) hi--;
  const inner = pieces.slice(lo, hi);
  if (inner.length <= 1 && inner.every((p) => "lit" in p)) {
    const lead = lo > 0;
    const trail = hi < pieces.length;
    const lit = inner.length ? (inner[0] as { lit: string }).lit : "";
    const want = cased ? lit : lit.toLowerCase();
    const cmp = (s: string) =>
      lead && trail ? s.includes(want) : lead ? s.endsWith(want) : trail ? s.startsWith(want) : s === want;
    return (v, ctx) => {
      const t = scalarText(v);
      if (t === null) return false;
      return cmp(cased ? t : lowerOf(t, ctx));
    };
  }
  const source = pieces.map((p) => ("lit" in p ? RE2JS.quote(p.lit) : p.wild === "*" ? ".*" : ".")).join("");
  const re = RE2JS.compile(`^(?:${source})$`, RE2JS.DOTALL | (cased ? 0 : RE2JS.CASE_INSENSITIVE));
  return (v) => {
    const t = scalarText(v);
    return t !== null && re.matcher(t).matches();
  };
}

// ---- transforms ---------------------------------------------------------------------------------

function base64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

/** The three encodings of `s` at byte offsets 0, 1, 2 inside a longer base64 text (Sigma's base64offset). */
function base64Offsets(s: string): string[] {
  const start = [0, 2, 3];
  const end = [0, -3, -2];
  return [0, 1, 2].map((i) => {
    const enc = base64(" ".repeat(i) + s);
    const trimEnd = end[(s.length + i) % 3];
    return enc.slice(start[i], trimEnd === 0 ? undefined : trimEnd); 
  });
}

/** Windows-style dashes: `-x` also as `/x`, en dash, em dash and horizontal bar (Sigma's windash). */
function windash(s: string): string[] {
  const variants = ["-", "/", "\u2013", "\u2014", "\u2015"];
  return [...new Set(variants.map((d) => s.replace(/(^|\s)-/g, `$1${d}`)))];
}

const PLACEHOLDER = /%([a-z_]+)%/g;

// ---- one entry ----------------------------------------------------------------------------------

/** The first value the predicate holds for (a loop, not find with an arrow: this is the hot path). */
function firstSatisfying(values: JsonValue[], p: Pred, ctx: MatchContext): JsonValue | undefined {
  for (const v of values) if (p(v, ctx)) return v;
  return undefined;
}

export function compileFieldTest(key: string, raw: unknown, path: (string | number)[]): FieldTest {
  const [field, ...mods] = key.split("|");
  if (!field) throw new SigmaError(`"${key}": a field name is needed before the modifiers`, path);
  for (const m of mods) {
    if (!(SUPPORTED_MODIFIERS as readonly string[]).includes(m)) {
      throw new SigmaError(`"${key}": unsupported modifier "${m}" (supported: ${SUPPORTED_MODIFIERS.join(", ")})`, path);
    }
  }
  const modes = mods.filter((m) => (MATCH_MODES as readonly string[]).includes(m)) as MatchMode[];
  if (modes.length > 1) throw new SigmaError(`"${key}": modifiers ${modes.join(" and ")} cannot be combined`, path);
  const mode: MatchMode = modes[0] ?? "equals";
  const all = mods.includes("all");
  const cased = mods.includes("cased");
  const reFlags = mods.filter((m) => (RE_FLAGS as readonly string[]).includes(m));
  if (reFlags.length && mode !== "re") throw new SigmaError(`"${key}": i, m and s apply to |re only`, path);
  const transforms = mods.filter((m) => (TRANSFORMS as readonly string[]).includes(m));

  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new SigmaError(`"${key}": an empty list matches nothing`, path);
  list.forEach((v, i) => {
    if (v !== null && typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new SigmaError(`"${key}": values must be strings, numbers, booleans or null`, Array.isArray(raw) ? [...path, i] : path);
    }
    if (typeof v === "string" && v.length > MAX_PATTERN) throw new SigmaError(`"${key}": value longer than ${MAX_PATTERN} characters`, path);
  });

  if (mode === "exists") {
    if (list.length !== 1 || typeof list[0] !== "boolean") throw new SigmaError(`"${key}": |exists takes true or false`, path);
    const want = list[0];
    return {
      field,
      words: `${field} ${want ? "is present" : "is absent"}`,
      test: (fields) => {
        const present = fieldValues(fields, field).some((v) => v !== null);
        return present === want ? (want ? String(scalarText(fieldValues(fields, field)[0]) ?? "present") : "absent") : null;
      },
    };
  }

  if (list.includes(null)) {
    if (list.length !== 1 || mods.length) throw new SigmaError(`"${key}": null stands alone, without modifiers`, path);
    return {
      field,
      words: `${field} is absent or empty`,
      test: (fields) => (fieldValues(fields, field).every((v) => v === null || v === "") ? "absent" : null),
    };
  }

  const expand = transforms.includes("expand");
  if (expand) {
    for (const v of list) {
      if (typeof v !== "string") throw new SigmaError(`"${key}": |expand takes strings with %placeholders%`, path);
      for (const m of v.matchAll(PLACEHOLDER)) {
        if (!(ALLOWLISTS as readonly string[]).includes(m[1])) {
          throw new SigmaError(`"${key}": unknown placeholder %${m[1]}% (known: ${ALLOWLISTS.map((a) => `%${a}%`).join(", ")})`, path);
        }
      }
    }
  }

  const predFor = (values: (string | number | boolean)[]): Pred[] => {
    let texts: (string | number | boolean)[] = values;
    for (const t of transforms) {
      if (t === "expand") continue;
      texts = texts.flatMap((v) => {
        if (typeof v !== "string") throw new SigmaError(`"${key}": |${t} takes strings`, path);
        return t === "base64" ? [base64(v)] : t === "base64offset" ? base64Offsets(v) : windash(v);
      });
    }
    return texts.map((v): Pred => {
      switch (mode) {
        case "gt":
        case "gte":
        case "lt":
        case "lte": {
          if (typeof v !== "number") throw new SigmaError(`"${key}": |${mode} takes a number`, path);
          return (x) => {
            const n = numeric(x);
            if (n === null) return false;
            return mode === "gt" ? n > v : mode === "gte" ? n >= v : mode === "lt" ? n < v : n <= v;
          };
        }
        case "cidr": {
          if (typeof v !== "string") throw new SigmaError(`"${key}": |cidr takes a network such as 10.0.0.0/8`, path);
          let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
          try {
            range = ipaddr.parseCIDR(v);
          } catch {
            throw new SigmaError(`"${key}": "${v}" is not a network in CIDR notation`, path);
          }
          return (x) => {
            const t = scalarText(x);
            if (t === null || !ipaddr.isValid(t)) return false;
            const addr = ipaddr.process(t);
            return addr.kind() === range[0].kind() && addr.match(range);
          };
        }
        case "re": {
          if (typeof v !== "string") throw new SigmaError(`"${key}": |re takes a pattern`, path);
          let flags = 0;
          if (reFlags.includes("i")) flags |= RE2JS.CASE_INSENSITIVE;
          if (reFlags.includes("m")) flags |= RE2JS.MULTILINE;
          if (reFlags.includes("s")) flags |= RE2JS.DOTALL;
          let re: RE2JS;
          try {
            re = RE2JS.compile(v, flags);
          } catch (err) {
            throw new SigmaError(`"${key}": the pattern does not compile in RE2 (${err instanceof Error ? err.message : String(err)}); RE2 has no backreferences or lookaround`, path);
          }
          return (x) => {
            const t = scalarText(x);
            return t !== null && re.matcher(t).find();
          };
        }
        default: {
          if (typeof v === "string") return stringPred(v, mode, cased);
          const want = String(v).toLowerCase();
          return (x) => {
            const t = scalarText(x);
            return t !== null && t.toLowerCase() === want;
          };
        }
      }
    });
  };

  const staticPreds = expand ? null : predFor(list as (string | number | boolean)[]);
  // Expanded values depend on the tenant's allowlists: compile per list contents, cached by identity.
  const expandedCache = new WeakMap<Record<AllowlistName, string[]>, Pred[]>();
  const predsOf = (ctx: MatchContext): Pred[] => {
    if (staticPreds) return staticPreds;
    let p = expandedCache.get(ctx.allowlists);
    if (!p) {
      const values = (list as string[]).flatMap((v) => {
        const names = [...v.matchAll(PLACEHOLDER)].map((m) => m[1] as AllowlistName);
        let out = [v];
        for (const n of new Set(names)) {
          out = out.flatMap((s) => (ctx.allowlists[n] ?? []).filter((e) => e.length <= MAX_PATTERN).map((e) => s.split(`%${n}%`).join(e.replace(/[*?\\]/g, "\\$&"))));
        }
        return out;
      });
      p = predFor(values);
      expandedCache.set(ctx.allowlists, p);
    }
    return p;
  };

  const modeWords: Record<MatchMode, string> = {
    equals: "is", contains: "contains", startswith: "starts with", endswith: "ends with", re: "matches the pattern",
    cidr: "is in the network", gt: "is greater than", gte: "is at least", lt: "is less than", lte: "is at most", exists: "exists",
  };
  const shown = list.map((v) => (typeof v === "string" ? `'${v}'` : String(v)));
  const words = `${field}${transforms.length ? ` (${transforms.join(", ")})` : ""} ${modeWords[mode]} ${shown.length > 1 ? `${all ? "all of" : "one of"} ${shown.join(", ")}` : shown[0]}`;

  // Plain equality (no modifier but |all, no wildcard): what the detection's prefilter reads.
  const plain = mode === "equals" && !cased && transforms.length === 0 ? list.map(plainText) : [];
  const equalsOneOf = plain.length > 0 && plain.every((t) => t !== null) ? new Set(plain as string[]) : undefined;

  return {
    field,
    words,
    equalsOneOf,
    test(fields, ctx) {
      const values = fieldValues(fields, field);
      if (values.length === 0) return null;
      const preds = predsOf(ctx);
      if (preds.length === 0) return null;
      if (all) {
        let first: JsonValue | undefined;
        for (const p of preds) {
          const v = firstSatisfying(values, p, ctx);
          if (v === undefined) return null;
          first ??= v;
        }
        return scalarText(first as JsonValue) ?? "";
      }
      for (const p of preds) {
        const v = firstSatisfying(values, p, ctx);
        if (v !== undefined) return scalarText(v) ?? "";
      }
      return null;
    },
  };
}
