import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestToken, clearIngestTokenCache, revokeIngestToken, rotateIngestToken } from "@/lib/auth/ingest-tokens";
import { resetConfigForTests } from "@/lib/config";
import { readMigrations } from "@/lib/db/migrate";
import { getPool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The OTLP/HTTP contract, one real request per case: status codes, response bodies,
// partial success, idempotent retries, tenant isolation, size caps, CORS.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;

const logsFixture = fixturesOf("a-bash-allowed", "http-protobuf").find((f) => f.signal === "logs")!;
const jsonLogsFixture = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!;
const tracesFixture = fixturesOf("office-traces", "http-protobuf")[0];

beforeAll(async () => {
  process.env.BLINDSPOT_MAX_BODY_BYTES = String(1024 * 1024);
  db = await startTestDatabase();
  app = await startAppServer();
  tenant = await createTestTenant("receiver");
});

afterAll(async () => {
  delete process.env.BLINDSPOT_MAX_BODY_BYTES;
  resetConfigForTests();
  await app?.close();
  await db?.stop();
});

function send(path: string, body: string | Uint8Array, headers: Record<string, string>) {
  // Node's Buffer is a Uint8Array; fetch's DOM typing wants a plain one.
  const payload = typeof body === "string" ? body : new Uint8Array(body);
  return fetch(`${app.url}/api/otlp/v1/${path}`, { method: "POST", headers, body: payload });
}

const pb = (token: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/x-protobuf",
  authorization: `Bearer ${token}`,
  ...extra,
});

async function countEvents(tenantId: string): Promise<number> {
  const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenantId]);
  return rows[0].n;
}

