import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { FIXTURES_2_1_332_DIR, FIXTURES_DIR, fixturesOf } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";
import { runCorrelations } from "./correlation";
import { emptyTuning, loadPack } from "./pack";
import { countHits, fixtureRecords } from "./rule-tests";
import { RULE_LEVELS } from "./types";

// The shipped pack end to end: each captured scenario is posted over HTTP to the real OTLP
// receivers (one fresh tenant each), single-event rules run in the ingest transaction and the
// correlation job runs once. The alerts stored must be exactly what the pack's own evaluation of
// the same records finds (lib/detections/pack.test.ts holds that table, which the README shows):
// every rule that hits raises alerts whose hit counts add up, and no other rule raises any.

let db: TestDatabase;
let app: RouteServer;
const pack = loadPack();

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
  await db?.stop();
});

const SCENARIOS: Array<[string, string | undefined]> = [
  ["a-bash-allowed", undefined], ["c-read-write-edit", undefined], ["d-mcp", undefined], ["f-hook-block", undefined],
  ["i2-oauth-identity", undefined], ["office-traces", undefined],
  ["a-bash-allowed", "2.1.332"], ["b-tool-denied", "2.1.332"], ["d-mcp", "2.1.332"], ["i2-oauth-identity", "2.1.332"],
];

describe("captured scenarios through the OTLP receivers and the shipped pack", () => {
  for (const [scenario, version] of SCENARIOS) {
    it(`${version ?? "2.1.197"}/${scenario}`, async () => {
      const tenant = await createTestTenant(`replay-${scenario}-${version ?? "197"}`.replace(/\./g, ""));
      for (const f of fixturesOf(scenario, "http-json", version ? FIXTURES_2_1_332_DIR : FIXTURES_DIR)) {
        expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
      }
      // Everything is received: let the correlation job look at all of it.
      await runCorrelations(tenant.tenantId, { settleMs: 0, now: new Date(Date.now() + 1000) });

      const expected: Record<string, number> = {};
      const records = fixtureRecords(scenario, version);
      for (const rule of pack.rules) {
        const n = countHits(rule, records, emptyTuning());
        if (n > 0) expected[rule.id] = n;
      }
      const { rows } = await getPool().query<{ rule_id: string; hits: number; level: string }>(
        `SELECT rule_id, sum(hits)::int AS hits, max(level) AS level FROM alerts WHERE tenant_id = $1 GROUP BY rule_id`, [tenant.tenantId]);
      const stored = Object.fromEntries(rows.map((r) => [r.rule_id, r.hits]));
      expect(stored).toEqual(expected);

      if (scenario === "a-bash-allowed" || scenario === "i2-oauth-identity") {
        expect(rows.filter((r) => RULE_LEVELS.indexOf(r.level as never) >= RULE_LEVELS.indexOf("high"))).toEqual([]);
      }
      if (scenario === "c-read-write-edit") {
        const credential = pack.rules.find((r) => r.file === "rules/claude_code/credential-file-read.yml")!;
        expect(stored[credential.id]).toBe(1);
        // The alert's evidence is the stored event, linked to its prompt.
        const ev = await getPool().query<{ kind: string; prompt_id: string | null }>(
          `SELECT ev.kind, ev.prompt_id FROM alert_evidence ev JOIN alerts a ON a.tenant_id = ev.tenant_id AND a.id = ev.alert_id
            WHERE a.tenant_id = $1 AND a.rule_id = $2`, [tenant.tenantId, credential.id]);
        expect(ev.rows).toEqual([{ kind: "event", prompt_id: expect.any(String) }]);
      }
    });
  }
});
