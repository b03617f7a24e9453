// `npm run bench:console`: how fast the console's investigation pages render on a big dataset.
//
//   npm run bench:console -- [--sessions 20000] [--traces 10000] [--samples 20] [--warmup 3]
//
// Requirement: "the timeline and span pages render in under a second on a dataset with a million
// events". This script measures it end to end, against the production build:
// 1. A Postgres server (BENCH_DATABASE_URL, or a throwaway one from scripts/pg-throwaway.sh) and a
//    fresh database in it, migrated with lib/db/migrate.ts; a tenant, an environment and an admin.
// 2. ≥ 1,000,000 Claude Code / Cowork events and ≥ 100,000 Office agent spans, generated in SQL
//    (INSERT … SELECT FROM generate_series, in chunks) with typed columns and JSON attributes shaped
//    like the captured fixtures (test/fixtures), plus a few deliberately large prompts, sessions
//    and traces. Then VACUUM ANALYZE.
// 3. The app, started with the launcher (scripts/start.ts) exactly as `npm start` runs it, from a
//    private snapshot of the checkout and its production build (others rebuild the shared .next
//    at any time); the admin signs in through next-auth's credentials flow like a browser would.
// 4. Time to last byte of full page HTML responses (/prompts, /sessions, /traces) and of the
//    read API equivalents (/api/v1/…), sequential, after warm-up; the same lib/queries functions
//    are also timed in-process (query + shaping, no rendering) to split database from render
//    time; EXPLAIN ANALYZE of the page queries on the largest targets.
// Prints a table and writes bench-results/console.json. The exit code reports correctness only
// (every response a 200 with the expected content), never slowness.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { buildIsFresh } from "./build-freshness";
import { freePort, launchApp, log, onCleanup, reportFailures, resultsDir, root, runBench, scratchDatabase, sleep, tempDir, throwIfAborted, writeResults, type LaunchedApp } from "./bench-support";
import { createApiToken } from "@/lib/auth/api-tokens";
import { createUser } from "@/lib/auth/users";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { EVENT_FROM, EVENT_SELECT } from "@/lib/queries/events";
import { promptNeighbors, promptTimeline } from "@/lib/queries/prompts";
import { sessionOverview } from "@/lib/queries/sessions";
import { MAX_TRACE_SPANS, TRACE_TREE_SQL, traceTree } from "@/lib/queries/traces";
import { ensureDefaultScope, type TenantScope } from "@/lib/tenants";

// ---- options ----------------------------------------------------------------------------

interface Options {
  sessions: number;
  traces: number;
  samples: number;
  warmup: number;
}

const USAGE = `usage: npm run bench:console -- [--sessions N] [--traces N] [--samples N] [--warmup N]
  --sessions  regular Claude Code / Cowork sessions of 51 events (default 20000 → 1.02 M events,
              plus 26 k in three large sessions)
  --traces    regular Office agent traces of 10 spans (default 10000 → 100 k spans)
  --samples   measured requests per page (default 20)
  --warmup    warm-up requests per page, not counted (default 3)`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: "20000" },
      traces: { type: "string", default: "10000" },
      samples: { type: "string", default: "20" },
      warmup: { type: "string", default: "3" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  return {
    sessions: integer("sessions", values.sessions, 10),
    traces: integer("traces", values.traces, 10),
    samples: integer("samples", values.samples, 1),
    warmup: integer("warmup", values.warmup, 0),
  };
}


function gitHead(): string | null {
  const r = spawnSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMs = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : n.toFixed(0));
const fmtMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Seeded PRNG (mulberry32): the same run picks the same targets. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the database -----------------------------------------------------------------------

interface Database {
  description: string;
  url: string;
  serverLog: string | null;
}

async function setupDatabase(): Promise<Database> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let description = "Postgres server (BENCH_DATABASE_URL)";
  let serverLog: string | null = null;
  if (!adminUrl) {
    const dir = tempDir("bsconpg-");
    const port = await freePort();
    const script = path.join(root, "scripts", "pg-throwaway.sh");
    // Registered before starting: a start that fails half-way still leaves a server to stop.
    onCleanup("stop throwaway Postgres", () => {
      const stopped = spawnSync("bash", [script, "stop", dir], { encoding: "utf8" });
      if (stopped.status !== 0) throw new Error(stopped.stderr);
    });
    const started = spawnSync("bash", [script, "start", dir, String(port)], { encoding: "utf8" });
    if (started.status !== 0) throw new Error(`pg-throwaway.sh start failed: ${started.stderr || started.stdout}`);
    adminUrl = started.stdout.trim().split("\n").pop()!;
    description = "throwaway Postgres server (scripts/pg-throwaway.sh)";
    serverLog = path.join(dir, "server.log");
  }

  const db = await scratchDatabase(adminUrl, `blindspot_console_${randomBytes(4).toString("hex")}`);
  description += `, PostgreSQL ${db.serverVersion}`;
  return { description, url: db.url, serverLog };
}

// ---- data generation --------------------------------------------------------------------

/** One tenant's identity data shared by every generated row. */
const ORGANIZATION_ID = "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94";
const WINDOW_DAYS = 30;

// 25 × 20 names → 500 distinct users (first.last@example.com).
const FIRST_NAMES = [
  "jon", "arya", "sansa", "bran", "robb", "catelyn", "eddard", "tyrion", "jaime", "cersei", "brienne", "samwell",
  "gilly", "davos", "stannis", "daenerys", "jorah", "missandei", "varys", "petyr", "olenna", "margaery", "theon", "yara", "podrick",
];
const LAST_NAMES = [
  "snow", "stark", "lannister", "tarly", "seaworth", "baratheon", "targaryen", "mormont", "greyjoy", "tyrell",
  "martell", "tully", "arryn", "bolton", "frey", "umber", "karstark", "reed", "payne", "clegane",
];

const PROMPTS = [
  "fix the failing test in the payments service",
  "why does the login endpoint return 500 when the session cookie is expired? look at the middleware and the auth handler, then propose a fix with a regression test",
  "add a config file for the staging environment and wire it into the deploy script",
  "refactor the invoice exporter so it streams rows instead of loading the whole month into memory; keep the CSV format byte-identical and add a benchmark",
  "what is in this folder?",
  "read the host name, add a config file, fix the app and commit",
  "rotate the API key used by the billing cron job and update the secret in the vault, then restart the worker",
  "Summarise the last 50 commits on main and list anything that touches authentication, authorisation or cryptography. For each, explain the risk in one sentence and link the commit.",
  "upgrade react to the latest minor version and fix the type errors",
  "write a migration that adds an index on orders(customer_id, created_at) and check the query plan of the dashboard query before and after",
  "look up user jsnow in the CRM and rotate his key",
  "The nightly ETL job has been timing out since Tuesday. Read the job logs in /var/log/etl, find the slow step, and make it at least 2x faster without changing the output schema. Explain what you changed.",
  "grep the repo for hard-coded credentials and move them to environment variables",
  "create a pull request with these changes and ask the platform team for review",
  "explain how the rate limiter works",
];

const RESPONSES = [
  "Done: the failing test was caused by a timezone assumption in the fixture; I pinned the clock and the suite passes.",
  "I changed the middleware to treat an expired session cookie as anonymous and added a regression test (auth.test.ts). The handler no longer throws.",
  "The exporter now streams rows through a cursor; memory stays under 60 MB for a month of invoices and the CSV output is byte-identical (checked with sha256sum).",
  "Config written to config/staging.yaml and referenced from deploy.sh; I did not run the deploy.",
  "Key rotated and stored in the vault; the worker was restarted and is healthy. The old key is revoked.",
  "I found three hard-coded credentials (two test tokens, one real database password) and moved them to environment variables; the real password should be rotated.",
  "The slow step was a per-row lookup against the customers table; batching it reduced the job from 47 to 11 minutes. Output schema unchanged.",
  "Pull request #4812 opened and the platform team was requested for review.",
];

const COMMANDS = [
  "git status", "npm test -- --runInBand", "git diff --stat HEAD~1", "kubectl get pods -n payments", "cat /etc/hosts",
  "curl -s https://internal.example.com/api/health", "psql -c 'select count(*) from orders'", "docker compose up -d db",
  "git commit -am 'fix: handle expired sessions'", "ls -la", "npm run build", "pytest -q tests/test_export.py",
  "aws s3 ls s3://acme-prod-backups/", "grep -rn password config/", "terraform plan -out plan.tfplan",
];

const FILES = [
  "src/auth/middleware.ts", "src/payments/service.ts", "src/export/invoices.py", "config/staging.yaml", "deploy.sh",
  "README.md", "src/api/routes/login.ts", "tests/test_export.py", ".env.example", "src/lib/rate-limit.ts",
  "infra/main.tf", "package.json",
];

const REPOS = ["payments-api", "web-console", "etl-pipelines", "infra", "billing-worker", "mobile-app", "data-platform"];

const OFFICE_MESSAGES = [
  "Summarise this sheet",
  "Highlight rows where credit exceeds debit",
  "Tighten the liability clause",
  "Turn slide 4 into bullet points",
  "Draft a reply that declines the meeting politely and proposes next Tuesday instead",
  "Build a pivot of revenue by region and quarter, then chart it",
  "Check this contract for any clause that conflicts with our standard payment terms of 30 days",
  "Rewrite the executive summary in plain language for the board",
];