describe("authentication", () => {
  it("401 without a token, with a JSON Status body", async () => {
    const res = await send("logs", jsonLogsFixture.body(), { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, message: expect.stringContaining("missing ingest token") });
  });

  it("401 for an unknown token; the Status is protobuf when the request was", async () => {
    const res = await send("logs", logsFixture.body(), pb("bsi_not-a-real-token"));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    expect(Buffer.from(await res.arrayBuffer()).toString("utf8")).toContain("unknown ingest token");
  });

  it("accepts x-api-key as well as Authorization: Bearer", async () => {
    const res = await send("logs", logsFixture.body(), { "content-type": "application/x-protobuf", "x-api-key": tenant.ingestToken });
    expect(res.status).toBe(200);
  });

  it("403 for a revoked token, and rotation keeps the old token working until revoked", async () => {
    const t = await createTestTenant("revoke");
    const { token } = (await prisma().ingestToken.findFirst({ where: { tenantId: t.tenantId } }).then((row) => ({ token: row! })));
    const rotated = await rotateIngestToken(token.id);
    expect((await send("logs", logsFixture.body(), pb(t.ingestToken))).status).toBe(200);
    expect((await send("logs", logsFixture.body(), pb(rotated.secret))).status).toBe(200);
    await revokeIngestToken(token.id);
    const res = await send("logs", logsFixture.body(), pb(t.ingestToken));
    expect(res.status).toBe(403);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toContain("revoked");
    expect((await send("logs", logsFixture.body(), pb(rotated.secret))).status).toBe(200);
  });

  it("403 for an expired token", async () => {
    const t = await createTestTenant("expired");
    await prisma().ingestToken.updateMany({ where: { tenantId: t.tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    clearIngestTokenCache();
    const res = await send("logs", jsonLogsFixture.body(), { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` });
    expect(res.status).toBe(403);
    expect((await res.json()).message).toContain("expired");
  });

  it("403 when the token's scope does not cover the signal", async () => {
    const t = await createTestTenant("traces-only", { signals: ["traces"] });
    const denied = await send("logs", logsFixture.body(), pb(t.ingestToken));
    expect(denied.status).toBe(403);
    const allowed = await send("traces", tracesFixture.body(), pb(t.ingestToken));
    expect(allowed.status).toBe(200);
  });

  it("a token of another tenant writes only there, and that tenant's data stays invisible", async () => {
    const a = await createTestTenant("iso-a");
    const b = await createTestTenant("iso-b");
    expect((await send("logs", logsFixture.body(), pb(a.ingestToken))).status).toBe(200);
    expect(await countEvents(a.tenantId)).toBeGreaterThan(0);
    expect(await countEvents(b.tenantId)).toBe(0);
    const decoded = logsFixture.decoded() as ExportLogsServiceRequest;
    const promptId = decoded.resourceLogs![0].scopeLogs![0].logRecords!
      .flatMap((r) => r.attributes ?? [])
      .find((kv) => kv.key === "prompt.id")!.value as { stringValue: string };
    const asB = await fetch(`${app.url}/api/v1/prompts/${promptId.stringValue}`, { headers: { authorization: `Bearer ${b.apiToken}` } });
    expect(asB.status).toBe(404);
    const asA = await fetch(`${app.url}/api/v1/prompts/${promptId.stringValue}`, { headers: { authorization: `Bearer ${a.apiToken}` } });
    expect(asA.status).toBe(200);
    const listB = await fetch(`${app.url}/api/v1/events`, { headers: { authorization: `Bearer ${b.apiToken}` } });
    expect((await listB.json()).events).toEqual([]);
  });
});

describe("content and encoding", () => {
  it("415 for another content type", async () => {
    const res = await send("logs", "hello", { "content-type": "text/plain", authorization: `Bearer ${tenant.ingestToken}` });
    expect(res.status).toBe(415);
    expect((await res.json()).message).toContain("application/x-protobuf");
  });

  it("415 for an unknown Content-Encoding", async () => {
    const res = await send("logs", logsFixture.body(), pb(tenant.ingestToken, { "content-encoding": "br" }));
    expect(res.status).toBe(415);
  });

  it("400 for truncated protobuf, nothing stored", async () => {
    const t = await createTestTenant("truncated");
    const body = logsFixture.body();
    const res = await send("logs", body.subarray(0, Math.floor(body.length / 2)), pb(t.ingestToken));
    expect(res.status).toBe(400);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toContain("invalid protobuf");
    expect(await countEvents(t.tenantId)).toBe(0);
  });

  it("400 for invalid JSON and for a non-OTLP JSON document", async () => {
    const h = { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` };
    const bad = await send("logs", '{"resourceLogs": [', h);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain("not valid JSON");
    const wrongShape = await send("logs", '{"resourceLogs": {"not": "an array"}}', h);
    expect(wrongShape.status).toBe(400);
  });

  it("400 for corrupt gzip", async () => {
    const res = await send("logs", Buffer.from("definitely not gzip"), pb(tenant.ingestToken, { "content-encoding": "gzip" }));
    expect(res.status).toBe(400);
  });

  it("a logs payload posted to the traces endpoint is refused and stores nothing", async () => {
    const t = await createTestTenant("wrong-endpoint");
    const json = await send("traces", jsonLogsFixture.body(), { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` });
    expect(json.status).toBe(400);
    expect((await json.json()).message).toContain("/v1/logs");
    const proto = await send("traces", logsFixture.body(), pb(t.ingestToken));
    expect(proto.status).toBe(400);
    const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM spans WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(0);
  });
});

describe("size limits (cap 1 MiB in this test)", () => {
  it("413 for a body over the cap", async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const res = await send("logs", big, { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` });
    expect(res.status).toBe(413);
  });

  it("413 for a gzip bomb: 1 GiB of zeros in a 1 MB body, refused without inflating it all", async () => {
    const chunk = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    // Concatenated gzip members inflate to their sum: 16 × 64 MiB = 1 GiB.
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => chunk));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().rss;
    const res = await send("logs", bomb, pb(tenant.ingestToken, { "content-encoding": "gzip" }));
    expect(res.status).toBe(413);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toContain("decompressed");
    // Inflating a gigabyte would show; the cap keeps growth near the 1 MiB limit.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    // Compressing 64 MiB for the bomb alone takes seconds on a busy 2-core machine.
  }, 60_000);
});

describe("idempotency and partial success", () => {
  it("the same batch posted twice stores each record once", async () => {
    const t = await createTestTenant("twice");
    expect((await send("logs", logsFixture.body(), pb(t.ingestToken))).status).toBe(200);
    const once = await countEvents(t.tenantId);
    expect(once).toBeGreaterThan(0);
    expect((await send("logs", gzipSync(logsFixture.body()), pb(t.ingestToken, { "content-encoding": "gzip" }))).status).toBe(200);
    expect(await countEvents(t.tenantId)).toBe(once);
    const spans = await createTestTenant("twice-spans");
    for (let i = 0; i < 2; i++) expect((await send("traces", tracesFixture.body(), pb(spans.ingestToken))).status).toBe(200);
    const { rows } = await getPool().query(`SELECT count(*)::int AS n, count(DISTINCT span_id)::int AS d FROM spans WHERE tenant_id = $1`, [spans.tenantId]);
    expect(rows[0].n).toBe(rows[0].d);
  });

  it("stores the valid records of a batch and counts the invalid ones in partialSuccess", async () => {
    const t = await createTestTenant("partial");
    const good = (seq: number) => ({
      timeUnixNano: "1795313549686000000",
      body: { stringValue: "claude_code.user_prompt" },
      attributes: [
        { key: "event.name", value: { stringValue: "user_prompt" } },
        { key: "session.id", value: { stringValue: "partial-session" } },
        { key: "event.sequence", value: { intValue: seq } },
      ],
    });
    const payload = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
          scopeLogs: [
            {
              logRecords: [
                good(1),
                { ...good(2), traceId: "not-hex" },
                { ...good(3), attributes: [{ value: { stringValue: "no key" } }] },
                { ...good(4), timeUnixNano: "yesterday" },
                good(5),
              ],
            },
          ],
        },
      ],
    };
    const res = await send("logs", JSON.stringify(payload), { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess.rejectedLogRecords).toBe("3");
    expect(body.partialSuccess.errorMessage).toContain("traceId");
    const { rows } = await getPool().query(`SELECT sequence FROM events WHERE tenant_id = $1 ORDER BY sequence`, [t.tenantId]);
    expect(rows.map((r) => r.sequence)).toEqual([1, 5]);

    // Same rules over protobuf: the response is an ExportLogsServiceResponse with the count.
    const t2 = await createTestTenant("partial-pb");
    const asPb = encodeProtobufRequest("logs", {
      resourceLogs: [{ ...payload.resourceLogs[0], scopeLogs: [{ logRecords: [good(1), { ...good(2), spanId: "0102" }] }] }],
    } as ExportLogsServiceRequest);
    const resPb = await send("logs", Buffer.from(asPb), pb(t2.ingestToken));
    expect(resPb.status).toBe(200);
    expect((await resPb.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(await countEvents(t2.tenantId)).toBe(1);
  });

  it("stores values with NUL characters (which Postgres refuses) with U+FFFD in their place", async () => {
    const t = await createTestTenant("nul");
    const payload = {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{
        timeUnixNano: "1795313549686000000",
        body: { stringValue: "claude_code.user_prompt" },
        attributes: [
          { key: "event.name", value: { stringValue: "user_prompt" } },
          { key: "prompt", value: { stringValue: "before\u0000after \\u0000 literal" } },
        ],
      }] }] }],
    };
    const res = await send("logs", JSON.stringify(payload), { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` });
    expect(res.status).toBe(200);
    const { rows } = await getPool().query(`SELECT attributes->>'prompt' AS p FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].p).toBe("before\uFFFDafter \\u0000 literal");
  });

  it("content Postgres refuses or cannot nest (lone surrogates, runs of NULs, JSON 100,000 levels deep) is stored, not a failed batch", async () => {
    const t = await createTestTenant("hostile-content");
    const record = (seq: number, attributes: { key: string; value: { stringValue: string } }[], eventName = "tool_result") => ({
      timeUnixNano: "1795313549686000000",
      body: { stringValue: `claude_code.${eventName}` },
      attributes: [
        { key: "event.name", value: { stringValue: eventName } },
        { key: "session.id", value: { stringValue: "hostile-content" } },
        { key: "event.sequence", value: { intValue: String(seq) } },
        ...attributes,
      ],
    });
    const deepJson = "[".repeat(100_000) + "]".repeat(100_000);
    const payload = {
      resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] }, scopeLogs: [{ logRecords: [
        record(1, []),
        record(2, [{ key: "tool_name", value: { stringValue: "Bash\ud800" } }, { key: "k\udc00", value: { stringValue: "v" } }]),
        // A tool's input with escapes of characters Postgres refuses, as a client's JSON.stringify writes them.
        record(3, [{ key: "tool_parameters", value: { stringValue: '{"command":"echo \\ud800 \\u0000\\u0000"}' } }]),
        record(4, [{ key: "tool_parameters", value: { stringValue: deepJson } }]),
      ] }] }],
    };
    // JSON.stringify writes the lone surrogates as \ud800-style escapes, as a client's JSON encoder does.
    const text = JSON.stringify(payload);
    expect(text).toContain('"Bash\\ud800"');
    const res = await send("logs", text, { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const { rows } = await getPool().query(
      `SELECT sequence, tool_name, attributes ? 'k\uFFFD' AS has_key, fields->'toolParameters' AS params, truncated_keys
         FROM events WHERE tenant_id = $1 ORDER BY sequence`,
      [t.tenantId],
    );
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
    expect(rows[1]).toMatchObject({ tool_name: "Bash\uFFFD", has_key: true });
    expect(rows[2].params).toEqual({ command: "echo \uFFFD \uFFFD\uFFFD" });
    // Too deep to parse: kept as the sender's string, not mistaken for truncated JSON.
    expect(rows[3].params).toBe(deepJson);
    expect(rows[3].truncated_keys).toEqual([]);

    // Values that differ only in such characters are one value once stored: the rollups and
    // identities they feed must count them together, not collide inside one upsert.
    const t3 = await createTestTenant("hostile-collisions");
    const decision = (seq: number, tool: string, email: string) =>
      record(seq, [
        { key: "tool_name", value: { stringValue: tool } },
        { key: "user.email", value: { stringValue: email } },
        { key: "decision", value: { stringValue: "accept" } },
        { key: "source", value: { stringValue: "config" } },
      ], "tool_decision");
    const colliding = JSON.stringify({
      resourceLogs: [{ resource: payload.resourceLogs[0].resource, scopeLogs: [{ logRecords: [
        decision(1, "Bash\u0000", "a\ud800@example.com"),
        decision(2, "Bash\uFFFD", "a\ud801@example.com"),
        decision(3, "Bash\ud83d", "a\uFFFD@example.com"),
      ] }] }],
    });
    const res3 = await send("logs", colliding, { "content-type": "application/json", authorization: `Bearer ${t3.ingestToken}` });
    expect(res3.status).toBe(200);
    expect(await countEvents(t3.tenantId)).toBe(3);
    const { rows: rollup } = await getPool().query(`SELECT tool_name, user_key, sum(count)::int AS n FROM decision_rollups WHERE tenant_id = $1 GROUP BY 1, 2`, [t3.tenantId]);
    expect(rollup).toEqual([{ tool_name: "Bash\uFFFD", user_key: "a\uFFFD@example.com", n: 3 }]);
    const { rows: people } = await getPool().query(`SELECT DISTINCT user_email FROM identity_observations WHERE tenant_id = $1`, [t3.tenantId]);
    expect(people).toEqual([{ user_email: "a\uFFFD@example.com" }]);

    // An OTLP value nested past the protobuf reader's limit rejects its record, not the request.
    const t2 = await createTestTenant("hostile-nesting");
    // Written by hand: the encoders refuse to nest this deep themselves.
    const varint = (n: number): number[] => (n > 127 ? [(n & 127) | 128, ...varint(n >>> 7)] : [n]);
    const field = (id: number, payload: number[]): number[] => [(id << 3) | 2, ...varint(payload.length), ...payload];
    const utf8 = (s: string) => Array.from(Buffer.from(s));
    let deep = field(1, utf8("leaf")); // AnyValue{string_value}
    for (let i = 0; i < 200; i++) deep = field(5, field(1, deep)); // AnyValue{array_value{values}}
    const logRecord = (body: number[]) => field(2, field(5, body)); // ScopeLogs.log_records{LogRecord.body}
    const asPb = Uint8Array.from(field(1, field(2, [...logRecord(field(1, utf8("first"))), ...logRecord(deep)])));
    const resPb = await send("logs", Buffer.from(asPb), pb(t2.ingestToken));
    expect(resPb.status).toBe(200);
    // ExportLogsServiceResponse.partialSuccess carries the message as plain UTF-8 on the wire.
    expect(Buffer.from(await resPb.arrayBuffer()).toString("utf8")).toContain(
      "1 log records rejected: resourceLogs[0].scopeLogs[0].logRecords[1]: attribute value nested too deeply",
    );
    expect(await countEvents(t2.tenantId)).toBe(1);
  });

  it("numbers beyond their columns' range: a typed copy becomes null, an OTLP field rejects its record alone", async () => {
    const t = await createTestTenant("out-of-range");
    const json = (path: string, body: unknown) =>
      send(path, JSON.stringify(body), { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const log = (seq: string, attributes: { key: string; value: { stringValue: string } }[], extra: Record<string, unknown> = {}) => ({
      timeUnixNano: "1795313549686000000",
      body: { stringValue: "claude_code.api_error" },
      attributes: [
        { key: "event.name", value: { stringValue: "api_error" } },
        { key: "session.id", value: { stringValue: "out-of-range" } },
        { key: "event.sequence", value: { stringValue: seq } },
        ...attributes,
      ],
      ...extra,
    });
    const logs = await json("logs", { resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] }, scopeLogs: [{ logRecords: [
      log("1", [{ key: "status_code", value: { stringValue: "99999999999" } }, { key: "input_tokens", value: { stringValue: "1e30" } }]),
      log("1e300", []),
      log("3", [{ key: "event.timestamp", value: { stringValue: "+275760-09-13T00:00:00.000Z" } }], { timeUnixNano: "0" }),
      log("4", [], { severityNumber: 2 ** 40 }),
      log("5", [], { timeUnixNano: "18446744073709551615" }),
    ] }] }] });
    expect(logs.status).toBe(200);
    expect(logs.body.partialSuccess.rejectedLogRecords).toBe("2");
    expect(logs.body.partialSuccess.errorMessage).toMatch(/severityNumber must be an integer.*timeUnixNano is out of range/);
    const { rows: events } = await getPool().query(
      `SELECT attributes->>'event.sequence' AS seq, sequence, status_code, input_tokens, attributes->>'status_code' AS raw_status,
              extract(year FROM time)::int AS year FROM events WHERE tenant_id = $1 ORDER BY seq`,
      [t.tenantId],
    );
    expect(events).toEqual([
      { seq: "1", sequence: 1, status_code: null, input_tokens: null, raw_status: "99999999999", year: 2026 },
      { seq: "1e300", sequence: null, status_code: null, input_tokens: null, raw_status: null, year: 2026 },
      // event.timestamp past 9999 is not used; the time it was received is.
      { seq: "3", sequence: 3, status_code: null, input_tokens: null, raw_status: null, year: new Date().getUTCFullYear() },
    ]);

    const span = (spanId: string, extra: Record<string, unknown>) => ({
      traceId: "0102030405060708090a0b0c0d0e0f10", spanId, name: "agent.query",
      startTimeUnixNano: "1795313549686000000", endTimeUnixNano: "1795313549687000000", ...extra,
    });
    const traces = await json("traces", { resourceSpans: [{ scopeSpans: [{ spans: [span("0000000000000001", { flags: 0xffffffff }), span("0000000000000002", { kind: 2.5 })] }] }] });
    expect(traces.body.partialSuccess).toMatchObject({ rejectedSpans: "1", errorMessage: expect.stringMatching(/kind must be an integer/) });
    const { rows: spans } = await getPool().query(`SELECT span_id, flags FROM spans WHERE tenant_id = $1`, [t.tenantId]);
    expect(spans).toEqual([{ span_id: "0000000000000001", flags: null }]);

    const metrics = await json("metrics", { resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: "a", sum: { aggregationTemporality: 1e10, isMonotonic: "maybe", dataPoints: [{ timeUnixNano: "1795313549686000000", asDouble: 1 }] } },
      { name: "b", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: "1795313549686000000", count: "18446744073709551615", sum: 3 }] } },
    ] }] }] });
    expect(metrics).toEqual({ status: 200, body: {} });
    const { rows: points } = await getPool().query(`SELECT metric_name, temporality, is_monotonic, count FROM metric_points WHERE tenant_id = $1 ORDER BY 1`, [t.tenantId]);
    expect(points).toEqual([
      { metric_name: "a", temporality: null, is_monotonic: false, count: null },
      { metric_name: "b", temporality: 2, is_monotonic: null, count: null },
    ]);
  });

  it("an empty request is a full success", async () => {
    const res = await send("metrics", "{}", { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });
});

