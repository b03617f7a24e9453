import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureTenant } from "@/lib/tenants";
import { DEFAULT_DATA_POLICY, type DataPolicy } from "./policy";
import { parsePolicyYaml, policyToYaml, validatePolicy } from "./policy-schema";
import { clearDataPolicyCache, DataPolicyCache, getDataPolicy, getPolicyVersion, listPolicyVersions, POLICY_CACHE_TTL_MS, saveDataPolicy } from "./policy-store";

// The data policy's validation, its append-only versions with their audit entries, and the
// per-process cache that every instance refreshes within POLICY_CACHE_TTL_MS.

let db: TestDatabase;
let tenant: string;
let other: string;

beforeAll(async () => {
  db = await startTestDatabase();
  tenant = await ensureTenant("policy-a");
  other = await ensureTenant("policy-b");
});

afterAll(async () => {
  await db.stop();
});

const strict: DataPolicy = {
  rules: [
    { target: "prompt", action: "drop" },
    { target: "gen_ai.*", action: "hash" },
  ],
  defaultAction: "mask",
  extraPatterns: [{ kind: "internal-id", pattern: "ACME-[0-9]{8}" }],
  exemptions: ["sk-test-public"],
  dropEmail: true,
};

describe("validation", () => {
  it("accepts a policy of known targets, prefixes and RE2 patterns", () => {
    expect(validatePolicy(strict)).toEqual({ ok: true, policy: strict });
    expect(validatePolicy({})).toEqual({ ok: true, policy: DEFAULT_DATA_POLICY });
  });

  it("refuses each kind of mistake with where it is and why", () => {
    const bad = (p: unknown) => {
      const r = validatePolicy(p);
      return r.ok ? "accepted" : r.error;
    };
    expect(bad({ rules: [{ target: "prompt", action: "shred" }] })).toBe(`rules[0].action: unknown action "shred" (one of keep, mask, hash, drop)`);
    expect(bad({ defaultAction: "erase" })).toMatch(/^defaultAction: unknown action "erase"/);
    expect(bad({ rules: [{ target: "promtp", action: "drop" }] })).toMatch(/^rules\[0\]\.target: unknown target "promtp"/);
    expect(bad({ rules: [{ target: "nothing_like_this.*", action: "drop" }] })).toBe(`rules[0].target: "nothing_like_this.*" matches no known field or attribute key`);
    expect(bad({ rules: [{ target: "*", action: "drop" }] })).toMatch(/set the default action instead/);
    expect(bad({ rules: [{ target: "prompt", action: "drop" }, { target: "prompt", action: "keep" }] })).toBe(`rules[1].target: two rules for "prompt"`);
    expect(bad({ extraPatterns: [{ kind: "x", pattern: "(unclosed" }] })).toMatch(/^extraPatterns\[0\]\.pattern: pattern of kind "x": not a valid RE2 pattern/);
    // Look-around and back-references are not RE2 (they could take exponential time).
    expect(bad({ extraPatterns: [{ kind: "x", pattern: "(a)\\1" }] })).toMatch(/not a valid RE2 pattern/);
    expect(bad({ extraPatterns: [{ kind: "x", pattern: "a*" }] })).toMatch(/matches the empty string/);
    expect(bad({ extraPatterns: [{ kind: "x", pattern: "a".repeat(501) }] })).toMatch(/at most 500 characters/);
    expect(bad({ extraPatterns: [{ kind: "Bad Kind", pattern: "abc" }] })).toMatch(/^extraPatterns\[0\]\.kind: a pattern's kind is 1–40 lowercase letters/);
    expect(bad({ exemptions: ["sk-(test"] })).toMatch(/^exemptions\[0\]: exemption "sk-\(test": not a valid RE2 pattern/);
    expect(bad({ dropEmail: "yes" })).toMatch(/^dropEmail: /);
    expect(bad({ rules: [], colour: "red" })).toMatch(/colour/);
  });

  it("the file format round-trips, and a broken file says why", () => {
    const text = policyToYaml(strict, { tenant: "policy-a", version: 3 });
    expect(text).toContain("# Blindspot data policy of tenant policy-a, version 3");
    expect(parsePolicyYaml(text)).toEqual({ ok: true, policy: strict });
    expect(parsePolicyYaml("rules: [")).toMatchObject({ ok: false, error: expect.stringMatching(/^not valid YAML/) });
    expect(parsePolicyYaml("- a\n- b\n")).toMatchObject({ ok: false, error: expect.stringMatching(/must be a YAML mapping/) });
    expect(parsePolicyYaml("defaultAction: shred\n")).toMatchObject({ ok: false, error: expect.stringMatching(/^defaultAction: unknown action "shred"/) });
  });
});

describe("versions", () => {
  it("starts at version 0 (the default), appends a version per change with its audit entry, and saves nothing for the same policy", async () => {
    clearDataPolicyCache();
    expect(await getDataPolicy(tenant)).toEqual({ version: 0, policy: DEFAULT_DATA_POLICY });

    const first = await saveDataPolicy(tenant, strict, { actor: "admin@example.com", reason: "ticket SEC-12: drop prompts" });
    expect(first).toMatchObject({ ok: true, changed: true, version: 1 });
    // The saving process sees its change at once.
    expect(await getDataPolicy(tenant)).toEqual({ version: 1, policy: strict });

    const again = await saveDataPolicy(tenant, { ...strict, rules: [...strict.rules].reverse() }, { actor: "cli", reason: "re-apply" });
    expect(again).toEqual({ ok: true, changed: false, version: 1 });

    const looser = await saveDataPolicy(tenant, { ...strict, rules: [{ target: "prompt", action: "mask" }], dropEmail: false }, { actor: "cli", reason: "legal approved" });
    expect(looser).toMatchObject({ ok: true, changed: true, version: 2 });

    expect((await listPolicyVersions(tenant)).map((v) => [v.version, v.createdBy, v.reason])).toEqual([
      [2, "cli", "legal approved"],
      [1, "admin@example.com", "ticket SEC-12: drop prompts"],
    ]);
    expect((await getPolicyVersion(tenant, 1))?.policy).toEqual(strict);
    expect(await getPolicyVersion(tenant, 7)).toBeNull();
    // Tenants do not share policies.
    expect((await getDataPolicy(other)).version).toBe(0);

    const { rows } = await getPool().query<{ actor: string; action: string; target: string; details: Record<string, unknown> }>(
      `SELECT actor, action, target, details FROM audit_log WHERE tenant_id = $1 AND action = 'data_policy.update' ORDER BY id`,
      [tenant],
    );
    expect(rows.map((r) => [r.actor, r.target])).toEqual([
      ["admin@example.com", "version 1"],
      ["cli", "version 2"],
    ]);
    expect(rows[1].details).toEqual({
      version: 2,
      previousVersion: 1,
      reason: "legal approved",
      changes: "drop email on → off; rule prompt: drop → mask; - rule gen_ai.*: hash",
    });
  });

  it("refuses an invalid policy or a missing reason and writes nothing", async () => {
    const before = (await listPolicyVersions(other)).length;
    expect(await saveDataPolicy(other, { defaultAction: "shred" }, { actor: "cli", reason: "x" })).toMatchObject({ ok: false, error: expect.stringMatching(/unknown action/) });
    expect(await saveDataPolicy(other, strict, { actor: "cli", reason: "   " })).toEqual({ ok: false, error: "a reason is required" });
    expect((await listPolicyVersions(other)).length).toBe(before);
  });

  it("two concurrent saves get two distinct versions", async () => {
    const a = saveDataPolicy(other, { ...DEFAULT_DATA_POLICY, defaultAction: "hash" }, { actor: "a", reason: "a" });
    const b = saveDataPolicy(other, { ...DEFAULT_DATA_POLICY, defaultAction: "drop" }, { actor: "b", reason: "b" });
    const versions = (await Promise.all([a, b])).map((r) => (r.ok ? r.version : -1)).sort();
    expect(versions).toEqual([1, 2]);
  });
});

describe("the cache across instances", () => {
  it("another instance keeps its cached version until the TTL, then sees the new one", async () => {
    let clock = 1_000_000;
    const instanceB = new DataPolicyCache(POLICY_CACHE_TTL_MS, () => clock);
    const t = await ensureTenant("policy-cache");
    expect((await instanceB.get(t)).version).toBe(0);

    // Instance A (this process's cache) saves a change.
    await saveDataPolicy(t, strict, { actor: "cli", reason: "stricter" });
    expect((await getDataPolicy(t)).version).toBe(1);
    // B answers from its cache without asking the database...
    clock += POLICY_CACHE_TTL_MS - 1;
    expect((await instanceB.get(t)).version).toBe(0);
    // ...and checks again once its entry is older than the TTL.
    clock += 1;
    expect(await instanceB.get(t)).toEqual({ version: 1, policy: strict });
  });

  it("a database error propagates instead of falling back to the default policy", async () => {
    const broken = new DataPolicyCache(0);
    await getPool().query(`ALTER TABLE data_policies RENAME TO data_policies_away`);
    try {
      await expect(broken.get(tenant)).rejects.toThrow(/data_policies/);
    } finally {
      await getPool().query(`ALTER TABLE data_policies_away RENAME TO data_policies`);
    }
  });
});
