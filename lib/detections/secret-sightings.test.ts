import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { keyedDigest } from "@/lib/secrets/keys";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { secretSamples } from "@/lib/testing/secret-samples";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import type { ApiAlertEvidence } from "./alert-read";
import { secretSightings } from "./secret-sightings";
import { planUsesIndex } from "@/lib/testing/plans";

// "Seen before" reads the GIN indexes on events.secret_fingerprints and spans.secret_fingerprints,
// which hold only records with a secret (migration 20261205150000_ingest_index_costs: an empty
// array costs every record an index entry otherwise). A partial index serves a query only when
// the query implies its predicate: these tests read the plan of the query secretSightings runs.

process.env.NEXTAUTH_SECRET ??= "secret-sightings-test-0123456789abcdef";

const samples = secretSamples(41);
let db: TestDatabase;
let t: TestTenant;

const kv = (o: Record<string, string | number>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
let seq = 0;

function logs(session: string, email: string, prompts: string[]) {
  return {
    resourceLogs: [{
      resource: { attributes: kv({ "service.name": "claude-code", "service.version": "2.1.332" }) },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events" },
        logRecords: prompts.map((prompt) => ({
          timeUnixNano: String(T0 + BigInt(++seq) * 1_000_000n),
          body: { stringValue: "claude_code.user_prompt" },
          attributes: kv({ "event.name": "user_prompt", "session.id": session, "prompt.id": `p-${seq}`, "event.sequence": seq, "user.email": email, prompt, prompt_length: prompt.length }),
        })),
      }],
    }],
  };
}

async function ingest(body: unknown) {
  const out = await ingestPayload("logs", "json", new TextEncoder().encode(JSON.stringify(body)), { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null });
  expect(out.rejected).toBe(0);
}

const evidenceOf = (id: string): ApiAlertEvidence => ({ kind: "event", id, time: "", sessionId: null, promptId: null, name: "user_prompt" });
const secret = () => samples["github-token"];
const fingerprint = () => `github-token:${keyedDigest(t.tenantId, "secret-fingerprint", secret().secret).slice(0, 8)}`;

beforeAll(async () => {
  db = await startTestDatabase();
  t = await createTestTenant("secret-sightings");
  await ingest(logs("sight-a", "arya@westeros.example", [`use ${secret().text} for the release`, "no secret here", "nor here"]));
  await ingest(logs("sight-b", "sansa@westeros.example", [`again ${secret().text}`, "plain text"]));
});

afterAll(async () => {
  await db?.stop();
});

describe("secret sightings", () => {
  it("finds the secret in the other session, and the index holds only the records with a secret", async () => {
    const { rows: evidence } = await getPool().query<{ id: string }>(
      `SELECT id FROM events WHERE tenant_id = $1 AND session_id = 'sight-a' AND cardinality(secret_fingerprints) > 0`, [t.tenantId]);
    expect(evidence).toHaveLength(1);
    const sightings = await secretSightings(t.tenantId, [evidenceOf(evidence[0].id)]);
    expect(sightings.map((s) => [s.fingerprint, s.elsewhere.records, s.elsewhere.sessions])).toEqual([[fingerprint(), 1, 1]]);

    const { rows: [counts] } = await getPool().query<{ with_secret: number; all: number }>(
      `SELECT count(*) FILTER (WHERE cardinality(secret_fingerprints) > 0)::int AS with_secret, count(*)::int AS all FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(counts).toEqual({ with_secret: 2, all: 5 });
  });

  it("the query reads the partial GIN indexes of events and spans, not the whole tables", async () => {
    const { rows: evidence } = await getPool().query<{ id: string }>(
      `SELECT id FROM events WHERE tenant_id = $1 AND cardinality(secret_fingerprints) > 0 LIMIT 1`, [t.tenantId]);
    const client = await getPool().connect();
    let plan = "";
    try {
      await client.query("BEGIN");
      // With a few rows any index (or none) will do: leave the fingerprint indexes the only ones, in
      // this transaction only (rolled back below), and forbid the table scan, so the plan shows
      // whether the query can use them at all.
      const { rows: others } = await client.query<{ table: string; name: string; is_primary: boolean }>(
        `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS is_primary
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
          WHERE t.relname IN ('events', 'spans') AND t.relnamespace = current_schema()::regnamespace AND i.relname NOT LIKE '%secret_fingerprints_idx'`);
      for (const ix of others) {
        await client.query(ix.is_primary ? `ALTER TABLE "${ix.table}" DROP CONSTRAINT "${ix.name}"` : `DROP INDEX "${ix.name}"`);
      }
      await client.query("SET LOCAL enable_seqscan = off");
      let text = "";
      const explaining = {
        query: async (sql: string, values?: unknown[]) => {
          if (sql.includes("WITH seen AS")) {
            const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, values);
            text = rows.map((r) => r["QUERY PLAN"]).join("\n");
          }
          return client.query(sql, values);
        },
      };
      await secretSightings(t.tenantId, [evidenceOf(evidence[0].id)], explaining as never);
      plan = text;
      expect(await planUsesIndex(client, plan, "events_secret_fingerprints_idx"), plan).toBe(true);
      expect(await planUsesIndex(client, plan, "spans_secret_fingerprints_idx"), plan).toBe(true);
    } finally {
      await client.query("ROLLBACK"); // the dropped indexes come back
      client.release();
    }
  });
});
