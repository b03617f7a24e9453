import { describe, expect, it } from "vitest";
import type { FirstStartResult } from "@/lib/bootstrap";
import { startBanner } from "./start-banner";

const base = { baseUrl: "http://localhost:3000", dev: false, database: "embedded PGlite in /x/.data/pglite", passwordFromEnv: false, initialPasswordFile: null };

const created: FirstStartResult = {
  created: true,
  adminEmail: "admin@blindspot.local",
  adminPasswordFile: "/x/.data/initial-admin-password",
  adminPassword: "pw-generated-123456",
  ingestTokenFile: "/x/.data/initial-ingest-token",
  ingestToken: "bsi_secret_token_value",
};
const later: FirstStartResult = { created: false, adminEmail: "admin@blindspot.local", adminPasswordFile: null, adminPassword: null, ingestTokenFile: null, ingestToken: null };

describe("start banner", () => {
  it("names the sign-in URL on every start", () => {
    for (const setup of [created, later]) expect(startBanner({ ...base, setup })).toContain("Sign in:   http://localhost:3000/login");
  });

  it("prints the first admin's password and the first ingest token on the start that created them", () => {
    const out = startBanner({ ...base, setup: created });
    expect(out).toContain("pw-generated-123456");
    expect(out).toContain("Authorization=Bearer bsi_secret_token_value");
  });

  it("prints no secret on later starts, and points at the password file while it exists", () => {
    const out = startBanner({ ...base, setup: later, initialPasswordFile: "/x/.data/initial-admin-password" });
    expect(out).not.toContain("bsi_");
    expect(out).not.toContain("pw-generated");
    expect(out).toContain("initial password in /x/.data/initial-admin-password");
    expect(startBanner({ ...base, setup: later })).not.toContain("initial password");
  });

  it("never prints a password that came from the environment", () => {
    const out = startBanner({ ...base, passwordFromEnv: true, setup: { ...created, adminPasswordFile: null, adminPassword: "from-env-password" } });
    expect(out).not.toContain("from-env-password");
    expect(out).toContain("password from BLINDSPOT_INIT_ADMIN_PASSWORD");
  });
});
