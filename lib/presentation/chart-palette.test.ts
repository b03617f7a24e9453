import { describe, expect, it } from "vitest";
import { DECISION_SOURCES } from "@/lib/domain/vocabulary";
import { contrastRatio, deltaE } from "@/lib/presentation/contrast";
import { CHART_SURFACE, CHART_TEXT, DECISION_SOURCE_COLORS, READ_WRITE_COLORS } from "./chart-palette";

// The approvals charts must be readable: legend text at 4.5:1, swatches at 3:1, in both themes,
// and no two decision sources that look alike.

describe("chart palette", () => {
  it("computes WCAG contrast as the specification's examples give it", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });

  it("has legend text at 4.5:1 or more on the card, light and dark", () => {
    expect(contrastRatio(CHART_TEXT.light, CHART_SURFACE.light)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(CHART_TEXT.dark, CHART_SURFACE.dark)).toBeGreaterThanOrEqual(4.5);
  });

  it("gives every decision source a colour at 3:1 or more on the card, light and dark", () => {
    for (const source of DECISION_SOURCES) {
      const colour = DECISION_SOURCE_COLORS[source];
      expect(colour, source).toBeDefined();
      expect(contrastRatio(colour, CHART_SURFACE.light), `${source} on light`).toBeGreaterThanOrEqual(3);
      expect(contrastRatio(colour, CHART_SURFACE.dark), `${source} on dark`).toBeGreaterThanOrEqual(3);
    }
    for (const colour of Object.values(READ_WRITE_COLORS)) {
      expect(contrastRatio(colour, CHART_SURFACE.light)).toBeGreaterThanOrEqual(3);
      expect(contrastRatio(colour, CHART_SURFACE.dark)).toBeGreaterThanOrEqual(3);
    }
  });

  it("keeps every two decision sources apart (ΔE ≥ 25), “dismissed” and “always allow” included", () => {
    expect(deltaE(DECISION_SOURCE_COLORS.user_abort, DECISION_SOURCE_COLORS.user_permanent)).toBeGreaterThanOrEqual(25);
    for (const a of DECISION_SOURCES) {
      for (const b of DECISION_SOURCES) {
        if (a < b) expect(deltaE(DECISION_SOURCE_COLORS[a], DECISION_SOURCE_COLORS[b]), `${a} vs ${b}`).toBeGreaterThanOrEqual(25);
      }
    }
    expect(deltaE(READ_WRITE_COLORS.read, READ_WRITE_COLORS.write)).toBeGreaterThanOrEqual(25);
  });
});
