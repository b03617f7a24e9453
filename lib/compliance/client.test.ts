import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toTaggedId } from "@/lib/identity/tagged-id";
import { faults, SCOPES, startComplianceStub, type ComplianceStub, type Json } from "@/lib/testing/compliance-stub";
import {
  buildUrl,
  ComplianceAuthenticationError,
  ComplianceClient,
  ComplianceInvalidRequestError,
  ComplianceNetworkError,
  CompliancePermissionError,
  ComplianceServerError,
  TokenBucket,
  type CursorPage,
} from "./client";

// The stub Compliance API listens on http://127.0.0.1: allowed only under the test flag.
process.env.BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK = "1";

// The HTTP client against the stub Compliance API: headers, bracket parameters, both cursor
// directions, filters, typed errors with the documented bodies, and the retry rules.

const KEY = "sk-ant-api01-client-test-key-0123456789";
const T0 = Date.parse("2026-10-01T00:00:00Z");

function activity(i: number, t = T0 + i * 1000, type = "claude_chat_created"): Json {
  return {
    id: toTaggedId("activity", `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
    created_at: new Date(t).toISOString(),
    organization_id: null,
    organization_uuid: null,
    actor: { type: "user_actor", email_address: "a@example.com", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.1", user_agent: "t" },
    type,
  };
}

let stub: ComplianceStub;
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const client = (over: Partial<ConstructorParameters<typeof ComplianceClient>[0]> = {}) =>
  new ComplianceClient({ baseUrl: stub.url, apiKey: KEY, retry: fast, ...over });
const ids = (p: CursorPage) => p.data.map((a) => (a as { id: string }).id);

beforeAll(async () => {
  // 30 activities one second apart, plus three sharing a timestamp (ties break by id).
  const rows = Array.from({ length: 30 }, (_, i) => activity(i));
  rows.push(activity(100, T0 + 10_000, "sso_login_succeeded"), activity(101, T0 + 10_000, "sso_login_succeeded"), activity(102, T0 + 10_000, "sso_login_succeeded"));
  stub = await startComplianceStub({ keys: [KEY, { key: "sk-ant-admin01-activities-only-0123456789", scopes: [SCOPES.activities] }], data: { activities: rows } });
});

afterAll(async () => {
  await stub.close();
});

beforeEach(() => stub.clearFaults());

describe("requests", () => {
  it("sends x-api-key and anthropic-version, arrays in bracket syntax", async () => {
    await client().listActivities({ "activity_types[]": ["a", "b"], limit: 5 });
    const last = stub.requests[stub.requests.length - 1];
    expect(last.hadKey).toBe(true);
    expect(last.anthropicVersion).toBe("2023-06-01");
    expect(last.query["activity_types[]"]).toEqual(["a", "b"]);
    expect(buildUrl("https://x.example/", "/v1/compliance/activities", { "ids[]": ["1"], user_ids: ["u"], limit: 3, skip: undefined })).toBe(
      "https://x.example/v1/compliance/activities?ids%5B%5D=1&user_ids%5B%5D=u&limit=3",
    );
  });
});

describe("activity pagination (newest first)", () => {
  it("walks older pages with after_id and newer pages with before_id, nothing missed or repeated", async () => {
    const c = client();
    const all = ids(await c.listActivities({ limit: 5000 }));
    expect(all).toHaveLength(33);
    // Newest first, ties by id.
    const times = (await c.listActivities({ limit: 5000 })).data.map((a) => Date.parse((a as { created_at: string }).created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const older: string[] = [];
    let page = await c.listActivities({ limit: 7 });
    older.push(...ids(page));
    while (page.has_more) {
      page = await c.listActivities({ limit: 7, after_id: page.last_id! });
      older.push(...ids(page));
    }
    expect(older).toEqual(all);

    // From the oldest page, walk back up with before_id.
    const newer: string[][] = [];
    let back = await c.listActivities({ limit: 7, after_id: all[all.length - 8] });
    expect(ids(back)).toEqual(all.slice(-7));
    expect(back.has_more).toBe(false);
    for (;;) {
      back = await c.listActivities({ limit: 7, before_id: back.first_id! });
      newer.unshift(ids(back));
      if (!back.has_more) break;
    }
    expect([...newer.flat(), ...all.slice(-7)]).toEqual(all);
    expect(back.first_id).toBe(all[0]);
  });

  it("filters by created_at bounds and type, and orders ascending on request", async () => {
    const c = client();
    const window = await c.listActivities({ "created_at.gte": new Date(T0 + 5000).toISOString(), "created_at.lt": new Date(T0 + 9000).toISOString() });
    expect(window.data).toHaveLength(4);
    const gtLte = await c.listActivities({ "created_at.gt": new Date(T0 + 5000).toISOString(), "created_at.lte": new Date(T0 + 9000).toISOString() });
    expect(gtLte.data).toHaveLength(4);
    const logins = await c.listActivities({ "activity_types[]": ["sso_login_succeeded"] });
    expect(logins.data).toHaveLength(3);
    const notLogins = await c.listActivities({ "exclude_activity_types[]": ["sso_login_succeeded"], limit: 5000 });
    expect(notLogins.data).toHaveLength(30);
    const asc = await c.listActivities({ order: "asc", limit: 3 });
    expect(ids(asc)).toEqual(ids(await c.listActivities({ limit: 5000 })).reverse().slice(0, 3));
  });

  it("rejects what the API rejects, with the API's error type and message", async () => {
    const c = client();
    await expect(c.listActivities({ limit: 5001 })).rejects.toBeInstanceOf(ComplianceInvalidRequestError);
    await expect(c.listActivities({ limit: 0 })).rejects.toThrow(/400 invalid_request_error: limit/);
    await expect(c.listActivities({ "created_at.gte": "2026-10-01 00:00" })).rejects.toThrow(/RFC 3339/);
    await expect(c.listActivities({ "created_at.gte": new Date(T0).toISOString(), "created_at.lt": new Date(T0).toISOString() })).rejects.toThrow(
      /created_at.lt must be strictly after created_at.gte/,
    );
    await expect(c.listActivities({ after_id: "activity_01nope" })).rejects.toThrow(/Invalid after_id/);
  });
});

describe("errors", () => {
  it("401 authentication_error for an unknown key, never retried, key not in the message", async () => {
    const before = stub.requests.length;
    const err = await client({ apiKey: "sk-ant-api01-wrong-key-000000000000" }).listActivities({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceAuthenticationError);
    const e = err as ComplianceAuthenticationError;
    expect(e.status).toBe(401);
    expect(e.type).toBe("authentication_error");
    expect(e.apiMessage).toBe("The API key provided is invalid or has been revoked.");
    expect(e.requestId).toMatch(/^req_stub_/);
    expect(e.message).not.toContain("wrong-key");
    expect(stub.requests.length - before).toBe(1);
  });

  it("403 permission_error for a missing scope", async () => {
    const err = await new ComplianceClient({ baseUrl: stub.url, apiKey: "sk-ant-admin01-activities-only-0123456789" }).listChats({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompliancePermissionError);
    expect((err as CompliancePermissionError).apiMessage).toMatch(/Missing required scopes.*read:compliance_user_data/);
  });

  it("429 waits for retry-after, then succeeds", async () => {
    stub.inject({ match: "/v1/compliance/activities", fault: faults.rateLimited(1) });
    const before = stub.requests.length;
    const started = Date.now();
    const page = await client().listActivities({ limit: 2 });
    expect(page.data).toHaveLength(2);
    const [limited, retried] = stub.requests.slice(before);
    expect(limited.status).toBe(429);
    expect(retried.status).toBe(200);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("429 pauses the shared bucket for every caller", async () => {
    stub.inject({ match: "/v1/compliance/activities", fault: faults.rateLimited(1) });
    const bucket = new TokenBucket({ perMinute: 600, burst: 20 });
    const before = stub.requests.length;
    const a = client({ bucket }).listActivities({ limit: 1 });
    await new Promise((r) => setTimeout(r, 100));
    const b = client({ bucket }).listActivities({ limit: 1 });
    await Promise.all([a, b]);
    const log = stub.requests.slice(before);
    const limitedAt = log.find((r) => r.status === 429)!.at;
    for (const r of log.filter((x) => x.status === 200)) expect(r.at - limitedAt).toBeGreaterThanOrEqual(1000);
  });

  it("retries 500 and 503 with backoff; x-should-retry: false stops at once", async () => {
    stub.inject({ match: "/v1/compliance/activities", times: 2, fault: faults.overloaded() });
    stub.inject({ match: "/v1/compliance/activities", times: 1, fault: faults.serverError() });
    const before = stub.requests.length;
    expect((await client().listActivities({ limit: 1 })).data).toHaveLength(1);
    expect(stub.requests.slice(before).map((r) => r.status)).toEqual([503, 503, 500, 200]);

    stub.inject({ match: "/v1/compliance/activities", fault: faults.serverError(false) });
    const n = stub.requests.length;
    const err = await client().listActivities({ limit: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceServerError);
    expect((err as ComplianceServerError).type).toBe("api_error");
    expect(stub.requests.length - n).toBe(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    stub.inject({ match: "/v1/compliance/activities", times: 3, fault: faults.overloaded(true) });
    const err = await client({ retry: { ...fast, maxAttempts: 3 } }).listActivities({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceServerError);
    expect((err as ComplianceServerError).status).toBe(503);
  });

  it("survives a connection reset and a body cut off mid-page", async () => {
    stub.inject({ match: "/v1/compliance/activities", fault: faults.reset() });
    stub.inject({ match: "/v1/compliance/activities", fault: faults.cut() });
    const before = stub.requests.length;
    const page = await client().listActivities({ limit: 5000 });
    expect(page.data).toHaveLength(33);
    expect(stub.requests.slice(before).map((r) => r.fault ?? "ok")).toEqual(["reset", "cut", "ok"]);
  });

  it("reports an unreachable server as a network error after retries", async () => {
    const err = await new ComplianceClient({ baseUrl: "http://127.0.0.1:9", apiKey: KEY, retry: { ...fast, maxAttempts: 2 } }).listActivities({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceNetworkError);
  });
});

describe("token bucket", () => {
  it("never lets more than perMinute requests out in any 60-second window", async () => {
    let now = 0;
    const bucket = new TokenBucket({ perMinute: 600, burst: 20, now: () => now, sleep: async (ms) => void (now += ms) });
    const sent: number[] = [];
    for (let i = 0; i < 2000; i++) {
      await bucket.take();
      sent.push(now);
    }
    let lo = 0;
    for (let hi = 0; hi < sent.length; hi++) {
      while (sent[hi] - sent[lo] >= 60_000) lo++;
      expect(hi - lo + 1).toBeLessThanOrEqual(600);
    }
    // …and keeps close to the budget: 2000 requests take about 3.4 minutes, not more.
    expect(sent[sent.length - 1]).toBeLessThan(210_000);
  });

  it("pauseUntil holds every caller", async () => {
    let now = 0;
    const bucket = new TokenBucket({ perMinute: 600, burst: 20, now: () => now, sleep: async (ms) => void (now += ms) });
    bucket.pauseUntil(5_000);
    await bucket.take();
    expect(now).toBeGreaterThanOrEqual(5_000);
  });
});
