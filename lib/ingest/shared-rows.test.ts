import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { getPool } from "@/lib/db/pool";
import { detectionEngine, setDetectionEngine } from "@/lib/detections/evaluator-contract";
import { clearTuningCache } from "@/lib/detections/evaluate";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestEngine } from "@/lib/testing/detection-engine";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { ingestPayload } from "./pipeline";

// Concurrent batches share rows: the rollups' counters and the identity observations, upserted
// with DO UPDATE, whose row locks hold until COMMIT. The ingest transaction writes them last, after
// the detection rules, so a batch waits for another only for those statements and its COMMIT.
// Seen here from outside: a batch that meets those rows locked has already stored its records and
// run the rules on them. Row locks between sessions need a Postgres server (TEST_DATABASE_URL);
// the embedded engine serves one session at a time.

let db: TestDatabase;
let t: TestTenant;
const previousEngine = detectionEngine();
const engine = createTestEngine();

const kv = (o: Record<string, string | number>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
let seq = 0;

function batch(n: number): Uint8Array {
  const records = Array.from({ length: n }, () => ({
    timeUnixNano: String(T0 + BigInt(++seq) * 1_000_000n),
    body: { stringValue: "claude_code.tool_decision" },
    attributes: kv({ "event.name": "tool_decision", "session.id": "shared-rows", "event.sequence": seq, "user.email": "arya@westeros.example", tool_name: "Read", decision: "accept", source: "config" }),
  }));
  const body = { resourceLogs: [{ resource: { attributes: kv({ "service.name": "claude-code", "service.version": "2.1.332" }) }, scopeLogs: [{ scope: { name: "com.anthropic.claude_code.events" }, logRecords: records }] }] };
  return new TextEncoder().encode(JSON.stringify(body));
}

beforeAll(async () => {
  db = await startTestDatabase();
  t = await createTestTenant("shared-rows");
  setDetectionEngine(engine);
  clearTuningCache();
});

afterAll(async () => {
  setDetectionEngine(previousEngine);
  clearTuningCache();
  await db?.stop();
});

describe("the rows concurrent batches share are written last", () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)("a batch waiting on a locked rollup row has already stored its records and run the rules", async () => {
    const scope = { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null };
    await ingestPayload("logs", "json", batch(3), scope); // the rollup and identity rows now exist

    // Another session holds the tenant's rollup rows, as a concurrent batch would until its COMMIT.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM source_rollups WHERE tenant_id = $1 FOR UPDATE", [t.tenantId]);
      const evaluatedBefore = engine.evaluatedRecords;
      const pending = ingestPayload("logs", "json", batch(4), scope);
      // Until the batch's session waits for a lock, which can only be the holder's (bounded: a hang fails the test, not the suite).
      let waiting = false;
      for (let i = 0; i < 600 && !waiting; i++) {
        const { rows } = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        waiting = rows[0].n > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waiting).toBe(true);
      expect(engine.evaluatedRecords - evaluatedBefore).toBeGreaterThan(0); // the rules already ran on its records
      await holder.query("COMMIT");
      const out = await pending;
      expect(out.inserted).toBe(4);
    } finally {
      await holder.end();
    }
    const { rows } = await getPool().query<{ records: number }>(
      `SELECT sum(records)::int AS records FROM source_rollups WHERE tenant_id = $1 AND kind = 'event'`, [t.tenantId]);
    expect(rows[0].records).toBe(7);
  });
});
