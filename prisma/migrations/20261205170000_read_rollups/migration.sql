-- Rollups for the read budgets at 10 M events (issue #15), kept at ingest by lib/ingest/rollups.ts
-- in the same transaction as the rows they count.
--
-- decision_rollups_daily: decision_rollups per UTC day (bucket at midnight UTC), so the approvals
-- dashboard reads 30 rows per key instead of 720 over a month; partial days at the window's
-- edges still come from the hourly table.
--
-- agent_session_rollups: events per UTC hour, source, identity columns, session and client
-- version: the first level of the inventory's agent list (lib/queries/inventory/agents.ts) kept
-- ahead, so a 7-day list reads a row per session-hour instead of every event. Identity columns
-- hold '' for NULL (ingest never stores an empty identifier), as a primary key needs.

CREATE TABLE "decision_rollups_daily" (
    "tenant_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "surface" TEXT NOT NULL,
    "user_key" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "tool_name" TEXT NOT NULL,
    "mcp_server" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "decision_source" TEXT NOT NULL,
    "read_write" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "decision_rollups_daily_pkey" PRIMARY KEY ("tenant_id","bucket","surface","user_key","team","tool_name","mcp_server","decision","decision_source","read_write")
);

CREATE TABLE "agent_session_rollups" (
    "tenant_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "source" TEXT NOT NULL,
    "user_email" TEXT NOT NULL,
    "enduser_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "account_uuid" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "service_version" TEXT NOT NULL,
    "events" BIGINT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "agent_session_rollups_pkey" PRIMARY KEY ("tenant_id","bucket","source","user_email","enduser_id","account_id","account_uuid","user_id","session_id","service_version")
);

-- Backfill: the daily level from the hourly one; the agent level from the stored events.
INSERT INTO "decision_rollups_daily"
SELECT tenant_id, date_trunc('day', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', surface, user_key, team, tool_name,
       mcp_server, decision, decision_source, read_write, sum(count)
FROM "decision_rollups" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

INSERT INTO "agent_session_rollups"
SELECT tenant_id, date_trunc('hour', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', source,
       COALESCE(user_email, ''), COALESCE(enduser_id, ''), COALESCE(account_id, ''), COALESCE(account_uuid, ''),
       COALESCE(user_id, ''), COALESCE(session_id, ''), COALESCE(service_version, ''), count(*), min(time), max(time)
FROM "events" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
