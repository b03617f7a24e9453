-- Sparse columns index only the rows that have a value: most events have no tool, MCP server,
-- decision, cost or email, and every index entry is work on the ingest path. Queries that use
-- these indexes filter or sort on a value (col = $1, or col IS NOT NULL in the Explorer's
-- keyset pages), which the planner proves implies the index predicate.

-- DropIndex
DROP INDEX "events_tenant_id_prompt_id_sequence_idx";
DROP INDEX "events_tenant_id_tool_use_id_idx";
DROP INDEX "events_tenant_id_tool_name_time_id_idx";
DROP INDEX "events_tenant_id_mcp_server_time_id_idx";
DROP INDEX "events_tenant_id_decision_source_time_id_idx";
DROP INDEX "events_tenant_id_user_email_time_id_idx";
DROP INDEX "events_tenant_id_duration_ms_time_id_idx";
DROP INDEX "events_tenant_id_cost_usd_time_id_idx";
DROP INDEX "spans_tenant_id_tool_use_id_idx";
DROP INDEX "spans_tenant_id_user_email_start_time_idx";

-- CreateIndex
CREATE INDEX "events_tenant_id_prompt_id_sequence_idx" ON "events"("tenant_id", "prompt_id", "sequence") WHERE (prompt_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_tool_use_id_idx" ON "events"("tenant_id", "tool_use_id") WHERE (tool_use_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_tool_name_time_id_idx" ON "events"("tenant_id", "tool_name", "time", "id") WHERE (tool_name IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_mcp_server_time_id_idx" ON "events"("tenant_id", "mcp_server", "time", "id") WHERE (mcp_server IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_decision_source_time_id_idx" ON "events"("tenant_id", "decision_source", "time", "id") WHERE (decision_source IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_user_email_time_id_idx" ON "events"("tenant_id", "user_email", "time", "id") WHERE (user_email IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_duration_ms_time_id_idx" ON "events"("tenant_id", "duration_ms", "time", "id") WHERE (duration_ms IS NOT NULL);

-- CreateIndex
CREATE INDEX "events_tenant_id_cost_usd_time_id_idx" ON "events"("tenant_id", "cost_usd", "time", "id") WHERE (cost_usd IS NOT NULL);

-- CreateIndex
CREATE INDEX "spans_tenant_id_tool_use_id_idx" ON "spans"("tenant_id", "tool_use_id") WHERE (tool_use_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "spans_tenant_id_user_email_start_time_idx" ON "spans"("tenant_id", "user_email", "start_time") WHERE (user_email IS NOT NULL);
