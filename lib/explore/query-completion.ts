// What the query bar offers at the caret: field names while a term is being typed, the field's
// known values after `field:`. Pure (no React), so it is tested on its own.

export interface QueryField {
  /** As typed in the query: `tool`, `mcp_server`, `cost`. */
  name: string;
  /** text, number, time, bool… (shown beside the name). */
  type: string;
  description?: string;
}

export type Suggestion =
  | { kind: "field"; value: string; type: string; description?: string }
  | { kind: "value"; value: string; type?: undefined; description?: undefined };

export interface CompletionContext {
  /** The term under the caret spans text[start, end). */
  start: number;
  end: number;
  /** The term starts with `-` (filter out). */
  negated: boolean;
  /** Set once the term has `field:` : its values are offered. */
  field?: string;
  /** What is typed of the field name or of the value (unquoted). */
  prefix: string;
}

const BOUNDARY = /[\s()]/;

/** The term around the caret: from the last space or parenthesis before it to the next one after it. */
export function completionContext(text: string, caret: number): CompletionContext {
  const at = Math.max(0, Math.min(caret, text.length));
  // Spaces inside a quoted value belong to the value, so scan from the start with the quote state.
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < at; i++) {
    if (text[i] === "\\" && inQuote) i++;
    else if (text[i] === '"') inQuote = !inQuote;
    else if (!inQuote && BOUNDARY.test(text[i])) start = i + 1;
  }
  let end = at;
  if (inQuote) {
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    end = Math.min(text.length, end + 1);
  } else {
    while (end < text.length && !BOUNDARY.test(text[end])) end++;
  }
  let term = text.slice(start, at);
  const negated = term.startsWith("-");
  if (negated) term = term.slice(1);
  const colon = term.indexOf(":");
  if (colon < 0) return { start, end, negated, prefix: term };
  const field = term.slice(0, colon);
  const prefix = term.slice(colon + 1).replace(/^"/, "").replace(/\\(.)/g, "$1");
  return { start, end, negated, field, prefix };
}

/** Suggestions for the context: fields whose name starts with (then contains) the prefix, or the field's values. */
export function suggestionsFor(ctx: CompletionContext, fields: QueryField[], values: Record<string, string[]>): Suggestion[] {
  const p = ctx.prefix.toLowerCase();
  if (ctx.field !== undefined) {
    const known = values[ctx.field.toLowerCase()] ?? [];
    const starts = known.filter((v) => v.toLowerCase().startsWith(p));
    const contains = p ? known.filter((v) => !v.toLowerCase().startsWith(p) && v.toLowerCase().includes(p)) : [];
    return [...starts, ...contains].filter((v) => v !== ctx.prefix).map((value) => ({ kind: "value", value }));
  }
  // A bare word may be free text: only offer fields once something is typed, or on an empty query.
  const starts = fields.filter((f) => f.name.toLowerCase().startsWith(p));
  const contains = p ? fields.filter((f) => !f.name.toLowerCase().startsWith(p) && f.name.toLowerCase().includes(p)) : [];
  return [...starts, ...contains].map((f) => ({ kind: "field", value: f.name, type: f.type, description: f.description }));
}