// The Claude-engine event stream of one session, as SQL. Session s has $5 events: $7 startup events
// without a prompt (MCP connection or permission-mode change), then prompts of $6 events each:
// user_prompt, then (api_request, tool_decision, tool_result)…, then assistant_response. A
// decision right before the response is a user rejection (the tool never ran). Everything random
// is a hash of the row's coordinates, so a run is reproducible. Rows are inserted in time order,
// as ingest would write them: a session's events end up interleaved with other sessions' on disk.
// Every LATERAL ends in OFFSET 0, an optimisation fence: without it the planner pulls the
// subqueries up and inlines their expressions at every reference, recomputing the hashes and JSON
// builds dozens of times per row (measured 10× slower).
//   $1 tenant  $2 environment  $3/$4 session range [from, to)  $5 events per session
//   $6 events per prompt  $7 startup events  $8 label (namespaces ids)  $9 window start (epoch s)
//   $10 window length (s)  $11 sessions spread over the window  $12 resources uuid[4]
//   $13 prompts  $14 responses  $15 first names  $16 last names  $17 commands  $18 files  $19 repos
//   $20 organization id
const EVENTS_SQL = `
INSERT INTO events (
  tenant_id, id, environment_id, resource_id, source, service_name, service_version, scope_name, scope_version,
  event_name, time, time_ns, observed_time_ns, received_at, session_id, prompt_id, sequence,
  user_id, user_email, account_uuid, account_id, organization_id, terminal_type,
  tool_name, tool_use_id, mcp_server, mcp_tool, decision, decision_source, success, duration_ms, error, error_type,
  status_code, model, request_id, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
  fields, attributes, body)
SELECT $1::text, md5($8::text || ':id:' || s || ':' || k)::uuid, $2::text, w.resource_id, w.source, w.service_name, w.version,
  'com.anthropic.claude_code.events', w.version,
  n.name, to_timestamp(n.epoch), (n.epoch * 1e9)::bigint, (n.epoch * 1e9)::bigint + 1500000, to_timestamp(n.epoch + 2),
  ss.sid, n.pid, k,
  w.user_id, w.email, w.account_uuid, w.account_id, $20::text, w.terminal,
  t.tool, t.tool_use_id, t.mcp_server, t.mcp_tool, t.decision, t.decision_source, t.success, m.duration_ms, m.error, m.error_type,
  m.status_code, m.model, m.request_id, m.cost_usd, m.input_tokens, m.output_tokens, m.cache_read, m.cache_creation,
  jsonb_strip_nulls(jsonb_build_object(
    'event.sequence', k,
    'prompt_length', CASE WHEN n.name = 'user_prompt' THEN length(c.prompt) END,
    'response_length', CASE WHEN n.name = 'assistant_response' THEN length(c.response) END,
    'cost_usd', m.cost_usd, 'cost_usd_micros', (m.cost_usd * 1e6)::bigint, 'input_tokens', m.input_tokens,
    'output_tokens', m.output_tokens, 'cache_read_tokens', m.cache_read, 'cache_creation_tokens', m.cache_creation,
    'duration_ms', m.duration_ms, 'status_code', m.status_code,
    'success', t.success,
    'toolParameters', t.params,
    'toolInput', CASE WHEN n.name = 'tool_result' THEN t.input END,
    'tool_input_size_bytes', CASE WHEN n.name = 'tool_result' THEN length(t.input::text) END,
    'tool_result_size_bytes', CASE WHEN n.name = 'tool_result' THEN 40 + t.th % 9000 END,
    'workspaceHostPaths', w.host_paths)),
  jsonb_strip_nulls(jsonb_build_object(
    'user.id', w.user_id, 'session.id', ss.sid, 'terminal.type', w.terminal, 'event.name', n.name,
    'event.timestamp', to_char(to_timestamp(n.epoch) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'event.sequence', k, 'prompt.id', n.pid, 'user.email', w.email, 'user.account_uuid', w.account_uuid,
    'user.account_id', w.account_id, 'organization.id', $20::text, 'app.version', w.version,
    'workspace.host_paths', w.host_paths)
  || CASE n.name
    WHEN 'user_prompt' THEN jsonb_build_object('prompt_length', length(c.prompt)::text, 'prompt', c.prompt)
    WHEN 'assistant_response' THEN jsonb_build_object('response_length', length(c.response), 'response', c.response,
      'request_id', m.request_id, 'model', m.model, 'query_source', 'repl_main_thread')
    WHEN 'api_request' THEN jsonb_build_object('model', m.model, 'input_tokens', m.input_tokens,
      'output_tokens', m.output_tokens, 'cache_read_tokens', m.cache_read, 'cache_creation_tokens', m.cache_creation,
      'cost_usd', m.cost_usd, 'cost_usd_micros', (m.cost_usd * 1e6)::bigint, 'duration_ms', m.duration_ms,
      'request_id', m.request_id, 'speed', 'normal', 'query_source', 'repl_main_thread', 'effort', 'high')
    WHEN 'api_error' THEN jsonb_build_object('model', m.model, 'error', m.error, 'status_code', m.status_code::text,
      'duration_ms', m.duration_ms, 'attempt', 1, 'request_id', m.request_id)
    WHEN 'tool_decision' THEN jsonb_strip_nulls(jsonb_build_object('decision', t.decision, 'source', t.decision_source,
      'tool_name', t.tool, 'tool_use_id', t.tool_use_id, 'tool_parameters', t.params::text))
    WHEN 'tool_result' THEN jsonb_strip_nulls(jsonb_build_object('tool_name', t.tool, 'tool_use_id', t.tool_use_id,
      'success', t.success::text, 'duration_ms', m.duration_ms::text, 'tool_parameters', t.params::text,
      'tool_input', t.input::text, 'tool_input_size_bytes', length(t.input::text)::text,
      'tool_result_size_bytes', (40 + t.th % 9000)::text, 'decision_type', t.decision,
      'decision_source', t.decision_source, 'error', m.error))
    WHEN 'mcp_server_connection' THEN jsonb_build_object('status', 'connected', 'transport_type', 'stdio',
      'server_scope', 'user', 'duration_ms', (40 + e.eh % 900)::text, 'is_plugin', false, 'server_name', 'github')
    WHEN 'permission_mode_changed' THEN jsonb_build_object('from_mode', 'default',
      'to_mode', CASE WHEN e.eh % 25 = 0 THEN 'bypassPermissions' ELSE 'acceptEdits' END, 'trigger', 'shift_tab')
    ELSE '{}'::jsonb END),
  to_jsonb('claude_code.' || n.name)
FROM generate_series($3::int, $4::int - 1) AS s
CROSS JOIN LATERAL (
  SELECT md5($8::text || ':s:' || s)::uuid::text AS sid, abs(hashtext($8::text || ':s:' || s)) AS sh, (s % 5 = 0) AS cowork
  OFFSET 0
) ss
CROSS JOIN LATERAL (
  SELECT ss.sh % 500 AS u,
         $9::float8 + ((s + 0.5) / $11::float8) * $10::float8 + ss.sh % 900 AS start_epoch,
         -- a prompt's events span at most $6 × 8 s; the next prompt starts 4–14 min after that
         $6::int * 8 + 240 + ss.sh % 600 AS prompt_gap
  OFFSET 0
) sx
CROSS JOIN LATERAL (
  SELECT $15::text[] AS firsts, $16::text[] AS lasts
  OFFSET 0
) names
CROSS JOIN LATERAL (
  SELECT names.firsts[1 + sx.u % cardinality(names.firsts)] || '.' ||
         names.lasts[1 + (sx.u / cardinality(names.firsts)) % cardinality(names.lasts)] AS login
  OFFSET 0
) who
CROSS JOIN LATERAL (
  SELECT who.login || '@example.com' AS email,
         who.login AS login,
         encode(sha256(convert_to('device:' || sx.u, 'UTF8')), 'hex') AS user_id,
         md5('account:' || sx.u)::uuid::text AS account_uuid,
         CASE WHEN ss.cowork THEN 'user_01' || left(md5('tagged:' || sx.u), 22) END AS account_id,
         CASE WHEN ss.cowork THEN 'cowork' ELSE 'claude_code' END AS source,
         CASE WHEN ss.cowork THEN 'cowork' ELSE 'claude-code' END AS service_name,
         (ARRAY['2.1.197', '2.1.190', '2.1.182'])[1 + sx.u % 3] AS version,
         CASE WHEN ss.cowork THEN NULL ELSE (ARRAY['xterm-256color', 'vscode', 'iTerm.app', 'tmux-256color'])[1 + ss.sh % 4] END AS terminal,
         CASE WHEN ss.cowork THEN ($12::uuid[])[4] ELSE ($12::uuid[])[1 + sx.u % 3] END AS resource_id,
         ($19::text[])[1 + ss.sh % cardinality($19::text[])] AS repo,
         CASE WHEN ss.cowork THEN jsonb_build_array('/Users/' || who.login || '/Documents/' ||
           ($19::text[])[1 + ss.sh % cardinality($19::text[])]) END AS host_paths
  OFFSET 0
) w
CROSS JOIN generate_series(0, $5::int - 1) AS k
CROSS JOIN LATERAL (
  SELECT k < $7::int AS startup, (k - $7::int) / $6::int AS p, (k - $7::int) % $6::int AS j,
         abs(hashtext($8::text || ':e:' || s || ':' || k)) AS eh
  OFFSET 0
) e
CROSS JOIN LATERAL (
  SELECT CASE WHEN e.startup THEN CASE WHEN ss.cowork THEN 'permission_mode_changed' ELSE 'mcp_server_connection' END
              WHEN e.j = 0 THEN 'user_prompt'
              WHEN e.j = $6::int - 1 THEN 'assistant_response'
              WHEN (e.j - 1) % 3 = 0 THEN CASE WHEN e.eh % 40 = 0 THEN 'api_error' ELSE 'api_request' END
              WHEN (e.j - 1) % 3 = 1 THEN 'tool_decision'
              ELSE 'tool_result' END AS name,
         CASE WHEN NOT e.startup THEN md5($8::text || ':p:' || s || ':' || e.p)::uuid::text END AS pid,
         -- strictly increasing with k: j × 8 s plus under 7 s of jitter
         CASE WHEN e.startup THEN sx.start_epoch + k
              ELSE sx.start_epoch + $7::int + 5 + e.p * sx.prompt_gap + e.j * 8 + e.eh % 6 + (e.eh % 997) / 1000.0 END AS epoch
  OFFSET 0
) n
CROSS JOIN LATERAL (
  SELECT ($13::text[])[1 + abs(hashtext($8::text || ':pt:' || s || ':' || e.p)) % cardinality($13::text[])] AS prompt,
         ($14::text[])[1 + abs(hashtext($8::text || ':rt:' || s || ':' || e.p)) % cardinality($14::text[])] AS response
  OFFSET 0
) c
-- a tool call: the decision at k and its result at k + 1 share tool_use_id, tool and input
CROSS JOIN LATERAL (
  SELECT CASE n.name WHEN 'tool_decision' THEN k WHEN 'tool_result' THEN k - 1 END AS pair
  OFFSET 0
) tp
CROSS JOIN LATERAL (
  SELECT abs(hashtext($8::text || ':t:' || s || ':' || tp.pair)) AS th
  OFFSET 0
) tq
CROSS JOIN LATERAL (
  SELECT CASE WHEN tp.pair IS NOT NULL THEN
           (ARRAY['Bash', 'Read', 'Edit', 'Bash', 'Read', 'Grep', 'Write', 'WebFetch', 'mcp_tool', 'Glob', 'Bash', 'Read'])[1 + tq.th % 12]
         END AS tool,
         ($17::text[])[1 + tq.th % cardinality($17::text[])] AS cmd,
         '/home/' || w.login || '/src/' || w.repo || '/' || ($18::text[])[1 + (tq.th / 7) % cardinality($18::text[])] AS file,
         CASE WHEN e.j = $6::int - 2 THEN true ELSE false END AS rejected
  OFFSET 0
) tx
CROSS JOIN LATERAL (
  SELECT tx.tool, tq.th,
         CASE WHEN tx.tool IS NOT NULL THEN 'toolu_01' || left(md5('toolu:' || $8::text || ':' || s || ':' || tp.pair), 22) END AS tool_use_id,
         CASE WHEN tx.tool = 'mcp_tool' THEN 'github' END AS mcp_server,
         CASE WHEN tx.tool = 'mcp_tool' THEN (ARRAY['create_pull_request', 'search_issues', 'get_file_contents'])[1 + tq.th % 3] END AS mcp_tool,
         CASE WHEN tx.tool IS NULL THEN NULL WHEN tx.rejected THEN 'reject' ELSE 'accept' END AS decision,
         CASE WHEN tx.tool IS NULL THEN NULL WHEN tx.rejected THEN 'user_reject'
              ELSE (ARRAY['config', 'config', 'config', 'config', 'config', 'config', 'config', 'config', 'config', 'config',
                          'config', 'config', 'user_temporary', 'user_temporary', 'user_temporary', 'user_temporary',
                          'user_permanent', 'user_permanent', 'hook', 'hook'])[1 + tq.th % 20] END AS decision_source,
         CASE WHEN n.name = 'tool_result' THEN tq.th % 15 <> 0 END AS success,
         CASE tx.tool
           WHEN 'Bash' THEN jsonb_build_object('command', tx.cmd, 'description', 'Run ' || split_part(tx.cmd, ' ', 1) || ' in ' || w.repo, 'timeout', 120000)
           WHEN 'Read' THEN jsonb_build_object('file_path', tx.file)
           WHEN 'Edit' THEN jsonb_build_object('file_path', tx.file, 'old_string', 'if (session.expired) throw new Error("expired");',
             'new_string', 'if (session.expired) return anonymous(request);', 'replace_all', false)
           WHEN 'Write' THEN jsonb_build_object('file_path', tx.file, 'content',
             E'# generated by Claude\\nenvironment: staging\\nreplicas: 2\\ndatabase:\\n  host: db.staging.internal\\n  pool: 20\\nfeatures:\\n  streaming_export: true\\n')
           WHEN 'Grep' THEN jsonb_build_object('pattern', 'password|secret|api[_-]?key', 'path', '/home/' || w.login || '/src/' || w.repo, 'output_mode', 'content', '-n', true)
           WHEN 'Glob' THEN jsonb_build_object('pattern', '**/*.{ts,tsx,py}', 'path', '/home/' || w.login || '/src/' || w.repo)
           WHEN 'WebFetch' THEN jsonb_build_object('url', 'https://docs.example.com/' || w.repo || '/runbook', 'prompt', 'Extract the rollback procedure')
           WHEN 'mcp_tool' THEN jsonb_build_object('owner', 'acme', 'repo', w.repo, 'title', 'Fix expired session handling', 'base', 'main')
         END AS input,
         CASE tx.tool
           WHEN 'Bash' THEN jsonb_build_object('bash_command', split_part(tx.cmd, ' ', 1), 'full_command', tx.cmd,
             'description', 'Run ' || split_part(tx.cmd, ' ', 1) || ' in ' || w.repo)
           WHEN 'mcp_tool' THEN jsonb_build_object('mcp_server_name', 'github', 'mcp_tool_name',
             (ARRAY['create_pull_request', 'search_issues', 'get_file_contents'])[1 + tq.th % 3])
         END AS params
  OFFSET 0
) t
CROSS JOIN LATERAL (
  SELECT CASE WHEN n.name IN ('api_request', 'api_error', 'assistant_response')
           THEN (ARRAY['claude-opus-4-8', 'claude-sonnet-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'])[1 + ss.sh % 4] END AS model,
         CASE WHEN n.name IN ('api_request', 'api_error', 'assistant_response') THEN 'req_011C' || left(md5('req:' || $8::text || ':' || s || ':' || k), 20) END AS request_id,
         CASE WHEN n.name = 'api_request' THEN round((100 + e.eh % 5000) / 100000.0, 6)::float8 END AS cost_usd,
         CASE WHEN n.name = 'api_request' THEN 1500 + e.eh % 30000 END AS input_tokens,
         CASE WHEN n.name = 'api_request' THEN 20 + e.eh % 2000 END AS output_tokens,
         CASE WHEN n.name = 'api_request' THEN e.eh % 50000 END AS cache_read,
         CASE WHEN n.name = 'api_request' THEN e.eh % 3000 END AS cache_creation,
         CASE WHEN n.name = 'api_request' THEN 800 + e.eh % 20000
              WHEN n.name = 'api_error' THEN 30000
              WHEN n.name = 'tool_result' THEN 5 + t.th % 3000 END::float8 AS duration_ms,
         CASE WHEN n.name = 'api_error' THEN 'Overloaded'
              WHEN n.name = 'tool_result' AND NOT t.success THEN 'Error: command exited with code 1' END AS error,
         CASE WHEN n.name = 'api_error' THEN 'overloaded_error' END AS error_type,
         CASE WHEN n.name = 'api_error' THEN 529 END AS status_code
  OFFSET 0
) m
ORDER BY n.epoch`;

