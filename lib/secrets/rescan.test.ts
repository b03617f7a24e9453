import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { storeActivities } from "@/lib/sources/compliance";
import { createScheduler } from "@/lib/jobs/scheduler";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import type { DataPolicy } from "./policy";
import { saveDataPolicy } from "./policy-store";
import { latestRescan, newSecretsNote, RESCAN_JOB_KIND, rescanHandler, runRescan, startRescan } from "./rescan";
import { actionFor } from "./mask";
import { applyPolicyToValue } from "./rescan-apply";

// The re-scan applies a tenant's current (stricter) policy to content stored before it: events
// ingested through the real pipeline, the real job queue and scheduler, keyset batches whose
// cursor commits with them (a run cut short resumes where it stopped), idempotent runs (markers
// are not masked again), and two runners of one re-scan never count a batch twice.

let db: TestDatabase;
let t: TestTenant;
const N = 25;

function otlpLogs(prompts: string[]): Uint8Array {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [str("service.name", "claude-code"), str("service.version", "2.1.332")] },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events" },
            logRecords: prompts.map((p, i) => ({
              timeUnixNano: String(BigInt(Date.UTC(2026, 11, 1, 10, 0, i)) * 1_000_000n),
              body: { stringValue: "claude_code.user_prompt" },
              attributes: [str("event.name", "user_prompt"), str("session.id", "sess-rescan"), str("prompt.id", `p-${i}`), str("prompt", p), str("user.email", "jon@example.com")],
            })),
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

const promptOf = (i: number) => (i === 0 ? "use the test id ACME-00000000" : `deploy ACME-${String(10_000_000 + i)} to prod`);

async function storedPrompts(): Promise<string[]> {
  const { rows } = await getPool().query<{ p: string | null }>(
    `SELECT attributes->>'prompt' AS p FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt' ORDER BY prompt_id`,
    [t.tenantId],
  );
  return rows.map((r) => r.p ?? "(dropped)");
}

const base: DataPolicy = { rules: [], defaultAction: "keep", extraPatterns: [], exemptions: [], dropEmail: false };
const masking: DataPolicy = {
  ...base,
  rules: [{ target: "prompt", action: "mask" }],
  extraPatterns: [{ kind: "internal-id", pattern: "ACME-[0-9]{8}" }],
  exemptions: ["ACME-00000000"],
};

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "rescan-test-secret-0123456789";
  db = await startTestDatabase();
  t = await createTestTenant("rescan");
  const out = await ingestPayload("logs", "json", otlpLogs(Array.from({ length: N }, (_, i) => promptOf(i))), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  expect(out.inserted).toBe(N);
});

afterAll(async () => {
  await db.stop();
});

describe("applying a policy to one value", () => {
  it("picks the most specific rule and never masks a marker again", () => {
    const p: DataPolicy = { ...masking, rules: [{ target: "gen_ai.*", action: "hash" }, { target: "gen_ai.input.*", action: "drop" }, { target: "prompt", action: "mask" }] };
    expect(actionFor(p, "prompt")).toBe("mask");
    expect(actionFor(p, "gen_ai.input.messages")).toBe("drop");
    expect(actionFor(p, "gen_ai.output.messages")).toBe("hash");
    expect(actionFor(p, "tool_input")).toBe("keep");

    const ctx = { tenantId: t.tenantId, target: "prompt", policy: { ...masking, extraPatterns: [...masking.extraPatterns, { kind: "hex", pattern: "[0-9a-f]{8}" }] } };
    const once = applyPolicyToValue("key ACME-12345678 and deadbeef", ctx)!;
    expect(once).toMatch(/^key \[secret:internal-id:hmac8=[0-9a-f]{8}\] and \[secret:hex:hmac8=[0-9a-f]{8}\]$/);
    expect(applyPolicyToValue(once, ctx)).toBe(once);
    const hashed = applyPolicyToValue("anything", { ...ctx, target: "x", policy: { ...base, defaultAction: "hash" } })!;
    expect(hashed).toMatch(/^\[hash:hmac8=[0-9a-f]{8}\]$/);
    expect(applyPolicyToValue(hashed, { ...ctx, target: "x", policy: { ...base, defaultAction: "hash" } })).toBe(hashed);
  });
});

