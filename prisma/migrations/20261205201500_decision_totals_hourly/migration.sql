-- decision_totals_hourly: decision_rollups without the person (issue #15, approvals 30 days
-- ≤ 300 ms). A window longer than two days reads its whole days from decision_totals_daily and
-- the hours at its two edges from an hourly level: from decision_rollups those hours hold a row
-- per person and tool combination (tens of thousands at 10 M events), read by each of the
-- dashboard's queries without a person (tiles, chart, facets, previous period). This level keeps
-- a few rows per hour. Kept by lib/ingest/rollups.ts in the ingest transaction; no person in it,
-- so erasure and the person export leave it alone; retention deletes it with the other rollups.

CREATE TABLE "decision_totals_hourly" (
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

    CONSTRAINT "decision_totals_hourly_pkey" PRIMARY KEY ("tenant_id","bucket","surface","team","tool_name","mcp_server","decision","decision_source","read_write")
);

-- Backfill from the per-person hourly level.
INSERT INTO "decision_totals_hourly"
SELECT tenant_id, bucket, surface, team, tool_name, mcp_server, decision, decision_source, read_write, sum(count)
FROM "decision_rollups" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
