// Writing query-language terms (the reader is lib/query/parse.ts): how a pivot ("filter for",
// "filter out") turns a field and a value into text the parser reads back as exactly that value.
// CONTRACT shared by the query language, the Explorer and every pivot in the console.

/** Query-language field names a pivot may use; the query language maps each to registry fields. */
export type PivotField =
  | "tool" | "command" | "path" | "url" | "mcp_server" | "mcp_tool" | "decision" | "source" | "user"
  | "model" | "session" | "prompt" | "event" | "mode" | "skill" | "agent" | "trace" | "status" | "app";

const BARE_VALUE = /^[A-Za-z0-9_.@\/:+-]+$/;

/** A value as the parser reads it: bare when it is one plain word, else a quoted phrase with `\"` and `\\` escaped. */
export function quoteValue(value: string): string {
  if (BARE_VALUE.test(value) && !/^(and|or|not)$/i.test(value)) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `field:value` (include) or `-field:value` (exclude). */
export function termFor(field: PivotField, value: string, mode: "include" | "exclude" = "include"): string {
  return `${mode === "exclude" ? "-" : ""}${field}:${quoteValue(value)}`;
}

/** The query with one more term, joined by AND (a query with `or` at its top is parenthesized first). */
export function withTerm(query: string | undefined, term: string): string {
  const q = (query ?? "").trim();
  if (!q) return term;
  return /\bor\b/i.test(q) ? `(${q}) ${term}` : `${q} ${term}`;
}
