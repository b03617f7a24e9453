import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool, withTransaction } from "@/lib/db/pool";
import { decodeJsonRequest } from "@/lib/otlp/json";
import { decodeProtobufRequest } from "@/lib/otlp/proto";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import { createTestTenant } from "@/lib/testing/tenants";
import type { NormalizedBatch } from "@/lib/sources/model";
import { ingestPayload, normalize } from "./pipeline";
import { writeBatch, type BulkMethod } from "./writer";

// The two ways records reach the tables (COPY first; INSERT … ON CONFLICT when a record was stored
// before) must store exactly the same rows on both engines, and COPY's all-or-nothing failure on a
// record stored before must fall back without losing or doubling anything.

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
});

afterAll(async () => {
  await db?.stop();
});

/**
 * Values that COPY text format and JSON each escape their own way, and characters Postgres refuses
 * in text and jsonb (NUL, alone and in a row; UTF-16 surrogates without their other half).
 */
const HOSTILE =
  "tab\there\nnew line\r\\back\\slash \u0000nul \u0000\u0000nuls \"quoted\" 😀 \\N \\. {a,b} é " +
  "lone \ud800high \udc00low \udc00\ud800reversed \\u0000 \\ud800 (escaped backslashes)";
/** What Postgres holds for HOSTILE: each character it refuses replaced by U+FFFD. */
const STORED_HOSTILE =
  "tab\there\nnew line\r\\back\\slash \uFFFDnul \uFFFD\uFFFDnuls \"quoted\" 😀 \\N \\. {a,b} é " +
  "lone \uFFFDhigh \uFFFDlow \uFFFD\uFFFDreversed \\u0000 \\ud800 (escaped backslashes)";

function hostileLogs(): Uint8Array {
  const attrs = [
    { key: "event.name", value: { stringValue: "tool_result" } },
    { key: "session.id", value: { stringValue: `s\t${HOSTILE}` } },
    { key: "prompt.id", value: { stringValue: "p-1" } },
    { key: "event.sequence", value: { intValue: "7" } },
    { key: "tool_name", value: { stringValue: HOSTILE } },
    { key: "tool_parameters", value: { stringValue: JSON.stringify({ command: `echo "a\tb" > C:\\tmp\\x`, nul: "x\u0000y", hostile: HOSTILE }) } },
    { key: "duration_ms", value: { stringValue: "NaN" } },
    { key: "cost_usd", value: { stringValue: "Infinity" } },
    { key: "success", value: { stringValue: "true" } },
    { key: 'we"ird\\key{,}\t', value: { stringValue: "<REDACTED>" } },
    { key: "nested", value: { kvlistValue: { values: [{ key: "k\\", value: { arrayValue: { values: [{ stringValue: HOSTILE }, { doubleValue: 1.5 }, { boolValue: false }] } } }] } } },
    { key: "big", value: { intValue: "9007199254740993" } },
  ];
  const request = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }, { key: "user.email", value: { stringValue: "Ann\t@example.com" } }] },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events", version: "2.1.0" },
            logRecords: [
              { timeUnixNano: "1795313549686000000", body: { stringValue: HOSTILE }, attributes: attrs },
              { timeUnixNano: "1795313549686000001", body: { stringValue: "second" }, attributes: [...attrs.slice(0, 3), { key: "event.sequence", value: { intValue: "8" } }] },
            ],
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(request));
}

function batches(): NormalizedBatch[] {
  const fixture = (scenario: string, signal: string) => {
    const f = fixturesOf(scenario, "http-protobuf").find((x) => x.signal === signal)!;
    return normalize(f.signal, decodeProtobufRequest(f.signal, f.body()), new Date("2026-11-22T00:00:00Z"));
  };
  return [
    normalize("logs", decodeJsonRequest("logs", hostileLogs()), new Date("2026-11-22T00:00:00Z")),
    fixture("a-bash-allowed", "logs"),
    fixture("a-bash-allowed", "metrics"),
    fixture("office-traces", "traces"),
  ];
}

const STORED: { table: string; order: string; ignore?: string }[] = [
  { table: "events", order: "id" },
  { table: "spans", order: "trace_id, span_id" },
  { table: "metric_points", order: "id" },
  { table: "resources", order: "id", ignore: "first_seen" }, // set by the server at insert
  { table: "identity_observations", order: "id" },
];

