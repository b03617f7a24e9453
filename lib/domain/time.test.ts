import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, splitWindow, type TimeWindow } from "./time";

const inWindow = (t: number, w: TimeWindow) => (!w.from || t >= w.from.getTime()) && (!w.to || t < w.to.getTime());

describe("splitWindow", () => {
  it("puts every instant of the window in exactly one piece, with the whole units aligned", () => {
    const ms = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 20) });
    fc.assert(
      fc.property(fc.option(ms, { nil: undefined }), fc.option(ms, { nil: undefined }), fc.constantFrom(HOUR_MS, DAY_MS), fc.array(ms, { minLength: 1, maxLength: 20 }), (a, b, unit, instants) => {
        const window: TimeWindow = { from: a === undefined ? undefined : new Date(a), to: b === undefined ? undefined : new Date(b) };
        const { whole, edges } = splitWindow(window, unit);
        const pieces = whole ? [whole, ...edges] : edges;
        for (const t of instants) expect(pieces.filter((p) => inWindow(t, p)).length).toBe(inWindow(t, window) ? 1 : 0);
        if (whole) for (const end of [whole.from, whole.to]) if (end) expect(end.getTime() % unit).toBe(0);
        for (const e of edges) if (whole && e.from && e.to) expect(e.to.getTime() - e.from.getTime()).toBeLessThan(unit);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a window inside one unit whole, as one edge", () => {
    const w = { from: new Date(Date.UTC(2026, 0, 1, 5, 10)), to: new Date(Date.UTC(2026, 0, 1, 5, 50)) };
    expect(splitWindow(w, HOUR_MS)).toEqual({ edges: [w] });
    expect(splitWindow({ from: new Date(Date.UTC(2026, 0, 1, 5)), to: new Date(Date.UTC(2026, 0, 1, 7)) }, HOUR_MS))
      .toEqual({ whole: { from: new Date(Date.UTC(2026, 0, 1, 5)), to: new Date(Date.UTC(2026, 0, 1, 7)) }, edges: [] });
  });
});
