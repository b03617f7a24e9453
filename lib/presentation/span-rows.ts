import type { ApiSpan } from "@/lib/queries/traces";
import { extent } from "@/lib/util/extent";

// A span tree as rows for display: depth-first order with depth, computed with an explicit
// stack so a deep or degenerate trace cannot overflow the call stack.

export type SpanRow = Omit<ApiSpan, "children"> & { depth: number; childCount: number; offsetMs: number };

export function flattenSpanTree(roots: ApiSpan[]): SpanRow[] {
  const starts: number[] = [];
  const stack: { span: ApiSpan; depth: number }[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ span: roots[i], depth: 0 });
  const visit: { span: ApiSpan; depth: number }[] = [];
  while (stack.length) {
    const item = stack.pop()!;
    visit.push(item);
    starts.push(Date.parse(item.span.startTime));
    const kids = item.span.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: item.depth + 1 });
  }
  const t0 = extent(starts)?.min ?? 0;
  return visit.map(({ span, depth }) => {
    const { children, ...rest } = span;
    return { ...rest, depth, childCount: children.length, offsetMs: Date.parse(span.startTime) - t0 };
  });
}
