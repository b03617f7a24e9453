import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as connectorsRoute from "@/app/api/v1/connectors/route";
import { resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { loadComplianceFixtures, startComplianceStub, type ComplianceStub } from "@/lib/testing/compliance-stub";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { startRouteServer, type RouteModule, type RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";
import { DEFAULT_TENANT_SLUG, ensureTenant } from "@/lib/tenants";
import { createApiToken } from "@/lib/auth/api-tokens";
import {
  applyEnvironmentConnector,
  connectorCredentials,
  MANAGED_BY_ENVIRONMENT,
  REENTER_KEY_FOR_NEW_ORIGIN,
  decryptApiKey,
  encryptApiKey,
  getConnector,
  keyHint,
  REENTER_KEY,
  saveConnector,
} from "./connector-config";
import { claimJobs, completeJob, enqueueJob } from "@/lib/jobs/queue";
import { SYNC_JOB_KIND } from "./sync/catalog";
import { runComplianceSync } from "./sync/engine";

// The stub Compliance API listens on http://127.0.0.1: allowed only under the test flag.
process.env.BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK = "1";

// Connector settings: the access key encrypted at rest (AES-256-GCM, key from NEXTAUTH_SECRET),
// validation with clear messages, the environment-configured default connector, and
// GET /api/v1/connectors (API token; settings with a key hint only, per-stream state).

const KEY = "sk-ant-api01-config-test-key-0123456789WXYZ";
const SECRET = "config-test-secret-0123456789";

let db: TestDatabase;
let stub: ComplianceStub;
let app: RouteServer;

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = SECRET;
  db = await startTestDatabase();
  stub = await startComplianceStub({ keys: [KEY], data: loadComplianceFixtures() });
  app = await startRouteServer({ "/api/v1/connectors": connectorsRoute as unknown as RouteModule });
});

afterAll(async () => {
  await app.close();
  await stub.close();
  await db.stop();
  delete process.env.BLINDSPOT_COMPLIANCE_API_KEY;
  delete process.env.BLINDSPOT_COMPLIANCE_API_URL;
  resetConfigForTests();
});

