-- Time partitions (issue #15.1): events, spans, metric_points and compliance_activities become
-- RANGE-partitioned on the record's own time, on the embedded engine and on a server alike (one
-- schema). lib/db/partitions.ts creates the daily partitions ahead and retention drops whole old
-- ones (lib/privacy/retention.ts). The primary key gains the time column, since a partitioned
-- table's unique keys must hold the partition key; it still starts with tenant_id (Citus rule).
--
-- Converted in place, whatever the table holds: the old table is renamed <table>_legacy, keeps
-- its rows and indexes, gets the wider key, and is attached as the partition for everything up to
-- the day after its newest record (rows dated after tomorrow move to the DEFAULT partition, so a
-- stray far-future timestamp does not swallow the days to come). An empty old table is dropped.
-- Indexes are recreated on the parent from the old table's own definitions (pg_indexes), so an
-- index another migration added or dropped before this one is carried as it is; the legacy
-- partition's existing indexes are attached, not rebuilt. The DEFAULT partition <table>_default
-- takes a record of any time no daily partition covers: a record is never refused.

CREATE FUNCTION pg_temp.bs_partition_by_time(tbl text, timecol text, keycols text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  legacy text := tbl || '_legacy';
  defs text[];
  def text;
  idx record;
  n int := 0;
  newest timestamptz;
  bound timestamptz;
BEGIN
  SELECT coalesce(array_agg(indexdef ORDER BY indexname), '{}') INTO defs
    FROM pg_indexes WHERE schemaname = current_schema() AND tablename = tbl AND indexname <> tbl || '_pkey';
  EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, legacy);
  FOR idx IN SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = legacy AND indexname <> tbl || '_pkey' ORDER BY indexname LOOP
    n := n + 1;
    EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.indexname, legacy || '_idx' || n);
  END LOOP;
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', legacy, tbl || '_pkey');
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (tenant_id, %s, %I)', legacy, legacy || '_pkey', keycols, timecol);

  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (%I)', tbl, legacy, timecol);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);

  EXECUTE format('SELECT max(%I) FROM %I', timecol, legacy) INTO newest;
  IF newest IS NULL THEN
    EXECUTE format('DROP TABLE %I', legacy);
  ELSE
    bound := date_trunc('day', least(newest, now()), 'UTC') + interval '1 day';
    EXECUTE format('CREATE TEMP TABLE bs_moved ON COMMIT DROP AS SELECT * FROM %I WHERE %I >= $1', legacy, timecol) USING bound;
    EXECUTE format('DELETE FROM %I WHERE %I >= $1', legacy, timecol) USING bound;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', tbl, legacy, bound);
    EXECUTE format('INSERT INTO %I SELECT * FROM bs_moved', tbl);
    DROP TABLE bs_moved;
  END IF;

  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (tenant_id, %s, %I)', tbl, tbl || '_pkey', keycols, timecol);
  FOREACH def IN ARRAY defs LOOP
    EXECUTE def;
  END LOOP;
END $$;

SELECT pg_temp.bs_partition_by_time('events', 'time', 'id');
SELECT pg_temp.bs_partition_by_time('spans', 'start_time', 'trace_id, span_id');
SELECT pg_temp.bs_partition_by_time('metric_points', 'time', 'id');
SELECT pg_temp.bs_partition_by_time('compliance_activities', 'created_at', 'id');

DROP FUNCTION pg_temp.bs_partition_by_time(text, text, text);
