-- Inventory (/inventory): an agent's page reads one person's rows within the time window.
-- Agents identified by email use events(tenant_id, user_email, time, id) from the Explorer
-- migration; these two cover the others:
--  - device-only agents (API-key, Bedrock/Vertex/Foundry and third-party Cowork sessions send no
--    email, only the per-install user.id): events by (tenant_id, user_id, time);
--  - Office agents: the traces a person owns are found from the spans that carry user.email
--    (agent.query, agent.compaction, file.upload), by (tenant_id, user_email, start_time).

-- CreateIndex
CREATE INDEX "events_tenant_id_user_id_time_idx" ON "events"("tenant_id", "user_id", "time");

-- CreateIndex
CREATE INDEX "spans_tenant_id_user_email_start_time_idx" ON "spans"("tenant_id", "user_email", "start_time");
