// The query language's reader: a hand-written recursive-descent parser for a KQL/Datadog-like
// syntax (the writer of single terms is lib/query/terms.ts; what the fields mean is
// lib/query/fields.ts; the SQL is lib/query/compile.ts). Pure: it runs in client components too,
// so the query bar shows errors as the analyst types.
//
//   query    := or EOF                       (an empty query matches everything)
//   or       := and ( "or" and )*
//   and      := unary ( ["and"] unary )*     (terms side by side are AND-ed)
//   unary    := "not" unary | "-" (field-term | "(" or ")" | phrase) | primary   (`-rf` alone is a word)
//   primary  := "(" or ")" | field-term | free-text
//   field-term := NAME ":" value | NAME ":" "(" value ( "or" value )* ")" | NAME ":" "[" bound "TO" bound "]"
//               | NAME (">" | ">=" | "<" | "<=") value | NAME ":" (">" | ">=" | "<" | "<=") value
//   value    := "quoted phrase" (exact, `\"` and `\\` escaped) | bare (`*` is a wildcard)
//   free-text := "quoted phrase" | bare word  (substring over the content fields)
//
// Every error is a QueryError with the offset where the reader stopped; nothing else is thrown.

export type CompareOp = ">" | ">=" | "<" | "<=";

export type QueryNode =
  | { type: "and"; items: QueryNode[]; pos: number }
  | { type: "or"; items: QueryNode[]; pos: number }
  | { type: "not"; item: QueryNode; pos: number }
  /** field:value. `wildcard`: a bare value with `*` (any run of characters); a quoted value is always literal. */
  | { type: "match"; field: string; fieldPos: number; value: string; quoted: boolean; wildcard: boolean; pos: number }
  | { type: "compare"; field: string; fieldPos: number; op: CompareOp; value: string; pos: number }
  /** field:[from TO to], both bounds inclusive; `*` (null) leaves that side open. */
  | { type: "range"; field: string; fieldPos: number; from: string | null; to: string | null; pos: number }
  /** A free-text word or phrase: a case-insensitive substring of a content field. */
  | { type: "text"; value: string; quoted: boolean; wildcard: boolean; pos: number };

export class QueryError extends Error {
  /** Offset in the query (0-based) where the problem is. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at ${position}`);
    this.name = "QueryError";
    this.position = position;
  }
}

export const MAX_QUERY_LENGTH = 4000;
const MAX_DEPTH = 40;
const MAX_TERMS = 200;

const WS = /\s/;
const KEYWORDS = new Set(["and", "or", "not"]);
/** A field name: a letter or `_`, then letters, digits, `_`, `.`, `-` (attribute keys: `attr.gen_ai.request.model`). */
const FIELD_NAME = /[A-Za-z_][A-Za-z0-9_.\-]*/y;
const COMPARE = /(>=|<=|>|<)/y;

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  constructor(private readonly s: string) {}

  parse(): QueryNode | null {
    this.skipWs();
    if (this.i >= this.s.length) return null;
    const node = this.parseOr();
    this.skipWs();
    if (this.i < this.s.length) {
      throw new QueryError(this.s[this.i] === ")" ? "unbalanced `)`" : `unexpected \`${this.s[this.i]}\``, this.i);
    }
    return node;
  }

  private skipWs(): void {
    while (this.i < this.s.length && WS.test(this.s[this.i])) this.i++;
  }

