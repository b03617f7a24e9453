-- The coverage page's Compliance activity figures per UTC day (issue #15): the page read 30 days
-- of raw compliance_activities twice (by type and actor type, and by actor); these levels hold a
-- row per day and type, and one per day and actor, kept in the transaction that stores the
-- activities (lib/compliance/rollups.ts), rebuilt by rebuildRollups. The page reads the whole UTC
-- days of its window here and the partial days at its edges from the raw rows.
-- '' stands for NULL in the key columns. cowork_records: activities whose type contains "cowork".
-- compliance_actor_daily holds identities: retention, erasure (moves rows to the pseudonym) and
-- the person export cover it (lib/privacy/).

-- CreateTable
CREATE TABLE "compliance_activity_daily" (
    "tenant_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "type" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "records" BIGINT NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "compliance_activity_daily_pkey" PRIMARY KEY ("tenant_id","day","type","actor_type")
);

-- CreateTable
CREATE TABLE "compliance_actor_daily" (
    "tenant_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_email" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "actor_account_uuid" TEXT NOT NULL,
    "records" BIGINT NOT NULL,
    "cowork_records" BIGINT NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "compliance_actor_daily_pkey" PRIMARY KEY ("tenant_id","day","actor_type","actor_email","actor_user_id","actor_account_uuid")
);

INSERT INTO "compliance_activity_daily"
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, type, COALESCE(actor_type, ''), count(*), max(created_at)
FROM "compliance_activities" GROUP BY 1, 2, 3, 4;

INSERT INTO "compliance_actor_daily"
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, COALESCE(actor_type, ''), COALESCE(actor_email, ''), COALESCE(actor_user_id, ''),
       COALESCE(actor_account_uuid, ''), count(*), count(*) FILTER (WHERE type LIKE '%cowork%'), max(created_at)
FROM "compliance_activities" GROUP BY 1, 2, 3, 4, 5, 6;