describe("what a re-scan notes on a record", () => {
  it("adds the fingerprints of new markers once, counted per kind, and nothing for markers already listed", () => {
    const rewritten = ["a [secret:aws-access-key:hmac8=0000000a] b [secret:aws-access-key:hmac8=0000000a]", '{"k":"[secret:jwt:hmac8=0000000b] [hash:hmac8=0000000c]"}'];
    expect(newSecretsNote(rewritten, { fingerprints: [], masked: undefined })).toEqual({
      fingerprints: ["aws-access-key:0000000a", "jwt:0000000b"],
      masked: { "aws-access-key": 1, jwt: 1 },
    });
    expect(newSecretsNote(rewritten, { fingerprints: ["jwt:0000000b"], masked: { jwt: 1 } })).toEqual({
      fingerprints: ["aws-access-key:0000000a", "jwt:0000000b"],
      masked: { "aws-access-key": 1, jwt: 1 },
    });
    expect(newSecretsNote(rewritten, { fingerprints: ["aws-access-key:0000000a", "jwt:0000000b"], masked: {} })).toBeNull();
    expect(newSecretsNote(["nothing masked"], { fingerprints: null, masked: undefined })).toBeNull();
  });
});

describe("re-scan of stored content", () => {
  it("masks stored prompts under a stricter version in resumable batches, and a second run changes nothing", async () => {
    expect((await storedPrompts())[1]).toBe("deploy ACME-10000001 to prod");
    await saveDataPolicy(t.tenantId, masking, { actor: "admin@example.com", reason: "mask internal ids" });
    const { rescan } = await startRescan(t.tenantId, "admin@example.com");
    expect(rescan).toMatchObject({ policyVersion: 1, status: "queued", tableName: "events", scanned: 0 });

    // A worker that stops after two batches: its cursor is committed.
    const cut = await runRescan(rescan.id, { batchSize: 10, maxBatches: 2 });
    expect(cut).toMatchObject({ status: "running", tableName: "events", scanned: 20 });
    expect(cut.cursor).toHaveLength(1);
    const halfway = await storedPrompts();
    expect(halfway.filter((p) => p.includes("[secret:internal-id:")).length).toBeGreaterThan(0);
    expect(halfway.filter((p) => /ACME-1\d{7}/.test(p)).length).toBeGreaterThan(0);

    // The queue's job resumes it (the real scheduler with the re-scan handler).
    const scheduler = createScheduler({ handlers: { [RESCAN_JOB_KIND]: rescanHandler() }, log: () => undefined });
    await scheduler.tick();
    await scheduler.idle();
    const done = await latestRescan(t.tenantId);
    expect(done).toMatchObject({ id: rescan.id, status: "done", scanned: N, changed: N - 1 });

    const prompts = await storedPrompts();
    expect(prompts.filter((p) => /ACME-1\d{7}/.test(p))).toEqual([]);
    expect(prompts).toContain("use the test id ACME-00000000");
    expect(prompts.filter((p) => /^deploy \[secret:internal-id:hmac8=[0-9a-f]{8}\] to prod$/.test(p))).toHaveLength(N - 1);

    // The records now list what was masked in them, as ingest would have: "seen before" and
    // `secret:` queries (both over secret_fingerprints) find secrets masked after the fact.
    const notes = await getPool().query<{ p: string; fingerprints: string[]; masked: Record<string, number> | null }>(
      `SELECT attributes->>'prompt' AS p, secret_fingerprints AS fingerprints, redaction->'masked' AS masked
         FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt' ORDER BY prompt_id`,
      [t.tenantId],
    );
    for (const r of notes.rows) {
      const marker = /\[secret:(internal-id):hmac8=([0-9a-f]{8})\]/.exec(r.p);
      if (marker) {
        expect(r.fingerprints).toEqual([`internal-id:${marker[2]}`]);
        expect(r.masked).toEqual({ "internal-id": 1 });
      } else {
        expect(r.fingerprints).toEqual([]);
      }
    }

    // Idempotent: the same version again rewrites nothing.
    const again = await startRescan(t.tenantId, "cli:ops");
    expect(again.created).toBe(true);
    expect(await runRescan(again.rescan.id)).toMatchObject({ status: "done", scanned: N, changed: 0 });
    expect(await storedPrompts()).toEqual(prompts);

    const audit = await getPool().query(`SELECT actor, target FROM audit_log WHERE tenant_id = $1 AND action = 'data_policy.rescan' ORDER BY id`, [t.tenantId]);
    expect(audit.rows).toEqual([
      { actor: "admin@example.com", target: "version 1" },
      { actor: "cli:ops", target: "version 1" },
    ]);
  });

  it("hash then drop: equal prompts hash equal, dropped prompts are gone from the record", async () => {
    await saveDataPolicy(t.tenantId, { ...masking, rules: [{ target: "prompt", action: "hash" }] }, { actor: "cli", reason: "hash prompts" });
    const hashRun = await startRescan(t.tenantId, "cli");
    expect(await runRescan(hashRun.rescan.id, { batchSize: 7 })).toMatchObject({ status: "done", changed: N });
    const hashed = await storedPrompts();
    expect(hashed.every((p) => /^\[hash:hmac8=[0-9a-f]{8}\]$/.test(p))).toBe(true);
    expect(new Set(hashed).size).toBe(N);

    await saveDataPolicy(t.tenantId, { ...masking, rules: [{ target: "prompt", action: "drop" }] }, { actor: "cli", reason: "drop prompts" });
    const dropRun = await startRescan(t.tenantId, "cli");
    expect(await runRescan(dropRun.rescan.id)).toMatchObject({ status: "done", changed: N });
    expect(await storedPrompts()).toEqual(Array.from({ length: N }, () => "(dropped)"));
    // Other keys of the record are kept.
    const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND attributes->>'prompt.id' IS NOT NULL`, [t.tenantId]);
    expect(rows[0].n).toBe(N);
  });

  it("two runners of one re-scan share the work: every row counted once", async () => {
    await saveDataPolicy(t.tenantId, { ...base, defaultAction: "mask", extraPatterns: [{ kind: "x", pattern: "never-here-[0-9]+" }] }, { actor: "cli", reason: "mask by default" });
    const { rescan } = await startRescan(t.tenantId, "cli");
    const [a, b] = await Promise.all([runRescan(rescan.id, { batchSize: 3 }), runRescan(rescan.id, { batchSize: 3 })]);
    expect(a.status).toBe("done");
    expect(b.status).toBe("done");
    expect((await latestRescan(t.tenantId))?.scanned).toBe(N);
  });

  it("a newer version supersedes an unfinished re-scan, which stops without writing", async () => {
    await saveDataPolicy(t.tenantId, masking, { actor: "cli", reason: "back to masking" });
    const older = await startRescan(t.tenantId, "cli");
    await runRescan(older.rescan.id, { batchSize: 5, maxBatches: 1 });
    // Starting again for the same version returns the open run.
    expect(await startRescan(t.tenantId, "cli")).toMatchObject({ created: false, rescan: { id: older.rescan.id } });
    await saveDataPolicy(t.tenantId, { ...masking, defaultAction: "hash" }, { actor: "cli", reason: "stricter" });
    const newer = await startRescan(t.tenantId, "cli");
    expect(newer.created).toBe(true);
    expect(await runRescan(older.rescan.id)).toMatchObject({ status: "superseded", scanned: 5 });
    expect(await runRescan(newer.rescan.id)).toMatchObject({ status: "done", scanned: N });
  });

  it("Compliance chats and messages: the text column and its copies in the raw record", async () => {
    const c = await createTestTenant("rescan-compliance");
    const raw = {
      id: "chat_1",
      name: "Rotate ACME-12345678",
      project: { name: "ACME-87654321 stays (not the chat's name)" },
    };
    const msgRaw = { id: "msg_1", role: "user", content: [{ type: "text", text: "token ACME-11112222 here" }], model: { name: "claude" } };
    await getPool().query(
      `INSERT INTO compliance_chats (tenant_id, id, name, created_at, raw, origin) VALUES ($1, 'chat_1', $2, now(), $3::jsonb, 'api')`,
      [c.tenantId, raw.name, JSON.stringify(raw)],
    );
    await getPool().query(
      `INSERT INTO compliance_chat_messages (tenant_id, id, chat_id, ordinal, role, created_at, text, raw) VALUES ($1, 'msg_1', 'chat_1', 0, 'user', now(), $2, $3::jsonb)`,
      [c.tenantId, "token ACME-11112222 here", JSON.stringify(msgRaw)],
    );
    await saveDataPolicy(c.tenantId, { ...masking, rules: [{ target: "compliance.text", action: "mask" }, { target: "compliance.name", action: "drop" }] }, { actor: "cli", reason: "compliance" });
    const { rescan } = await startRescan(c.tenantId, "cli");
    expect(await runRescan(rescan.id)).toMatchObject({ status: "done", scanned: 2, changed: 2 });

    const chat = (await getPool().query(`SELECT name, raw FROM compliance_chats WHERE tenant_id = $1`, [c.tenantId])).rows[0];
    expect(chat.name).toBeNull();
    // The chat's own name is dropped from the raw record too; a nested name is not the chat's.
    expect(chat.raw).toEqual({ ...raw, name: null });
    const msg = (await getPool().query(`SELECT text, raw FROM compliance_chat_messages WHERE tenant_id = $1`, [c.tenantId])).rows[0];
    expect(msg.text).toMatch(/^token \[secret:internal-id:hmac8=[0-9a-f]{8}\] here$/);
    expect(msg.raw.content[0].text).toBe(msg.text);
    expect(msg.raw.model).toEqual({ name: "claude" });
  });

  it("Compliance activities: every content leaf of the raw record, its identity and times untouched", async () => {
    const c = await createTestTenant("rescan-activities");
    const activity = {
      id: "activity_01",
      created_at: "2026-12-01T10:00:00Z",
      type: "claude_file_uploaded",
      actor: { type: "user_actor", email_address: "jon@example.com", user_id: "user_01" },
      file_name: "keys ACME-12345678.txt",
      tags: ["ACME-23456789", "plain"],
    };
    const before = await storeActivities(getPool(), c.tenantId, [activity], "api");
    expect(before.accepted).toBe(1);
    await saveDataPolicy(c.tenantId, { ...masking, rules: [{ target: "compliance.text", action: "mask" }] }, { actor: "cli", reason: "activities" });
    const { rescan } = await startRescan(c.tenantId, "cli");
    expect(await runRescan(rescan.id)).toMatchObject({ status: "done", scanned: 1, changed: 1 });
    const { raw } = (await getPool().query(`SELECT raw FROM compliance_activities WHERE tenant_id = $1`, [c.tenantId])).rows[0];
    expect(raw.file_name).toMatch(/^keys \[secret:internal-id:hmac8=[0-9a-f]{8}\]\.txt$/);
    expect(raw.tags[0]).toMatch(/^\[secret:internal-id:hmac8=[0-9a-f]{8}\]$/);
    expect(raw.tags[1]).toBe("plain");
    expect({ id: raw.id, created_at: raw.created_at, type: raw.type, actor: raw.actor }).toEqual({
      id: activity.id, created_at: activity.created_at, type: activity.type, actor: activity.actor,
    });
    // Idempotent: markers are not masked again.
    const again = await startRescan(c.tenantId, "cli");
    expect(await runRescan(again.rescan.id)).toMatchObject({ status: "done", changed: 0 });
  });
});
