import { SigmaError } from "./errors";

// Sigma's `condition`: identifiers combined with and / or / not and parentheses (not binds
// tightest, then and, then or), and the quantifiers `1 of sel_*`, `any of sel_*`, `all of sel_*`,
// `1 of them`, `all of them` (`them` leaves out identifiers starting with "_").

export type Condition =
  | { op: "id"; name: string }
  | { op: "not"; arg: Condition }
  | { op: "and" | "or"; args: Condition[] }
  | { op: "of"; quantifier: "any" | "all"; names: string[]; pattern: string };

type Token = { kind: "word"; text: string; at: number } | { kind: "("; at: number } | { kind: ")"; at: number };

const MAX_CONDITION = 4000;
const MAX_DEPTH = 64;

function tokenize(text: string, path: (string | number)[]): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\()|(\))|([A-Za-z0-9_*\-.]+)|(\S))/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    const at = m.index;
    if (m[1]) out.push({ kind: "(", at });
    else if (m[2]) out.push({ kind: ")", at });
    else if (m[3]) out.push({ kind: "word", text: m[3], at });
    else if (m[4] === "|") throw new SigmaError("aggregations after | in the condition are not supported: write a correlation rule", path);
    else if (m[4]) throw new SigmaError(`unexpected "${m[4]}" in the condition at character ${at + 1}`, path);
  }
  return out;
}

function wildcardRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\-]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export function parseCondition(text: string, identifiers: string[], path: (string | number)[]): Condition {
  if (text.length > MAX_CONDITION) throw new SigmaError(`the condition is longer than ${MAX_CONDITION} characters`, path);
  const tokens = tokenize(text, path);
  if (tokens.length === 0) throw new SigmaError("the condition is empty", path);
  let i = 0;
  const kw = (t: Token | undefined, w: string) => t?.kind === "word" && t.text.toLowerCase() === w;
  const fail = (what: string): never => {
    const t = tokens[i];
    throw new SigmaError(t ? `${what} at character ${t.at + 1} of the condition` : `${what} at the end of the condition`, path);
  };

  const parseOr = (depth: number): Condition => {
    const args = [parseAnd(depth)];
    while (kw(tokens[i], "or")) {
      i++;
      args.push(parseAnd(depth));
    }
    return args.length === 1 ? args[0] : { op: "or", args };
  };
  const parseAnd = (depth: number): Condition => {
    const args = [parseNot(depth)];
    while (kw(tokens[i], "and")) {
      i++;
      args.push(parseNot(depth));
    }
    return args.length === 1 ? args[0] : { op: "and", args };
  };
  const parseNot = (depth: number): Condition => {
    if (depth > MAX_DEPTH) fail("the condition nests too deeply");
    if (kw(tokens[i], "not")) {
      i++;
      return { op: "not", arg: parseNot(depth + 1) };
    }
    return parsePrimary(depth);
  };
  const parsePrimary = (depth: number): Condition => {
    const t = tokens[i];
    if (!t) return fail("an identifier is missing");
    if (t.kind === "(") {
      i++;
      const inner = parseOr(depth + 1);
      if (tokens[i]?.kind !== ")") fail('a ")" is missing');
      i++;
      return inner;
    }
    if (t.kind === ")") return fail('unexpected ")"');
    const word = t.text.toLowerCase();
    if ((word === "1" || word === "any" || word === "all") && kw(tokens[i + 1], "of")) {
      const target = tokens[i + 2];
      if (!target || target.kind !== "word") {
        i += 2;
        return fail('"of" needs "them" or an identifier pattern');
      }
      i += 3;
      const pattern = target.text;
      const names =
        pattern.toLowerCase() === "them"
          ? identifiers.filter((n) => !n.startsWith("_"))
          : identifiers.filter((n) => wildcardRegExp(pattern).test(n));
      if (names.length === 0) throw new SigmaError(`"${word} of ${pattern}" names no selection`, path);
      return { op: "of", quantifier: word === "all" ? "all" : "any", names, pattern };
    }
    if (["and", "or", "of", "them"].includes(word)) return fail(`unexpected "${t.text}"`);
    if (t.text.includes("*")) return fail(`a wildcard identifier needs "1 of" or "all of"`);
    if (!identifiers.includes(t.text)) throw new SigmaError(`the condition names "${t.text}", which is not in the detection`, path);
    i++;
    return { op: "id", name: t.text };
  };

  const cond = parseOr(0);
  if (i < tokens.length) fail(`unexpected "${tokens[i].kind === "word" ? (tokens[i] as { text: string }).text : tokens[i].kind}"`);
  return cond;
}

/** Evaluate with a lookup that says whether one identifier matched (memoised by the caller). */
export function evaluate(c: Condition, matched: (name: string) => boolean): boolean {
  switch (c.op) {
    case "id":
      return matched(c.name);
    case "not":
      return !evaluate(c.arg, matched);
    // Plain loops, not every/some with an arrow: this runs per rule and record, and a closure per
    // call is measurable there (bench:detections).
    case "and":
      for (const a of c.args) if (!evaluate(a, matched)) return false;
      return true;
    case "or":
      for (const a of c.args) if (evaluate(a, matched)) return true;
      return false;
    case "of":
      if (c.quantifier === "all") {
        for (const n of c.names) if (!matched(n)) return false;
        return true;
      }
      for (const n of c.names) if (matched(n)) return true;
      return false;
  }
}

/** Identifiers whose match counts as evidence: those reached without a `not` above them. */
export function positiveIdentifiers(c: Condition, out = new Set<string>(), negated = false): Set<string> {
  if (c.op === "id") {
    if (!negated) out.add(c.name);
  } else if (c.op === "not") positiveIdentifiers(c.arg, out, !negated);
  else if (c.op === "of") {
    if (!negated) for (const n of c.names) out.add(n);
  } else for (const a of c.args) positiveIdentifiers(a, out, negated);
  return out;
}

/** Every identifier the condition names, directly or through a quantifier. */
export function referencedIdentifiers(c: Condition, out = new Set<string>()): Set<string> {
  if (c.op === "id") out.add(c.name);
  else if (c.op === "not") referencedIdentifiers(c.arg, out);
  else if (c.op === "of") for (const n of c.names) out.add(n);
  else for (const a of c.args) referencedIdentifiers(a, out);
  return out;
}

/** The condition in words, each identifier replaced by its own description. */
export function conditionWords(c: Condition, describe: (name: string) => string, top = true): string {
  switch (c.op) {
    case "id":
      return describe(c.name);
    case "not":
      return `not ${conditionWords(c.arg, describe, false)}`;
    case "of": {
      const parts = c.names.map(describe);
      return parts.length === 1 ? parts[0] : `${c.quantifier === "all" ? "all" : "any"} of [${parts.join("; ")}]`;
    }
    case "and":
    case "or": {
      const s = c.args.map((a) => conditionWords(a, describe, false)).join(` ${c.op} `);
      return top ? s : `(${s})`;
    }
  }
}
