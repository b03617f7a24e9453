-- Explorer (/explore): filters and sorts on a tenant's events stay index-driven on millions of rows.
-- Each index is (tenant_id, column, time, id): an equality filter on the column returns rows in
-- time order, and sorting by the column pages by keyset (column, time, id) in either direction
-- (forward or backward scan). NULLs are included on purpose: the Explorer reads the NULL tail of a
-- sort as "column IS NULL ORDER BY time, id", which the same index serves. The facet menus use
-- them for a loose index scan of distinct values.

-- CreateIndex
CREATE INDEX "events_tenant_id_event_name_time_id_idx" ON "events"("tenant_id", "event_name", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_source_time_id_idx" ON "events"("tenant_id", "source", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_tool_name_time_id_idx" ON "events"("tenant_id", "tool_name", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_mcp_server_time_id_idx" ON "events"("tenant_id", "mcp_server", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_decision_source_time_id_idx" ON "events"("tenant_id", "decision_source", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_user_email_time_id_idx" ON "events"("tenant_id", "user_email", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_duration_ms_time_id_idx" ON "events"("tenant_id", "duration_ms", "time", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_cost_usd_time_id_idx" ON "events"("tenant_id", "cost_usd", "time", "id");