// Office agent traces (https://support.claude.com/en/articles/14447276-configure-a-custom-opentelemetry-collector-for-office-agents) as SQL: span 0 is the agent.query root; after it come
// groups of three, an agent.stream (child of the root) and two agent.tool_execution spans (children
// of that stream). Five consecutive traces share a session. Attributes as in the fixtures.
//   $1 tenant  $2 environment  $3/$4 trace range [from, to)  $5 spans per trace  $6 label
//   $7 window start (epoch s)  $8 window length (s)  $9 traces spread over the window  $10 resource
//   $11 first names  $12 last names  $13 user messages  $14 organization id
const SPANS_SQL = `
INSERT INTO spans (
  tenant_id, trace_id, span_id, environment_id, resource_id, source, service_name, scope_name, scope_version,
  parent_span_id, name, kind, start_time, end_time, start_ns, end_ns, duration_ms, status_code, status_message, flags,
  session_id, user_email, account_uuid, organization_id, surface, tool_name, tool_use_id, decision, read_write, success,
  model, input_tokens, output_tokens, error_type, fields, attributes, events)
SELECT $1::text, tr.trace_id, left(md5($6::text || ':span:' || t || ':' || k), 16), $2::text, $10::uuid, 'office', 'office-agent', 'office-agent', '1.0.0',
  sp.parent, sp.name, CASE WHEN sp.name = 'agent.stream' THEN 3 ELSE 1 END,
  to_timestamp(sp.t0), to_timestamp(sp.t1), (sp.t0 * 1e9)::bigint, (sp.t1 * 1e9)::bigint, round(((sp.t1 - sp.t0) * 1000)::numeric, 3)::float8,
  CASE WHEN sp.failed THEN 2 ELSE 1 END, CASE WHEN sp.failed THEN o.error_message END, 257,
  tx.sid, tx.email, tx.account_uuid, $14::text, tx.surface,
  CASE WHEN sp.name = 'agent.tool_execution' THEN o.tool END,
  CASE WHEN sp.name = 'agent.tool_execution' THEN o.tool_id END,
  CASE WHEN sp.name = 'agent.tool_execution' THEN o.accept END,
  CASE WHEN sp.name = 'agent.tool_execution' THEN o.read_write END,
  CASE WHEN sp.name = 'agent.tool_execution' THEN NOT sp.failed END,
  CASE WHEN sp.name = 'agent.stream' OR k = 0 THEN tx.model END,
  CASE WHEN sp.name = 'agent.stream' THEN 1500 + sp.h % 6000 END,
  CASE WHEN sp.name = 'agent.stream' THEN 40 + sp.h % 400 END,
  CASE WHEN sp.failed THEN o.error_type END,
  CASE WHEN sp.name = 'agent.tool_execution' THEN jsonb_build_object('toolInput', o.input, 'toolOutput', o.output) ELSE '{}'::jsonb END,
  CASE
    WHEN k = 0 THEN jsonb_build_object(
      'agent.surface', tx.surface_code, 'agent.vendor', 'm', 'session.id', tx.sid, 'office.platform', tx.platform,
      'office.version', '16.0.18129.20158', 'user.email', tx.email, 'user.message', tx.message,
      'user.message_chars', length(tx.message), 'document.url', tx.document_url, 'agent.selected_model', tx.model,
      'user.account_uuid', tx.account_uuid, 'organization.id', $14::text, 'org.rate_limit_tier', 'default_claude_enterprise',
      'mcp.configured_count', 1, 'mcp.connected_count', 1, 'mcp.failed_count', 0,
      'file.upload.count', 0, 'file.upload.total_bytes', 0)
    WHEN sp.name = 'agent.stream' THEN jsonb_build_object(
      'model', tx.model, 'max_tokens', 16000, 'agent.message_count', 1 + 2 * sp.g, 'input_tokens', 1500 + sp.h % 6000,
      'output_tokens', 40 + sp.h % 400, 'cache_read_tokens', sp.h % 4000, 'cache_creation_tokens', sp.h % 3000,
      'stop_reason', 'tool_use', 'request_id', 'req_011C' || left(md5('oreq:' || $6::text || t || ':' || k), 20))
    ELSE jsonb_strip_nulls(jsonb_build_object(
      'tool_name', o.tool, 'tool.id', o.tool_id, 'tool.caller', 'direct',
      'tool.owner', CASE WHEN o.tool = 'mcp_tool' THEN 'third_party' ELSE 'first_party' END,
      'tool.read_write', o.read_write, 'tool.accept_decision', o.accept, 'tool.input', o.input::text,
      'tool.success', NOT sp.failed, 'tool.output', CASE WHEN sp.failed THEN o.error_message ELSE o.output::text END,
      'tool.output_chars', length(CASE WHEN sp.failed THEN o.error_message ELSE o.output::text END),
      'tool.error_type', CASE WHEN sp.failed THEN o.error_type END))
  END,
  CASE
    WHEN sp.name = 'agent.stream' THEN jsonb_build_array(
      jsonb_build_object('timeUnixNano', ((sp.t0 + 0.4) * 1e9)::bigint::text, 'name', 'first_token', 'attributes', '{}'::jsonb),
      jsonb_build_object('timeUnixNano', ((sp.t1 - 0.1) * 1e9)::bigint::text, 'name', 'office_agent.token.usage',
        'attributes', jsonb_build_object('token_usage.type', 'input', 'token_usage.model', tx.model, 'token_usage.token_count', 1500 + sp.h % 6000)),
      jsonb_build_object('timeUnixNano', ((sp.t1 - 0.1) * 1e9)::bigint::text, 'name', 'office_agent.token.usage',
        'attributes', jsonb_build_object('token_usage.type', 'output', 'token_usage.model', tx.model, 'token_usage.token_count', 40 + sp.h % 400)),
      jsonb_build_object('timeUnixNano', (sp.t1 * 1e9)::bigint::text, 'name', 'stream_complete', 'attributes', '{}'::jsonb))
    WHEN sp.name = 'agent.tool_execution' THEN jsonb_build_array(
      jsonb_build_object('timeUnixNano', (sp.t0 * 1e9)::bigint::text, 'name', 'tool_init', 'attributes', '{}'::jsonb),
      jsonb_build_object('timeUnixNano', ((sp.t0 + 0.002) * 1e9)::bigint::text, 'name', 'tool_run', 'attributes', '{}'::jsonb),
      jsonb_build_object('timeUnixNano', (sp.t1 * 1e9)::bigint::text, 'name', 'tool_result', 'attributes', '{}'::jsonb))
    ELSE '[]'::jsonb
  END
FROM generate_series($3::int, $4::int - 1) AS t
CROSS JOIN LATERAL (
  SELECT md5($6::text || ':trace:' || t) AS trace_id, abs(hashtext($6::text || ':osession:' || (t / 5))) AS sh,
         $7::float8 + ((t + 0.5) / $9::float8) * $8::float8 AS start_epoch,
         ($5::int + 1) / 3 AS groups
  OFFSET 0
) tr
CROSS JOIN LATERAL (
  SELECT ($11::text[])[1 + (tr.sh % 500) % cardinality($11::text[])] || '.' ||
         ($12::text[])[1 + ((tr.sh % 500) / cardinality($11::text[])) % cardinality($12::text[])] AS login,
         (ARRAY['sheet', 'doc', 'slide', 'mail'])[1 + tr.sh % 4] AS surface_code
  OFFSET 0
) u
CROSS JOIN LATERAL (
  SELECT md5($6::text || ':osession:' || (t / 5))::uuid::text AS sid,
         u.login || '@example.com' AS email,
         md5('account:' || tr.sh % 500)::uuid::text AS account_uuid,
         u.surface_code,
         (ARRAY['excel', 'word', 'powerpoint', 'outlook'])[1 + tr.sh % 4] AS surface,
         (ARRAY['PC', 'Mac', 'OfficeOnline'])[1 + tr.sh % 3] AS platform,
         (ARRAY['claude-sonnet-4-5', 'claude-opus-4-1'])[1 + tr.sh % 2] AS model,
         ($13::text[])[1 + abs(hashtext($6::text || ':msg:' || t)) % cardinality($13::text[])] AS message,
         'https://acme.sharepoint.example/sites/Finance/Shared%20Documents/' ||
           (ARRAY['Q3%20Forecast.xlsx', 'Supplier%20Contract.docx', 'Board%20Review.pptx', 'Inbox'])[1 + tr.sh % 4] AS document_url
  OFFSET 0
) tx
CROSS JOIN generate_series(0, $5::int - 1) AS k
CROSS JOIN LATERAL (
  SELECT (k - 1) / 3 AS g, (k - 1) % 3 AS r, abs(hashtext($6::text || ':sp:' || t || ':' || k)) AS h
  OFFSET 0
) gk
CROSS JOIN LATERAL (
  SELECT CASE WHEN k = 0 THEN 'agent.query' WHEN gk.r = 0 THEN 'agent.stream' ELSE 'agent.tool_execution' END AS name,
         CASE WHEN k = 0 THEN NULL
              WHEN gk.r = 0 THEN left(md5($6::text || ':span:' || t || ':0'), 16)
              ELSE left(md5($6::text || ':span:' || t || ':' || (1 + 3 * gk.g)), 16) END AS parent,
         CASE WHEN k = 0 THEN tr.start_epoch
              WHEN gk.r = 0 THEN tr.start_epoch + 0.2 + gk.g * 4
              ELSE tr.start_epoch + 0.2 + gk.g * 4 + 1 + (gk.r - 1) * 1.3 END AS t0,
         CASE WHEN k = 0 THEN tr.start_epoch + 0.5 + tr.groups * 4
              WHEN gk.r = 0 THEN tr.start_epoch + 0.2 + gk.g * 4 + 3.8
              ELSE tr.start_epoch + 0.2 + gk.g * 4 + 1 + (gk.r - 1) * 1.3 + 0.2 + (gk.h % 900) / 1000.0 END AS t1,
         k > 0 AND gk.r > 0 AND gk.h % 25 = 0 AS failed,
         gk.g, gk.h
  OFFSET 0
) sp
CROSS JOIN LATERAL (
  SELECT CASE WHEN sp.h % 6 = 0 THEN 'mcp_tool' ELSE
           (ARRAY[
             ARRAY['get_cell_ranges', 'set_cell_range', 'execute_office_js'],
             ARRAY['get_document_text', 'insert_paragraph', 'search_document'],
             ARRAY['get_slide_content', 'edit_slide_xml', 'add_slide'],
             ARRAY['get_message', 'draft_reply', 'search_mailbox']])[1 + tr.sh % 4][1 + sp.h % 3] END AS tool,
         'toolu_01' || left(md5('otool:' || $6::text || t || ':' || k), 22) AS tool_id,
         (ARRAY['auto_accept', 'auto_accept', 'manual', 'deferred'])[1 + sp.h % 4] AS accept,
         CASE WHEN sp.h % 3 = 1 THEN 'write' ELSE 'read' END AS read_write,
         CASE WHEN sp.h % 6 = 0
           THEN jsonb_build_object('server', 'acme-crm', 'tool', 'lookup_account', 'arguments', jsonb_build_object('account', 'Iron Bank'))
           ELSE jsonb_build_object('sheet', 'Q3', 'range', 'A1:F' || (10 + sp.h % 90), 'scope', 'body') END AS input,
         CASE WHEN sp.h % 3 = 1 THEN jsonb_build_object('ok', true, 'changed', sp.h % 300)
           ELSE jsonb_build_object('rows', 12 + sp.h % 40, 'preview',
             'Name,House,Role,Stipend\nRecruit 0,Stark,Builder,40\nRecruit 1,Tarly,Steward,43\nRecruit 2,Tarly,Steward,46\n' ||
             'Recruit 3,Tarly,Ranger,49\nRecruit 4,Umber,Ranger,52\nRecruit 5,Umber,Steward,55\nRecruit 6,Umber,Steward,58\n' ||
             'Recruit 7,Umber,Steward,61\nRecruit 8,Tarly,Builder,64\nRecruit 9,Umber,Steward,67\nRecruit 10,Tarly,Builder,70') END AS output,
         'Error: GeneralException: the document is read-only' AS error_message,
         'GeneralException' AS error_type
  OFFSET 0
) o
ORDER BY sp.t0`;

