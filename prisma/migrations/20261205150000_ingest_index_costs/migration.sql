-- What the telemetry tables' secondary indexes cost at ingest (`npm run bench:ingest -- --index-costs`).
--
-- secret_fingerprints: a GIN index over arrays stores an entry even for an empty array, so every
-- record paid for it while only records holding a secret are ever looked up (lib/detections/
-- secret-sightings.ts, which says `cardinality(…) > 0` so the planner can use these partial indexes).

DROP INDEX "events_secret_fingerprints_idx";
CREATE INDEX "events_secret_fingerprints_idx" ON "events" USING GIN ("secret_fingerprints") WHERE (cardinality(secret_fingerprints) > 0);

DROP INDEX "spans_secret_fingerprints_idx";
CREATE INDEX "spans_secret_fingerprints_idx" ON "spans" USING GIN ("secret_fingerprints") WHERE (cardinality(secret_fingerprints) > 0);

-- Free text (lib/query/compile.ts SEARCH_TEXT_SQL): the trigram indexes cost most of Postgres's
-- CPU per record at ingest (280 µs/record with them against 77 without, bench above), and 70% of
-- the trigrams they stored came from machine identifiers and times (session, prompt, request and
-- tool-use ids, the device hash, account ids, event timestamp and sequence): unique values that
-- each spread new entries over the index, and that have fields of their own. The indexed
-- expression, and the one free text compiles to, leave those attributes out.
DROP INDEX "events_search_text_trgm_idx";
CREATE INDEX "events_search_text_trgm_idx" ON "events" USING GIN ((jsonb_path_query_array(attributes - '{event.sequence,event.timestamp,organization.id,prompt.id,request_id,session.id,tool_use_id,user.account_id,user.account_uuid,user.id}'::text[], '$.*')::text) gin_trgm_ops);

DROP INDEX "spans_search_text_trgm_idx";
CREATE INDEX "spans_search_text_trgm_idx" ON "spans" USING GIN ((jsonb_path_query_array(attributes - '{event.sequence,event.timestamp,organization.id,prompt.id,request_id,session.id,tool_use_id,user.account_id,user.account_uuid,user.id}'::text[], '$.*')::text || ' ' || COALESCE(status_message, '')) gin_trgm_ops);
