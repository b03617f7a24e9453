-- The time span of each session, prompt and trace (issue #15, read budgets), kept at ingest by
-- lib/ingest/rollups.ts in the same transaction as the rows: the earliest and latest record time.
-- The session, prompt and trace pages bound their reads of events and spans to it, so the
-- planner prunes the daily partitions to the one or two that hold the records instead of planning
-- and probing every partition (planning alone cost 0.5-0.9 s on a connection's first read).
-- kind: 'session' (events and spans with that session.id), 'prompt' (events with that prompt.id),
-- 'trace' (spans of that trace). Retention deletes a row once its last_seen is past the cut-off.

CREATE TABLE "record_extents" (
    "tenant_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "record_extents_pkey" PRIMARY KEY ("tenant_id","kind","key")
);

CREATE INDEX "record_extents_tenant_id_last_seen_idx" ON "record_extents"("tenant_id", "last_seen");

-- Backfill from the stored rows.
INSERT INTO "record_extents"
SELECT tenant_id, 'session', session_id, min(t), max(t) FROM (
  SELECT tenant_id, session_id, time AS t FROM "events" WHERE session_id IS NOT NULL
  UNION ALL
  SELECT tenant_id, session_id, start_time FROM "spans" WHERE session_id IS NOT NULL
) s GROUP BY 1, 3;

INSERT INTO "record_extents"
SELECT tenant_id, 'prompt', prompt_id, min(time), max(time) FROM "events" WHERE prompt_id IS NOT NULL GROUP BY 1, 3;

INSERT INTO "record_extents"
SELECT tenant_id, 'trace', trace_id, min(start_time), max(start_time) FROM "spans" GROUP BY 1, 3;
