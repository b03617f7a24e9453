-- decision_people_daily: the approvals dashboard's per-person table over long windows (issue #15).
-- decision_rollups_daily keeps a row per person, day and tool/decision/source combination; this
-- level keeps one per person, day, surface and team, with the counts the table shows as columns,
-- so 30 days read about one row per person-day. Used unless the window is filtered by tool or MCP
-- server (then the detailed level answers). auto_writes and office_auto follow
-- lib/queries/approvals.ts (WRITE_TOOLS, AUTOMATIC_DECISION_SOURCES): the backfill below writes
-- them out; rebuildRollups (lib/ingest/rollups.ts) recomputes the level from the code's lists.
-- Holds the person key: erasure moves its rows to the pseudonym, as for decision_rollups_daily.

CREATE TABLE "decision_people_daily" (
    "tenant_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "surface" TEXT NOT NULL,
    "user_key" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "user_permanent" BIGINT NOT NULL,
    "user_temporary" BIGINT NOT NULL,
    "config" BIGINT NOT NULL,
    "hook" BIGINT NOT NULL,
    "rejected" BIGINT NOT NULL,
    "auto_writes" BIGINT NOT NULL,
    "office_auto" BIGINT NOT NULL,

    CONSTRAINT "decision_people_daily_pkey" PRIMARY KEY ("tenant_id","bucket","surface","user_key","team")
);

INSERT INTO "decision_people_daily"
SELECT tenant_id, bucket, surface, user_key, team, sum(count),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'user_permanent'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'user_temporary'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'config'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'hook'), 0),
       COALESCE(sum(count) FILTER (WHERE decision = 'reject'), 0),
       COALESCE(sum(count) FILTER (WHERE surface <> 'office' AND decision = 'accept' AND decision_source IN ('config', 'hook')
                                     AND tool_name IN ('Bash', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'write_file', 'edit_file', 'PowerShell')), 0),
       COALESCE(sum(count) FILTER (WHERE surface = 'office' AND decision = 'auto_accept'), 0)
FROM "decision_rollups_daily" GROUP BY 1, 2, 3, 4, 5;
