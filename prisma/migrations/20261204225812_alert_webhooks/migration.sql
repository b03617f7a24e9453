-- Alert delivery: each tenant's webhook (URL, encrypted signing secret, outbox cursor over alerts.seq)
-- and the persistent outbox of deliveries (one per alert; survives restarts).
-- CreateTable
CREATE TABLE "alert_webhooks" (
    "tenant_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "secret_hint" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "include_content" BOOLEAN NOT NULL DEFAULT false,
    "cursor_seq" BIGINT NOT NULL DEFAULT 0,
    "horizon_seq" BIGINT NOT NULL DEFAULT 0,
    "horizon_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_test_at" TIMESTAMPTZ(6),
    "last_test_result" TEXT,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_webhooks_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "alert_deliveries" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "alert_seq" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(6),
    "last_status" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(6),
    "queued_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "alert_deliveries_tenant_id_status_next_attempt_at_idx" ON "alert_deliveries"("tenant_id", "status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "alert_deliveries_tenant_id_alert_id_key" ON "alert_deliveries"("tenant_id", "alert_id");