describe("the access key at rest", () => {
  it("round-trips, hides the key, binds it to the tenant and the origin, and fails closed under another secret", () => {
    const A = "https://api.anthropic.com";
    const enc = encryptApiKey(KEY, "tenant-a", A);
    expect(enc).toMatch(/^v2\./);
    expect(enc).not.toContain("config-test-key");
    expect(encryptApiKey(KEY, "tenant-a", A)).not.toBe(enc);
    expect(decryptApiKey(enc, "tenant-a", A)).toBe(KEY);
    // Same origin, another path: still the key.
    expect(decryptApiKey(enc, "tenant-a", `${A}/proxy/`)).toBe(KEY);
    expect(decryptApiKey(enc, "tenant-b", A)).toBeNull();
    for (const other of ["https://compliance.attacker.example", "http://api.anthropic.com", "https://api.anthropic.com:8443"]) {
      expect(decryptApiKey(enc, "tenant-a", other), other).toBeNull();
    }
    expect(decryptApiKey(enc.slice(0, -2) + "AA", "tenant-a", A)).toBeNull();
    process.env.NEXTAUTH_SECRET = "another-secret-0123456789";
    try {
      expect(decryptApiKey(enc, "tenant-a", A)).toBeNull();
    } finally {
      process.env.NEXTAUTH_SECRET = SECRET;
    }
    expect(keyHint(KEY)).toBe("sk-ant-api01-…WXYZ");
  });

  it("a base URL changed behind the app's back (a database edit) makes the stored key unusable, never sent", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    const other = await startComplianceStub({ keys: [KEY], data: loadComplianceFixtures() });
    try {
      await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
      await getPool().query(`UPDATE compliance_connectors SET base_url = $2 WHERE tenant_id = $1`, [tenantId, other.url]);
      expect(await connectorCredentials(tenantId)).toEqual({ ok: false, problem: REENTER_KEY, category: "config" });
      expect((await getConnector(tenantId))?.keyProblem).toBe(REENTER_KEY);
      const report = await runComplianceSync({ tenantId, force: true });
      expect(report.activities).toMatchObject({ ok: false, errorCategory: "config" });
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("a key stored before the origin binding (v1) still works and is bound to its origin on first use", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
    // The v1 format as earlier versions wrote it: AES-256-GCM, the tenant id as authenticated data.
    const { createCipheriv, hkdfSync, randomBytes } = await import("node:crypto");
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", Buffer.from(hkdfSync("sha256", SECRET, "blindspot/compliance-connector", "compliance access key v1", 32)), iv);
    cipher.setAAD(Buffer.from(`compliance-connector:${tenantId}`));
    const ct = Buffer.concat([cipher.update(KEY, "utf8"), cipher.final()]);
    const v1 = ["v1", iv, cipher.getAuthTag(), ct].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
    await getPool().query(`UPDATE compliance_connectors SET api_key_encrypted = $2 WHERE tenant_id = $1`, [tenantId, v1]);
    expect(await connectorCredentials(tenantId)).toEqual({ ok: true, baseUrl: stub.url, apiKey: KEY });
    const { rows } = await getPool().query(`SELECT api_key_encrypted FROM compliance_connectors WHERE tenant_id = $1`, [tenantId]);
    expect(rows[0].api_key_encrypted).toMatch(/^v2\./);
    expect(decryptApiKey(rows[0].api_key_encrypted, tenantId, stub.url)).toBe(KEY);
    expect(decryptApiKey(rows[0].api_key_encrypted, tenantId, "https://api.anthropic.com")).toBeNull();
  });

  it("stores only ciphertext and a hint; a key that no longer decrypts asks to be re-entered", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    expect((await saveConnector(tenantId, { baseUrl: `${stub.url}/`, apiKey: KEY, enabled: true, pollSeconds: 60 })).ok).toBe(true);
    const { rows } = await getPool().query(`SELECT * FROM compliance_connectors WHERE tenant_id = $1`, [tenantId]);
    expect(JSON.stringify(rows[0])).not.toContain(KEY);
    expect(rows[0].base_url).toBe(stub.url);
    expect(rows[0].api_key_hint).toBe("sk-ant-api01-…WXYZ");

    // An empty key keeps the stored one.
    expect((await saveConnector(tenantId, { baseUrl: stub.url, apiKey: "", enabled: true, pollSeconds: 120 })).ok).toBe(true);
    expect(await connectorCredentials(tenantId)).toEqual({ ok: true, baseUrl: stub.url, apiKey: KEY });

    process.env.NEXTAUTH_SECRET = "rotated-secret-0123456789";
    try {
      const settings = await getConnector(tenantId);
      expect(settings?.keyProblem).toBe(REENTER_KEY);
      expect(await connectorCredentials(tenantId)).toEqual({ ok: false, problem: REENTER_KEY, category: "config" });
      const before = stub.requests.length;
      const report = await runComplianceSync({ tenantId, force: true });
      expect(report.activities.error).toMatch(/re-enter the access key/);
      expect(stub.requests.length).toBe(before);
      // Saving without a new key is refused with the same advice.
      const again = await saveConnector(tenantId, { baseUrl: stub.url, apiKey: "", enabled: true, pollSeconds: 60 });
      expect(again).toEqual({ ok: false, errors: { apiKey: REENTER_KEY } });
    } finally {
      process.env.NEXTAUTH_SECRET = SECRET;
    }
  });

  it("a new base URL restarts the cursors; a new key for the same server keeps them", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
    await runComplianceSync({ tenantId, force: true, streams: ["activities"] });
    const cursor = async () => (await getPool().query(`SELECT cursor FROM compliance_sync_state WHERE tenant_id = $1 AND stream = 'activities'`, [tenantId])).rows[0].cursor;
    expect(await cursor()).toHaveProperty("coveredUntil");
    await saveConnector(tenantId, { baseUrl: stub.url, apiKey: `${KEY}-rotated`, enabled: true, pollSeconds: 60 });
    expect(await cursor()).toHaveProperty("coveredUntil");
    await saveConnector(tenantId, { baseUrl: "https://api.anthropic.com", apiKey: KEY, enabled: true, pollSeconds: 60 });
    expect(await cursor()).toEqual({});
  });

  it("explains what is wrong with the input", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    const r = await saveConnector(tenantId, { baseUrl: "api.anthropic.com", apiKey: "sk-ant-api03-regular-key-0123456789", enabled: true, pollSeconds: 5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.baseUrl).toMatch(/full URL/);
    expect(r.errors.apiKey).toMatch(/Regular API keys/);
    expect(r.errors.pollSeconds).toMatch(/at most every 15 seconds/);
    const noKey = await saveConnector(tenantId, { baseUrl: "https://user:pw@api.anthropic.com", enabled: true, pollSeconds: 60 });
    expect(noKey.ok ? null : noKey.errors).toEqual({ baseUrl: "Put the access key in its own field, not in the URL", apiKey: "Enter the Compliance access key" });
    const missing = await saveConnector(tenantId, { baseUrl: "https://api.anthropic.com", enabled: true, pollSeconds: 60 });
    expect(missing.ok ? null : missing.errors).toEqual({ apiKey: "Enter the Compliance access key" });
  });

  it("BLINDSPOT_COMPLIANCE_API_KEY / _URL configure the default tenant's connector at start", async () => {
    const tenantId = await ensureTenant(DEFAULT_TENANT_SLUG);
    process.env.BLINDSPOT_COMPLIANCE_API_KEY = KEY;
    process.env.BLINDSPOT_COMPLIANCE_API_URL = stub.url;
    process.env.BLINDSPOT_COMPLIANCE_POLL_SECONDS = "90";
    resetConfigForTests();
    try {
      expect(await applyEnvironmentConnector()).toBe(tenantId);
      expect(await getConnector(tenantId)).toMatchObject({ baseUrl: stub.url, pollSeconds: 90, enabled: true, keyHint: "sk-ant-api01-…WXYZ", managedByEnvironment: true });
    } finally {
      delete process.env.BLINDSPOT_COMPLIANCE_API_KEY;
      delete process.env.BLINDSPOT_COMPLIANCE_API_URL;
      delete process.env.BLINDSPOT_COMPLIANCE_POLL_SECONDS;
      resetConfigForTests();
    }
    expect(await applyEnvironmentConnector()).toBeNull();
  });
});