  /** The keyword at the cursor (a whole word, any case), without consuming it. */
  private keyword(): string | null {
    const m = /(and|or|not)(?=[\s()"]|$)/iy;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    return r ? r[1].toLowerCase() : null;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new QueryError(`too deeply nested (more than ${MAX_DEPTH} levels)`, this.i);
  }

  private parseOr(): QueryNode {
    this.enter();
    const pos = this.i;
    const items = [this.parseAnd()];
    for (;;) {
      this.skipWs();
      if (this.keyword() !== "or") break;
      const at = this.i;
      this.i += 2;
      this.skipWs();
      if (this.atEndOfExpression()) throw new QueryError("expected a term after `or`", at + 2);
      items.push(this.parseAnd());
    }
    this.depth--;
    return items.length === 1 ? items[0] : { type: "or", items, pos };
  }

  private atEndOfExpression(): boolean {
    return this.i >= this.s.length || this.s[this.i] === ")";
  }

  private parseAnd(): QueryNode {
    const pos = this.i;
    const items = [this.parseUnary()];
    for (;;) {
      this.skipWs();
      if (this.atEndOfExpression()) break;
      const kw = this.keyword();
      if (kw === "or") break;
      if (kw === "and") {
        const at = this.i;
        this.i += 3;
        this.skipWs();
        if (this.atEndOfExpression() || this.keyword() === "or" || this.keyword() === "and") throw new QueryError("expected a term after `and`", at + 3);
      }
      items.push(this.parseUnary());
    }
    return items.length === 1 ? items[0] : { type: "and", items, pos };
  }

  private parseUnary(): QueryNode {
    this.skipWs();
    const pos = this.i;
    const kw = this.keyword();
    if (kw === "not") {
      this.i += 3;
      this.skipWs();
      if (this.atEndOfExpression()) throw new QueryError("expected a term after `not`", this.i);
      this.enter();
      const item = this.parseUnary();
      this.depth--;
      return { type: "not", item, pos };
    }
    if (kw === "and" || kw === "or") throw new QueryError(`expected a term before \`${kw}\``, pos);
    if (this.s[this.i] === "-") {
      const next = this.s[this.i + 1];
      if (next === undefined || WS.test(next) || next === ")") throw new QueryError("expected a term after `-`", this.i + 1);
      // `-` negates a field term, a phrase or a group; before a bare word it is part of the word,
      // so that `rm -rf` finds the command (a word is negated with `not`).
      if (next === "(" || next === '"' || this.fieldTermAt(this.i + 1)) {
        this.i++;
        return { type: "not", item: this.parsePrimary(), pos };
      }
    }
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode {
    const pos = this.i;
    const c = this.s[this.i];
    if (c === "(") {
      this.i++;
      this.skipWs();
      if (this.s[this.i] === ")") throw new QueryError("empty parentheses", this.i);
      if (this.i >= this.s.length) throw new QueryError("expected a term after `(`", this.i);
      const inner = this.parseOr();
      this.skipWs();
      if (this.s[this.i] !== ")") throw new QueryError(`missing \`)\` for the \`(\` at ${pos}`, this.i);
      this.i++;
      return inner;
    }
    if (c === ")") throw new QueryError("unbalanced `)`", pos);
    this.countTerm();
    if (c === '"') {
      const value = this.readQuoted();
      return { type: "text", value, quoted: true, wildcard: false, pos };
    }
    FIELD_NAME.lastIndex = this.i;
    const name = FIELD_NAME.exec(this.s);
    if (name) {
      const after = this.i + name[0].length;
      if (this.s[after] === ":") {
        this.i = after + 1;
        return this.parseFieldValue(name[0], pos);
      }
      COMPARE.lastIndex = after;
      const op = COMPARE.exec(this.s);
      if (op) {
        this.i = after + op[0].length;
        return this.parseCompare(name[0], pos, op[0] as CompareOp);
      }
    }
    const word = this.readBare();
    if (word === "") throw new QueryError(`unexpected \`${c}\``, pos);
    return { type: "text", value: word, quoted: false, wildcard: word.includes("*"), pos };
  }

  /** A field name followed by `:` or a comparison at `at`. */
  private fieldTermAt(at: number): boolean {
    FIELD_NAME.lastIndex = at;
    const name = FIELD_NAME.exec(this.s);
    if (!name) return false;
    const after = at + name[0].length;
    if (this.s[after] === ":") return true;
    COMPARE.lastIndex = after;
    return COMPARE.exec(this.s) !== null;
  }

  private countTerm(): void {
    if (++this.terms > MAX_TERMS) throw new QueryError(`too many terms (more than ${MAX_TERMS})`, this.i);
  }

  /** A bare word: everything up to whitespace, a parenthesis or a quote. */
  private readBare(): string {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (WS.test(c) || c === "(" || c === ")") break;
      if (c === '"') throw new QueryError("unexpected `\"` inside a word (quote the whole value)", this.i);
      this.i++;
    }
    return this.s.slice(start, this.i);
  }

  /** A quoted phrase at the cursor; `\"` and `\\` are escapes, any other backslash is literal. */
  private readQuoted(): string {
    const start = this.i;
    this.i++;
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\" && (this.s[this.i + 1] === '"' || this.s[this.i + 1] === "\\")) {
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      out += c;
      this.i++;
    }
    throw new QueryError("unterminated quoted phrase (missing `\"`) starting", start);
  }

  /** A single value at the cursor (quoted or bare), or an error naming what it follows. */
  private readValue(after: string): { value: string; quoted: boolean } {
    const c = this.s[this.i];
    if (c === undefined || WS.test(c) || c === ")") throw new QueryError(`expected a value after \`${after}\``, this.i);
    if (c === '"') return { value: this.readQuoted(), quoted: true };
    if (c === "(") throw new QueryError(`unexpected \`(\` after \`${after}\``, this.i);
    return { value: this.readBare(), quoted: false };
  }

  private parseCompare(field: string, pos: number, op: CompareOp): QueryNode {
    const { value } = this.readValue(`${field}${op}`);
    return { type: "compare", field, fieldPos: pos, op, value, pos };
  }

  private parseFieldValue(field: string, pos: number): QueryNode {
    const c = this.s[this.i];
    if (c === "(") return this.parseValueList(field, pos);
    if (c === "[") return this.parseRange(field, pos);
    COMPARE.lastIndex = this.i;
    const op = COMPARE.exec(this.s);
    if (op) {
      this.i += op[0].length;
      return this.parseCompare(field, pos, op[0] as CompareOp);
    }
    const { value, quoted } = this.readValue(`${field}:`);
    return { type: "match", field, fieldPos: pos, value, quoted, wildcard: !quoted && value.includes("*"), pos };
  }

  /** field:(a or b or "c d"): any of the values. */
  private parseValueList(field: string, pos: number): QueryNode {
    const open = this.i;
    this.i++;
    const items: QueryNode[] = [];
    for (;;) {
      this.skipWs();
      const at = this.i;
      if (this.s[this.i] === ")" && items.length > 0) throw new QueryError("expected a value after `or`", at);
      const { value, quoted } = this.readValue(items.length === 0 ? `${field}:(` : "or");
      if (items.length > 0) this.countTerm();
      items.push({ type: "match", field, fieldPos: pos, value, quoted, wildcard: !quoted && value.includes("*"), pos: at });
      this.skipWs();
      if (this.s[this.i] === ")") {
        this.i++;
        break;
      }
      if (this.keyword() === "or") {
        this.i += 2;
        continue;
      }
      if (this.i >= this.s.length) throw new QueryError(`missing \`)\` for the \`(\` at ${open}`, this.i);
      throw new QueryError("expected `or` or `)` between values", this.i);
    }
    return items.length === 1 ? items[0] : { type: "or", items, pos };
  }

  /** field:[from TO to], `*` for an open side. */
  private parseRange(field: string, pos: number): QueryNode {
    this.i++;
    this.skipWs();
    const from = this.readRangeBound(`${field}:[`);
    this.skipWs();
    const to = /TO(?=\s)/iy;
    to.lastIndex = this.i;
    if (!to.exec(this.s)) throw new QueryError("expected `TO` in a range", this.i);
    this.i += 2;
    this.skipWs();
    const upper = this.readRangeBound("TO");
    this.skipWs();
    if (this.s[this.i] !== "]") throw new QueryError("expected `]` to close the range", this.i);
    this.i++;
    if (from === null && upper === null) throw new QueryError("a range needs at least one bound", pos);
    return { type: "range", field, fieldPos: pos, from, to: upper, pos };
  }

  private readRangeBound(after: string): string | null {
    const c = this.s[this.i];
    if (c === undefined || WS.test(c) || c === "]") throw new QueryError(`expected a value after \`${after}\``, this.i);
    if (c === '"') return this.readQuoted();
    const start = this.i;
    while (this.i < this.s.length && !WS.test(this.s[this.i]) && this.s[this.i] !== "]") this.i++;
    const v = this.s.slice(start, this.i);
    return v === "*" ? null : v;
  }
}

/** The query's tree, or null for an empty query. Throws QueryError (and nothing else) for a bad query. */
export function parseQuery(query: string): QueryNode | null {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError(`the query is longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  try {
    return new Parser(query).parse();
  } catch (e) {
    if (e instanceof QueryError) throw e;
    // A bug here must still reach the analyst as a query error, never as a crash of the page.
    throw new QueryError("the query could not be read", 0);
  }
}

/** Parses without throwing: the tree, or the error (for the query bar). */
export function tryParseQuery(query: string): { ok: true; node: QueryNode | null } | { ok: false; error: QueryError } {
  try {
    return { ok: true, node: parseQuery(query) };
  } catch (e) {
    return { ok: false, error: e instanceof QueryError ? e : new QueryError("the query could not be read", 0) };
  }
}

/** Every field-term in the tree, in order (for the field check and autocomplete). */
export function fieldTerms(node: QueryNode | null): Array<Extract<QueryNode, { field: string }>> {
  if (!node) return [];
  switch (node.type) {
    case "and":
    case "or":
      return node.items.flatMap(fieldTerms);
    case "not":
      return fieldTerms(node.item);
    case "text":
      return [];
    default:
      return [node];
  }
}