interface EventBatch {
  label: string;
  sessions: number;
  perSession: number;
  perPrompt: number;
  startup: number;
  /** Where in the 30-day window these sessions live, as fractions [from, to). */
  window: [number, number];
}

interface SpanBatch {
  label: string;
  traces: number;
  perTrace: number;
  window: [number, number];
}

interface GenerationStats {
  events: number;
  spans: number;
  prompts: number;
  sessions: number;
  traces: number;
  eventsSeconds: number;
  spansSeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
  tables: Record<string, { rows: number; totalBytes: number; heapBytes: number; indexBytes: number; toastBytes: number }>;
  avgAttributesBytes: { events: number; spans: number };
  avgFieldsBytes: { events: number };
}

/** Runs the given SQL jobs on `workers` connections at once; both cores get busy. */
async function runParallel(url: string, workers: number, jobs: { sql: string; params: unknown[] }[], onDone: () => void): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // Bulk load settings for this connection only: the rows are a benchmark fixture, losing
        // them in a crash costs nothing, and sorting 100 k wide rows wants memory.
        await c.query("SET synchronous_commit = off");
        await c.query("SET work_mem = '256MB'");
        for (let job = queue.shift(); job; job = queue.shift()) {
          throwIfAborted();
          await c.query(job.sql, job.params);
          onDone();
        }
      } finally {
        await c.end();
      }
    }),
  );
}

