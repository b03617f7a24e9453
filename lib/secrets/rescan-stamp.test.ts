import { afterAll, beforeAll, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant } from "@/lib/testing/tenants";
import { saveDataPolicy } from "./policy-store";
import { runRescan, startRescan } from "./rescan";

// stampPolicyVersion once the tables have their `redaction` jsonb column (added with ingest
// masking; created here by hand): every re-scanned record notes the version it now complies
// with, except records already stored under a later version.

let db: TestDatabase;

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "rescan-stamp-secret-0123456789";
  db = await startTestDatabase();
  await getPool().query(`ALTER TABLE events ADD COLUMN IF NOT EXISTS redaction jsonb`);
});

afterAll(async () => {
  await db.stop();
});

it("re-scanned records get redaction.policy_version, later ones keep theirs", async () => {
  const t = await createTestTenant("stamp");
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const body = {
    resourceLogs: [{
      resource: { attributes: [str("service.name", "claude-code")] },
      scopeLogs: [{
        logRecords: [0, 1, 2].map((i) => ({
          timeUnixNano: String(BigInt(Date.UTC(2026, 11, 1, 9, 0, i)) * 1_000_000n),
          body: { stringValue: "claude_code.user_prompt" },
          attributes: [str("event.name", "user_prompt"), str("prompt.id", `p-${i}`), str("prompt", `id ACME-1234567${i}`)],
        })),
      }],
    }],
  };
  await ingestPayload("logs", "json", new TextEncoder().encode(JSON.stringify(body)), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  await getPool().query(`UPDATE events SET redaction = '{"policy_version": 5, "kept": true}' WHERE tenant_id = $1 AND prompt_id = 'p-2'`, [t.tenantId]);
  await saveDataPolicy(t.tenantId, { rules: [], defaultAction: "mask", extraPatterns: [{ kind: "internal-id", pattern: "ACME-[0-9]{8}" }], exemptions: [], dropEmail: false }, { actor: "cli", reason: "mask ids" });
  const { rescan } = await startRescan(t.tenantId, "cli");
  expect(await runRescan(rescan.id, { batchSize: 2 })).toMatchObject({ status: "done", scanned: 3 });
  const { rows } = await getPool().query<{ prompt_id: string; redaction: unknown }>(`SELECT prompt_id, redaction FROM events WHERE tenant_id = $1 ORDER BY prompt_id`, [t.tenantId]);
  expect(rows).toEqual([
    // Each prompt's id was masked: the count per kind is noted on every record, whatever its version.
    { prompt_id: "p-0", redaction: { policy_version: 1, masked: { "internal-id": 1 } } },
    { prompt_id: "p-1", redaction: { policy_version: 1, masked: { "internal-id": 1 } } },
    { prompt_id: "p-2", redaction: { policy_version: 5, kept: true, masked: { "internal-id": 1 } } },
  ]);
});
