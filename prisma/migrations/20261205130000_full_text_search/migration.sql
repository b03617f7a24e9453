-- Free text in the query language (lib/query/compile.ts SEARCH_TEXT_SQL): a case-insensitive
-- substring of any attribute VALUE of a row (`rm -rf`, `secrets/prod.env`, `*curl*`), served by
-- trigram GIN indexes on exactly the expressions the compiler writes. Trigrams, not tsvector:
-- analysts search for substrings of paths, commands and URLs, which a word index cannot find.
-- pg_trgm ships with Postgres (trusted extension: the database owner may create it) and with
-- the embedded engine (lib/db/pglite-extensions.ts loads it).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "events_search_text_trgm_idx" ON "events" USING GIN ((jsonb_path_query_array(attributes, '$.*')::text) gin_trgm_ops);

CREATE INDEX "spans_search_text_trgm_idx" ON "spans" USING GIN ((jsonb_path_query_array(attributes, '$.*')::text || ' ' || COALESCE(status_message, '')) gin_trgm_ops);
