-- Coverage (lib/queries/coverage.ts) counts Cowork's tool decisions per tool over 30 days from the
-- hourly decision_rollups: its primary key starts (tenant_id, bucket, surface), so that read went
-- through every surface's rows of the window (all of them person-hours). This index reads the
-- one surface's rows only.
CREATE INDEX "decision_rollups_tenant_id_surface_bucket_idx" ON "decision_rollups"("tenant_id", "surface", "bucket");
