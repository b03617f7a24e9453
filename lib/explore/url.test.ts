import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXPLORE_SORTS, type ExploreSort } from "./columns";
import { parseExploreParams } from "./params";
import { exploreHref, type ExploreLink } from "./url";

// Links to the Explorer are written by exploreHref and read by parseExploreParams: whatever a
// page asks for is what the Explorer shows.

const NOW = new Date("2026-11-22T12:00:00Z");

describe("exploreHref", () => {
  it("writes the view's parameters in a fixed order, dates as ISO, and leaves out empty ones", () => {
    const from = new Date("2026-11-20T00:00:00Z");
    const to = new Date("2026-11-21T00:00:00Z");
    expect(exploreHref({ tool: "Bash", decision: "reject", from, to })).toBe(
      "/explore?tool=Bash&decision=reject&from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-21T00%3A00%3A00.000Z",
    );
    expect(exploreHref({ decision: "reject", name: "tool_decision", user: "", source: undefined, success: false })).toBe("/explore?name=tool_decision&decision=reject&success=false");
    expect(exploreHref()).toBe("/explore");
    expect(exploreHref({ user: undefined })).toBe("/explore");
  });

  it("keeps a value whole, whatever characters it holds", () => {
    const user = "a+b@x.example&range=all#top";
    const url = new URL(exploreHref({ user, range: "24h" }), "http://console.invalid");
    expect(url.pathname).toBe("/explore");
    expect(url.hash).toBe("");
    expect([...url.searchParams]).toEqual([["user", user], ["range", "24h"]]);
  });

  it("writes a console window as its preset, or as its bounds", () => {
    expect(exploreHref({ source: "cowork", window: { id: "7d", from: new Date(0), to: NOW } })).toBe("/explore?source=cowork&range=7d");
    expect(exploreHref({ window: { id: "custom", from: new Date("2026-11-20T00:00:00Z"), to: undefined } })).toBe("/explore?from=2026-11-20T00%3A00%3A00.000Z");
  });

  it("takes the page's own parameters as they are", () => {
    expect(exploreHref(new URLSearchParams([["sort", "cost_usd"], ["cursor", "abc"]]))).toBe("/explore?sort=cost_usd&cursor=abc");
    expect(exploreHref(new URLSearchParams())).toBe("/explore");
  });

  it("the Explorer reads back exactly the view a link asks for", () => {
    const text = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => s.trim() === s && s !== "");
    const time = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true });
    const sorts = Object.keys(EXPLORE_SORTS) as ExploreSort[];
    const view: fc.Arbitrary<ExploreLink> = fc.record(
      {
        source: text, name: text, user: text, tool: text, mcpServer: text, decisionSource: text, decision: text,
        success: fc.boolean(), from: time, to: time, sort: fc.constantFrom(...sorts), dir: fc.constantFrom("asc" as const, "desc" as const),
        limit: fc.integer({ min: 1, max: 500 }), cursor: fc.base64String({ minLength: 4, maxLength: 40 }).map((s) => s.replace(/=+$/, "") || "abcd"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(view, (v) => {
        const { query } = parseExploreParams(new URL(exploreHref(v), "http://console.invalid").searchParams, NOW);
        for (const key of ["source", "name", "user", "tool", "mcpServer", "decisionSource", "decision", "success", "cursor", "limit", "sort"] as const) {
          if (v[key] !== undefined) expect(query[key]).toEqual(v[key]);
        }
        if (v.dir !== undefined) expect(query.dir).toBe(v.dir);
        if (v.from !== undefined) expect(query.from).toEqual(v.from);
        if (v.to !== undefined) expect(query.to).toEqual(v.to);
      }),
      { numRuns: 500 },
    );
  });
});
