-- Detections: per-tenant rule tuning (settings, exceptions, allowlists), rule health and
-- correlation watermarks, alerts with their evidence and triage notes. Rules themselves are files (rules/).
-- CreateTable
CREATE TABLE "detection_rule_settings" (
    "tenant_id" TEXT NOT NULL,
    "rule_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "level" TEXT,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "detection_rule_settings_pkey" PRIMARY KEY ("tenant_id","rule_id")
);

-- CreateTable
CREATE TABLE "detection_exceptions" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "rule_id" TEXT,
    "field" TEXT NOT NULL,
    "operator" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "detection_exceptions_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "detection_allowlist" (
    "tenant_id" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "detection_allowlist_pkey" PRIMARY KEY ("tenant_id","list","value")
);

-- CreateTable
CREATE TABLE "detection_rule_state" (
    "tenant_id" TEXT NOT NULL,
    "rule_id" TEXT NOT NULL,
    "last_evaluated_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "failing_since" TIMESTAMPTZ(6),
    "watermark" TIMESTAMPTZ(6),

    CONSTRAINT "detection_rule_state_pkey" PRIMARY KEY ("tenant_id","rule_id")
);

-- CreateTable
CREATE TABLE "alerts" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "rule_id" TEXT NOT NULL,
    "rule_title" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "dedup_key" TEXT NOT NULL,
    "group_key" TEXT,
    "status" TEXT NOT NULL DEFAULT 'new',
    "resolution" TEXT,
    "assignee" TEXT,
    "hits" INTEGER NOT NULL DEFAULT 1,
    "window_start" TIMESTAMPTZ(6) NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "service" TEXT NOT NULL,
    "person" TEXT,
    "session_id" TEXT,
    "prompt_id" TEXT,
    "trace_id" TEXT,
    "matched" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "alert_evidence" (
    "tenant_id" TEXT NOT NULL,
    "alert_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "record_id" TEXT NOT NULL,
    "time" TIMESTAMPTZ(6) NOT NULL,
    "session_id" TEXT,
    "prompt_id" TEXT,
    "name" TEXT NOT NULL,

    CONSTRAINT "alert_evidence_pkey" PRIMARY KEY ("tenant_id","alert_id","kind","record_id")
);

-- CreateTable
CREATE TABLE "alert_notes" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "author" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_notes_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "detection_exceptions_tenant_id_rule_id_idx" ON "detection_exceptions"("tenant_id", "rule_id");

-- CreateIndex
CREATE INDEX "alerts_tenant_id_status_last_seen_idx" ON "alerts"("tenant_id", "status", "last_seen");

-- CreateIndex
CREATE INDEX "alerts_tenant_id_seq_idx" ON "alerts"("tenant_id", "seq");

-- CreateIndex
CREATE INDEX "alerts_tenant_id_person_idx" ON "alerts"("tenant_id", "person");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_tenant_id_dedup_key_key" ON "alerts"("tenant_id", "dedup_key");

-- CreateIndex
CREATE INDEX "alert_notes_tenant_id_alert_id_idx" ON "alert_notes"("tenant_id", "alert_id");
