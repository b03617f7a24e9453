-- decision_people_hourly and decision_people_weekly: the approvals page's per-person table over
-- 30 days at 10 M events (issue #15, ≤ 300 ms). Every person's columns are sums, so a window adds
-- up exactly from disjoint pieces: its whole UTC weeks (Monday to Monday, as date_trunc('week'))
-- from the weekly level, the whole days around them from decision_people_daily, and the hours at
-- its two edges from the hourly level (instead of every person-tool row of decision_rollups):
-- 30 days read about a third of the rows. Same columns and counting rules as
-- decision_people_daily (lib/ingest/rollups.ts peopleCounts; the backfill below writes them out).
-- Both hold the person key: erasure moves their rows to the pseudonym, the person export lists
-- them, retention deletes them with the other rollups.

CREATE TABLE "decision_people_hourly" (
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

    CONSTRAINT "decision_people_hourly_pkey" PRIMARY KEY ("tenant_id","bucket","surface","user_key","team")
);

CREATE TABLE "decision_people_weekly" (
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

    CONSTRAINT "decision_people_weekly_pkey" PRIMARY KEY ("tenant_id","bucket","surface","user_key","team")
);

INSERT INTO "decision_people_hourly"
SELECT tenant_id, bucket, surface, user_key, team, sum(count),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'user_permanent'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'user_temporary'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'config'), 0),
       COALESCE(sum(count) FILTER (WHERE decision_source = 'hook'), 0),
       COALESCE(sum(count) FILTER (WHERE decision = 'reject'), 0),
       COALESCE(sum(count) FILTER (WHERE surface <> 'office' AND decision = 'accept' AND decision_source IN ('config', 'hook')
                                     AND tool_name IN ('Bash', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'write_file', 'edit_file', 'PowerShell')), 0),
       COALESCE(sum(count) FILTER (WHERE surface = 'office' AND decision = 'auto_accept'), 0)
FROM "decision_rollups" GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "decision_people_weekly"
SELECT tenant_id, date_trunc('week', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', surface, user_key, team,
       sum(count), sum(user_permanent), sum(user_temporary), sum(config), sum(hook), sum(rejected), sum(auto_writes), sum(office_auto)
FROM "decision_people_daily" GROUP BY 1, 2, 3, 4, 5;
