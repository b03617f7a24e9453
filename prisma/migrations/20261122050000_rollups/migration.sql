-- Rollups maintained at ingest (lib/ingest/rollups.ts), so the approval and coverage dashboards
-- read small tables instead of scanning raw events. Backfilled here from what is already stored.

-- CreateTable
CREATE TABLE "decision_rollups" (
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

    CONSTRAINT "decision_rollups_pkey" PRIMARY KEY ("tenant_id","bucket","surface","user_key","team","tool_name","mcp_server","decision","decision_source","read_write")
);

-- CreateTable
CREATE TABLE "source_rollups" (
    "tenant_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "service_version" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "records" BIGINT NOT NULL,
    "with_identity" BIGINT NOT NULL,
    "prompt_captured" BIGINT NOT NULL,
    "prompt_redacted" BIGINT NOT NULL,
    "tool_details" BIGINT NOT NULL,
    "truncated" BIGINT NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "source_rollups_pkey" PRIMARY KEY ("tenant_id","day","source","kind","service_version","name")
);

-- CreateIndex
CREATE INDEX "decision_rollups_tenant_id_bucket_idx" ON "decision_rollups"("tenant_id", "bucket");

-- Backfill from stored events and spans (the same rules as lib/ingest/rollups.ts).
INSERT INTO "decision_rollups"
SELECT tenant_id, date_trunc('hour', time), source,
       COALESCE(lower(user_email), lower(enduser_id), account_id, user_id, ''),
       COALESCE(attributes->>'team.id', attributes->>'department', ''),
       COALESCE(tool_name, ''), COALESCE(mcp_server, ''), COALESCE(decision, ''), COALESCE(decision_source, ''), '', count(*)
FROM "events" WHERE event_name = 'tool_decision'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

INSERT INTO "decision_rollups"
SELECT tenant_id, date_trunc('hour', start_time), 'office', COALESCE(lower(user_email), account_uuid, ''), '',
       COALESCE(tool_name, ''), '', COALESCE(decision, ''), '', COALESCE(read_write, ''), count(*)
FROM "spans" WHERE name = 'agent.tool_execution' AND source = 'office'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ON CONFLICT DO NOTHING;

INSERT INTO "source_rollups"
SELECT tenant_id, (time AT TIME ZONE 'UTC')::date, source, 'event', COALESCE(service_version, ''), event_name, count(*),
       count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL OR account_id IS NOT NULL),
       count(*) FILTER (WHERE event_name = 'user_prompt' AND attributes ? 'prompt' AND attributes->>'prompt' <> '<REDACTED>'),
       count(*) FILTER (WHERE event_name = 'user_prompt' AND (NOT attributes ? 'prompt' OR attributes->>'prompt' = '<REDACTED>')),
       count(*) FILTER (WHERE attributes ? 'tool_parameters' OR attributes ? 'tool_input'),
       count(*) FILTER (WHERE cardinality(truncated_keys) > 0),
       max(time)
FROM "events" GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO "source_rollups"
SELECT tenant_id, (start_time AT TIME ZONE 'UTC')::date, source, 'span', COALESCE(attributes->>'office.version', ''), name, count(*),
       count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL), 0, 0,
       count(*) FILTER (WHERE attributes ? 'tool.input'), count(*) FILTER (WHERE cardinality(truncated_keys) > 0), max(start_time)
FROM "spans" GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO "source_rollups"
SELECT tenant_id, (time AT TIME ZONE 'UTC')::date, source, 'metric', COALESCE(attributes->>'app.version', ''), metric_name, count(*),
       count(*) FILTER (WHERE user_email IS NOT NULL OR account_uuid IS NOT NULL), 0, 0, 0, 0, max(time)
FROM "metric_points" GROUP BY 1, 2, 3, 4, 5, 6;
