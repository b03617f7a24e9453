import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { getPool } from "@/lib/db/pool";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { capturedLogBatch } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";

// What one request may cost, over real HTTP to the receivers: hostile bodies that would decode
// into huge numbers of objects are refused (413) before they are stored, a batch within the caps
// is stored whole, and a token over its rate gets 429 + Retry-After while another is served.
// (Peak memory of such bodies with and without the caps: scripts/measure-decode-memory.ts.)

const MAX_RECORDS = 40;
const MAX_OBJECTS = 20_000;
const RATE = 10; // records/s → a 10 s window of 100 points; each request costs 20 + its records

let db: TestDatabase;
let app: RouteServer;
const env = {
  BLINDSPOT_MAX_RECORDS_PER_REQUEST: String(MAX_RECORDS),
  BLINDSPOT_MAX_DECODE_OBJECTS: String(MAX_OBJECTS),
  BLINDSPOT_INGEST_TOKEN_RATE: String(RATE),
};

beforeAll(async () => {
  Object.assign(process.env, env);
  resetConfigForTests();
  // The per-process limiters are built from the configuration on first use.
  delete (globalThis as Record<string, unknown>).__blindspot_ingestTokenRate;
  db = await startTestDatabase();
  app = await startAppServer();
});

afterAll(async () => {
  for (const k of Object.keys(env)) delete process.env[k];
  delete (globalThis as Record<string, unknown>).__blindspot_ingestTokenRate;
  resetConfigForTests();
  await app?.close();
  await db?.stop();
});

async function post(token: string, body: string | Uint8Array, contentType: string) {
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST",
    headers: { "content-type": contentType, authorization: `Bearer ${token}` },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), text: Buffer.from(await res.arrayBuffer()).toString("utf8") };
}

const json = (token: string, body: string) => post(token, body, "application/json");
const protobuf = (token: string, body: Uint8Array) => post(token, body, "application/x-protobuf");

async function countEvents(tenantId: string): Promise<number> {
  const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenantId]);
  return rows[0].n;
}

describe("decode caps", () => {
  it("JSON: real records followed by more empty objects than the cap → 413, nothing stored", async () => {
    const t = await createTestTenant("cap-json-empty");
    const real = JSON.stringify(capturedLogBatch(10));
    // {"resourceLogs":[<real resource>,{},{},…]}
    const hostile = `${real.slice(0, -2)}${",{}".repeat(MAX_OBJECTS)}]}`;
    const res = await json(t.ingestToken, hostile);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ code: 8, message: expect.stringContaining("BLINDSPOT_MAX_DECODE_OBJECTS") });
    expect(await countEvents(t.tenantId)).toBe(0);
    // The same real records alone are stored.
    expect((await json(t.ingestToken, real)).status).toBe(200);
    expect(await countEvents(t.tenantId)).toBe(10);
  });

  it("protobuf: real records followed by more empty messages than the cap → 413, nothing stored", async () => {
    const t = await createTestTenant("cap-pb-empty");
    const real = encodeProtobufRequest("logs", capturedLogBatch(10));
    // Repeated fields concatenate: the real ResourceLogs plus MAX_OBJECTS empty ones (2 bytes each).
    const hostile = Buffer.concat([real, Buffer.alloc(MAX_OBJECTS * 2, Buffer.from([0x0a, 0x00]))]);
    const res = await protobuf(t.ingestToken, hostile);
    expect(res.status).toBe(413);
    expect(res.text).toContain("BLINDSPOT_MAX_DECODE_OBJECTS");
    expect(await countEvents(t.tenantId)).toBe(0);
    expect((await protobuf(t.ingestToken, real)).status).toBe(200);
    expect(await countEvents(t.tenantId)).toBe(10);
  });

  it("protobuf: one scope of empty log records past the cap → 413", async () => {
    const t = await createTestTenant("cap-pb-records");
    const records = Buffer.alloc(MAX_OBJECTS * 2, Buffer.from([0x12, 0x00])); // LogRecord {} × n
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      return [...out, n];
    };
    const scope = Buffer.concat([Buffer.from([0x12, ...varint(records.length)]), records]);
    const res = await protobuf(t.ingestToken, Buffer.concat([Buffer.from([0x0a, ...varint(scope.length)]), scope]));
    expect(res.status).toBe(413);
  });
});

describe("records per request", () => {
  it(`a batch of exactly ${MAX_RECORDS} records is stored, in JSON and protobuf`, async () => {
    const t = await createTestTenant("cap-records-ok");
    expect((await json(t.ingestToken, JSON.stringify(capturedLogBatch(MAX_RECORDS)))).status).toBe(200);
    expect(await countEvents(t.tenantId)).toBe(MAX_RECORDS);
    const t2 = await createTestTenant("cap-records-ok-pb");
    expect((await protobuf(t2.ingestToken, encodeProtobufRequest("logs", capturedLogBatch(MAX_RECORDS)))).status).toBe(200);
    expect(await countEvents(t2.tenantId)).toBe(MAX_RECORDS);
  });

  it(`${MAX_RECORDS + 1} records → 413 naming the cap, nothing stored`, async () => {
    const t = await createTestTenant("cap-records-over");
    const res = await json(t.ingestToken, JSON.stringify(capturedLogBatch(MAX_RECORDS + 1)));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).message).toBe(
      `request holds ${MAX_RECORDS + 1} log records, more than the ${MAX_RECORDS} allowed per request (BLINDSPOT_MAX_RECORDS_PER_REQUEST); send smaller batches`,
    );
    const pb = await protobuf(t.ingestToken, encodeProtobufRequest("logs", capturedLogBatch(MAX_RECORDS + 1)));
    expect(pb.status).toBe(413);
    expect(await countEvents(t.tenantId)).toBe(0);
  });
});

describe("per-token rate", () => {
  it("a token over its rate gets 429 + Retry-After and its batch is not stored; another token is still served", async () => {
    const a = await createTestTenant("rate-a");
    const b = await createTestTenant("rate-b");
    // Each request costs 20 + 10 records = 30 of the window's 100: the fourth is over.
    let refused: Awaited<ReturnType<typeof json>> | undefined;
    let stored = 0;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await json(a.ingestToken, JSON.stringify(capturedLogBatch(10, i * 10)));
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        stored += 1;
      }
    }
    expect(refused).toBeDefined();
    expect(stored).toBeGreaterThan(0);
    expect(Number(refused!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused!.retryAfter)).toBeLessThanOrEqual(10);
    expect(JSON.parse(refused!.text)).toMatchObject({ code: 8, message: expect.stringContaining("exceeded its rate of 10 records/s") });
    // Every batch holds 10 new events: those of the refused one were not stored.
    expect(await countEvents(a.tenantId)).toBe(10 * stored);

    const other = await json(b.ingestToken, JSON.stringify(capturedLogBatch(10)));
    expect(other.status).toBe(200);
    expect(await countEvents(b.tenantId)).toBe(10);
  });
});
