import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toTaggedId } from "@/lib/identity/tagged-id";
import { startComplianceStub, type ComplianceStub, type Json } from "@/lib/testing/compliance-stub";
import { ComplianceClient, ComplianceResponseError } from "./client";
import { blockedAddressReason, ComplianceDestinationError, guardedLookup, type DestinationPolicy, type Resolver } from "./destination";

// The connector's destination guard at connect time (the address a name resolves to, checked
// in the socket's lookup, so DNS rebinding cannot slip past the URL check) and the response
// cap. No traffic leaves this machine: resolvers are injected, and the only server is the stub
// on 127.0.0.1.

const KEY = "sk-ant-api01-destination-test-key-0123456789";
const strict: DestinationPolicy = { allowedHosts: new Set(["api.anthropic.com", "localhost"]), allowLoopback: false };
const loopbackAllowed: DestinationPolicy = { allowedHosts: new Set(["api.anthropic.com"]), allowLoopback: true };

/** A resolver that answers every name with `addresses`, and records what it was asked. */
function fakeResolver(addresses: string[]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = ((hostname, _options, callback) => {
    asked.push(hostname);
    callback(null, addresses.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 })));
  }) as Resolver & { asked: string[] };
  resolve.asked = asked;
  return resolve;
}

function lookupOnce(policy: DestinationPolicy, resolver: Resolver, all: boolean): Promise<{ err: Error | null; address: unknown }> {
  return new Promise((resolve) => guardedLookup(policy, resolver)("api.anthropic.com", { all }, (err, address) => resolve({ err, address })));
}

let stub: ComplianceStub;

beforeAll(async () => {
  const rows: Json[] = Array.from({ length: 40 }, (_, i) => ({
    id: toTaggedId("activity", `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
    created_at: new Date(Date.parse("2026-10-01T00:00:00Z") + i * 1000).toISOString(),
    organization_id: null,
    organization_uuid: null,
    actor: { type: "user_actor", email_address: "a@example.com", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "192.0.2.1", user_agent: "t" },
    type: "claude_chat_created",
  }));
  stub = await startComplianceStub({ keys: [KEY], data: { activities: rows } });
});

afterAll(async () => {
  await stub.close();
});

describe("address ranges (ipaddr.js)", () => {
  it("refuses loopback, private, link-local (cloud metadata), unique-local and other special ranges; allows public unicast", () => {
    for (const address of ["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "224.0.0.1"]) {
      expect(blockedAddressReason(address, strict), address).not.toBeNull();
    }
    for (const address of ["160.79.104.10", "2607:6bc0::10"]) expect(blockedAddressReason(address, strict), address).toBeNull();
    // The test flag opens loopback only.
    expect(blockedAddressReason("127.0.0.1", loopbackAllowed)).toBeNull();
    expect(blockedAddressReason("::1", loopbackAllowed)).toBeNull();
    expect(blockedAddressReason("10.0.0.5", loopbackAllowed)).not.toBeNull();
    expect(blockedAddressReason("169.254.169.254", loopbackAllowed)).not.toBeNull();
  });
});

describe("the lookup guard", () => {
  it("refuses a name that resolves to an internal address, in both answer shapes", async () => {
    for (const addresses of [["127.0.0.1"], ["10.1.2.3"], ["169.254.169.254"], ["::1"], ["fc00::1"], ["160.79.104.10", "10.1.2.3"]]) {
      for (const all of [false, true]) {
        const { err } = await lookupOnce(strict, fakeResolver(addresses), all);
        expect(err, `${addresses.join(",")} all=${all}`).toBeInstanceOf(ComplianceDestinationError);
        expect(err?.message).toMatch(/^api\.anthropic\.com resolves to an address the connector may not connect to: /);
      }
    }
  });

  it("passes public addresses through as the socket asked for them", async () => {
    expect(await lookupOnce(strict, fakeResolver(["160.79.104.10"]), false)).toEqual({ err: null, address: "160.79.104.10" });
    expect(await lookupOnce(strict, fakeResolver(["160.79.104.10", "2607:6bc0::10"]), true)).toEqual({
      err: null,
      address: [{ address: "160.79.104.10", family: 4 }, { address: "2607:6bc0::10", family: 6 }],
    });
  });
});

describe("the client connects only where the guard allows", () => {
  it("an allowed host that resolves to cloud metadata or a private address is refused before connecting, and not retried", async () => {
    for (const address of ["169.254.169.254", "10.0.0.5", "fc00::1"]) {
      const resolver = fakeResolver([address]);
      const client = new ComplianceClient({ baseUrl: "https://api.anthropic.com", apiKey: KEY, policy: strict, resolve: resolver, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
      const err = await client.listActivities({}).catch((e: unknown) => e);
      expect(err, address).toBeInstanceOf(ComplianceDestinationError);
      expect((err as Error).message).toContain(address);
      // One lookup, refused: no connection, no retry.
      expect(resolver.asked).toEqual(["api.anthropic.com"]);
    }
  });

  it("a real name resolving to loopback (localhost) is refused at connect time unless loopback is allowed", async () => {
    const port = new URL(stub.url).port;
    const before = stub.requests.length;
    // https://localhost passes the URL check (the host is allowed); its address does not.
    const refused = await new ComplianceClient({ baseUrl: `https://localhost:${port}`, apiKey: KEY, policy: strict, retry: { maxAttempts: 1 } }).listActivities({}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ComplianceDestinationError);
    expect((refused as Error).message).toMatch(/^localhost resolves to an address the connector may not connect to: (127\.0\.0\.1|::1) \(a loopback address\)/);
    expect(stub.requests.length).toBe(before);
    // The same stub under the test flag: reached, with the key.
    const page = await new ComplianceClient({ baseUrl: `http://localhost:${port}`, apiKey: KEY, policy: loopbackAllowed }).listActivities({});
    expect(page.data).toHaveLength(40);
    expect(stub.requests.at(-1)).toMatchObject({ hadKey: true, status: 200 });
  });

  it("an IP literal is judged without a lookup", async () => {
    const err = await new ComplianceClient({ baseUrl: "https://169.254.169.254", apiKey: KEY, policy: { allowedHosts: new Set(["169.254.169.254"]), allowLoopback: false } })
      .listActivities({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceDestinationError);
  });
});

describe("response size", () => {
  it("a body past the cap is aborted while streaming and not retried", async () => {
    const before = stub.requests.length;
    const small = new ComplianceClient({ baseUrl: stub.url, apiKey: KEY, policy: loopbackAllowed, maxResponseBytes: 2048, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await small.listActivities({ limit: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceResponseError);
    expect((err as Error).message).toMatch(/the response is larger than 2048 bytes/);
    expect(stub.requests.length - before).toBe(1);
    // Under the cap the same page arrives whole.
    const page = await new ComplianceClient({ baseUrl: stub.url, apiKey: KEY, policy: loopbackAllowed, maxResponseBytes: 1024 * 1024 }).listActivities({ limit: 40 });
    expect(page.data).toHaveLength(40);
  });
});
