import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { ingestPayload } from "@/lib/ingest/pipeline";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { exploreEventDetail } from "./event-detail";

// The Explorer's row panel reads one event of the viewer's tenant, with every field for readers of
// content and without the content for managers, from really ingested telemetry.

let db: TestDatabase;
let A: TestTenant;
let B: TestTenant;
let decisionId: string;

beforeAll(async () => {
  db = await startTestDatabase();
  A = await createTestTenant("detail-a");
  B = await createTestTenant("detail-b");
  for (const f of fixturesOf("b-tool-denied", "http-json").filter((x) => x.signal === "logs")) {
    await ingestPayload(f.signal, "json", new Uint8Array(f.body()), { tenantId: A.tenantId, environmentId: A.environmentId, ingestTokenId: null });
  }
  const { rows } = await getPool().query<{ id: string }>(
    `SELECT id FROM events WHERE tenant_id = $1 AND event_name = 'tool_decision' AND tool_name = 'Bash' AND decision = 'reject' LIMIT 1`,
    [A.tenantId],
  );
  decisionId = rows[0].id;
});

afterAll(async () => {
  await db?.stop();
});

describe("exploreEventDetail", () => {
  it("gives an analyst every field of the event, the content included", async () => {
    const e = await exploreEventDetail(A.tenantId, decisionId, true);
    expect(e).toMatchObject({ id: decisionId, name: "tool_decision", toolName: "Bash", decision: "reject", hiddenKeys: [] });
    expect(JSON.stringify(e)).toContain("rm -rf build");
  });

  it("gives a manager the metadata only, listing what was hidden", async () => {
    const e = await exploreEventDetail(A.tenantId, decisionId, false);
    expect(e).toMatchObject({ id: decisionId, toolName: "Bash", decision: "reject" });
    expect(JSON.stringify(e)).not.toContain("rm -rf");
    expect(e!.hiddenKeys.length).toBeGreaterThan(0);
  });

  it("finds nothing for another tenant or a malformed id (no error)", async () => {
    expect(await exploreEventDetail(B.tenantId, decisionId, true)).toBeNull();
    expect(await exploreEventDetail(A.tenantId, "not-a-uuid'--", true)).toBeNull();
    expect(await exploreEventDetail(A.tenantId, "00000000-0000-4000-8000-000000000000", true)).toBeNull();
  });
});
