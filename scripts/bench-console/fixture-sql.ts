// The generated dataset as SQL: word lists and the INSERT … SELECT FROM generate_series statements
// that write Claude Code / Cowork events and Office agent spans shaped like the captured fixtures.
/** One tenant's identity data shared by every generated row. */
export const ORGANIZATION_ID = "8afc8ad1-5988-4ed8-a08e-2da31d7c8c94";
export const WINDOW_DAYS = 30;

// 25 × 20 names → 500 distinct users (first.last@example.com).
export const FIRST_NAMES = [
  "jon", "arya", "sansa", "bran", "robb", "catelyn", "eddard", "tyrion", "jaime", "cersei", "brienne", "samwell",
  "gilly", "davos", "stannis", "daenerys", "jorah", "missandei", "varys", "petyr", "olenna", "margaery", "theon", "yara", "podrick",
];
export const LAST_NAMES = [
  "snow", "stark", "lannister", "tarly", "seaworth", "baratheon", "targaryen", "mormont", "greyjoy", "tyrell",
  "martell", "tully", "arryn", "bolton", "frey", "umber", "karstark", "reed", "payne", "clegane",
];

export const PROMPTS = [
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

export const RESPONSES = [
  "Done: the failing test was caused by a timezone assumption in the fixture; I pinned the clock and the suite passes.",
  "I changed the middleware to treat an expired session cookie as anonymous and added a regression test (auth.test.ts). The handler no longer throws.",
  "The exporter now streams rows through a cursor; memory stays under 60 MB for a month of invoices and the CSV output is byte-identical (checked with sha256sum).",
  "Config written to config/staging.yaml and referenced from deploy.sh; I did not run the deploy.",
  "Key rotated and stored in the vault; the worker was restarted and is healthy. The old key is revoked.",
  "I found three hard-coded credentials (two test tokens, one real database password) and moved them to environment variables; the real password should be rotated.",
  "The slow step was a per-row lookup against the customers table; batching it reduced the job from 47 to 11 minutes. Output schema unchanged.",
  "Pull request #4812 opened and the platform team was requested for review.",
];

export const COMMANDS = [
  "git status", "npm test -- --runInBand", "git diff --stat HEAD~1", "kubectl get pods -n payments", "cat /etc/hosts",
  "curl -s https://internal.example.com/api/health", "psql -c 'select count(*) from orders'", "docker compose up -d db",
  "git commit -am 'fix: handle expired sessions'", "ls -la", "npm run build", "pytest -q tests/test_export.py",
  "aws s3 ls s3://acme-prod-backups/", "grep -rn password config/", "terraform plan -out plan.tfplan",
];

export const FILES = [
  "src/auth/middleware.ts", "src/payments/service.ts", "src/export/invoices.py", "config/staging.yaml", "deploy.sh",
  "README.md", "src/api/routes/login.ts", "tests/test_export.py", ".env.example", "src/lib/rate-limit.ts",
  "infra/main.tf", "package.json",
];

export const REPOS = ["payments-api", "web-console", "etl-pipelines", "infra", "billing-worker", "mobile-app", "data-platform"];

export const OFFICE_MESSAGES = [
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
export const EVENTS_SQL = `
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
export const SPANS_SQL = `
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
