import { isDeepStrictEqual } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { encodeProtobufRequest } from "@/lib/otlp/proto";
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  Signal,
} from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { FIXTURES_2_1_332_DIR, FIXTURES_DIR, listFixtureRequests, type FixtureRequest } from "@/lib/testing/fixtures";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// Every captured request (Claude Code logs and metrics, Office traces; JSON, protobuf, gzip)
// goes in through the real receivers over HTTP, and what the read API gives back is compared
// with the independently decoded payload (decoded.json, made with the official proto files).

let db: TestDatabase;
let app: RouteServer;

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

async function post(f: FixtureRequest, token: string, opts: { chunked?: boolean } = {}): Promise<Response> {
  const body = f.body();
  const headers: Record<string, string> = { "content-type": f.contentType, authorization: `Bearer ${token}` };
  if (f.contentEncoding) headers["content-encoding"] = f.contentEncoding;
  // Claude Code sends chunked bodies without a length; other exporters send a Content-Length.
  const payload = opts.chunked
    ? new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new Uint8Array(body.subarray(0, Math.floor(body.length / 2))));
          c.enqueue(new Uint8Array(body.subarray(Math.floor(body.length / 2))));
          c.close();
        },
      })
    : new Uint8Array(body);
  return fetch(`${app.url}/api/otlp/v1/${f.signal}`, {
    method: "POST",
    headers,
    body: payload,
    // @ts-expect-error Node's fetch needs duplex for streamed bodies.
    duplex: "half",
  });
}

