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
import {
  applyEnvironmentConnector,
  connectorCredentials,
  decryptApiKey,
  encryptApiKey,
  getConnector,
  keyHint,
  REENTER_KEY,
  saveConnector,
} from "./connector-config";
import { runComplianceSync } from "./sync";

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
  it("round-trips, hides the key, binds it to the tenant, and fails closed under another secret", () => {
    const enc = encryptApiKey(KEY, "tenant-a");
    expect(enc).toMatch(/^v1\./);
    expect(enc).not.toContain("config-test-key");
    expect(encryptApiKey(KEY, "tenant-a")).not.toBe(enc);
    expect(decryptApiKey(enc, "tenant-a")).toBe(KEY);
    expect(decryptApiKey(enc, "tenant-b")).toBeNull();
    expect(decryptApiKey(enc.slice(0, -2) + "AA", "tenant-a")).toBeNull();
    process.env.NEXTAUTH_SECRET = "another-secret-0123456789";
    try {
      expect(decryptApiKey(enc, "tenant-a")).toBeNull();
    } finally {
      process.env.NEXTAUTH_SECRET = SECRET;
    }
    expect(keyHint(KEY)).toBe("sk-ant-api01-…WXYZ");
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
      expect(await connectorCredentials(tenantId)).toEqual({ ok: false, problem: REENTER_KEY });
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
    await saveConnector(tenantId, { baseUrl: "https://api.anthropic.com", apiKey: "", enabled: true, pollSeconds: 60 });
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
