// Alerts for e2e/alerts.spec.ts, written with SQL over the telemetry the setup project ingested
// (real fixture events, spans and Compliance activities of the default tenant), the way the
// engine's alert store writes them. Run with tsx against the running e2e server's data directory:
//   tsx e2e/seed-alerts.ts alerts       → prints {"bash": id, "office": id, "compliance": id}
//   tsx e2e/seed-alerts.ts exceptions   → prints the default tenant's detection exceptions
// (The lead switches the spec to the real engine when the branches meet.)
import { loadConfig } from "@/lib/config";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { closePool, getPool } from "@/lib/db/pool";
import { insertTestAlert } from "@/lib/testing/alerts";
import { DEFAULT_TENANT_SLUG } from "@/lib/tenants";

async function seed(tenantId: string): Promise<Record<string, string>> {
  const db = getPool();
  const ev = (
    await db.query<{ id: string; time: Date; session_id: string; prompt_id: string; user_email: string | null; command: string }>(
      `SELECT id, time, session_id, prompt_id, user_email, fields->'toolParameters'->>'full_command' AS command
         FROM events WHERE tenant_id = $1 AND event_name = 'tool_decision' AND decision = 'reject' AND decision_source = 'config'
          AND fields->'toolParameters'->>'full_command' LIKE 'rm %' ORDER BY time LIMIT 1`,
      [tenantId],
    )
  ).rows[0];
  if (!ev) throw new Error("no rejected rm command in the ingested fixtures (b-tool-denied)");
  const bash = await insertTestAlert(tenantId, {
    ruleId: "8f1d3c2a-6b0e-4f7d-9a51-3e2c1b0a9d01", ruleTitle: "Destructive command attempted (refused by policy)", level: "high",
    person: ev.user_email, sessionId: ev.session_id, promptId: ev.prompt_id, firstSeen: ev.time,
    matched: { command: ev.command, decision: "reject", decision_source: "config" },
    evidence: [{ kind: "event", id: ev.id, time: ev.time, sessionId: ev.session_id, promptId: ev.prompt_id, name: "tool_decision" }],
  });

  const span = (
    await db.query<{ trace_id: string; span_id: string; start_time: Date; session_id: string | null; user_email: string | null; tool_name: string }>(
      `SELECT trace_id, span_id, start_time, session_id, user_email, tool_name FROM spans
        WHERE tenant_id = $1 AND name = 'agent.tool_execution' AND read_write = 'write' ORDER BY start_time LIMIT 1`,
      [tenantId],
    )
  ).rows[0];
  if (!span) throw new Error("no Office write tool span in the ingested fixtures (office-traces)");
  const office = await insertTestAlert(tenantId, {
    ruleId: "8f1d3c2a-6b0e-4f7d-9a51-3e2c1b0a9d02", ruleTitle: "Office agent wrote to a document", level: "medium", service: "office_agent",
    person: span.user_email, sessionId: span.session_id, traceId: span.trace_id, firstSeen: span.start_time, matched: { tool_name: span.tool_name, read_write: "write" },
    evidence: [{ kind: "span", id: `${span.trace_id}/${span.span_id}`, time: span.start_time, sessionId: span.session_id, promptId: null, name: "agent.tool_execution" }],
  });

  const act = (
    await db.query<{ id: string; created_at: Date; type: string; actor_email: string | null }>(
      `SELECT id, created_at, type, actor_email FROM compliance_activities WHERE tenant_id = $1 ORDER BY created_at LIMIT 1`, [tenantId])
  ).rows[0];
  if (!act) throw new Error("no Compliance activity imported (e2e/data/compliance-export.ndjson)");
  const compliance = await insertTestAlert(tenantId, {
    ruleId: "8f1d3c2a-6b0e-4f7d-9a51-3e2c1b0a9d03", ruleTitle: "Sign-in from the activity feed", level: "low", service: "compliance_activity",
    person: act.actor_email, firstSeen: act.created_at, matched: { type: act.type },
    evidence: [{ kind: "compliance", id: act.id, time: act.created_at, sessionId: null, promptId: null, name: act.type }],
  });
  return { bash, office, compliance, command: ev.command };
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  try {
    if (!cfg.DATABASE_URL) {
      embedded = await openEmbeddedDatabase(cfg.dataDir);
      process.env.DATABASE_URL = embedded.url;
    }
    const tenant = (await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [DEFAULT_TENANT_SLUG])).rows[0];
    if (!tenant) throw new Error("no default tenant");
    if (process.argv[2] === "alerts") {
      console.log(JSON.stringify(await seed(tenant.id)));
    } else if (process.argv[2] === "exceptions") {
      const r = await getPool().query(`SELECT rule_id, field, operator, value, reason, created_by FROM detection_exceptions WHERE tenant_id = $1 ORDER BY created_at`, [tenant.id]);
      console.log(JSON.stringify(r.rows));
    } else {
      throw new Error("usage: seed-alerts.ts alerts | exceptions");
    }
  } finally {
    await closePool();
    await embedded?.stop();
  }
}

await main();
