import { describe, expect, it } from "vitest";
import { completionContext, suggestionsFor, type QueryField } from "./query-completion";

const fields: QueryField[] = [
  { name: "tool", type: "text", description: "Tool name" },
  { name: "mcp_server", type: "text" },
  { name: "mcp_tool", type: "text" },
  { name: "cost", type: "number" },
];
const values = { tool: ["Bash", "Edit", "WebFetch", "mcp__github__create_issue"] };

describe("completionContext", () => {
  it("finds the term under the caret, its field and what is typed of the value", () => {
    expect(completionContext("source:cowork too", 17)).toEqual({ start: 14, end: 17, negated: false, prefix: "too" });
    expect(completionContext("(a or -tool:Ba) x", 14)).toEqual({ start: 6, end: 14, negated: true, field: "tool", prefix: "Ba" });
    expect(completionContext("tool:Bash x", 2)).toEqual({ start: 0, end: 9, negated: false, prefix: "to" });
  });

  it("keeps the spaces of a quoted value inside the term", () => {
    const text = 'path:"my dir/fi x';
    expect(completionContext(text, text.length)).toEqual({ start: 0, end: text.length, negated: false, field: "path", prefix: "my dir/fi x" });
    expect(completionContext('a "b c" d', 9)).toEqual({ start: 8, end: 9, negated: false, prefix: "d" });
  });
});

describe("suggestionsFor", () => {
  it("offers fields by prefix first, then by substring, with their type", () => {
    expect(suggestionsFor(completionContext("tool", 4), fields, values).map((s) => s.value)).toEqual(["tool", "mcp_tool"]);
    expect(suggestionsFor(completionContext("mc", 2), fields, values)[0]).toEqual({ kind: "field", value: "mcp_server", type: "text", description: undefined });
  });

  it("offers the field's known values, case-insensitively, without the one already typed in full", () => {
    expect(suggestionsFor(completionContext("tool:", 5), fields, values).map((s) => s.value)).toEqual(["Bash", "Edit", "WebFetch", "mcp__github__create_issue"]);
    expect(suggestionsFor(completionContext("tool:web", 8), fields, values).map((s) => s.value)).toEqual(["WebFetch"]);
    expect(suggestionsFor(completionContext("tool:Bash", 9), fields, values)).toEqual([]);
    expect(suggestionsFor(completionContext("model:x", 7), fields, values)).toEqual([]);
  });
});
