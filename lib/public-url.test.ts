import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { isLoopbackHostname, publicBaseUrl, publicUrlIsHttps, publicUrlProblem } from "./public-url";

// A non-local public URL must be https: over plain http, session cookies and ingest tokens cross
// the network in clear text. The server refuses to start instead.

describe("public URL over http", () => {
  it("refuses a non-loopback http URL in BLINDSPOT_PUBLIC_URL or NEXTAUTH_URL, naming the variable and the way out", () => {
    const problem = publicUrlProblem({ BLINDSPOT_PUBLIC_URL: "http://blindspot.corp.example:3000" });
    expect(problem).toContain("BLINDSPOT_PUBLIC_URL is http://blindspot.corp.example:3000");
    expect(problem).toContain("BLINDSPOT_ALLOW_INSECURE_HTTP=1");
    expect(publicUrlProblem({ NEXTAUTH_URL: "http://10.0.0.5:3000" })).toContain("NEXTAUTH_URL is http://10.0.0.5:3000");
    expect(publicUrlProblem({ BLINDSPOT_PUBLIC_URL: "https://blindspot.example", NEXTAUTH_URL: "http://0.0.0.0:3000" })).toContain("NEXTAUTH_URL");
    expect(() => loadConfig({ NODE_ENV: "test", BLINDSPOT_PUBLIC_URL: "http://192.168.1.20" })).toThrow(/Invalid configuration: BLINDSPOT_PUBLIC_URL is http:\/\/192\.168\.1\.20/);
  });

  it("accepts https, loopback hosts, no URL at all, and http with the explicit escape hatch", () => {
    for (const url of ["https://blindspot.example", "http://localhost:3000", "http://127.0.0.1:13001", "http://[::1]:3000", "http://app.localhost"]) {
      expect(publicUrlProblem({ BLINDSPOT_PUBLIC_URL: url }), url).toBeNull();
    }
    expect(publicUrlProblem({})).toBeNull();
    expect(publicUrlProblem({ BLINDSPOT_PUBLIC_URL: "http://blindspot.lab", BLINDSPOT_ALLOW_INSECURE_HTTP: "1" })).toBeNull();
    expect(() => loadConfig({ NODE_ENV: "test", BLINDSPOT_PUBLIC_URL: "http://blindspot.lab", BLINDSPOT_ALLOW_INSECURE_HTTP: "true" })).not.toThrow();
  });

  it("refuses what is not an http(s) URL", () => {
    expect(publicUrlProblem({ BLINDSPOT_PUBLIC_URL: "blindspot.example" })).toContain("must be an absolute URL");
    expect(publicUrlProblem({ BLINDSPOT_PUBLIC_URL: "ftp://blindspot.example" })).toContain("must be an http or https URL");
  });

  it("knows loopback hosts, and nothing else, as loopback", () => {
    expect(["localhost", "LOCALHOST.", "x.localhost", "127.0.0.1", "127.9.9.9", "[::1]", "::ffff:127.0.0.1"].every(isLoopbackHostname)).toBe(true);
    expect(["localhost.example.com", "10.0.0.1", "0.0.0.0", "[::]", "169.254.1.1", "example.com", "127.0.0.1.nip.io"].some(isLoopbackHostname)).toBe(false);
  });

  it("the public URL is BLINDSPOT_PUBLIC_URL, else NEXTAUTH_URL, else localhost", () => {
    expect(publicBaseUrl({ BLINDSPOT_PUBLIC_URL: "https://a.example/", NEXTAUTH_URL: "https://b.example" })).toBe("https://a.example");
    expect(publicBaseUrl({ NEXTAUTH_URL: "https://b.example" })).toBe("https://b.example");
    expect(publicBaseUrl({ PORT: "4000" })).toBe("http://localhost:4000");
    expect(publicUrlIsHttps({ BLINDSPOT_PUBLIC_URL: "HTTPS://a.example" })).toBe(true);
    expect(publicUrlIsHttps({})).toBe(false);
  });

  it("the launcher refuses to start with the message, before building or opening anything", () => {
    const dataDir = path.join("/tmp", `bs-public-url-${process.pid}`);
    const r = spawnSync(path.join(process.cwd(), "node_modules/.bin/tsx"), ["scripts/start.ts"], {
      env: { ...process.env, BLINDSPOT_PUBLIC_URL: "http://blindspot.corp.example", BLINDSPOT_DATA_DIR: dataDir, DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("BLINDSPOT_PUBLIC_URL is http://blindspot.corp.example");
    expect(r.stdout).not.toContain("building");
  });
});