async function generate(url: string, scope: TenantScope, batches: { events: EventBatch[]; spans: SpanBatch[] }): Promise<GenerationStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const windowSeconds = WINDOW_DAYS * 86_400;
    const windowStart = Math.floor(Date.now() / 1000) - windowSeconds;

    // A handful of resources, as the ingest writer would have stored them (one per distinct
    // resource attribute set).
    const resources = {
      ccLinux: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a01",
      ccMac: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a02",
      ccWindows: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a03",
      cowork: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a04",
      office: "6f1c0b9e-0d0a-4c55-9b86-1f1f2d3c4a05",
    };
    const resourceRows: [string, string, Record<string, string>][] = [
      [resources.ccLinux, "claude-code", { "host.arch": "amd64", "os.type": "linux", "os.version": "6.18.44", "service.name": "claude-code", "service.version": "2.1.197" }],
      [resources.ccMac, "claude-code", { "host.arch": "arm64", "os.type": "darwin", "os.version": "25.1.0", "service.name": "claude-code", "service.version": "2.1.197" }],
      [resources.ccWindows, "claude-code", { "host.arch": "amd64", "os.type": "windows", "os.version": "10.0.26100", "service.name": "claude-code", "service.version": "2.1.190" }],
      [resources.cowork, "cowork", { "host.arch": "arm64", "os.type": "darwin", "os.version": "25.1.0", "service.name": "cowork", "service.version": "1.0.4" }],
      [resources.office, "office-agent", { "service.name": "office-agent", "service.version": "1.0.0", "telemetry.sdk.language": "webjs", "telemetry.sdk.name": "opentelemetry" }],
    ];
    for (const [id, service, attributes] of resourceRows) {
      await client.query(`INSERT INTO resources (tenant_id, id, service_name, attributes) VALUES ($1, $2, $3, $4)`, [scope.tenantId, id, service, JSON.stringify(attributes)]);
    }

    // Secondary indexes go away during the load and come back from their own definitions
    // afterwards: one sorted build per index is several times faster than maintaining a dozen
    // btrees row by row, and the end state is the same schema. Primary keys stay.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
       WHERE i.schemaname = current_schema() AND i.tablename IN ('events', 'spans')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    );
    for (const ix of indexes) await client.query(`DROP INDEX "${ix.name}"`);

    const eventJobs: { sql: string; params: unknown[] }[] = [];
    let expectedEvents = 0;
    let prompts = 0;
    let sessions = 0;
    for (const b of batches.events) {
      // ~100 k rows per statement: big enough to amortise, small enough to sort in memory.
      const chunk = Math.max(1, Math.floor(100_000 / b.perSession));
      for (let from = 0; from < b.sessions; from += chunk) {
        const to = Math.min(b.sessions, from + chunk);
        eventJobs.push({
          sql: EVENTS_SQL,
          params: [
            scope.tenantId, scope.environmentId, from, to, b.perSession, b.perPrompt, b.startup, b.label,
            windowStart + b.window[0] * windowSeconds, (b.window[1] - b.window[0]) * windowSeconds, b.sessions,
            [resources.ccLinux, resources.ccMac, resources.ccWindows, resources.cowork],
            PROMPTS, RESPONSES, FIRST_NAMES, LAST_NAMES, COMMANDS, FILES, REPOS, ORGANIZATION_ID,
          ],
        });
      }
      expectedEvents += b.sessions * b.perSession;
      prompts += b.sessions * Math.ceil((b.perSession - b.startup) / b.perPrompt);
      sessions += b.sessions;
    }
    log(`generating ${fmtInt(expectedEvents)} events in ${eventJobs.length} statements on 2 connections…`);
    let done = 0;
    const progress = (total: number, what: string) => () => {
      done += 1;
      if (done % 4 === 0 || done === total) log(`  ${what}: ${done}/${total} statements (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    };
    const eventsStarted = performance.now();
    await runParallel(url, 2, eventJobs, progress(eventJobs.length, "events"));
    const eventsSeconds = (performance.now() - eventsStarted) / 1000;

    const spanJobs: { sql: string; params: unknown[] }[] = [];
    let expectedSpans = 0;
    let traces = 0;
    for (const b of batches.spans) {
      const chunk = Math.max(1, Math.floor(50_000 / b.perTrace));
      for (let from = 0; from < b.traces; from += chunk) {
        const to = Math.min(b.traces, from + chunk);
        spanJobs.push({
          sql: SPANS_SQL,
          params: [
            scope.tenantId, scope.environmentId, from, to, b.perTrace, b.label,
            windowStart + b.window[0] * windowSeconds, (b.window[1] - b.window[0]) * windowSeconds, b.traces,
            resources.office, FIRST_NAMES, LAST_NAMES, OFFICE_MESSAGES, ORGANIZATION_ID,
          ],
        });
      }
      expectedSpans += b.traces * b.perTrace;
      traces += b.traces;
    }
    log(`generating ${fmtInt(expectedSpans)} spans in ${spanJobs.length} statements…`);
    done = 0;
    const spansStarted = performance.now();
    await runParallel(url, 2, spanJobs, progress(spanJobs.length, "spans"));
    const spansSeconds = (performance.now() - spansStarted) / 1000;

    log(`recreating ${indexes.length} secondary indexes…`);
    const indexStarted = performance.now();
    await runParallel(
      url,
      2,
      indexes.map((ix) => ({ sql: ix.def, params: [] })),
      () => undefined,
    );
    const indexSeconds = (performance.now() - indexStarted) / 1000;

    // VACUUM as well as ANALYZE: a table that has been live for a while has been autovacuumed
    // (hint bits set, visibility map current); a freshly loaded one has not.
    const vacuumStarted = performance.now();
    await client.query("VACUUM (ANALYZE) events, spans, resources");
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    const totalSeconds = (performance.now() - started) / 1000;

    const { rows: counts } = await client.query<{ events: number; spans: number }>(
      "SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM spans)::int AS spans",
    );
    if (counts[0].events !== expectedEvents) throw new Error(`events table holds ${counts[0].events} rows, expected ${expectedEvents}`);
    if (counts[0].spans !== expectedSpans) throw new Error(`spans table holds ${counts[0].spans} rows, expected ${expectedSpans}`);

    const tables: GenerationStats["tables"] = {};
    for (const table of ["events", "spans"]) {
      const { rows } = await client.query<{ total: string; heap: string; indexes: string; toast: string; rows: number }>(
        `SELECT pg_total_relation_size($1::regclass)::text AS total, pg_relation_size($1::regclass)::text AS heap,
                pg_indexes_size($1::regclass)::text AS indexes,
                COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)::text AS toast,
                c.reltuples::int AS rows
         FROM pg_class c WHERE c.oid = $1::regclass`,
        [table],
      );
      tables[table] = {
        rows: table === "events" ? counts[0].events : counts[0].spans,
        totalBytes: Number(rows[0].total),
        heapBytes: Number(rows[0].heap),
        indexBytes: Number(rows[0].indexes),
        toastBytes: Number(rows[0].toast),
      };
    }
    const { rows: sizes } = await client.query<{ ev_attr: number; ev_fields: number; sp_attr: number }>(
      `SELECT (SELECT avg(length(attributes::text)) FROM events TABLESAMPLE SYSTEM (2))::float8 AS ev_attr,
              (SELECT avg(length(fields::text)) FROM events TABLESAMPLE SYSTEM (2))::float8 AS ev_fields,
              (SELECT avg(length(attributes::text)) FROM spans TABLESAMPLE SYSTEM (5))::float8 AS sp_attr`,
    );
    return {
      events: counts[0].events,
      spans: counts[0].spans,
      prompts,
      sessions,
      traces,
      eventsSeconds,
      spansSeconds,
      indexSeconds,
      vacuumSeconds,
      totalSeconds,
      tables,
      avgAttributesBytes: { events: Math.round(sizes[0].ev_attr), spans: Math.round(sizes[0].sp_attr) },
      avgFieldsBytes: { events: Math.round(sizes[0].ev_fields) },
    };
  } finally {
    await client.end();
  }
}

// ---- the app under test -----------------------------------------------------------------

/** Whether some process on the machine is running `next build` (others share this checkout). */
function nextBuildRunning(): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      // A running build renames its process "next-build (vX.Y.Z)"; before that it is `next build`.
      if (argv[0].startsWith("next-build")) return true;
      if (argv.some((a) => /(^|\/)next$/.test(a)) && argv.includes("build")) return true;
    } catch {
      // the process is gone
    }
  }
  return false;
}

async function waitForOtherBuilds(): Promise<void> {
  // .next is shared with everyone working in this checkout: a build already under way is waited
  // for (Next refuses to run two at once), not raced.
  const deadline = Date.now() + 15 * 60_000;
  if (nextBuildRunning()) log("another next build is running; waiting for it…");
  // Quiet means no build seen on two looks 3 s apart (npm runs prisma generate before next build).
  for (let quietLooks = 0; quietLooks < 2; ) {
    throwIfAborted();
    if (Date.now() > deadline) throw new Error("other next builds have kept running for 15 minutes");
    quietLooks = nextBuildRunning() ? 0 : quietLooks + 1;
    if (quietLooks < 2) await sleep(3000);
  }
}

function buildStamp(dir: string): string {
  const buildId = path.join(dir, ".next", "BUILD_ID");
  return existsSync(buildId) ? `${readFileSync(buildId, "utf8")}@${statSync(buildId).mtimeMs}` : "none";
}

/** `npm run build` in the checkout, waiting out (and retrying after) other people's builds. */
async function buildCheckout(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await waitForOtherBuilds();
    log("building the checkout: npm run build (not timed)…");
    const r = spawnSync("npm", ["run", "build"], { encoding: "utf8", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (r.status === 0) return;
    const output = `${r.stdout}\n${r.stderr}`;
    if (attempt < 5 && output.includes("Another next build process is already running")) {
      log(`  collided with another next build (attempt ${attempt}); retrying…`);
      continue;
    }
    throw new Error(`npm run build failed:\n${output.split("\n").slice(-30).join("\n")}`);
  }
}

// Top-level entries of the checkout the app snapshot leaves out (data, caches, VCS, tests).
const SNAPSHOT_SKIP = new Set(["node_modules", ".next", ".git", ".cache", "test", "test-results", "e2e", "bench-results", "playwright-report"]);

/** `cp -a`: unlike fs.cpSync it keeps directory mtimes, which the launcher's staleness check reads. */
function copyPreserving(src: string, dst: string): void {
  const r = spawnSync("cp", ["-a", "--", src, dst], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -a ${src} ${dst} failed: ${r.stderr}`);
}

