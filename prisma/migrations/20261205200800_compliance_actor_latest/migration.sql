-- compliance_actor_latest: each Compliance activity actor's latest activity and latest Cowork
-- activity (issue #15). Over a window [from, to), an actor whose latest activity is before `to`
-- has that activity as its last in the window (when it is at or after `from`), and Cowork
-- activity in the window exactly when its latest Cowork activity is at or after `from`: the
-- coverage page reads one row per actor instead of one per actor and day
-- (compliance_actor_daily answers only for actors with activity at or after `to`).
-- Kept by storeActivities (lib/compliance/rollups.ts), rebuilt by rebuildRollups. Holds
-- identities: retention, erasure and the person export cover it ('' stands for NULL in the key).

-- CreateTable
CREATE TABLE "compliance_actor_latest" (
    "tenant_id" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_email" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "actor_account_uuid" TEXT NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "cowork_last_seen" TIMESTAMPTZ(6),

    CONSTRAINT "compliance_actor_latest_pkey" PRIMARY KEY ("tenant_id","actor_type","actor_email","actor_user_id","actor_account_uuid")
);

-- CreateIndex
CREATE INDEX "compliance_actor_latest_tenant_id_last_seen_idx" ON "compliance_actor_latest"("tenant_id", "last_seen");

INSERT INTO "compliance_actor_latest"
SELECT tenant_id, COALESCE(actor_type, ''), COALESCE(actor_email, ''), COALESCE(actor_user_id, ''), COALESCE(actor_account_uuid, ''),
       max(created_at), max(created_at) FILTER (WHERE type LIKE '%cowork%')
FROM "compliance_activities" GROUP BY 1, 2, 3, 4, 5;
