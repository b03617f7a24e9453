import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ocsfRoute from "@/app/api/v1/export/ocsf/route";
import { createApiToken } from "@/lib/auth/api-tokens";
import { getPool, withTransaction } from "@/lib/db/pool";
import { storeActivities } from "@/lib/sources/compliance";
import { APP_ROUTES } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf, listFixtureRequests } from "@/lib/testing/fixtures";
import { postFixture } from "@/lib/testing/otlp";
import { startRouteServer, type RouteModule, type RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { ocsfStream } from "./export";
import { OCSF_CLASSES } from "./map";
import { classByUid, classSchema } from "./requirements";

// GET /api/v1/export/ocsf over real HTTP, on the captured fixtures (Claude Code, Office, the
// Compliance activity feed) plus a WebFetch call and a /login sent as real OTLP, and alerts
// inserted with SQL: every record of every class validates against the OCSF 1.8.0 requirements
// (lib/ocsf/requirements.ts, ajv), type_uid and time are consistent, and manager tokens get no
// content.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let analystToken: string;
let managerToken: string;
let otherTenant: TestTenant;

const FROM = "2026-01-01T00:00:00Z";
const TO = "2027-01-01T00:00:00Z";
const WEB_URL = "https://docs.example.com/page?q=ledger";

type OtlpAttr = { key: string; value: { stringValue?: string } };
type OtlpRecord = { attributes: OtlpAttr[]; body: { stringValue: string } };
type OtlpLogs = { resourceLogs: { scopeLogs: { logRecords: OtlpRecord[] }[] }[] };

/** The Read tool_result of scenario c, rewritten into another event (the client's own shape, sent over OTLP/JSON). */
function syntheticLogs(): OtlpLogs {
  const f = fixturesOf("c-read-write-edit", "http-json").find((x) => x.signal === "logs")!;
  const req = f.decoded() as OtlpLogs;
  const records = req.resourceLogs[0].scopeLogs[0].logRecords;
  const read = records.find((r) => r.attributes.some((a) => a.key === "tool_name" && a.value.stringValue === "Read") && r.body.stringValue === "claude_code.tool_result")!;
  const rewrite = (body: string, set: Record<string, string>, drop: string[] = []) => {
    const r = structuredClone(read);
    r.body = { stringValue: body };
    r.attributes = r.attributes.filter((a) => !(a.key in set) && !drop.includes(a.key));
    for (const [key, v] of Object.entries(set)) r.attributes.push({ key, value: { stringValue: v } });
    return r;
  };
  const web = rewrite("claude_code.tool_result", {
    "event.name": "tool_result", tool_name: "WebFetch", tool_use_id: "toolu_01WebFetch000000000000001", "event.sequence": "90",
    tool_input: JSON.stringify({ url: WEB_URL, prompt: "summarise" }),
  });
  const login = rewrite("claude_code.auth", { "event.name": "auth", action: "login", success: "true", auth_method: "oauth", "event.sequence": "91" }, ["tool_name", "tool_use_id", "tool_input", "duration_ms", "tool_input_size_bytes", "tool_result_size_bytes", "prompt.id"]);
  req.resourceLogs[0].scopeLogs[0].logRecords = [web, login];
  return req;
}

async function insertAlert(tenantId: string, level: string, status: string, resolution: string | null): Promise<string> {
  const id = randomUUID();
  await getPool().query(
    `INSERT INTO alerts (tenant_id, id, rule_id, rule_title, level, dedup_key, status, resolution, window_start, first_seen, last_seen, service, person, session_id, prompt_id, matched)
     VALUES ($1, $2, 'rule-ssh-key-read', 'Read of an SSH private key', $3, $4, $5, $6, '2026-11-22T02:12:00Z', '2026-11-22T02:12:51Z', '2026-11-22T02:12:52Z',
             'claude_code', 'jon.snow@westeros.example', '300b776f-a4ec-41a5-b7cc-c1079750f98b', '553423aa-861c-402e-a983-b0f6dab506a9', '{"file_path":"/home/jon.snow/.ssh/id_rsa"}')`,
    [tenantId, id, level, `rule-ssh-key-read|${id}`, status, resolution],
  );
  await getPool().query(
    `INSERT INTO alert_evidence (tenant_id, alert_id, kind, record_id, time, session_id, prompt_id, name)
     VALUES ($1, $2, 'event', $3, '2026-11-22T02:12:51Z', '300b776f-a4ec-41a5-b7cc-c1079750f98b', '553423aa-861c-402e-a983-b0f6dab506a9', 'tool_result')`,
    [tenantId, id, randomUUID()],
  );
  return id;
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startRouteServer({ ...APP_ROUTES, "/api/v1/export/ocsf": ocsfRoute as unknown as RouteModule });
  tenant = await createTestTenant("ocsf");
  analystToken = (await createApiToken({ tenantId: tenant.tenantId, name: "analyst", role: "analyst" })).secret;
  managerToken = (await createApiToken({ tenantId: tenant.tenantId, name: "manager", role: "manager" })).secret;
  otherTenant = await createTestTenant("ocsf-other");
  for (const f of listFixtureRequests().filter((x) => x.variant === "http-json")) {
    expect((await postFixture(app.url, tenant.ingestToken, f)).status).toBe(200);
  }
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` }, body: JSON.stringify(syntheticLogs()),
  });
  expect(res.status).toBe(200);
  const activities = JSON.parse(readFileSync(path.join(process.cwd(), "test", "fixtures-compliance", "activities.json"), "utf8")) as unknown[];
  await withTransaction((c) => storeActivities(c, tenant.tenantId, activities, "import"));
  // Ingest ran the shipped rule pack; the findings checked below are the two inserted here.
  await getPool().query(`DELETE FROM alert_evidence WHERE tenant_id = $1`, [tenant.tenantId]);
  await getPool().query(`DELETE FROM alerts WHERE tenant_id = $1`, [tenant.tenantId]);
  await insertAlert(tenant.tenantId, "high", "new", null);
  await insertAlert(tenant.tenantId, "medium", "closed", "false_positive");
}, 600_000);

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

async function exportOcsf(query: string, token = tenant.apiToken): Promise<{ status: number; type: string | null; records: Record<string, unknown>[]; text: string }> {
  const res = await fetch(`${app.url}/api/v1/export/ocsf?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const records = res.status === 200 ? text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { status: res.status, type: res.headers.get("content-type"), records, text };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates one record against its class's OCSF 1.8.0 requirements; returns the problems. */
function problems(rec: Record<string, unknown>): string[] {
  const className = classByUid(Number(rec.class_uid));
  if (!className) return [`unknown class_uid ${String(rec.class_uid)}`];
  const profiles = ((rec.metadata as { profiles?: string[] }).profiles ?? []).slice().sort();
  const key = `${className}:${profiles.join("+")}`;
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile(classSchema(className, profiles))));
  const out: string[] = [];
  if (!validate(rec)) out.push(...(validate.errors ?? []).map((e) => `${className} ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
  if (rec.type_uid !== Number(rec.class_uid) * 100 + Number(rec.activity_id)) out.push(`type_uid ${String(rec.type_uid)} for class ${String(rec.class_uid)} activity ${String(rec.activity_id)}`);
  return out;
}

describe(`GET /api/v1/export/ocsf (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("events: every record is valid OCSF 1.8.0 in the class that fits it", async () => {
    const { status, type, records } = await exportOcsf(`kind=events&from=${FROM}&to=${TO}`);
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/x-ndjson/);
    const { rows } = await getPool().query<{ n: number }>(
      `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1)::int + (SELECT count(*) FROM compliance_activities WHERE tenant_id = $1)::int AS n`,
      [tenant.tenantId],
    );
    expect(records).toHaveLength(rows[0].n);
    expect(records.flatMap(problems)).toEqual([]);
    const classes = new Set(records.map((r) => r.class_uid));
    for (const c of ["base_event", "file_activity", "process_activity", "authentication", "web_resources_activity", "api_activity"] as const) expect(classes, c).toContain(OCSF_CLASSES[c].uid);
    for (const r of records) {
      expect(r.metadata).toMatchObject({ version: "1.8.0", product: { name: "Blindspot" } });
      expect(Number.isInteger(r.time)).toBe(true);
    }

    const byCode = (code: string, pred: (r: Record<string, unknown>) => boolean = () => true) =>
      records.filter((r) => (r.metadata as { event_code?: string }).event_code === code && pred(r));
    const bash = byCode("tool_result", (r) => r.class_uid === 1007 && (r.process as { cmd_line?: string }).cmd_line === "ls -la")[0];
    expect(bash).toMatchObject({ activity_id: 1, type_uid: 100701, status_id: 1, process: { cmd_line: "ls -la", name: "bash" }, message_context: { ai_role_id: 3 }, metadata: { profiles: ["ai_operation"] } });
    const sshRead = byCode("tool_result", (r) => r.class_uid === 1001 && (r.file as { path?: string }).path === "/home/jon.snow/.ssh/id_rsa")[0];
    expect(sshRead).toMatchObject({ activity_id: 2, activity_name: "Read", type_uid: 100102, file: { name: "id_rsa", type_id: 1 } });
    const api = byCode("api_request")[0];
    expect(api).toMatchObject({ class_uid: 6003, activity_id: 1, status_id: 1, ai_model: { ai_provider: "Anthropic" }, message_context: { ai_role_id: 2 } });
    const mc = api.message_context as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    expect(mc.total_tokens).toBe(mc.prompt_tokens + mc.completion_tokens);
    expect(byCode("api_error")[0]).toMatchObject({ class_uid: 6003, status_id: 2, status_detail: "Repeated 529 Overloaded errors" });
    expect(byCode("tool_result", (r) => r.class_uid === 6003)[0]).toMatchObject({ activity_id: 99, api: { service: { name: "soc_demo" } } });
    expect(byCode("tool_result", (r) => r.class_uid === 6001)[0]).toMatchObject({ activity_id: 2, web_resources: [{ url_string: WEB_URL }] });
    expect(byCode("auth")[0]).toMatchObject({ class_uid: 3002, activity_id: 1, type_uid: 300201, status_id: 1, auth_protocol: "oauth" });
    expect(byCode("sso_login_succeeded")[0]).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 1, src_endpoint: { ip: "203.0.113.7" }, user: { email_addr: "jon.snow@westeros.example" } });
    expect(byCode("compliance_api_accessed")[0]).toMatchObject({ class_uid: 6003, activity_id: 2, api: { operation: "compliance_api_accessed" } });
    expect(byCode("user_prompt")[0]).toMatchObject({ class_uid: 0, activity_id: 99, type_uid: 99 });
    // Time is the event's own, in milliseconds.
    const { rows: t } = await getPool().query<{ id: string; time: Date }>(`SELECT id, time FROM events WHERE tenant_id = $1 AND event_name = 'api_request' LIMIT 1`, [tenant.tenantId]);
    expect(records.find((r) => (r.metadata as { uid: string }).uid === t[0].id)?.time).toBe(t[0].time.getTime());
  });

  it("findings: alerts as Detection Findings", async () => {
    const { status, records } = await exportOcsf(`kind=findings&from=${FROM}&to=${TO}`, analystToken);
    expect(status).toBe(200);
    expect(records).toHaveLength(2);
    expect(records.flatMap(problems)).toEqual([]);
    const open = records.find((r) => r.activity_id === 1)!;
    expect(open).toMatchObject({
      class_uid: 2004, type_uid: 200401, severity_id: 4, severity: "High", is_alert: true, status_id: 1,
      finding_info: { title: "Read of an SSH private key", analytic: { uid: "rule-ssh-key-read", type_id: 1 }, related_events_count: 1 },
      evidences: [{ actor: { user: { name: "jon.snow@westeros.example" } }, data: { file_path: "/home/jon.snow/.ssh/id_rsa" } }],
    });
    expect(records.find((r) => r.activity_id === 3)).toMatchObject({ type_uid: 200403, severity_id: 3, status_id: 4, status_detail: "Closed as false positive", is_alert: false });
  });

  it("managers get no content, and the records stay valid", async () => {
    const events = await exportOcsf(`kind=events&from=${FROM}&to=${TO}`, managerToken);
    const findings = await exportOcsf(`kind=findings&from=${FROM}&to=${TO}`, managerToken);
    expect(events.status).toBe(200);
    expect([...events.records, ...findings.records].flatMap(problems)).toEqual([]);
    for (const secret of ["ls -la", ".ssh/id_rsa", "list the files here", WEB_URL, "Repeated 529", "compliance/activities?created_at"]) {
      expect(events.text, secret).not.toContain(secret);
      expect(findings.text, secret).not.toContain(secret);
    }
    const file = events.records.find((r) => r.class_uid === 1001)!;
    expect(file.file).toEqual({ name: "(hidden)", type_id: 1, type: "Regular File" });
    expect((file.unmapped as { hidden_keys: string[] }).hidden_keys).toContain("file.path");
    expect(findings.records[0].evidences).toEqual([{ actor: expect.objectContaining({ app_name: "claude_code" }) }]);
    expect((findings.records[0].unmapped as { hidden_keys: string[] }).hidden_keys).toEqual(["matched"]);
  });

  it("audits exports with content, not those without", async () => {
    const count = async () => (await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'content.view' AND target LIKE 'export:ocsf%'`, [tenant.tenantId])).rows[0].n;
    const before = await count();
    await exportOcsf(`kind=findings&from=${FROM}&to=${TO}`, managerToken);
    expect(await count()).toBe(before);
    await exportOcsf(`kind=findings&from=${FROM}&to=${TO}`, analystToken);
    expect(await count()).toBe(before + 1);
  });

  it("answers bad requests with 400/401, never 500; another tenant's token sees nothing of this one", async () => {
    expect((await fetch(`${app.url}/api/v1/export/ocsf?kind=events`)).status).toBe(401);
    expect((await exportOcsf("kind=everything")).status).toBe(400);
    expect((await exportOcsf("")).status).toBe(400);
    expect((await exportOcsf("kind=events&from=yesterday")).status).toBe(400);
    expect((await exportOcsf(`kind=events&from=${TO}&to=${FROM}`)).status).toBe(400);
    expect((await exportOcsf("kind=events&to=%00")).status).toBe(400);
    const other = await exportOcsf(`kind=events&from=${FROM}&to=${TO}`, otherTenant.apiToken);
    expect(other.status).toBe(200);
    expect(other.records).toEqual([]);
    // Without from/to: the last 24 hours (the fixtures are older).
    expect((await exportOcsf("kind=events")).records).toEqual([]);
  });

  it("pages in keyset order without losing or repeating a record", async () => {
    const read = async (pageSize: number) => {
      const text = await new Response(ocsfStream({ tenantId: tenant.tenantId, kind: "events", from: new Date(FROM), to: new Date(TO), canReadContent: true, pageSize })).text();
      return text.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid);
    };
    const small = await read(7);
    expect(small).toEqual(await read(500));
    expect(new Set(small).size).toBe(small.length);
  });
});
