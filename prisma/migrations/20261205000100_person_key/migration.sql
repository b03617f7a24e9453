-- decision_rollups.user_key under the ONE person key of lib/domain/person.ts: user.email, else
-- enduser.id (both lower-cased), else the account (user.account_uuid lower-cased, else
-- user.account_id), else user.id (the device). Until now ingest preferred user.id to
-- user.account_uuid and the first backfill ignored user.account_uuid, while the inventory did the
-- reverse: one person could be two rows on one page and one on another.
--
-- A rollup row keeps only the key, not the identifiers behind it, so the table is rebuilt from
-- the stored records with the rules of lib/ingest/rollups.ts: one set-based pass over the tool
-- decisions (index events(tenant_id, event_name, time, id)) and the Office tool spans. The lock
-- makes concurrent ingest wait for the commit, so no decision is counted twice or lost. Hours
-- are UTC hours whatever the session's time zone, as ingest computes them.

LOCK TABLE "decision_rollups" IN ACCESS EXCLUSIVE MODE;

DELETE FROM "decision_rollups";

INSERT INTO "decision_rollups" AS d
  (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write, count)
SELECT tenant_id,
       date_trunc('hour', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       source,
       COALESCE(lower(user_email), lower(enduser_id), lower(account_uuid), account_id, user_id, ''),
       -- team.id, else department: string values only, an empty one counts as absent (as at ingest)
       COALESCE(NULLIF(CASE WHEN jsonb_typeof(attributes->'team.id') = 'string' THEN attributes->>'team.id' END, ''),
                CASE WHEN jsonb_typeof(attributes->'department') = 'string' THEN attributes->>'department' END, ''),
       COALESCE(tool_name, ''), COALESCE(mcp_server, ''), COALESCE(decision, ''), COALESCE(decision_source, ''), '',
       count(*)
FROM "events" WHERE event_name = 'tool_decision'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write)
DO UPDATE SET count = d.count + EXCLUDED.count;

INSERT INTO "decision_rollups" AS d
  (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write, count)
SELECT tenant_id,
       date_trunc('hour', start_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       'office',
       COALESCE(lower(user_email), lower(account_uuid), ''),
       '', COALESCE(tool_name, ''), '', COALESCE(decision, ''), '', COALESCE(read_write, ''),
       count(*)
FROM "spans" WHERE name = 'agent.tool_execution' AND source = 'office'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ON CONFLICT (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write)
DO UPDATE SET count = d.count + EXCLUDED.count;
