-- The approvals dashboard's escalations (lib/queries/approvals.ts escalations): a rejection
-- followed within minutes by an automatic approval of the same tool by the same person. Two
-- narrow partial indexes (tool decisions only: a small share of the events, so little cost at
-- ingest) let it walk the newest rejections and look up, for each, the person's automatic
-- approvals of that tool in the minutes after, instead of joining every decision of the window.
-- The predicates must stay those the query writes out (AUTOMATIC_DECISION_SOURCES, REJECTING).

CREATE INDEX "events_rejections_time_idx" ON "events" ("tenant_id", "time")
  WHERE event_name = 'tool_decision' AND decision = 'reject' AND decision_source IN ('user_reject', 'config');

-- The person key expression as lib/domain/person.ts personKeySql writes it (and events_person_key_time_idx).
CREATE INDEX "events_automatic_approvals_idx" ON "events" ("tenant_id", (COALESCE(lower(user_email), lower(enduser_id), lower(account_uuid), account_id, user_id, '')), "tool_name", "time")
  WHERE event_name = 'tool_decision' AND decision = 'accept' AND decision_source IN ('config', 'hook');
