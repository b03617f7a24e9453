-- office_trace_hours rows carry their trace's resolution (issue #15): surface, owner, organization
-- and session are now the trace's own from office_traces (the least over ALL its spans), not the
-- least over that hour's spans, and ingest keeps every hour of a trace in step when a later batch
-- resolves it (lib/ingest/rollups.ts updateOfficeTraceHours). The inventory's agent list then
-- groups these rows by agent as they are instead of looking each trace up (21,200 look-ups for a
-- 7-day window at 10 M events).
UPDATE "office_trace_hours" AS h
SET "surface" = o."surface", "user_email" = o."user_email", "account_uuid" = o."account_uuid",
    "organization_id" = o."organization_id", "session_id" = o."session_id"
FROM "office_traces" AS o
WHERE o."tenant_id" = h."tenant_id" AND o."trace_id" = h."trace_id"
  AND (h."surface", h."user_email", h."account_uuid", h."organization_id", h."session_id")
      IS DISTINCT FROM (o."surface", o."user_email", o."account_uuid", o."organization_id", o."session_id");
