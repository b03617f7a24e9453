// The smallest and largest of many numbers. Math.min(...values) passes every value as an
// argument and throws RangeError past the engine's argument limit (about 100k in V8): a prompt
// or trace of that many events must not break its page.

/** { min, max } of the values (NaN skipped), or null when there are none. */
export function extent(values: Iterable<number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? null : { min, max };
}
