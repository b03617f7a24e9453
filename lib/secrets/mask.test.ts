import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importComplianceFile } from "@/lib/compliance/import";
import { getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { BENIGN_LOOKALIKES, secretSamples, type SecretSample } from "@/lib/testing/secret-samples";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { keyedDigest } from "./keys";
import { secretMarker } from "./policy";

// Ingest masking end to end: real-looking secrets of every kind in every place content arrives
// (prompts, tool_parameters, tool_input, raw API bodies, log bodies, Office span attributes and
// span events, Compliance transcripts) go through the real OTLP routes over HTTP and through the
// Compliance import; then the database itself is read (every column of every row, cast to text):
// no secret is there in clear, each has its marker with the tenant's fingerprint, and benign
// look-alikes are untouched.

process.env.NEXTAUTH_SECRET ??= "mask-test-secret-0123456789abcdef";

let db: TestDatabase;
let app: RouteServer;
let tenantA: TestTenant;
let tenantB: TestTenant;

const samples = secretSamples(11);
const SAMPLES = Object.values(samples);
const ALL_SECRETS_TEXT = SAMPLES.map((s) => s.text).join("\n");

const fingerprint = (tenantId: string, s: SecretSample) => keyedDigest(tenantId, "secret-fingerprint", s.fingerprinted ?? s.secret).slice(0, 8);
const markerOf = (tenantId: string, s: SecretSample) => secretMarker(s.kind, fingerprint(tenantId, s));

type Attr = string | number;
const av = (v: Attr) => (typeof v === "number" ? { intValue: String(v) } : { stringValue: v });
const kv = (o: Record<string, Attr>) => Object.entries(o).map(([key, v]) => ({ key, value: av(v) }));

let seq = 0;
function logRecord(session: string, name: string, attrs: Record<string, Attr>, body = `claude_code.${name}`) {
  return {
    timeUnixNano: String(1_795_313_549_686_000_000n + BigInt(++seq) * 1_000_000n),
    body: { stringValue: body },
    attributes: kv({ "event.name": name, "session.id": session, "prompt.id": `p-${session}`, "event.sequence": seq, "user.email": "dev@acme.example", ...attrs }),
  };
}

function claudeCodeLogs(session: string) {
  const bash = samples["aws-secret-key"].text + " && " + samples["connection-string"].text;
  const apiBody = {
    model: "claude-sonnet-5",
    max_tokens: 1024,
    messages: [{ role: "user", content: [{ type: "text", text: ALL_SECRETS_TEXT }] }],
    metadata: { user_id: "550e8400-e29b-41d4-a716-446655440000" },
  };
  return {
    resourceLogs: [
      {
        resource: { attributes: kv({ "service.name": "claude-code", "service.version": "2.1.332" }) },
        scopeLogs: [
          {
            scope: { name: "com.anthropic.claude_code.events", version: "2.1.332" },
            logRecords: [
              logRecord(session, "user_prompt", { prompt: `${ALL_SECRETS_TEXT}\nand the benign ones:\n${BENIGN_LOOKALIKES.join("\n")}`, prompt_length: 999 }),
              logRecord(session, "tool_result", {
                tool_name: "Bash",
                tool_use_id: "toolu_01XFDUDYJgAACzvnptvVoYEL",
                tool_parameters: JSON.stringify({ bash_command: "export", full_command: bash, description: "configure" }),
                tool_input: JSON.stringify({ command: samples["github-token"].text, env: { GITHUB_TOKEN: samples["github-token"].secret } }),
                success: "true",
              }),
              logRecord(session, "tool_decision", {
                tool_name: "Write",
                tool_input: JSON.stringify({ file_path: "/srv/app/.env", content: samples["env-secret"].text + samples["private-key"].text }),
                decision: "accept",
              }),
              logRecord(session, "api_request_body", { body: JSON.stringify(apiBody), body_length: 1234 }),
              logRecord(session, "api_error", { error: `401 Unauthorized: invalid x-api-key ${samples["anthropic-api-key"].secret}`, status_code: 401 }),
            ],
          },
        ],
      },
      {
        // Another sender: its log body is content.
        resource: { attributes: kv({ "service.name": "deploy-bot" }) },
        scopeLogs: [{ scope: { name: "deploy" }, logRecords: [logRecord(session, "log", {}, samples.jwt.text + "\n" + samples["aws-access-key"].text)] }],
      },
    ],
  };
}

const hex = (n: number, seed: string) => Buffer.from(seed.padEnd(n, "0")).toString("hex").slice(0, n * 2);

function officeTraces(traceSeed: string) {
  const traceId = hex(16, traceSeed);
  const root = hex(8, `${traceSeed}r`);
  const t0 = 1_795_313_549_686_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: kv({ "service.name": "office-agent" }) },
        scopeSpans: [
          {
            scope: { name: "office-agent" },
            spans: [
              {
                traceId, spanId: root, name: "agent.query", kind: 1, startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 5_000_000n),
                attributes: kv({ "session.id": `office-${traceSeed}`, "agent.surface": "excel", "user.message": `connect with ${samples["connection-string"].text}`,
                  "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: samples.jwt.text }] }]) }),
                events: [{ timeUnixNano: String(t0 + 1_000_000n), name: "exception", attributes: kv({ "exception.type": "AuthError", "exception.message": `bad token ${samples["github-token"].secret}` }) }],
                status: { code: 2, message: `upstream said: ${samples["anthropic-api-key"].secret} is revoked` },
              },
              {
                traceId, spanId: hex(8, `${traceSeed}t`), parentSpanId: root, name: "agent.tool_execution", kind: 1,
                startTimeUnixNano: String(t0 + 2_000_000n), endTimeUnixNano: String(t0 + 3_000_000n),
                attributes: kv({ tool_name: "read_range", "tool.input": JSON.stringify({ range: "A1:B2", note: samples["aws-secret-key"].text }),
                  "tool.output": `cell B2: ${samples["private-key"].text}` }),
              },
            ],
          },
        ],
      },
    ],
  };
}