describe("GET /api/v1/connectors", () => {
  it("needs an API token", async () => {
    const res = await fetch(`${app.url}/api/v1/connectors`);
    expect(res.status).toBe(401);
  });

  it("shows settings with a key hint, per-stream state, lag and jobs, never the key", async () => {
    const tenant = await createTestTenant(`api-${randomUUID().slice(0, 6)}`, { role: "manager" });
    const get = async () => {
      const res = await fetch(`${app.url}/api/v1/connectors`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
      expect(res.status).toBe(200);
      return { text: await res.clone().text(), body: (await res.json()) as { connectors: Record<string, unknown>[] } };
    };
    expect((await get()).body.connectors[0]).toMatchObject({ type: "compliance_api", configured: false, state: "not_configured" });

    await saveConnector(tenant.tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
    await runComplianceSync({ tenantId: tenant.tenantId, force: true, settleSeconds: 0 });
    const { text, body } = await get();
    expect(text).not.toContain(KEY);
    const c = body.connectors[0] as {
      state: string;
      settings: { baseUrl: string; keyHint: string; hasKey: boolean };
      streams: { stream: string; recordsPulled: number; lastRunAt: string | null; lastError: string | null; lagSeconds: number | null }[];
      jobs: unknown[];
      lagSeconds: number | null;
    };
    expect(c.state).toBe("ok");
    expect(c.settings).toMatchObject({ baseUrl: stub.url, keyHint: "sk-ant-api01-…WXYZ", hasKey: true });
    expect(c.streams.map((s) => s.stream)).toEqual(["activities", "chats", "sessions_local", "sessions_remote", "organizations", "users"]);
    const activities = c.streams.find((s) => s.stream === "activities")!;
    expect(activities).toMatchObject({ recordsPulled: 4, lastError: null });
    expect(activities.lastRunAt).not.toBeNull();
    expect(c.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(c.lagSeconds).toBeLessThan(60);
    expect(c.jobs).toEqual([]);
  });
});

/** Runs `fn` with these environment variables (undefined: unset), then puts the old ones back. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
    resetConfigForTests();
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const fastSync = { client: { retry: { maxAttempts: 1 } } };

describe("where the access key may go", () => {
  it("a new origin with the key field left empty is refused: the stored key never reaches the new host", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    const other = await startComplianceStub({ keys: [KEY], data: loadComplianceFixtures() });
    try {
      expect((await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 })).ok).toBe(true);
      // Same origin, another spelling: the key stays.
      expect((await saveConnector(tenantId, { baseUrl: `${stub.url}/`, apiKey: "", enabled: true, pollSeconds: 90 })).ok).toBe(true);
      // Another port is another origin (127.0.0.1 → localhost too): the key must be entered again.
      for (const baseUrl of [other.url, other.url.replace("127.0.0.1", "localhost"), stub.url.replace("127.0.0.1", "localhost")]) {
        expect(await saveConnector(tenantId, { baseUrl, apiKey: "", enabled: true, pollSeconds: 60 })).toEqual({ ok: false, errors: { apiKey: REENTER_KEY_FOR_NEW_ORIGIN } });
      }
      const { rows } = await getPool().query(`SELECT base_url FROM compliance_connectors WHERE tenant_id = $1`, [tenantId]);
      expect(rows[0].base_url).toBe(stub.url);
      await runComplianceSync({ tenantId, force: true, streams: ["activities"], settleSeconds: 0 });
      expect(other.requests).toEqual([]);

      // With the key entered again, the new host gets it.
      expect((await saveConnector(tenantId, { baseUrl: other.url, apiKey: KEY, enabled: true, pollSeconds: 60 })).ok).toBe(true);
      await runComplianceSync({ tenantId, force: true, streams: ["activities"], settleSeconds: 0 });
      expect(other.requests.length).toBeGreaterThan(0);
      expect(other.requests.every((r) => r.hadKey && r.status === 200)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("https only, and only to allowed hosts: api.anthropic.com plus BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    const save = (baseUrl: string) => saveConnector(tenantId, { baseUrl, apiKey: KEY, enabled: true, pollSeconds: 60 });
    const baseUrlError = async (baseUrl: string) => {
      const r = await save(baseUrl);
      return r.ok ? null : r.errors.baseUrl;
    };
    await withEnv({ BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: undefined, BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS: undefined }, async () => {
      expect(await baseUrlError(stub.url)).toBe("The URL must start with https://");
      expect(await baseUrlError("http://api.anthropic.com")).toBe("The URL must start with https://");
      expect(await baseUrlError("https://localhost:8443")).toMatch(/^localhost is not an allowed Compliance API host/);
      for (const host of ["compliance.attacker.example", "169.254.169.254", "10.0.0.7", "[::1]", "api.anthropic.com.attacker.example"]) {
        expect(await baseUrlError(`https://${host}`), host).toMatch(/is not an allowed Compliance API host .*BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS/);
      }
      expect(await baseUrlError("https://api.anthropic.com")).toBeNull();
      expect(await baseUrlError("https://API.Anthropic.com./")).toBeNull();
    });
    await withEnv({ BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: undefined, BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS: "compliance-proxy.example.com, 10.0.0.7" }, async () => {
      expect(await baseUrlError("https://compliance-proxy.example.com/anthropic")).toBeNull();
      // An allowed IP literal is still judged by its range.
      expect(await baseUrlError("https://10.0.0.7")).toBe("The connector may not connect to 10.0.0.7 (a private address)");
      expect(await baseUrlError("https://other.example.com")).toMatch(/not an allowed Compliance API host/);
    });
    await expect(withEnv({ BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS: "https://x.example.com" }, async () => save("https://api.anthropic.com"))).rejects.toThrow(
      /BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS.*is not a host name/,
    );
  });

  it("a stored URL the allowlist does not cover is never called (a row saved before the allowlist existed)", async () => {
    const tenantId = await ensureTenant(`cfg-${randomUUID().slice(0, 6)}`);
    await saveConnector(tenantId, { baseUrl: stub.url, apiKey: KEY, enabled: true, pollSeconds: 60 });
    const before = stub.requests.length;
    await withEnv({ BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: undefined }, async () => {
      const report = await runComplianceSync({ tenantId, force: true, ...fastSync });
      expect(report.activities).toMatchObject({ ok: false, errorCategory: "blocked_destination" });
      expect(report.activities.error).toMatch(/will not call http:\/\/127\.0\.0\.1:\d+: The URL must start with https:\/\//);
    });
    expect(stub.requests.length).toBe(before);
  });

  it("an environment-configured connector cannot be edited in the console, and an env URL outside the allowlist fails loudly", async () => {
    const tenantId = await ensureTenant(DEFAULT_TENANT_SLUG);
    await withEnv({ BLINDSPOT_COMPLIANCE_API_KEY: KEY, BLINDSPOT_COMPLIANCE_API_URL: stub.url }, async () => {
      expect(await applyEnvironmentConnector()).toBe(tenantId);
      const edit = await saveConnector(tenantId, { baseUrl: "https://api.anthropic.com", apiKey: `${KEY}-console`, enabled: false, pollSeconds: 600 });
      expect(edit).toEqual({ ok: false, errors: { form: MANAGED_BY_ENVIRONMENT } });
      expect(await getConnector(tenantId)).toMatchObject({ baseUrl: stub.url, enabled: true, managedByEnvironment: true });
      expect(await connectorCredentials(tenantId)).toEqual({ ok: true, baseUrl: stub.url, apiKey: KEY });
    });
    await withEnv({ BLINDSPOT_COMPLIANCE_API_KEY: KEY, BLINDSPOT_COMPLIANCE_API_URL: "https://compliance.attacker.example" }, async () => {
      await expect(applyEnvironmentConnector()).rejects.toThrow(
        /^Invalid Compliance API configuration: BLINDSPOT_COMPLIANCE_API_URL: compliance\.attacker\.example is not an allowed Compliance API host .*BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS/,
      );
      // The row still names the previous URL; the sync says why it does not run instead of using it.
      const before = stub.requests.length;
      const report = await runComplianceSync({ tenantId, force: true, ...fastSync });
      expect(report.activities).toMatchObject({ ok: false, errorCategory: "blocked_destination" });
      expect(report.activities.error).toMatch(/^BLINDSPOT_COMPLIANCE_API_URL: compliance\.attacker\.example is not an allowed/);
      expect(stub.requests.length).toBe(before);
    });
  });
});

describe("connector errors by role", () => {
  it("admin tokens read the error text; analyst and manager tokens only its category", async () => {
    const tenant = await createTestTenant(`err-${randomUUID().slice(0, 6)}`, { role: "manager" });
    const admin = await createApiToken({ tenantId: tenant.tenantId, name: "err-admin", role: "admin" });
    const analyst = await createApiToken({ tenantId: tenant.tenantId, name: "err-analyst", role: "analyst" });
    // A closed port on this machine: the error text would say "refused" (a port-scan oracle).
    const closed = `http://127.0.0.1:${await closedPort()}`;
    await saveConnector(tenant.tenantId, { baseUrl: closed, apiKey: KEY, enabled: true, pollSeconds: 60 });
    const report = await runComplianceSync({ tenantId: tenant.tenantId, force: true, streams: ["activities"], ...fastSync });
    expect(report.activities.error).toMatch(/ECONNREFUSED/);
    // The finished job keeps the same summary, as the scheduler writes it.
    await enqueueJob({ tenantId: tenant.tenantId, kind: SYNC_JOB_KIND });
    const [job] = await claimJobs({ workerId: "w", kinds: [SYNC_JOB_KIND], limit: 1, leaseMs: 60_000 });
    await completeJob(job.id, "w", { done: true, streams: { activities: { pages: 0, fetched: 0, stored: 0, error: report.activities.error, errorCategory: "network" } } });
    type View = { streams: { stream: string; lastError: string | null; lastErrorCategory: string | null }[]; lastJob: { progress: { streams: Record<string, Record<string, unknown>> } } };
    const get = async (token: string) => {
      const res = await fetch(`${app.url}/api/v1/connectors`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      const view = (JSON.parse(text) as { connectors: View[] }).connectors[0];
      return { text, stream: view.streams.find((s) => s.stream === "activities")!, job: view.lastJob.progress.streams.activities };
    };
    const asAdmin = await get(admin.secret);
    expect(asAdmin.stream.lastError).toMatch(/could not reach the Compliance API \(ECONNREFUSED\)/);
    expect(asAdmin.stream.lastErrorCategory).toBe("network");
    expect(asAdmin.job.error).toMatch(/ECONNREFUSED/);
    for (const token of [tenant.apiToken, analyst.secret]) {
      const { text, stream, job } = await get(token);
      expect(stream).toMatchObject({ lastError: "network", lastErrorCategory: "network" });
      expect(job).toEqual({ pages: 0, fetched: 0, stored: 0, errorCategory: "network" });
      expect(text).not.toMatch(/ECONNREFUSED|could not reach/);
    }
  });
});

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const net = await import("node:net");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
