import { describe, expect, it } from "vitest";
import { addressBucket, clientAddress } from "./client-address";

// X-Forwarded-For is only believed as far as the operator says proxies stand in front.

describe("clientAddress", () => {
  it("trusts nothing without BLINDSPOT_TRUST_PROXY (a client can write the header itself)", () => {
    expect(clientAddress({ "x-forwarded-for": "192.0.2.1" }, 0)).toBeNull();
    expect(clientAddress(new Headers({ "x-forwarded-for": "192.0.2.1" }), 0)).toBeNull();
  });

  it("takes the entry the outermost trusted proxy appended, ignoring what the client wrote to its left", () => {
    expect(clientAddress({ "x-forwarded-for": "6.6.6.6, 192.0.2.1" }, 1)).toBe("192.0.2.1");
    expect(clientAddress(new Headers({ "x-forwarded-for": "6.6.6.6,192.0.2.1, 10.0.0.2" }), 2)).toBe("192.0.2.1");
    expect(clientAddress({ "x-forwarded-for": ["6.6.6.6", "192.0.2.1"] }, 1)).toBe("192.0.2.1");
  });

  it("is unknown when the request did not pass the proxies or the entry is no address", () => {
    expect(clientAddress({ "x-forwarded-for": "192.0.2.1" }, 2)).toBeNull();
    expect(clientAddress({}, 1)).toBeNull();
    expect(clientAddress({ "x-forwarded-for": "192.0.2.1, unknown" }, 1)).toBeNull();
    expect(clientAddress({ "x-forwarded-for": "192.0.2.1, " }, 1)).toBeNull();
  });

  it("reads the forms proxies write", () => {
    expect(clientAddress({ "x-forwarded-for": "[2001:db8::1]:443" }, 1)).toBe("2001:db8::1");
    expect(clientAddress({ "x-forwarded-for": "192.0.2.1:5555" }, 1)).toBe("192.0.2.1");
    expect(clientAddress({ "x-forwarded-for": "::ffff:192.0.2.1" }, 1)).toBe("192.0.2.1");
    expect(clientAddress({ "x-forwarded-for": "2001:DB8:0:0:0:0:0:1" }, 1)).toBe("2001:db8::1");
  });
});

describe("addressBucket", () => {
  it("counts an IPv4 address alone and an IPv6 address with its /64", () => {
    expect(addressBucket("192.0.2.1")).toBe("192.0.2.1");
    expect(addressBucket("2001:db8:7:7::1")).toBe("2001:db8:7:7::/64");
    expect(addressBucket("2001:db8:7:7:ffff::2")).toBe("2001:db8:7:7::/64");
    expect(addressBucket("2001:db8:7:8::1")).toBe("2001:db8:7:8::/64");
  });
});