function complianceExport(prefix: string) {
  return [
    {
      id: `activity_01${prefix}Secrets0000000001`, created_at: "2026-11-20T09:00:00Z", type: "claude_file_uploaded",
      organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94",
      actor: { type: "user_actor", email_address: "dev@acme.example", user_id: "user_01UTaMiPVYhoQrftgrSD1QE7", ip_address: "10.0.0.7", user_agent: "claude-cli/2.1.332" },
      filename: "deploy.env", request_body: `upload with ${samples["github-token"].text}`, note: samples.jwt.text,
    },
    {
      session: { type: "compliance_local_session", id: `clls_01${prefix}Secrets00000000001`, organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", workspace_id: null,
        user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "dev@acme.example" }, product_surface: "claude_code", created_at: "2026-11-20T11:00:00Z", updated_at: "2026-11-20T11:01:00Z" },
      data: [
        { type: "compliance_local_session_message", id: `clsm_01${prefix}000000000000001`, role: "user", model: null, created_at: "2026-11-20T11:00:00Z",
          content: [{ type: "text", text: ALL_SECRETS_TEXT }] },
        { type: "compliance_local_session_message", id: `clsm_01${prefix}000000000000002`, role: "assistant", model: "claude-sonnet-5", created_at: "2026-11-20T11:00:02Z",
          content: [{ type: "tool_use", id: `toolu_01${prefix}Tool`, name: "Bash", input: { command: samples["aws-secret-key"].text } }] },
        { type: "compliance_local_session_message", id: `clsm_01${prefix}000000000000003`, role: "user", model: null, created_at: "2026-11-20T11:00:03Z",
          content: [{ type: "tool_result", tool_use_id: `toolu_01${prefix}Tool`, content: [{ type: "text", text: samples["env-secret"].text }] }] },
      ],
      next_page: null,
    },
    {
      id: `claude_chat_01${prefix}Secrets000000001`, name: "deploy keys", created_at: "2026-11-20T10:00:00Z", updated_at: "2026-11-20T10:05:00Z",
      organization_uuid: "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94", project_id: null, user: { id: "user_01UTaMiPVYhoQrftgrSD1QE7", email_address: "dev@acme.example" },
      chat_messages: [
        { id: `claude_chat_msg_01${prefix}00000000001`, role: "user", created_at: "2026-11-20T10:00:00Z", content: [{ type: "text", text: ALL_SECRETS_TEXT }], files: null },
      ],
    },
  ];
}

async function post(tenant: TestTenant, signal: "logs" | "traces", body: unknown): Promise<Response> {
  return fetch(`${app.url}/api/otlp/v1/${signal}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` },
    body: JSON.stringify(body),
  });
}

async function importFile(tenant: TestTenant, records: unknown[]) {
  const text = records.map((r) => JSON.stringify(r)).join("\n");
  return importComplianceFile(Readable.from([Buffer.from(text)]), { tenantId: tenant.tenantId, filename: "export.ndjson", createdBy: "test" });
}