/**
 * A private copy of the app to run: sources (timestamps kept, so the launcher's staleness check
 * agrees with the checkout's), the production build, and node_modules by symlink. Everyone in
 * this checkout shares .next and rebuilds it whenever they like; a server running from it serves
 * 500s the moment someone else's build replaces it under it (seen while writing this script).
 * Only a build that is fresh for its sources is copied, so the launcher in the copy does not
 * rebuild (Turbopack refuses to build with node_modules symlinked from outside the project).
 */
async function appSnapshot(): Promise<{ dir: string; buildId: string }> {
  for (let round = 1; ; round++) {
    await waitForOtherBuilds();
    if (!buildIsFresh(root)) await buildCheckout();
    const stamp = buildStamp(root);
    const dir = tempDir("bsconapp-");
    for (const entry of readdirSync(root)) {
      if (SNAPSHOT_SKIP.has(entry) || entry.startsWith(".data")) continue;
      copyPreserving(path.join(root, entry), path.join(dir, entry));
    }
    mkdirSync(path.join(dir, ".next"));
    for (const entry of readdirSync(path.join(root, ".next"))) {
      if (entry === "cache") continue; // the build cache, not needed to serve
      copyPreserving(path.join(root, ".next", entry), path.join(dir, ".next", entry));
    }
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    // A build that started while copying, or a source edited after the build, spoils the copy.
    if (buildStamp(root) === stamp && buildStamp(dir) === stamp && buildIsFresh(dir)) {
      return { dir, buildId: readFileSync(path.join(dir, ".next", "BUILD_ID"), "utf8").trim() };
    }
    if (round >= 5) throw new Error("could not take a consistent copy of the app: the checkout keeps changing");
    log(`  the checkout changed while copying it (round ${round}); again…`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function startApp(appDir: string, databaseUrl: string, dataDir: string, logFile: string): Promise<LaunchedApp> {
  return launchApp({
    appDir,
    env: (port) => ({
      DATABASE_URL: databaseUrl,
      BLINDSPOT_DATA_DIR: dataDir,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      BLINDSPOT_PUBLIC_URL: undefined,
      NEXTAUTH_SECRET: undefined, // the launcher makes one in the data directory
    }),
    logFile,
    healthyWithinMs: 3 * 60_000,
  });
}

// ---- HTTP -------------------------------------------------------------------------------

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending the request to the first body byte / the last byte. */
  ttfbMs: number;
  ttlbMs: number;
}

// One keep-alive connection, as a browser tab would reuse: no TCP set-up in the figures.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(port: number, method: "GET" | "POST", urlPath: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByte = NaN;
    const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, headers, agent, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        if (Number.isNaN(firstByte)) firstByte = performance.now();
        chunks.push(c);
      });
      res.on("end", () => {
        const end = performance.now();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ttfbMs: (Number.isNaN(firstByte) ? end : firstByte) - started,
          ttlbMs: end - started,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** name=value pairs from Set-Cookie headers. */
function setCookies(headers: http.IncomingHttpHeaders): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of headers["set-cookie"] ?? []) {
    const pair = line.split(";")[0];
    const eq = pair.indexOf("=");
    if (eq > 0) out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

/** next-auth v4 credentials sign-in, as the login form does it; returns the Cookie header. */
async function signIn(port: number, email: string, password: string): Promise<string> {
  const csrf = await request(port, "GET", "/api/auth/csrf", {});
  if (csrf.status !== 200) throw new Error(`GET /api/auth/csrf: ${csrf.status}`);
  const { csrfToken } = JSON.parse(csrf.body.toString("utf8")) as { csrfToken?: string };
  if (!csrfToken) throw new Error("GET /api/auth/csrf returned no csrfToken");
  const jar = setCookies(csrf.headers);
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: "/" }).toString();
  const res = await request(port, "POST", "/api/auth/callback/credentials", {
    "content-type": "application/x-www-form-urlencoded",
    "content-length": String(Buffer.byteLength(form)),
    cookie: cookieHeader(),
  }, form);
  for (const [k, v] of setCookies(res.headers)) jar.set(k, v);
  // The JWT may be split into .0, .1… cookies when large; keep all of them.
  const session = [...jar].filter(([k]) => k.startsWith("next-auth.session-token"));
  if (session.length === 0) {
    throw new Error(`sign-in failed: POST /api/auth/callback/credentials → ${res.status} ${res.body.toString("utf8").slice(0, 200)}`);
  }
  return session.map(([k, v]) => `${k}=${v}`).join("; ");
}

// ---- targets and measurement ------------------------------------------------------------

type Kind = "prompt" | "session" | "trace";

interface Target {
  /** What the row in the report is about, e.g. "prompt, 10 events". */
  label: string;
  kind: Kind;
  ids: string[];
  /** Events (spans for traces and Office sessions) per target. */
  size: number;
  /** Office agent sessions have spans, not events. */
  ofSpans?: boolean;
}

interface Timing {
  label: string;
  kind: Kind;
  what: "page" | "api" | "query";
  path: string;
  samples: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  ttfbP50: number | null;
  bytesP50: number | null;
  /** Of those bytes, the React Server Components payload Next inlines for hydration. */
  flightBytesP50: number | null;
  rows: number;
  /** Requests that were not a 200 with the expected content (their times are still counted). */
  errors: number;
}

