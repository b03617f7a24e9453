import { describe, expect, it } from "vitest";
import { extent } from "./extent";

describe("extent", () => {
  it("handles 200,000 values, where Math.min(...values) throws", () => {
    const times = Array.from({ length: 200_000 }, (_, i) => 1_796_000_000_000 + ((i * 7919) % 200_000));
    expect(() => Math.min(...times)).toThrow(RangeError);
    expect(extent(times)).toEqual({ min: 1_796_000_000_000, max: 1_796_000_199_999 });
  });

  it("returns null for no values and skips NaN", () => {
    expect(extent([])).toBeNull();
    expect(extent([NaN])).toBeNull();
    expect(extent([3, NaN, -1])).toEqual({ min: -1, max: 3 });
  });
});