const STORED_TABLES = ["events", "spans", "metric_points", "compliance_activities", "compliance_sessions", "compliance_session_messages", "compliance_chats", "compliance_chat_messages", "compliance_tool_blocks"];

/** Every stored row of a tenant, every column, as Postgres prints it. */
async function everythingStored(tenantId: string): Promise<string> {
  const parts: string[] = [];
  for (const table of STORED_TABLES) {
    const { rows } = await getPool().query<{ t: string }>(`SELECT x::text AS t FROM ${table} x WHERE tenant_id = $1`, [tenantId]);
    parts.push(...rows.map((r) => r.t));
  }
  // Resources are shared per attribute set; those the tenant's records point at.
  const { rows } = await getPool().query<{ t: string }>(
    `SELECT r::text AS t FROM resources r WHERE r.id IN (SELECT resource_id FROM events WHERE tenant_id = $1 UNION SELECT resource_id FROM spans WHERE tenant_id = $1)`,
    [tenantId],
  );
  parts.push(...rows.map((r) => r.t));
  return parts.join("\n");
}

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  tenantA = await createTestTenant("mask-a");
  tenantB = await createTestTenant("mask-b");
  for (const t of [tenantA, tenantB]) {
    for (const session of ["s-one", "s-two"]) expect((await post(t, "logs", claudeCodeLogs(`${t.tenantId}-${session}`))).status).toBe(200);
    expect((await post(t, "traces", officeTraces(t === tenantA ? "a" : "b"))).status).toBe(200);
    const report = await importFile(t, complianceExport(t === tenantA ? "A" : "B"));
    expect(report.rejected, report.errors.join("; ")).toBe(0);
  }
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("secrets are masked before storage (default policy)", () => {
  it("no secret of any kind is stored in clear in any column of any table", async () => {
    const stored = await everythingStored(tenantA.tenantId);
    expect(stored.length).toBeGreaterThan(10_000);
    for (const s of SAMPLES) expect(stored.includes(s.secret), `${s.kind} stored in clear`).toBe(false);
  });

  it("each secret has its marker with the tenant's fingerprint, in every place it arrived", async () => {
    const t = tenantA.tenantId;
    const one = async (sql: string) => (await getPool().query<{ t: string }>(sql, [t])).rows.map((r) => r.t).join("\n");
    const places = {
      prompt: await one(`SELECT attributes->>'prompt' AS t FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt'`),
      toolParameters: await one(`SELECT attributes->>'tool_parameters' AS t FROM events WHERE tenant_id = $1 AND event_name = 'tool_result'`),
      toolInput: await one(`SELECT attributes->>'tool_input' AS t FROM events WHERE tenant_id = $1 AND event_name IN ('tool_result', 'tool_decision')`),
      parsedToolInput: await one(`SELECT fields->>'toolInput' AS t FROM events WHERE tenant_id = $1 AND event_name IN ('tool_result', 'tool_decision')`),
      apiBody: await one(`SELECT attributes->>'body' AS t FROM events WHERE tenant_id = $1 AND event_name = 'api_request_body'`),
      error: await one(`SELECT error AS t FROM events WHERE tenant_id = $1 AND event_name = 'api_error'`),
      logBody: await one(`SELECT body AS t FROM events WHERE tenant_id = $1 AND service_name = 'deploy-bot'`),
      officeSpans: await one(`SELECT s::text AS t FROM spans s WHERE tenant_id = $1`),
      transcripts: await one(`SELECT text || raw::text AS t FROM compliance_session_messages WHERE tenant_id = $1`),
      toolBlocks: await one(`SELECT coalesce(input, '') || coalesce(content::text, '') AS t FROM compliance_tool_blocks WHERE tenant_id = $1`),
      chats: await one(`SELECT text AS t FROM compliance_chat_messages WHERE tenant_id = $1`),
    };
    const expected: Record<keyof typeof places, SecretSample[]> = {
      prompt: SAMPLES,
      toolParameters: [samples["aws-secret-key"], samples["connection-string"]],
      toolInput: [samples["github-token"], samples["env-secret"], samples["private-key"]],
      parsedToolInput: [samples["github-token"], samples["env-secret"], samples["private-key"]],
      apiBody: SAMPLES,
      error: [samples["anthropic-api-key"]],
      logBody: [samples.jwt, samples["aws-access-key"]],
      officeSpans: [samples["connection-string"], samples.jwt, samples["github-token"], samples["anthropic-api-key"], samples["aws-secret-key"], samples["private-key"]],
      transcripts: SAMPLES,
      toolBlocks: [samples["aws-secret-key"], samples["env-secret"]],
      chats: SAMPLES,
    };
    for (const [place, list] of Object.entries(expected)) {
      for (const s of list) expect(places[place as keyof typeof places], `${s.kind} in ${place}`).toContain(markerOf(t, s));
    }
    // Masked JSON stays valid JSON (one value per row; JSON text has no raw newline).
    for (const value of [...places.toolParameters.split("\n"), ...places.toolInput.split("\n"), ...places.apiBody.split("\n")]) {
      expect(() => JSON.parse(value), value.slice(0, 80)).not.toThrow();
    }
  });

  it("notes what was masked on the record, and its fingerprints (filterable: the same secret in two sessions)", async () => {
    const { rows } = await getPool().query<{ session_id: string; redaction: { policy_version: number; masked: Record<string, number> }; secret_fingerprints: string[] }>(
      `SELECT session_id, redaction, secret_fingerprints FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt' ORDER BY session_id`,
      [tenantA.tenantId],
    );
    expect(rows).toHaveLength(2);
    const kinds = Object.fromEntries(SAMPLES.map((s) => [s.kind, 1]));
    for (const r of rows) {
      expect(r.redaction).toEqual({ policy_version: 0, masked: kinds, hashed: [], dropped: [] });
      expect(r.secret_fingerprints).toEqual(SAMPLES.map((s) => `${s.kind}:${fingerprint(tenantA.tenantId, s)}`).sort());
    }
    const github = `github-token:${fingerprint(tenantA.tenantId, samples["github-token"])}`;
    const seen = await getPool().query<{ session_id: string }>(
      `SELECT DISTINCT session_id FROM events WHERE tenant_id = $1 AND secret_fingerprints @> ARRAY[$2]::text[] ORDER BY 1`,
      [tenantA.tenantId, github],
    );
    expect(seen.rows.map((r) => r.session_id)).toEqual([`${tenantA.tenantId}-s-one`, `${tenantA.tenantId}-s-two`]);
    const spans = await getPool().query(`SELECT 1 FROM spans WHERE tenant_id = $1 AND secret_fingerprints @> ARRAY[$2]::text[]`, [tenantA.tenantId, github]);
    expect(spans.rowCount).toBe(1);
    const messages = await getPool().query<{ redaction: { masked: Record<string, number> } }>(
      `SELECT redaction FROM compliance_session_messages WHERE tenant_id = $1 AND secret_fingerprints @> ARRAY[$2]::text[]`,
      [tenantA.tenantId, github],
    );
    expect(messages.rows.map((r) => r.redaction.masked)).toEqual([kinds]);
  });

  it("records with nothing to mask are stored as sent, with no redaction note", async () => {
    const { rows } = await getPool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND redaction IS NULL AND cardinality(secret_fingerprints) = 0`,
      [tenantA.tenantId],
    );
    expect(rows[0].n).toBe(0); // every record of this payload carries a secret…
    const tool = await getPool().query<{ tool_use_id: string; tool_name: string; user_email: string }>(
      `SELECT tool_use_id, tool_name, user_email FROM events WHERE tenant_id = $1 AND event_name = 'tool_result' LIMIT 1`,
      [tenantA.tenantId],
    );
    // …and metadata is never altered.
    expect(tool.rows[0]).toEqual({ tool_use_id: "toolu_01XFDUDYJgAACzvnptvVoYEL", tool_name: "Bash", user_email: "dev@acme.example" });
  });

  it("keeps benign look-alikes: UUIDs, hashes in git output, trace ids, API ids, base64 of text, paths", async () => {
    const { rows } = await getPool().query<{ prompt: string }>(
      `SELECT attributes->>'prompt' AS prompt FROM events WHERE tenant_id = $1 AND event_name = 'user_prompt' LIMIT 1`,
      [tenantA.tenantId],
    );
    for (const b of BENIGN_LOOKALIKES) expect(rows[0].prompt, b).toContain(b);
  });

  it("two tenants get different fingerprints for the same secret", async () => {
    const a = await everythingStored(tenantA.tenantId);
    const b = await everythingStored(tenantB.tenantId);
    for (const s of SAMPLES) {
      expect(markerOf(tenantA.tenantId, s)).not.toBe(markerOf(tenantB.tenantId, s));
      expect(b).toContain(markerOf(tenantB.tenantId, s));
      expect(b.includes(markerOf(tenantA.tenantId, s))).toBe(false);
      expect(a.includes(markerOf(tenantB.tenantId, s))).toBe(false);
      expect(b.includes(s.secret)).toBe(false);
    }
  });
});