function summarizeTimes(values: number[]): { p50: number; p95: number; max: number; mean: number } {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

function pagePath(kind: Kind, id: string): string {
  return `/${kind}s/${encodeURIComponent(id)}`;
}

async function measureHttp(
  port: number,
  t: Target,
  what: "page" | "api",
  headers: Record<string, string>,
  opts: Options,
  failures: string[],
): Promise<Timing> {
  const times: number[] = [];
  const ttfb: number[] = [];
  const bytes: number[] = [];
  const flight: number[] = [];
  const total = opts.warmup + opts.samples;
  let shownPath = "";
  let errors = 0;
  for (let i = 0; i < total; i++) {
    throwIfAborted();
    // Warm-up and measured requests walk the target list, so a list of distinct targets is
    // measured on targets the server has not served before.
    const id = t.ids[i % t.ids.length];
    const p = (what === "api" ? "/api/v1" : "") + pagePath(t.kind, id);
    shownPath ||= p;
    const res = await request(port, "GET", p, headers);
    const text = res.body.toString("utf8");
    const before = failures.length;
    if (res.status !== 200) failures.push(`${what} ${p}: HTTP ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ""}`);
    else if (!text.includes(t.kind === "trace" ? id.toLowerCase() : id)) failures.push(`${what} ${p}: 200 but the response does not mention ${id}`);
    errors += failures.length - before;
    if (i < opts.warmup) continue;
    times.push(res.ttlbMs);
    ttfb.push(res.ttfbMs);
    bytes.push(res.body.length);
    if (what === "page") flight.push(flightBytes(text));
  }
  const s = summarizeTimes(times);
  return {
    label: t.label,
    kind: t.kind,
    what,
    path: shownPath,
    samples: times.length,
    ...s,
    ttfbP50: percentile(ttfb, 50),
    bytesP50: percentile(bytes, 50),
    flightBytesP50: what === "page" ? percentile(flight, 50) : null,
    rows: t.size,
    errors,
  };
}

/** Bytes of the inline <script>self.__next_f.push(…)</script> chunks (the RSC payload). */
function flightBytes(html: string): number {
  let n = 0;
  for (const m of html.matchAll(/<script>self\.__next_f\.push\([\s\S]*?\)<\/script>/g)) n += Buffer.byteLength(m[0]);
  return n;
}

/** The page's data layer in this process: SQL + row shaping, no React, no HTTP. */
async function measureQueries(tenantId: string, t: Target, opts: Options): Promise<Timing> {
  const times: number[] = [];
  const total = opts.warmup + opts.samples;
  for (let i = 0; i < total; i++) {
    const id = t.ids[i % t.ids.length];
    const started = performance.now();
    if (t.kind === "prompt") {
      const timeline = await promptTimeline(tenantId, id, true);
      if (!timeline) throw new Error(`promptTimeline(${id}) found nothing`);
      // The prompt page also reads the neighbours.
      if (timeline.sessionId) await promptNeighbors(tenantId, timeline.sessionId, id);
    } else if (t.kind === "session") {
      if (!(await sessionOverview(tenantId, id, true))) throw new Error(`sessionOverview(${id}) found nothing`);
    } else if (!(await traceTree(tenantId, id, true))) {
      throw new Error(`traceTree(${id}) found nothing`);
    }
    if (i >= opts.warmup) times.push(performance.now() - started);
  }
  return {
    label: t.label,
    kind: t.kind,
    what: "query",
    path: t.kind === "prompt" ? "promptTimeline + promptNeighbors" : t.kind === "session" ? "sessionOverview" : "traceTree",
    samples: times.length,
    ...summarizeTimes(times),
    ttfbP50: null,
    bytesP50: null,
    flightBytesP50: null,
    rows: t.size,
    errors: 0,
  };
}

// ---- EXPLAIN ----------------------------------------------------------------------------

interface Explained {
  target: string;
  query: string;
  executionMs: number;
  planningMs: number;
  plan: string;
}

// The page queries, copied from lib/queries/{prompts,sessions,traces}.ts (the SELECT lists come
// from lib/queries/events.ts itself). Keep them in step with those files.
const EXPLAINED_QUERIES: Record<string, { kind: Kind; sql: string; params: (tenant: string, id: string) => unknown[] }> = {
  promptTimeline: {
    kind: "prompt",
    sql: `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
     WHERE e.tenant_id = $1 AND e.prompt_id = $2
     ORDER BY e.sequence ASC NULLS LAST, e.time ASC, e.id ASC`,
    params: (tenant, id) => [tenant, id],
  },
  sessionEvents_firstPage: {
    kind: "session",
    sql: `SELECT ${EVENT_SELECT} FROM ${EVENT_FROM}
       WHERE e.tenant_id = $1 AND e.session_id = $2
       ORDER BY e.time, COALESCE(e.sequence, -1), e.id LIMIT $3`,
    params: (tenant, id) => [tenant, id, 1_001],
  },
  promptNeighbors: {
    kind: "session",
    sql: `SELECT prompt_id FROM events
     WHERE tenant_id = $1 AND session_id = $2 AND prompt_id IS NOT NULL
     GROUP BY prompt_id ORDER BY min(time), prompt_id`,
    params: (tenant, id) => [tenant, id],
  },
  sessionOverview_traces: {
    kind: "session",
    sql: `SELECT trace_id, (array_agg(name ORDER BY (parent_span_id IS NULL) DESC, start_time))[1] AS root_name,
              min(start_time) AS start, count(*)::int AS span_count
       FROM spans WHERE tenant_id = $1 AND session_id = $2
       GROUP BY trace_id ORDER BY min(start_time)`,
    params: (tenant, id) => [tenant, id],
  },
  traceTree: {
    kind: "trace",
    sql: TRACE_TREE_SQL,
    params: (tenant, id) => [tenant, id.toLowerCase(), MAX_TRACE_SPANS],
  },
};

async function explain(client: pg.Client, tenantId: string, targets: Target[]): Promise<Explained[]> {
  const out: Explained[] = [];
  for (const [name, q] of Object.entries(EXPLAINED_QUERIES)) {
    for (const t of targets.filter((x) => x.kind === q.kind)) {
      const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params(tenantId, t.ids[0]));
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      const exec = /Execution Time: ([\d.]+) ms/.exec(plan);
      const planning = /Planning Time: ([\d.]+) ms/.exec(plan);
      out.push({ target: t.label, query: name, executionMs: exec ? Number(exec[1]) : NaN, planningMs: planning ? Number(planning[1]) : NaN, plan });
    }
  }
  return out;
}

/** The access path of a plan in a few words: which index (or a sequential scan) it reads. */
function accessPath(plan: string): string {
  const scans = [...plan.matchAll(/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+))? on (\S+)/g)].map(
    (m) => `${m[1]}${m[2] ? ` ${m[2]}` : ""} on ${m[3]}`,
  );
  return [...new Set(scans)].join("; ") || "(no scan node)";
}

// ---- main -------------------------------------------------------------------------------

interface Results {
  database: string;
  dataset: GenerationStats;
  options: Options;
  pages: Timing[];
  api: Timing[];
  queries: Timing[];
  explain: Explained[];
  thresholdMs: number;
  slowPages: string[];
  /** The build measured; the working tree may differ from the commit (uncommitted edits). */
  build: { id: string; commit: string | null };
  failures: string[];
  host: { cpus: number; node: string; date: string; loadAverageAtStart: number[]; loadAverageAtMeasure: number[] };
}

const THRESHOLD_MS = 1000;