async function api<T>(tenant: TestTenant, path: string): Promise<T> {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${tenant.apiToken}` } });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

interface ApiEventLite {
  name: string;
  sessionId: string | null;
  sequence: number | null;
  timeUnixNano: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  body: unknown;
}

async function allEvents(tenant: TestTenant): Promise<ApiEventLite[]> {
  const out: ApiEventLite[] = [];
  let cursor: string | null = null;
  do {
    const page: { events: ApiEventLite[]; nextCursor: string | null } = await api(
      tenant,
      `/api/v1/events?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    out.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

// Both capture sets: Claude Code 2.1.197 (with the OTel JS SDK's Office traces) and 2.1.332.
const captures = new Map<string, FixtureRequest[]>();
for (const [version, dir] of [["2.1.197", FIXTURES_DIR], ["2.1.332", FIXTURES_2_1_332_DIR]] as const) {
  for (const f of listFixtureRequests(dir)) {
    const key = `${version}/${f.scenario}/${f.variant}`;
    captures.set(key, [...(captures.get(key) ?? []), f]);
  }
}

describe("every fixture capture round-trips through the receivers and the read API", () => {
  it("finds all 26 + 23 captures and 93 + 86 requests", () => {
    const of = (version: string) => [...captures].filter(([k]) => k.startsWith(`${version}/`)).map(([, v]) => v);
    expect([of("2.1.197").length, of("2.1.332").length]).toEqual([26, 23]);
    expect([of("2.1.197").flat().length, of("2.1.332").flat().length]).toEqual([93, 86]);
  });

  let n = 0;
  for (const [key, requests] of captures) {
    it(`${key}: stores every record with every attribute`, async () => {
      const tenant = await createTestTenant(`fx-${n++}-${key.replace(/[^a-z0-9]/gi, "-")}`);
      for (const [i, f] of requests.entries()) {
        const res = await post(f, tenant.ingestToken, { chunked: i % 2 === 0 });
        expect(res.status, await res.clone().text()).toBe(200);
        expect(res.headers.get("content-type")).toBe(f.contentType);
        if (f.contentType === "application/json") expect(await res.json()).toEqual({});
        else expect((await res.arrayBuffer()).byteLength).toBe(0); // empty ExportResponse
      }

      const logs = requests.filter((f) => f.signal === "logs");
      if (logs.length > 0) {
        const events = await allEvents(tenant);
        const expected = logs.flatMap((f) =>
          ((f.decoded() as ExportLogsServiceRequest).resourceLogs ?? []).flatMap((rl) =>
            (rl.scopeLogs ?? []).flatMap((sl) =>
              (sl.logRecords ?? []).map((r) => ({ r, resource: attributesToJson(rl.resource?.attributes) })),
            ),
          ),
        );
        expect(events.length).toBe(expected.length);
        for (const { r, resource } of expected) {
          const attrs = attributesToJson(r.attributes);
          const match = events.filter(
            (e) => e.sessionId === attrs["session.id"] && e.sequence === attrs["event.sequence"] && e.timeUnixNano === r.timeUnixNano,
          );
          expect(match, `record seq ${String(attrs["event.sequence"])}`).toHaveLength(1);
          const e = match[0];
          expect(e.attributes).toEqual(attrs);
          expect(e.resource).toEqual(resource);
          expect(e.name).toBe(attrs["event.name"]);
          expect(e.body).toBe(`claude_code.${String(attrs["event.name"])}`);
        }
      }

      const metrics = requests.filter((f) => f.signal === "metrics");
      if (metrics.length > 0) {
        const { points } = await api<{ points: { name: string; timeUnixNano: string; attributes: Record<string, unknown>; value: number }[] }>(
          tenant,
          "/api/v1/metrics?limit=10000",
        );
        const expected = metrics.flatMap((f) =>
          ((f.decoded() as ExportMetricsServiceRequest).resourceMetrics ?? []).flatMap((rm) =>
            (rm.scopeMetrics ?? []).flatMap((sm) =>
              (sm.metrics ?? []).flatMap((m) => (m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []).map((p) => ({ m, p }))),
            ),
          ),
        );
        expect(points.length).toBe(expected.length);
        for (const { m, p } of expected) {
          const attrs = attributesToJson(p.attributes);
          const match = points.filter(
            (x) => x.name === m.name && x.timeUnixNano === p.timeUnixNano && isDeepStrictEqual(x.attributes, attrs),
          );
          expect(match, `${m.name}`).toHaveLength(1);
          expect(match[0].value).toBe(p.asDouble ?? Number(p.asInt));
        }
      }

      const traces = requests.filter((f) => f.signal === "traces");
      if (traces.length > 0) {
        const spans = traces.flatMap((f) =>
          ((f.decoded() as ExportTraceServiceRequest).resourceSpans ?? []).flatMap((rs) =>
            (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []),
          ),
        );
        const byTrace = new Map<string, typeof spans>();
        for (const s of spans) byTrace.set(s.traceId!, [...(byTrace.get(s.traceId!) ?? []), s]);
        for (const [traceId, list] of byTrace) {
          const tree = await api<{ spanCount: number; roots: ApiSpanLite[] }>(tenant, `/api/v1/traces/${traceId}`);
          expect(tree.spanCount).toBe(list.length);
          const flat = flatten(tree.roots);
          for (const s of list) {
            const got = flat.find((x) => x.spanId === s.spanId);
            expect(got, s.name).toBeDefined();
            expect(got!.name).toBe(s.name);
            expect(got!.parentSpanId).toBe(s.parentSpanId ? s.parentSpanId : null);
            expect(got!.startTimeUnixNano).toBe(s.startTimeUnixNano);
            expect(got!.endTimeUnixNano).toBe(s.endTimeUnixNano);
            expect(got!.attributes).toEqual(attributesToJson(s.attributes));
            expect(got!.events.map((e) => e.name)).toEqual((s.events ?? []).map((e) => e.name));
            expect(got!.events.map((e) => e.attributes)).toEqual((s.events ?? []).map((e) => attributesToJson(e.attributes)));
            // Children are nested under their parent span.
            if (s.parentSpanId) expect(flat.find((x) => x.spanId === s.parentSpanId)!.children.some((c) => c.spanId === s.spanId)).toBe(true);
          }
        }
      }
    });
  }
});

interface ApiSpanLite {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  children: ApiSpanLite[];
}

function flatten(roots: ApiSpanLite[]): ApiSpanLite[] {
  const out: ApiSpanLite[] = [];
  const stack = [...roots];
  while (stack.length) {
    const s = stack.pop()!;
    out.push(s);
    stack.push(...s.children);
  }
  return out;
}

// ---- one payload, three encodings, identical rows --------------------------------------

const ROW_QUERIES: Record<Signal, string> = {
  logs: `SELECT * FROM events WHERE tenant_id = $1 ORDER BY id`,
  traces: `SELECT * FROM spans WHERE tenant_id = $1 ORDER BY trace_id, span_id`,
  metrics: `SELECT * FROM metric_points WHERE tenant_id = $1 ORDER BY id`,
};

async function storedRows(signal: Signal, tenantId: string): Promise<Record<string, unknown>[]> {
  const { rows } = await getPool().query(ROW_QUERIES[signal], [tenantId]);
  // What legitimately differs between tenants: the tenant, its environment and token, arrival time.
  return rows.map(({ tenant_id: _t, environment_id: _e, ingest_token_id: _k, received_at: _r, ...rest }) => rest);
}

describe("JSON, protobuf and gzip encodings of one payload give identical rows", () => {
  const protobufCaptures = listFixtureRequests().filter((f) => f.variant === "http-protobuf");
  let n = 0;
  for (const f of protobufCaptures) {
    it(`${f.scenario} ${f.id}-${f.signal}`, async () => {
      const i = n++;
      const [pb, pbGzip, json, jsonGzip] = await Promise.all(
        ["pb", "pbgz", "json", "jsongz"].map((v) => createTestTenant(`enc-${i}-${v}`)),
      );
      const raw = f.body();
      // decoded.json is the same request as OTLP/JSON, decoded with the official proto files.
      const asJson = Buffer.from(JSON.stringify(f.decoded()));
      const send = (t: TestTenant, body: Buffer, type: string, gzip: boolean) =>
        fetch(`${app.url}/api/otlp/v1/${f.signal}`, {
          method: "POST",
          headers: { "content-type": type, authorization: `Bearer ${t.ingestToken}`, ...(gzip ? { "content-encoding": "gzip" } : {}) },
          body: new Uint8Array(gzip ? gzipSync(body) : body),
        });
      for (const [t, body, type, gz] of [
        [pb, raw, "application/x-protobuf", false],
        [pbGzip, raw, "application/x-protobuf", true],
        [json, asJson, "application/json", false],
        [jsonGzip, asJson, "application/json", true],
      ] as const) {
        const res = await send(t, body, type, gz);
        expect(res.status, await res.clone().text()).toBe(200);
      }
      const reference = await storedRows(f.signal, pb.tenantId);
      expect(reference.length).toBeGreaterThan(0);
      for (const t of [pbGzip, json, jsonGzip]) expect(await storedRows(f.signal, t.tenantId)).toEqual(reference);
    });
  }

  it("re-encoding decoded JSON as protobuf reproduces the captured bytes' rows (gzip fixture)", async () => {
    const f = listFixtureRequests().find((x) => x.variant === "http-protobuf-gzip" && x.signal === "logs")!;
    const decoded = f.decoded() as ExportLogsServiceRequest;
    const reencoded = Buffer.from(encodeProtobufRequest("logs", decoded));
    const a = await createTestTenant("reenc-a");
    const b = await createTestTenant("reenc-b");
    for (const [t, body] of [[a, gunzipSync(f.body())], [b, reencoded]] as const) {
      const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", authorization: `Bearer ${t.ingestToken}` },
        body: new Uint8Array(body),
      });
      expect(res.status).toBe(200);
    }
    expect(await storedRows("logs", b.tenantId)).toEqual(await storedRows("logs", a.tenantId));
  });
});

