import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { keyedDigest } from "@/lib/secrets/keys";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { RouteServer } from "@/lib/testing/route-server";
import { secretSamples } from "@/lib/testing/secret-samples";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";

// The finding when a secret reaches the model, end to end: telemetry with real-looking secrets goes
// through the real OTLP routes, ingest masks them, the pack's "Secret exposed to the model" rule
// raises one alert per exposure (a session's records in the dedup window, however many secrets
// and however often the batch is resent), naming each secret by fingerprint and kind only, and
// the alert read alone says where else each secret was seen ("seen before").

process.env.NEXTAUTH_SECRET ??= "secret-exposure-test-0123456789abcdef";

const RULE = "Secret exposed to the model%";
const samples = secretSamples(23);
let db: TestDatabase;
let app: RouteServer;
let t: TestTenant;

const kv = (o: Record<string, string | number>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));
let seq = 0;
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;

function logs(session: string, email: string, records: [string, Record<string, string | number>][]) {
  return {
    resourceLogs: [{
      resource: { attributes: kv({ "service.name": "claude-code", "service.version": "2.1.332" }) },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events", version: "2.1.332" },
        logRecords: records.map(([name, attrs]) => ({
          timeUnixNano: String(T0 + BigInt(++seq) * 1_000_000n),
          body: { stringValue: `claude_code.${name}` },
          attributes: kv({ "event.name": name, "session.id": session, "prompt.id": `p-${session}`, "event.sequence": seq, "user.email": email, ...attrs }),
        })),
      }],
    }],
  };
}

