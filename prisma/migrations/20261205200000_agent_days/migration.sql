-- The inventory's daily level (issue #15: the agent list over 7 days within 300 ms at 10 M events),
-- kept at ingest by lib/ingest/rollups.ts in the same transaction as the events it counts.
--
-- agent_days: per UTC day (midnight), event source and person (lib/domain/person.ts: kind and
-- key), what the agent list shows: events, first and last time, client versions and devices
-- (user.id) seen that day, and `sessions`, the distinct sessions with an event of the agent that
-- day. Distinct counts do not add up over days, so the row also lists by id, in `spanning`, the
-- sessions of the agent that have events on another day too (sessions crossing midnight; the
-- seed's and most real sessions stay within a day). Over whole days D the agent's distinct
-- sessions are then exactly sum(sessions - cardinality(spanning)) (sessions seen on one day only)
-- plus the distinct ids of the spanning lists (and of the window's edge hours, which belong to
-- other days). Listing a session that turns out single-day would still be exact: only a missing
-- id would overcount.
--
-- agent_session_days: which days each (agent, session) has events on. Ingest inserts its rows
-- with ON CONFLICT DO NOTHING: the rows it actually inserts are exactly the sessions new to an
-- agent-day (the `sessions` increments), and a session with a second day is listed in
-- `spanning` on each of its days. Both tables hold the person key: retention and erasure treat
-- them as decision_people_daily.

CREATE TABLE "agent_days" (
    "tenant_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(6) NOT NULL,
    "source" TEXT NOT NULL,
    "person_kind" TEXT NOT NULL,
    "person" TEXT NOT NULL,
    "events" BIGINT NOT NULL,
    "sessions" BIGINT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "versions" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "devices" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "spanning" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "agent_days_pkey" PRIMARY KEY ("tenant_id","day","source","person_kind","person")
);

CREATE TABLE "agent_session_days" (
    "tenant_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "person_kind" TEXT NOT NULL,
    "person" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "agent_session_days_pkey" PRIMARY KEY ("tenant_id","source","person_kind","person","session_id","day")
);

-- Retention deletes the oldest days first.
CREATE INDEX "agent_session_days_tenant_id_day_idx" ON "agent_session_days"("tenant_id", "day");

-- Backfill from the stored events (the same rules as rebuildRollups in lib/ingest/rollups.ts).
INSERT INTO "agent_session_days"
SELECT DISTINCT tenant_id, source,
       CASE WHEN user_email IS NOT NULL OR enduser_id LIKE '%@%' THEN 'email' WHEN enduser_id IS NOT NULL THEN 'enduser'
            WHEN account_uuid IS NOT NULL OR account_id IS NOT NULL THEN 'account' WHEN user_id IS NOT NULL THEN 'device' ELSE 'none' END,
       COALESCE(lower(user_email), lower(enduser_id), lower(account_uuid), account_id, user_id, ''),
       session_id, date_trunc('day', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
FROM "events" WHERE session_id IS NOT NULL;

INSERT INTO "agent_days"
SELECT d.tenant_id, d.day, d.source, d.person_kind, d.person, d.events, d.sessions, d.first_seen, d.last_seen, d.versions, d.devices,
       COALESCE((SELECT array_agg(m.session_id ORDER BY m.session_id) FROM "agent_session_days" m
                 WHERE m.tenant_id = d.tenant_id AND m.source = d.source AND m.person_kind = d.person_kind AND m.person = d.person AND m.day = d.day
                   AND EXISTS (SELECT 1 FROM "agent_session_days" o WHERE o.tenant_id = m.tenant_id AND o.source = m.source AND o.person_kind = m.person_kind
                                 AND o.person = m.person AND o.session_id = m.session_id AND o.day <> m.day)), ARRAY[]::TEXT[])
FROM (
  SELECT tenant_id, date_trunc('day', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, source,
         CASE WHEN user_email IS NOT NULL OR enduser_id LIKE '%@%' THEN 'email' WHEN enduser_id IS NOT NULL THEN 'enduser'
              WHEN account_uuid IS NOT NULL OR account_id IS NOT NULL THEN 'account' WHEN user_id IS NOT NULL THEN 'device' ELSE 'none' END AS person_kind,
         COALESCE(lower(user_email), lower(enduser_id), lower(account_uuid), account_id, user_id, '') AS person,
         count(*) AS events, count(DISTINCT session_id) AS sessions, min(time) AS first_seen, max(time) AS last_seen,
         COALESCE(array_agg(DISTINCT service_version ORDER BY service_version) FILTER (WHERE service_version IS NOT NULL), ARRAY[]::TEXT[]) AS versions,
         COALESCE(array_agg(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL), ARRAY[]::TEXT[]) AS devices
  FROM "events" GROUP BY 1, 2, 3, 4, 5
) d;
