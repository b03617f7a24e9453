import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuery, QueryError, tryParseQuery, type QueryNode } from "./parse";
import { quoteValue, termFor, withTerm, type PivotField } from "./terms";

/** The tree without positions, to compare shapes. */
function shape(n: QueryNode | null): unknown {
  if (!n) return null;
  switch (n.type) {
    case "and":
    case "or":
      return { [n.type]: n.items.map(shape) };
    case "not":
      return { not: shape(n.item) };
    case "match":
      return { match: [n.field, n.value, ...(n.quoted ? ["quoted"] : []), ...(n.wildcard ? ["wildcard"] : [])] };
    case "compare":
      return { compare: [n.field, n.op, n.value] };
    case "range":
      return { range: [n.field, n.from, n.to] };
    case "text":
      return { text: [n.value, ...(n.quoted ? ["quoted"] : []), ...(n.wildcard ? ["wildcard"] : [])] };
  }
}
const p = (q: string) => shape(parseQuery(q));

function errorOf(q: string): QueryError {
  try {
    parseQuery(q);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError);
    return e as QueryError;
  }
  throw new Error(`no error for ${q}`);
}

describe("parseQuery: rules", () => {
  it("empty and blank queries match everything (null)", () => {
    expect(parseQuery("")).toBeNull();
    expect(parseQuery("   \t")).toBeNull();
  });

  it("field:value", () => {
    expect(p("tool:Bash")).toEqual({ match: ["tool", "Bash"] });
    expect(p("url:https://example.com/a?b=c")).toEqual({ match: ["url", "https://example.com/a?b=c"] });
    expect(p("attr.gen_ai.request.model:claude-x")).toEqual({ match: ["attr.gen_ai.request.model", "claude-x"] });
  });

  it("field:*wild*card* (bare) is a wildcard; a quoted value is literal", () => {
    expect(p("command:*curl*")).toEqual({ match: ["command", "*curl*", "wildcard"] });
    expect(p('command:"*curl*"')).toEqual({ match: ["command", "*curl*", "quoted"] });
  });

  it('field:"quoted phrase" with escapes', () => {
    expect(p('command:"rm -rf /tmp"')).toEqual({ match: ["command", "rm -rf /tmp", "quoted"] });
    expect(p('path:"a \\"b\\" \\\\c"')).toEqual({ match: ["path", 'a "b" \\c', "quoted"] });
    expect(p('path:"C:\\Users"')).toEqual({ match: ["path", "C:\\Users", "quoted"] });
  });

  it("-field:value and not", () => {
    expect(p("-decision:accept")).toEqual({ not: { match: ["decision", "accept"] } });
    expect(p("not decision:accept")).toEqual({ not: { match: ["decision", "accept"] } });
    expect(p("NOT (a or b)")).toEqual({ not: { or: [{ text: ["a"] }, { text: ["b"] }] } });
    expect(p('-"rm -rf"')).toEqual({ not: { text: ["rm -rf", "quoted"] } });
    expect(p("-(a b)")).toEqual({ not: { and: [{ text: ["a"] }, { text: ["b"] }] } });
    expect(p("-cost>5")).toEqual({ not: { compare: ["cost", ">", "5"] } });
  });

  it("implicit AND, explicit and/or, or binds looser than and", () => {
    expect(p("tool:Bash decision:reject")).toEqual({ and: [{ match: ["tool", "Bash"] }, { match: ["decision", "reject"] }] });
    expect(p("a AND b")).toEqual({ and: [{ text: ["a"] }, { text: ["b"] }] });
    expect(p("a b or c")).toEqual({ or: [{ and: [{ text: ["a"] }, { text: ["b"] }] }, { text: ["c"] }] });
    expect(p("a or b c")).toEqual({ or: [{ text: ["a"] }, { and: [{ text: ["b"] }, { text: ["c"] }] }] });
  });

  it("parentheses group", () => {
    expect(p("(tool:Bash or tool:Read) -decision:accept")).toEqual({
      and: [{ or: [{ match: ["tool", "Bash"] }, { match: ["tool", "Read"] }] }, { not: { match: ["decision", "accept"] } }],
    });
    expect(p("((a))")).toEqual({ text: ["a"] });
  });

  it("comparisons: > >= < <= and field:>value", () => {
    expect(p("cost>0.05")).toEqual({ compare: ["cost", ">", "0.05"] });
    expect(p("duration_ms<=100")).toEqual({ compare: ["duration_ms", "<=", "100"] });
    expect(p("time>=2026-12-01")).toEqual({ compare: ["time", ">=", "2026-12-01"] });
    expect(p("tokens<5")).toEqual({ compare: ["tokens", "<", "5"] });
    expect(p("cost:>=1")).toEqual({ compare: ["cost", ">=", "1"] });
  });

  it("ranges [a TO b], open with *", () => {
    expect(p("cost:[0.01 TO 0.05]")).toEqual({ range: ["cost", "0.01", "0.05"] });
    expect(p("time:[2026-12-01 to *]")).toEqual({ range: ["time", "2026-12-01", null] });
  });

  it("free text: bare words and quoted phrases", () => {
    expect(p("secrets/prod.env")).toEqual({ text: ["secrets/prod.env"] });
    expect(p('"rm -rf"')).toEqual({ text: ["rm -rf", "quoted"] });
    expect(p("*curl*")).toEqual({ text: ["*curl*", "wildcard"] });
    expect(p("alice@example.com")).toEqual({ text: ["alice@example.com"] });
    // a dash before a bare word is part of the word: `rm -rf` finds the command's two words
    expect(p("rm -rf")).toEqual({ and: [{ text: ["rm"] }, { text: ["-rf"] }] });
    expect(p("not rf")).toEqual({ not: { text: ["rf"] } });
  });

  it("field:(a or b)", () => {
    expect(p('tool:(Bash or "Web Fetch")')).toEqual({ or: [{ match: ["tool", "Bash"] }, { match: ["tool", "Web Fetch", "quoted"] }] });
    expect(p("tool:(Bash)")).toEqual({ match: ["tool", "Bash"] });
  });

  it("keywords are whole words only; a value named like a keyword is a value", () => {
    expect(p("android ornate")).toEqual({ and: [{ text: ["android"] }, { text: ["ornate"] }] });
    expect(p("decision:or")).toEqual({ match: ["decision", "or"] });
  });

  it("positions point into the query", () => {
    const n = parseQuery("a  -tool:Bash");
    expect(n?.type).toBe("and");
    if (n?.type !== "and") return;
    expect(n.items[1].pos).toBe(3);
    const inner = n.items[1].type === "not" ? n.items[1].item : null;
    expect(inner?.type === "match" && inner.fieldPos).toBe(4);
  });
});