async function main(): Promise<void> {
  const opts = parseOptions();
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
  mkdirSync(resultsDir, { recursive: true });
  // The app runs from a private snapshot of the checkout and its build (see appSnapshot).
  const snapshot = await appSnapshot();
  log(`app snapshot with build ${snapshot.buildId} in ${snapshot.dir}`);

  const db = await setupDatabase();
  log(`database: ${db.description}`);
  process.env.DATABASE_URL = db.url; // lib/ (Prisma, pool) reads it
  onCleanup("close this process's pool", () => closePool());

  const migrator = new pg.Client({ connectionString: db.url });
  await migrator.connect();
  try {
    const m = await migrate(migrator);
    log(`migrated: ${m.applied.join(", ")}`);
  } finally {
    await migrator.end();
  }
  const scope = await ensureDefaultScope();
  const adminEmail = "bench-admin@blindspot.local";
  const adminPassword = randomBytes(18).toString("base64url");
  await createUser({ tenantId: scope.tenantId, email: adminEmail, role: "admin", name: "Bench admin", password: adminPassword, actor: "bench-console" });
  const api = await createApiToken({ tenantId: scope.tenantId, name: "bench-console", role: "admin", createdBy: "bench-console" });
  throwIfAborted();

  // The regular population plus a few deliberately large targets, placed mid-window.
  const batches: { events: EventBatch[]; spans: SpanBatch[] } = {
    events: [
      { label: "main", sessions: opts.sessions, perSession: 51, perPrompt: 10, startup: 1, window: [0, 1] },
      // 5 prompts of 200 events each (a long agentic turn): one 1,001-event session.
      { label: "big", sessions: 1, perSession: 1001, perPrompt: 200, startup: 1, window: [0.5, 0.51] },
      // A day-long session: 200 prompts, 5,001 events.
      { label: "huge", sessions: 1, perSession: 5001, perPrompt: 25, startup: 1, window: [0.45, 0.46] },
      // A runaway session at the session page's cap (MAX_SESSION_EVENTS = 20,000, lib/queries/sessions.ts).
      { label: "runaway", sessions: 1, perSession: 20_001, perPrompt: 25, startup: 1, window: [0.55, 0.56] },
    ],
    spans: [
      { label: "office", traces: opts.traces, perTrace: 10, window: [0, 1] },
      { label: "bigtrace", traces: 3, perTrace: 1000, window: [0.5, 0.51] },
    ],
  };
  const dataset = await generate(db.url, scope, batches);
  throwIfAborted();
  log(
    `generated ${fmtInt(dataset.events)} events and ${fmtInt(dataset.spans)} spans in ${dataset.totalSeconds.toFixed(1)} s ` +
      `(events ${dataset.eventsSeconds.toFixed(1)} s, spans ${dataset.spansSeconds.toFixed(1)} s, indexes ${dataset.indexSeconds.toFixed(1)} s, ` +
      `VACUUM ANALYZE ${dataset.vacuumSeconds.toFixed(1)} s)`,
  );

  // Targets: random ones from the middle of the data (sessions 40–60 % of the regular range),
  // and the large ones. Ids are computed by the same expressions the generator used.
  const random = rng(20261122);
  const pick = (n: number, from: number, to: number) => {
    const set = new Set<number>();
    while (set.size < Math.min(n, to - from)) set.add(from + Math.floor(random() * (to - from)));
    return [...set];
  };
  const distinct = opts.warmup + opts.samples;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  onCleanup("close the bench client", () => client.end());
  const ids = async (sql: string, params: unknown[]): Promise<string[]> => (await client.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
  const midSessions = pick(distinct, Math.floor(opts.sessions * 0.4), Math.ceil(opts.sessions * 0.6));
  const midTraces = pick(distinct, Math.floor(opts.traces * 0.4), Math.ceil(opts.traces * 0.6));
  const targets: Target[] = [
    {
      label: "prompt, 10 events",
      kind: "prompt",
      ids: await ids(`SELECT md5('main:p:' || s || ':' || (s * 7 % 5))::uuid::text AS id FROM unnest($1::int[]) AS s`, [midSessions]),
      size: 10,
    },
    {
      label: "prompt, 200 events",
      kind: "prompt",
      ids: await ids(`SELECT md5('big:p:0:' || p)::uuid::text AS id FROM generate_series(0, 4) AS p`, []),
      size: 200,
    },
    { label: "session, 51 events", kind: "session", ids: await ids(`SELECT md5('main:s:' || s)::uuid::text AS id FROM unnest($1::int[]) AS s`, [midSessions]), size: 51 },
    { label: "session, 1,001 events", kind: "session", ids: await ids(`SELECT md5('big:s:0')::uuid::text AS id`, []), size: 1001 },
    { label: "session, 5,001 events", kind: "session", ids: await ids(`SELECT md5('huge:s:0')::uuid::text AS id`, []), size: 5001 },
    { label: "session, 20,001 events", kind: "session", ids: await ids(`SELECT md5('runaway:s:0')::uuid::text AS id`, []), size: 20_001 },
    {
      label: "Office session, 5 traces",
      kind: "session",
      // Five consecutive Office traces share a session (SPANS_SQL).
      ids: await ids(`SELECT md5('office:osession:' || (t / 5))::uuid::text AS id FROM unnest($1::int[]) AS t`, [[...new Set(midTraces.map((t) => t - (t % 5)))]]),
      size: 50,
      ofSpans: true,
    },
    { label: "trace, 10 spans", kind: "trace", ids: await ids(`SELECT md5('office:trace:' || t) AS id FROM unnest($1::int[]) AS t`, [midTraces]), size: 10 },
    { label: "trace, 1,000 spans", kind: "trace", ids: await ids(`SELECT md5('bigtrace:trace:' || t) AS id FROM generate_series(0, 2) AS t`, []), size: 1000 },
  ];
  // Every target must exist with the expected size, or the figures would be about 404s.
  for (const t of targets) {
    const table = t.kind === "trace" || t.ofSpans ? "spans" : "events";
    const column = t.kind === "prompt" ? "prompt_id" : t.kind === "session" ? "session_id" : "trace_id";
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND ${column} = $2`, [scope.tenantId, t.ids[0]]);
    if (rows[0].n !== t.size) throw new Error(`target "${t.label}" ${t.ids[0]} has ${rows[0].n} rows, expected ${t.size}`);
  }

  log("starting the app (scripts/start.ts)…");
  const workDir = tempDir("bscon-");
  const app = await startApp(snapshot.dir, db.url, workDir, path.join(resultsDir, "console-app.log"));
  throwIfAborted();
  log(`app healthy on port ${app.port} (log: ${path.relative(root, app.logFile)})`);

  const cookie = await signIn(app.port, adminEmail, adminPassword);
  const check = await request(app.port, "GET", pagePath("prompt", targets[0].ids[0]), { cookie });
  if (check.status !== 200 || !check.body.toString("utf8").includes(targets[0].ids[0])) {
    throw new Error(`signed-in check failed: GET /prompts/${targets[0].ids[0]} → ${check.status}${check.headers.location ? ` → ${check.headers.location}` : ""}`);
  }
  log(`signed in as ${adminEmail}; measuring ${opts.samples} requests per page after ${opts.warmup} warm-up requests…`);

  const loadAverageAtMeasure = os.loadavg().map((n) => Number(n.toFixed(2)));
  const failures: string[] = [];
  const pages: Timing[] = [];
  const apiTimings: Timing[] = [];
  for (const t of targets) {
    pages.push(await measureHttp(app.port, t, "page", { cookie }, opts, failures));
    log(`  page ${t.label}: p50 ${fmtMs(pages[pages.length - 1].p50)} ms`);
  }
  for (const t of targets) {
    apiTimings.push(await measureHttp(app.port, t, "api", { authorization: `Bearer ${api.secret}` }, opts, failures));
  }
  agent.destroy();
  // In-process data layer, on this process's pool (same database, same queries).
  const queries: Timing[] = [];
  for (const t of targets) queries.push(await measureQueries(scope.tenantId, t, opts));
  const explained = await explain(client, scope.tenantId, targets);

  const slowPages = pages.filter((p) => p.p95 >= THRESHOLD_MS).map((p) => p.label);
  const results: Results = {
    database: db.description,
    dataset,
    options: opts,
    pages,
    api: apiTimings,
    queries,
    explain: explained,
    thresholdMs: THRESHOLD_MS,
    slowPages,
    build: { id: snapshot.buildId, commit: gitHead() },
    failures,
    host: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAverageAtStart, loadAverageAtMeasure },
  };

  // ---- report ----
  const d = dataset;
  const rows: [string, string][] = [
    ["database", db.description],
    ["events", `${fmtInt(d.events)} (${fmtInt(d.sessions)} sessions, ${fmtInt(d.prompts)} prompts, 500 users, claude_code + cowork, ${WINDOW_DAYS} days)`],
    ["spans", `${fmtInt(d.spans)} (${fmtInt(d.traces)} Office agent traces)`],
    ["generation", `${d.totalSeconds.toFixed(1)} s: events ${d.eventsSeconds.toFixed(1)} s, spans ${d.spansSeconds.toFixed(1)} s, indexes ${d.indexSeconds.toFixed(1)} s, VACUUM ANALYZE ${d.vacuumSeconds.toFixed(1)} s`],
    ["events table", `${fmtMb(d.tables.events.totalBytes)} total (heap ${fmtMb(d.tables.events.heapBytes)}, TOAST ${fmtMb(d.tables.events.toastBytes)}, indexes ${fmtMb(d.tables.events.indexBytes)}); attributes avg ${d.avgAttributesBytes.events} B, fields avg ${d.avgFieldsBytes.events} B as JSON text`],
    ["spans table", `${fmtMb(d.tables.spans.totalBytes)} total (heap ${fmtMb(d.tables.spans.heapBytes)}, TOAST ${fmtMb(d.tables.spans.toastBytes)}, indexes ${fmtMb(d.tables.spans.indexBytes)}); attributes avg ${d.avgAttributesBytes.spans} B`],
    ["load average", `${loadAverageAtStart.join(" ")} at start, ${loadAverageAtMeasure.join(" ")} when measuring (${os.cpus().length} cores)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nBlindspot console benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}`);

  const header = ["target", "page p50", "p95", "max", "TTFB p50", "HTML (RSC)", "API p50", "p95", "query p50", `p95 < ${THRESHOLD_MS / 1000} s`];
  const table = targets.map((t, i) => {
    const p = pages[i];
    const a = apiTimings[i];
    const q = queries[i];
    return [
      t.label,
      `${fmtMs(p.p50)} ms`,
      `${fmtMs(p.p95)} ms`,
      `${fmtMs(p.max)} ms`,
      `${fmtMs(p.ttfbP50 ?? NaN)} ms`,
      `${((p.bytesP50 ?? 0) / 1024).toFixed(0)} KiB (${((p.flightBytesP50 ?? 0) / 1024).toFixed(0)})`,
      `${fmtMs(a.p50)} ms`,
      `${fmtMs(a.p95)} ms`,
      `${fmtMs(q.p50)} ms`,
      p.errors + a.errors > 0 ? `ERRORS ${p.errors}+${a.errors}` : p.p95 < THRESHOLD_MS ? "yes" : "NO",
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")}`;
  console.log(`\n  Time to last byte, ${opts.samples} sequential requests per row after ${opts.warmup} warm-up (keep-alive, warm cache):`);
  console.log(line(header));
  for (const r of table) console.log(line(r));
  console.log(`  page = full HTML of /prompts|/sessions|/traces/<id> signed in as admin; API = /api/v1/… with an admin API token;`);
  console.log(`  HTML (RSC) = response size (of which the inline React Server Components payload);`);
  console.log(`  query = the page's lib/queries call(s) in this process (SQL + shaping, no rendering).`);

  console.log(`\n  EXPLAIN ANALYZE (first id of each target):`);
  for (const e of explained) {
    console.log(`    ${e.query.padEnd(40)} ${e.target.padEnd(22)} ${fmtMs(e.executionMs).padStart(6)} ms  ${accessPath(e.plan)}`);
  }
  if (slowPages.length > 0) {
    console.log(`\n  Pages at or over ${THRESHOLD_MS} ms (p95): ${slowPages.join(", ")}. Plans of their queries:`);
    for (const e of explained.filter((x) => slowPages.includes(x.target))) console.log(`\n  -- ${e.query} (${e.target})\n${e.plan.replace(/^/gm, "    ")}`);
  }

  writeResults("console", results);
  reportFailures(failures, { "app log": app.logFile, "server log": db.serverLog });
}

runBench(main);
