-- office_traces: per trace, what the inventory resolves an Office turn by (issue #15): the first
-- non-null surface, owner (user.email, account), organization and session over ALL the trace's
-- spans (min, as lib/queries/inventory/sql.ts officeTracesSql takes them), and its time span.
-- Kept at ingest by lib/ingest/rollups.ts in the spans' transaction. The agent list and page
-- look a trace (or a session's surface) up here by key instead of probing every daily partition
-- of spans. Holds identities: retention (by last_seen), erasure and the person export cover it.

CREATE TABLE "office_traces" (
    "tenant_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "surface" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "organization_id" TEXT,
    "session_id" TEXT,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "office_traces_pkey" PRIMARY KEY ("tenant_id","trace_id")
);

-- A session's surface (file.upload traces carry none of their own).
CREATE INDEX "office_traces_tenant_id_session_id_idx" ON "office_traces"("tenant_id", "session_id");
-- Retention deletes the oldest first.
CREATE INDEX "office_traces_tenant_id_last_seen_idx" ON "office_traces"("tenant_id", "last_seen");

INSERT INTO "office_traces"
SELECT tenant_id, trace_id, min(surface), min(user_email), min(account_uuid), min(organization_id), min(session_id), min(start_time), max(start_time)
FROM "spans" GROUP BY 1, 2;

-- office_trace_hours: the Office spans per UTC hour and trace, aggregated as the inventory's
-- first level takes them (least surface, owner, organization, session and office.version, the
-- greatest office.version, first and last start time, the number of spans), so an agent list over
-- days reads a row per trace-hour instead of every span; only the window's partial edge hours
-- read raw spans. Holds identities: retention (by hour), erasure and the person export cover it.
CREATE TABLE "office_trace_hours" (
    "tenant_id" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(6) NOT NULL,
    "trace_id" TEXT NOT NULL,
    "surface" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "organization_id" TEXT,
    "session_id" TEXT,
    "version_min" TEXT,
    "version_max" TEXT,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "spans" BIGINT NOT NULL,

    CONSTRAINT "office_trace_hours_pkey" PRIMARY KEY ("tenant_id","hour","trace_id")
);

INSERT INTO "office_trace_hours"
SELECT tenant_id, date_trunc('hour', start_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', trace_id, min(surface), min(user_email), min(account_uuid),
       min(organization_id), min(session_id), min(attributes->>'office.version'), max(attributes->>'office.version'), min(start_time), max(start_time), count(*)
FROM "spans" WHERE source = 'office' GROUP BY 1, 2, 3;
