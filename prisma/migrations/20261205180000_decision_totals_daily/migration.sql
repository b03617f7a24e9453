-- decision_totals_daily: decision_rollups_daily without the person (issue #15, approvals 30 days
-- ≤ 300 ms). With about one session per person per day the per-person daily level has nearly as
-- many rows as the hourly one; the dashboard's tiles, chart, outcome, tool and team tables need no
-- person, and read this level (tens of rows per day) unless the window is filtered to a person.
-- Kept by lib/ingest/rollups.ts in the ingest transaction; no person in it, so erasure and the
-- person export leave it alone; retention deletes it with the other rollups.

CREATE TABLE "decision_totals_daily" (
    "tenant_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "surface" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "tool_name" TEXT NOT NULL,
    "mcp_server" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "decision_source" TEXT NOT NULL,
    "read_write" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "decision_totals_daily_pkey" PRIMARY KEY ("tenant_id","bucket","surface","team","tool_name","mcp_server","decision","decision_source","read_write")
);

-- Backfill from the per-person daily level.
INSERT INTO "decision_totals_daily"
SELECT tenant_id, bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
FROM "decision_rollups_daily" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
