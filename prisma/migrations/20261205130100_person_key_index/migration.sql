-- `user:` in the query language matches the person key (lib/domain/person.ts personKeySql), the
-- one key person pages and pivots use: this index on exactly that expression serves it (newest
-- first within a person).
CREATE INDEX "events_person_key_time_idx" ON "events" ("tenant_id", (COALESCE(lower(user_email), lower(enduser_id), lower(account_uuid), account_id, user_id, '')), "time");