describe("parseQuery: errors with a position", () => {
  it.each([
    ["tool:", "expected a value after `tool:` at 5"],
    ["-tool: x", "expected a value after `tool:` at 6"],
    ["cost>", "expected a value after `cost>` at 5"],
    ['"abc', "unterminated quoted phrase (missing `\"`) starting at 0"],
    ["(a or b", "missing `)` for the `(` at 0 at 7"],
    ["a)", "unbalanced `)` at 1"],
    ["a or", "expected a term after `or` at 4"],
    ["a and", "expected a term after `and` at 5"],
    ["or a", "expected a term before `or` at 0"],
    ["not", "expected a term after `not` at 3"],
    ["a -", "expected a term after `-` at 3"],
    ["()", "empty parentheses at 1"],
    ["cost:[1 2]", "expected `TO` in a range at 8"],
    ["cost:[1 TO 2", "expected `]` to close the range at 12"],
    ["cost:[* TO *]", "a range needs at least one bound at 0"],
    ["tool:(a b)", "expected `or` or `)` between values at 8"],
    ['ab"c"', 'unexpected `"` inside a word (quote the whole value) at 2'],
  ])("%s → %s", (q, message) => {
    expect(errorOf(q).message).toBe(message);
  });

  it("depth and length are bounded (no stack overflow, no runaway)", () => {
    expect(errorOf("(".repeat(5000) + "a" + ")".repeat(5000)).message).toMatch(/too deeply nested|longer than/);
    expect(errorOf("(".repeat(100) + "a" + ")".repeat(100)).message).toMatch(/too deeply nested/);
    expect(errorOf("not ".repeat(100) + "a").message).toMatch(/too deeply nested/);
    expect(errorOf("a ".repeat(300)).message).toMatch(/too many terms/);
  });

  it("never throws anything but a QueryError (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."ab:()\"\\-*[]<>=TOorandnot .").map(String), maxLength: 40 }), (q) => {
        const r = tryParseQuery(q);
        if (!r.ok) expect(r.error).toBeInstanceOf(QueryError);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("round trip with lib/query/terms.ts", () => {
  const fields: PivotField[] = ["tool", "command", "path", "url", "user", "decision", "source", "session", "prompt", "mcp_tool"];

  it("termFor(field, any string) parses back to exactly that value", () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string({ maxLength: 60 }), fc.constantFrom("include" as const, "exclude" as const), (field, value, mode) => {
        const node = parseQuery(termFor(field, value, mode));
        const term = mode === "exclude" && node?.type === "not" ? node.item : node;
        if (mode === "exclude") expect(node?.type).toBe("not");
        expect(term).toMatchObject({ type: "match", field, value, wildcard: false });
      }),
      { numRuns: 3000 },
    );
  });

  it("withTerm keeps the existing query and adds the term with AND", () => {
    const q = withTerm("tool:Bash or tool:Read", termFor("decision", "reject", "exclude"));
    expect(p(q)).toEqual({ and: [{ or: [{ match: ["tool", "Bash"] }, { match: ["tool", "Read"] }] }, { not: { match: ["decision", "reject"] } }] });
    expect(quoteValue("and")).toBe('"and"');
  });
});
