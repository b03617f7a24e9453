import { describe, expect, it } from "vitest";
import { buildSpanTree } from "./traces";

// The span tree as the trace page and GET /api/v1/traces/{id} show it: every stored span exactly
// once, whatever parent ids the sender wrote.

interface Node {
  spanId: string;
  parentSpanId: string | null;
  startTime: string;
  children: Node[];
}

const span = (spanId: string, parentSpanId: string | null, second: number): Node => ({
  spanId,
  parentSpanId,
  startTime: `2026-12-03T10:00:${String(second).padStart(2, "0")}.000Z`,
  children: [],
});

/** Span ids in depth-first order with their depth, iteratively (a loop would never end). */
function outline(roots: Node[]): string[] {
  const out: string[] = [];
  const stack = [...roots].reverse().map((n) => ({ n, depth: 0 }));
  while (stack.length > 0 && out.length < 100) {
    const { n, depth } = stack.pop()!;
    out.push(`${"  ".repeat(depth)}${n.spanId}`);
    for (const c of [...n.children].reverse()) stack.push({ n: c, depth: depth + 1 });
  }
  return out;
}

describe("buildSpanTree", () => {
  it("nests children under parents by start time; a missing or self parent makes a root", () => {
    const roots = buildSpanTree([span("child2", "root", 3), span("root", null, 1), span("child1", "root", 2), span("orphan", "gone", 0), span("self", "self", 4)]);
    expect(outline(roots)).toEqual(["orphan", "root", "  child1", "  child2", "self"]);
  });

  it("keeps every span of a parent loop, cut at the loop's earliest span", () => {
    const spans = [
      span("root", null, 0),
      span("kid", "root", 1),
      span("b", "a", 2), // a ⇄ b, and c hangs below a
      span("a", "b", 3),
      span("c", "a", 4),
      span("x", "z", 5), // x → z → y → x
      span("y", "x", 7),
      span("z", "y", 6),
    ];
    const roots = buildSpanTree(spans);
    expect(outline(roots)).toEqual(["root", "  kid", "b", "  a", "    c", "x", "  y", "    z"]);
    expect(() => JSON.stringify(roots)).not.toThrow();
  });
});
