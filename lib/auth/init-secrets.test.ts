import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { generateSecret, weakSecretReason } from "./secrets";

// BLINDSPOT_INIT_INGEST_TOKEN / BLINDSPOT_INIT_API_TOKEN become bearer secrets with full access:
// an operator's choice must be as hard to guess as a generated one.

const env = (vars: Record<string, string>): NodeJS.ProcessEnv => ({ NODE_ENV: "test", ...vars });

describe("operator-chosen secrets", () => {
  it("accepts the generated format and 32+ characters", () => {
    expect(weakSecretReason(generateSecret("ingest"))).toBeNull();
    expect(weakSecretReason(generateSecret("api"))).toBeNull();
    expect(weakSecretReason("x".repeat(32))).toBeNull();
  });

  it.each([
    ["16 characters", "0123456789abcdef"],
    ["30 characters (the old e2e API token)", "e2e-api-token-0123456789abcdef"],
    ["31 characters", "y".repeat(31)],
    ["white space", `${"z".repeat(40)} x`],
  ])("refuses %s", (_, secret) => {
    expect(weakSecretReason(secret)).not.toBeNull();
  });

  it("stops loading the configuration with a message naming the variable", () => {
    expect(() => loadConfig(env({ BLINDSPOT_INIT_INGEST_TOKEN: "0123456789abcdef" }))).toThrow(
      /BLINDSPOT_INIT_INGEST_TOKEN: must be at least 32 characters \(got 16\)/,
    );
    expect(() => loadConfig(env({ BLINDSPOT_INIT_API_TOKEN: "e2e-api-token-0123456789abcdef" }))).toThrow(/BLINDSPOT_INIT_API_TOKEN: must be at least 32/);
    const ok = loadConfig(env({ BLINDSPOT_INIT_INGEST_TOKEN: generateSecret("ingest"), BLINDSPOT_INIT_API_TOKEN: "a".repeat(32) }));
    expect(ok.BLINDSPOT_INIT_API_TOKEN).toBe("a".repeat(32));
  });

  it("makes `npm start` fail before it builds or opens a database", () => {
    const root = process.cwd();
    const run = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "scripts", "start.ts")], {
      env: { ...process.env, BLINDSPOT_INIT_INGEST_TOKEN: "0123456789abcdef", BLINDSPOT_DATA_DIR: "/nonexistent/blindspot-never-created" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("[blindspot] failed to start: Invalid configuration: BLINDSPOT_INIT_INGEST_TOKEN: must be at least 32 characters");
    expect(run.stdout).not.toContain("building");
  }, 60_000);
});
