-- Correlation rules follow what arrived since their watermark (received_at, not the records' own
-- time, so late data is still correlated): the detection jobs read these ranges per tenant.
-- CreateIndex
CREATE INDEX "events_tenant_id_received_at_idx" ON "events"("tenant_id", "received_at");

-- CreateIndex
CREATE INDEX "spans_tenant_id_received_at_idx" ON "spans"("tenant_id", "received_at");

-- CreateIndex
CREATE INDEX "compliance_activities_tenant_id_received_at_idx" ON "compliance_activities"("tenant_id", "received_at");
