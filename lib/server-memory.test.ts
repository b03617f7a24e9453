import { describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { serverNodeOptions } from "./server-memory";

const load = (vars: Record<string, string> = {}) => loadConfig({ NODE_ENV: "test", ...vars });

describe("server heap limits (BLINDSPOT_SERVER_HEAP_MB, BLINDSPOT_SERVER_SEMI_SPACE_MB)", () => {
  it("caps the server's heap by default (256 MiB old space, 8 MiB semi-space); the ingest budget defaults to 128 MiB", () => {
    const cfg = load();
    expect(cfg.BLINDSPOT_INGEST_MEMORY_BUDGET_MB).toBe(128);
    expect(cfg.BLINDSPOT_SERVER_HEAP_MB).toBe(256);
    expect(cfg.BLINDSPOT_SERVER_SEMI_SPACE_MB).toBe(8);
    expect(serverNodeOptions(cfg, undefined)).toBe("--max-old-space-size=256 --max-semi-space-size=8");
  });

  it("an unset heap limit follows the ingest budget: room above a larger one, V8's default without one", () => {
    expect(load({ BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "64" }).BLINDSPOT_SERVER_HEAP_MB).toBe(256);
    expect(load({ BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "200" }).BLINDSPOT_SERVER_HEAP_MB).toBe(296);
    const noBudget = load({ BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "0" });
    expect(noBudget.BLINDSPOT_INGEST_MEMORY_BUDGET_MB).toBe(0);
    expect(noBudget.BLINDSPOT_SERVER_HEAP_MB).toBe(0);
    expect(serverNodeOptions(noBudget, undefined)).toBe("--max-semi-space-size=8");
    // An explicit value is kept, and checked against the budget.
    expect(load({ BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "200", BLINDSPOT_SERVER_HEAP_MB: "0" }).BLINDSPOT_SERVER_HEAP_MB).toBe(0);
    expect(() => load({ BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "200", BLINDSPOT_SERVER_HEAP_MB: "256" })).toThrow(/must be at least 296/);
  });

  it("reads the variables; 0 leaves V8's default", () => {
    const cfg = load({ BLINDSPOT_SERVER_HEAP_MB: "512", BLINDSPOT_SERVER_SEMI_SPACE_MB: "0" });
    expect(serverNodeOptions(cfg, undefined)).toBe("--max-old-space-size=512");
    const off = load({ BLINDSPOT_SERVER_HEAP_MB: "0", BLINDSPOT_SERVER_SEMI_SPACE_MB: "0" });
    expect(serverNodeOptions(off, undefined)).toBeUndefined();
    expect(serverNodeOptions(off, "--enable-source-maps")).toBe("--enable-source-maps");
  });

  it("keeps the operator's NODE_OPTIONS and a limit written there", () => {
    const cfg = load({ BLINDSPOT_SERVER_HEAP_MB: "256", BLINDSPOT_SERVER_SEMI_SPACE_MB: "8" });
    expect(serverNodeOptions(cfg, "--enable-source-maps")).toBe("--enable-source-maps --max-old-space-size=256 --max-semi-space-size=8");
    expect(serverNodeOptions(cfg, "--max-old-space-size=1024")).toBe("--max-old-space-size=1024 --max-semi-space-size=8");
    expect(serverNodeOptions(cfg, "--max_semi_space_size=2")).toBe("--max_semi_space_size=2 --max-old-space-size=256");
  });

  it("refuses values that are not non-negative integers", () => {
    expect(() => load({ BLINDSPOT_SERVER_HEAP_MB: "lots" })).toThrow(/BLINDSPOT_SERVER_HEAP_MB: must be a non-negative integer/);
    expect(() => load({ BLINDSPOT_SERVER_SEMI_SPACE_MB: "-1" })).toThrow(/BLINDSPOT_SERVER_SEMI_SPACE_MB: must be a non-negative integer/);
  });

  it("refuses a heap the ingest memory budget would fill, or a heap limit without a budget", () => {
    expect(() => load({ BLINDSPOT_SERVER_HEAP_MB: "200" })).toThrow(
      /BLINDSPOT_SERVER_HEAP_MB=200 leaves no room above BLINDSPOT_INGEST_MEMORY_BUDGET_MB=128: it must be at least 224/,
    );
    expect(() => load({ BLINDSPOT_SERVER_HEAP_MB: "256", BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "0" })).toThrow(/needs an ingest memory budget/);
    expect(load({ BLINDSPOT_SERVER_HEAP_MB: "200", BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "104" }).BLINDSPOT_SERVER_HEAP_MB).toBe(200);
    expect(load({ BLINDSPOT_SERVER_HEAP_MB: "0", BLINDSPOT_INGEST_MEMORY_BUDGET_MB: "0" }).BLINDSPOT_INGEST_MEMORY_BUDGET_MB).toBe(0);
  });
});
