import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromTaggedId, orgTaggedId, toTaggedId, userTaggedId } from "./tagged-id";

describe("tagged ids", () => {
  it("matches the published pair (Sumo Logic's Compliance API sample)", () => {
    expect(orgTaggedId("17c1b787-c3ac-46e3-a107-0b58fc85b293")).toBe("org_013w9ZYpBvS942YQNwJAPw6z");
    expect(fromTaggedId("org_013w9ZYpBvS942YQNwJAPw6z")).toEqual({ tag: "org", uuid: "17c1b787-c3ac-46e3-a107-0b58fc85b293" });
  });

  it("matches the accounts in the fixtures (OTel UUID ⇄ Compliance id)", () => {
    const pairs: [string, string][] = [
      ["de5ca38f-139e-4139-b400-a6f7be39a154", "user_01UTaMiPVYhoQrftgrSD1QE7"],
      ["3694c2ac-716d-4201-8ae9-99ace954c4fb", "user_017jv3cPPPCe2UEmi985fzbt"],
      ["e2739671-17f7-41ac-83df-d7d4998ddd33", "user_01UxsCZrmvVRdWronsN3N97p"],
      ["c5a40290-fc74-4cd1-86ac-98d1f59f7052", "user_01RQX9Ddyt2RMbNV3t2mA7c5"],
    ];
    for (const [uuid, tagged] of pairs) {
      expect(userTaggedId(uuid)).toBe(tagged);
      expect(fromTaggedId(tagged)!.uuid).toBe(uuid);
    }
    expect(orgTaggedId("8afc8ad1-5988-4ed8-a08e-2da31d7c8c94")).toBe("org_01JAS8wDVamuGmbTrUMp3J6F");
    expect(fromTaggedId("org_01HhiPqtRd1Ly4Pcj1NYQpD8")!.uuid).toBe("87417aae-466d-491f-bace-b77368779503");
  });

  it("round-trips any UUID, including the extremes", () => {
    for (const uuid of [randomUUID(), randomUUID(), "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]) {
      expect(fromTaggedId(toTaggedId("user", uuid))!.uuid).toBe(uuid);
    }
  });

  it("rejects what is not a tagged id or a UUID", () => {
    expect(fromTaggedId("user_02UTaMiPVYhoQrftgrSD1QE7")).toBeNull();
    expect(fromTaggedId("user_01UTaMiPVYhoQrftgrSD1QE")).toBeNull(); // 21 chars
    expect(fromTaggedId("user_01UTaMiPVYhoQrftgrSD1QE0")).toBeNull(); // 0 is not base58
    expect(fromTaggedId("jon.snow@westeros.example")).toBeNull();
    expect(fromTaggedId("user_01zzzzzzzzzzzzzzzzzzzzzz")).toBeNull(); // beyond 128 bits
    expect(() => toTaggedId("user", "not-a-uuid")).toThrow();
  });
});