async function post(signal: "logs" | "traces", body: unknown) {
  const res = await fetch(`${app.url}/api/otlp/v1/${signal}`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.ingestToken}` }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function alertsOf(sessionId: string | null, service: string) {
  const { rows } = await getPool().query<{ id: string; hits: number; matched: Record<string, string>; session_id: string | null }>(
    `SELECT id, hits, matched, session_id FROM alerts WHERE tenant_id = $1 AND rule_title LIKE $2 AND service = $3 AND session_id IS NOT DISTINCT FROM $4`,
    [t.tenantId, RULE, service, sessionId],
  );
  return rows;
}

const fp = (kind: string, secret: string) => `${kind}:${keyedDigest(t.tenantId, "secret-fingerprint", secret).slice(0, 8)}`;

const s1 = logs("exp-s1", "arya@westeros.example", [
  ["user_prompt", { prompt: `deploy with ${samples["aws-access-key"].text} please`, prompt_length: 40 }],
  ["tool_result", { tool_name: "Bash", tool_input: JSON.stringify({ command: `gh auth status` }), tool_output: `Logged in with token ${samples["github-token"].secret}`, success: "true" }],
  ["tool_result", { tool_name: "Read", tool_input: JSON.stringify({ file_path: "/srv/app/README.md" }), success: "true" }],
]);

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
  t = await createTestTenant("secret-exposure");
  await post("logs", s1);
  await post("logs", s1); // an exporter's resend: the same records, stored once, no second exposure
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("a secret reaching the model raises one alert per exposure", () => {
  it("one alert for the session, its two secrets named by fingerprint, the record without a secret not evidence", async () => {
    const [alert, ...more] = await alertsOf("exp-s1", "claude_code");
    expect(more).toEqual([]);
    expect(alert.hits).toBe(2);
    const { rows: evidence } = await getPool().query<{ name: string }>(`SELECT name FROM alert_evidence WHERE tenant_id = $1 AND alert_id = $2 ORDER BY time`, [t.tenantId, alert.id]);
    expect(evidence.map((e) => e.name)).toEqual(["user_prompt", "tool_result"]);
    // matched names the first secret of the first hit: a fingerprint, never the value.
    expect([fp("aws-access-key", samples["aws-access-key"].secret), fp("github-token", samples["github-token"].secret)]).toContain(alert.matched.secret_fingerprints);
    // The alert holds fingerprints, never the secrets.
    const stored = JSON.stringify((await getPool().query(`SELECT a::text FROM alerts a WHERE tenant_id = $1`, [t.tenantId])).rows);
    for (const s of ["aws-access-key", "github-token"]) expect(stored).not.toContain(samples[s].secret);
  });

  it("the same secret in another person's session is a new exposure, and the alert says it was seen before", async () => {
    await post("logs", logs("exp-s2", "bran@westeros.example", [
      ["tool_result", { tool_name: "Read", tool_input: JSON.stringify({ file_path: "/srv/app/.env" }), tool_output: `AWS_ACCESS_KEY_ID=${samples["aws-access-key"].secret}`, success: "true" }],
    ]));
    const [alert] = await alertsOf("exp-s2", "claude_code");
    expect(alert.hits).toBe(1);
    const res = await fetch(`${app.url}/api/v1/alerts/${alert.id}`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { secretSightings?: { fingerprint: string; kind: string; elsewhere: { records: number; sessions: number; people: number; firstSeen: string }; firstSeen: string }[] };
    const aws = fp("aws-access-key", samples["aws-access-key"].secret);
    expect(body.secretSightings).toEqual([
      expect.objectContaining({ fingerprint: aws, kind: "aws-access-key", elsewhere: expect.objectContaining({ records: 1, sessions: 1, people: 1 }) }),
    ]);
    // Seen before: first seen in exp-s1, earlier than this alert's evidence.
    expect(Date.parse(body.secretSightings![0].firstSeen)).toBeLessThan(Date.parse(body.secretSightings![0].elsewhere.firstSeen) + 1);
    const first = (await alertsOf("exp-s1", "claude_code"))[0];
    const earlier = (await (await fetch(`${app.url}/api/v1/alerts/${first.id}`, { headers: { authorization: `Bearer ${t.apiToken}` } })).json()) as typeof body;
    expect(earlier.secretSightings?.find((s) => s.fingerprint === aws)?.elsewhere).toMatchObject({ records: 1, sessions: 1 });
    expect(earlier.secretSightings?.find((s) => s.kind === "github-token")?.elsewhere).toMatchObject({ records: 0, sessions: 0 });
  });

  it("the query language finds every record holding a secret by its fingerprint (secret:…)", async () => {
    const aws = fp("aws-access-key", samples["aws-access-key"].secret);
    const res = await fetch(`${app.url}/api/v1/events?q=${encodeURIComponent(`secret:"${aws}"`)}&from=2000-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: { sessionId: string; name: string }[] };
    expect(body.events.map((e) => `${e.sessionId}/${e.name}`).sort()).toEqual(["exp-s1/user_prompt", "exp-s2/tool_result"]);
  });

  it("an Office agent span with a secret raises the Office rule's alert", async () => {
    const traceId = "5b8efff798038103d269b633813fc60c";
    await post("traces", {
      resourceSpans: [{
        resource: { attributes: kv({ "service.name": "office-agent" }) },
        scopeSpans: [{ scope: { name: "office-agent" }, spans: [{
          traceId, spanId: "eee19b7ec3c1b174", name: "agent.tool_execution", kind: 1,
          startTimeUnixNano: String(T0), endTimeUnixNano: String(T0 + 1_000_000n),
          attributes: kv({ "session.id": "office-exp", "enduser.id": "sansa@westeros.example", tool_name: "read_range", "tool.output": `cell B2: ${samples["connection-string"].text}` }),
        }] }],
      }],
    });
    const alerts = await alertsOf("office-exp", "office_agent");
    expect(alerts).toHaveLength(1);
    expect(alerts[0].matched.secret_fingerprints).toMatch(/^connection-string:[0-9a-f]{8}$/);
  });

  it("no alert for a session whose records hold no secret", async () => {
    await post("logs", logs("exp-clean", "arya@westeros.example", [
      ["user_prompt", { prompt: "commit 4f2c9e1d8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d and trace 0af7651916cd43dd8448eb211c80319c", prompt_length: 90 }],
    ]));
    expect(await alertsOf("exp-clean", "claude_code")).toEqual([]);
  });
});