/** Every stored row of a tenant as JSON, without the columns that name the tenant or the load. */
async function storedRows(tenantId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const { table, order, ignore } of STORED) {
    const { rows } = await getPool().query<{ r: unknown }>(
      `SELECT to_jsonb(t) - 'tenant_id' - 'environment_id' - 'ingest_token_id' - 'received_at' - '${ignore ?? ""}' AS r
         FROM "${table}" t WHERE tenant_id = $1 ORDER BY ${order}`,
      [tenantId],
    );
    out[table] = rows.map((x) => x.r);
  }
  return out;
}

async function writeAll(method: BulkMethod, slug: string): Promise<string> {
  const t = await createTestTenant(slug);
  for (const batch of batches()) {
    await withTransaction((client) => writeBatch(client, { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null }, batch, method));
  }
  return t.tenantId;
}

describe("bulk load methods", () => {
  it(`COPY and INSERT store identical rows, hostile values included (${process.env.TEST_DATABASE_URL ? "Postgres server" : "PGlite"})`, async () => {
    const viaInsert = await storedRows(await writeAll("insert", "via-insert"));
    const viaCopy = await storedRows(await writeAll("copy", "via-copy"));
    expect(viaInsert.events.length).toBeGreaterThan(2);
    expect(viaInsert.spans.length).toBeGreaterThan(0);
    expect(viaInsert.metric_points.length).toBeGreaterThan(0);
    expect(viaCopy).toEqual(viaInsert);

    const { rows } = await getPool().query(
      `SELECT tool_name, session_id, duration_ms, cost_usd, redacted_keys, attributes->>'tool_parameters' AS params,
              fields->'toolParameters' AS parsed_params, body
         FROM events WHERE tenant_id IN (SELECT id FROM tenants WHERE slug = 'via-copy') AND tool_name IS NOT NULL AND sequence = 7`,
    );
    const expected = STORED_HOSTILE;
    expect(rows[0].tool_name).toBe(expected);
    // The attribute keeps the sender's JSON text as it came; its parsed form holds the characters.
    expect(rows[0].params).toBe(JSON.stringify({ command: `echo "a\tb" > C:\\tmp\\x`, nul: "x\u0000y", hostile: HOSTILE }));
    expect(rows[0].parsed_params).toEqual({ command: `echo "a\tb" > C:\\tmp\\x`, nul: "x\uFFFDy", hostile: STORED_HOSTILE });
    expect(rows[0].session_id).toBe(`s\t${expected}`);
    expect(rows[0].duration_ms).toBeNull(); // "NaN" is not a number worth storing
    expect(rows[0].redacted_keys).toContain('we"ird\\key{,}\t');
    expect(rows[0].body).toBe(expected);
  });
});

describe("re-sent and racing batches", () => {
  const payload = () => fixturesOf("a-bash-allowed", "http-protobuf").find((x) => x.signal === "logs")!.body();

  it("a batch sent again stores nothing twice and reports its records as duplicates", async () => {
    const t = await createTestTenant("resent");
    const scope = { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null };
    const first = await ingestPayload("logs", "protobuf", payload(), scope);
    expect(first.inserted).toBeGreaterThan(0);
    const again = await ingestPayload("logs", "protobuf", payload(), scope);
    expect(again).toMatchObject({ inserted: 0, duplicates: first.inserted });
    const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(first.inserted);
  });

  it("the same batch sent by several senders at once is stored once, and each record counted once", async () => {
    const t = await createTestTenant("racing");
    const scope = { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null };
    const results = await Promise.all(Array.from({ length: 4 }, () => ingestPayload("logs", "protobuf", payload(), scope)));
    const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBeGreaterThan(0);
    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(rows[0].n);
    for (const r of results) expect(r.inserted + r.duplicates).toBe(rows[0].n);
    const { rows: rollup } = await getPool().query(`SELECT coalesce(sum(records), 0)::int AS n FROM source_rollups WHERE tenant_id = $1`, [t.tenantId]);
    expect(rollup[0].n).toBe(rows[0].n);
  });

  it("a record repeated inside one batch is stored once", async () => {
    const t = await createTestTenant("repeated");
    const scope = { tenantId: t.tenantId, environmentId: t.environmentId, ingestTokenId: null };
    const request = JSON.parse(new TextDecoder().decode(hostileLogs()));
    const records = request.resourceLogs[0].scopeLogs[0].logRecords;
    records.push(records[0], records[1]);
    const result = await ingestPayload("logs", "json", new TextEncoder().encode(JSON.stringify(request)), scope);
    expect(result).toMatchObject({ inserted: 2, duplicates: 2 });
  });
});