describe("CORS for the Office task pane", () => {
  it("answers the preflight for https://pivot.claude.ai", async () => {
    const res = await fetch(`${app.url}/api/otlp/v1/traces`, {
      method: "OPTIONS",
      headers: {
        origin: "https://pivot.claude.ai",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://pivot.claude.ai");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
  });

  it("refuses the preflight for another origin", async () => {
    const res = await fetch(`${app.url}/api/otlp/v1/traces`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("tags the POST response with the allowed origin", async () => {
    const res = await send("traces", tracesFixture.body(), pb(tenant.ingestToken, { origin: "https://pivot.claude.ai" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://pivot.claude.ai");
  });
});

describe("health", () => {
  it("200 with JSON when the database answers", async () => {
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: { reachable: true, migrations: readMigrations().length } });
  });

  it("503 when it does not, and ingest answers 503 with Retry-After", async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none";
    try {
      const res = await fetch(`${app.url}/api/health`);
      expect(res.status).toBe(503);
      expect((await res.json()).database.reachable).toBe(false);
      clearIngestTokenCache();
      const ingest = await send("logs", logsFixture.body(), pb(tenant.ingestToken));
      expect(ingest.status).toBe(503);
      expect(ingest.headers.get("retry-after")).toBe("5");
    } finally {
      process.env.DATABASE_URL = saved;
    }
  });
});

describe("headless token with a chosen secret", () => {
  it("creates a token whose secret is exactly the one given", async () => {
    const t = await createTestTenant("chosen");
    const secret = "init-token-0123456789abcdef0123456789";
    await createIngestToken({ tenantId: t.tenantId, environmentId: t.environmentId, name: "init", secret });
    expect((await send("logs", logsFixture.body(), pb(secret))).status).toBe(200);
  });
});
