import { describe, expect, it } from "vitest";
import { ageText, parseStoredRange, parseTimeParam, rangeQuery, rangeTarget, smallestPresetHolding, timeWindow, windowPhrase } from "./time-range";

const NOW = new Date("2026-12-04T12:00:00.000Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

describe("timeWindow", () => {
  it("reads presets, old string form included, and defaults to the last 7 days", () => {
    expect(timeWindow("30d", NOW)).toEqual({ id: "30d", label: "Last 30 days", from: days(30), to: undefined });
    expect(timeWindow({ range: "24h" }, NOW).from).toEqual(days(1));
    expect(timeWindow({ range: "all" }, NOW)).toMatchObject({ id: "all", from: undefined, to: undefined });
    expect(timeWindow(undefined, NOW)).toEqual({ id: "7d", label: "Last 7 days", from: days(7), to: undefined });
    expect(timeWindow({}, NOW).error).toBeUndefined();
  });

  it("takes absolute from/to (ISO with a zone, or UTC as a datetime-local input sends it) over a preset", () => {
    const w = timeWindow({ range: "7d", from: "2026-11-20T08:00", to: "2026-11-22T10:00:00+02:00" }, NOW);
    expect(w).toEqual({
      id: "custom",
      label: "2026-11-20 08:00 UTC → 2026-11-22 08:00 UTC",
      from: new Date("2026-11-20T08:00:00Z"),
      to: new Date("2026-11-22T08:00:00Z"),
    });
    expect(timeWindow({ from: "2026-11-20" }, NOW)).toMatchObject({ id: "custom", label: "Since 2026-11-20 00:00 UTC", to: undefined });
    expect(timeWindow({ to: "2026-11-20T00:00:00Z" }, NOW)).toMatchObject({ id: "custom", from: undefined });
  });

  it("never throws on bad input: it falls back and says why", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ from: "2026-11-22T10:00Z", to: "2026-11-20T10:00Z" }, /From must be before To/],
      [{ from: "2026-11-22T10:00Z", to: "2026-11-22T10:00Z" }, /From must be before To/],
      [{ from: "yesterday" }, /From “yesterday” is not a time/],
      [{ to: "2026-02-31" }, /To “2026-02-31” is not a time/],
      [{ from: "2026-02-30T10:00:00Z" }, /is not a time/],
      [{ range: "1y" }, /“1y” is not a time range/],
      [{ range: "custom" }, /needs From or To/],
      [{ from: "99999999999999999999" }, /is not a time/],
    ];
    for (const [input, message] of cases) {
      const w = timeWindow(input, NOW);
      expect(w.error, JSON.stringify(input)).toMatch(message);
      expect(w.id).toBe("7d");
      expect(w.error).toMatch(/Showing last 7 days instead\.$/);
    }
    // A bad bound keeps a valid preset.
    expect(timeWindow({ range: "30d", from: "x" }, NOW)).toMatchObject({ id: "30d", from: days(30) });
  });

  it("rebuilds the URL of a window", () => {
    expect(rangeQuery(timeWindow("24h", NOW))).toBe("range=24h");
    expect(rangeQuery(timeWindow({ from: "2026-11-20 08:00", to: "2026-11-21 08:00" }, NOW))).toBe(
      "from=2026-11-20T08%3A00%3A00.000Z&to=2026-11-21T08%3A00%3A00.000Z",
    );
    const w = timeWindow({ from: "2026-11-20 08:00" }, NOW);
    expect(timeWindow(Object.fromEntries(new URLSearchParams(rangeQuery(w))), NOW)).toEqual(w);
  });
});

describe("older data", () => {
  it("offers the smallest preset that reaches the newest record", () => {
    expect(smallestPresetHolding(days(12), NOW)).toBe("30d");
    expect(smallestPresetHolding(days(6.9), NOW)).toBe("7d");
    expect(smallestPresetHolding(days(30), NOW)).toBe("90d");
    expect(smallestPresetHolding(days(400), NOW)).toBe("all");
    expect(ageText(days(12.7), NOW)).toBe("12 days ago");
    expect(ageText(days(1), NOW)).toBe("1 day ago");
    expect(ageText(new Date(NOW.getTime() - 3 * 3_600_000), NOW)).toBe("3 hours ago");
  });

  it("parses times strictly", () => {
    expect(parseTimeParam("2026-11-01T10:00:00+02:00")?.toISOString()).toBe("2026-11-01T08:00:00.000Z");
    expect(parseTimeParam("2026-11-01T10:00")?.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(parseTimeParam("2026-11-01T10:00:30")?.toISOString()).toBe("2026-11-01T10:00:30.000Z");
    for (const bad of ["2026-02-29", "2026-04-31T10:00", "2026-02-30T10:00:00Z", "now", "2026-11-01T10:00Q"]) expect(parseTimeParam(bad), bad).toBeUndefined();
  });
});

describe("choosing a range", () => {
  it("returns to the same page with the range replaced, never to another site", () => {
    expect(rangeTarget("/explore?source=cowork&range=7d&cursor=abc", [["range", "30d"]])).toBe("/explore?source=cowork&range=30d");
    expect(rangeTarget("/approvals?from=2026-11-01T00:00Z&to=2026-11-02T00:00Z&user=a", [["range", "24h"]])).toBe("/approvals?user=a&range=24h");
    expect(rangeTarget("/", [["from", "2026-11-01T00:00:00.000Z"]])).toBe("/?from=2026-11-01T00%3A00%3A00.000Z");
    for (const hostile of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""]) {
      expect(rangeTarget(hostile, [["range", "7d"]]), hostile).toBe("/?range=7d");
    }
  });

  it("reads a stored choice only when it is a usable range", () => {
    expect(parseStoredRange("range=30d")).toEqual({ range: "30d", from: null, to: null });
    expect(parseStoredRange("from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-02T00%3A00%3A00.000Z")).toMatchObject({ from: "2026-11-01T00:00:00.000Z" });
    for (const bad of [undefined, "", "range=1y", "from=2026-11-02T00:00Z&to=2026-11-01T00:00Z", "garbage"]) expect(parseStoredRange(bad), String(bad)).toBeNull();
    expect([windowPhrase(timeWindow("7d")), windowPhrase(timeWindow("all"))]).toEqual(["the last 7 days", "all time"]);
  });
});
