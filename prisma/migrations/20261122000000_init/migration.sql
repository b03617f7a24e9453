-- Blindspot initial schema: tenants, tokens, users, audit log, and the telemetry store.

-- CreateTable
CREATE TABLE "tenants" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "environments" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" TIMESTAMPTZ(6),
    "deactivated_at" TIMESTAMPTZ(6),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_tokens" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "signals" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,
    "last_used_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "rotated_from_id" TEXT,

    CONSTRAINT "ingest_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,
    "last_used_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" TEXT,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resources" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "service_name" TEXT,
    "attributes" JSONB NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resources_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "events" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "environment_id" TEXT NOT NULL,
    "ingest_token_id" TEXT,
    "resource_id" UUID,
    "source" TEXT NOT NULL,
    "service_name" TEXT,
    "service_version" TEXT,
    "scope_name" TEXT,
    "scope_version" TEXT,
    "event_name" TEXT NOT NULL,
    "time" TIMESTAMPTZ(6) NOT NULL,
    "time_ns" BIGINT,
    "observed_time_ns" BIGINT,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_id" TEXT,
    "prompt_id" TEXT,
    "sequence" BIGINT,
    "trace_id" TEXT,
    "span_id" TEXT,
    "severity_number" INTEGER,
    "severity_text" TEXT,
    "user_id" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "account_id" TEXT,
    "organization_id" TEXT,
    "enduser_id" TEXT,
    "terminal_type" TEXT,
    "tool_name" TEXT,
    "tool_use_id" TEXT,
    "tool_source" TEXT,
    "mcp_server" TEXT,
    "mcp_tool" TEXT,
    "decision" TEXT,
    "decision_source" TEXT,
    "success" BOOLEAN,
    "duration_ms" DOUBLE PRECISION,
    "error" TEXT,
    "error_type" TEXT,
    "status_code" INTEGER,
    "model" TEXT,
    "request_id" TEXT,
    "cost_usd" DOUBLE PRECISION,
    "input_tokens" BIGINT,
    "output_tokens" BIGINT,
    "cache_read_tokens" BIGINT,
    "cache_creation_tokens" BIGINT,
    "redacted_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "truncated_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "fields" JSONB NOT NULL DEFAULT '{}',
    "attributes" JSONB NOT NULL,
    "body" JSONB,

    CONSTRAINT "events_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "spans" (
    "tenant_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "span_id" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "ingest_token_id" TEXT,
    "resource_id" UUID,
    "source" TEXT NOT NULL,
    "service_name" TEXT,
    "scope_name" TEXT,
    "scope_version" TEXT,
    "parent_span_id" TEXT,
    "name" TEXT NOT NULL,
    "kind" INTEGER NOT NULL DEFAULT 0,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6),
    "start_ns" BIGINT,
    "end_ns" BIGINT,
    "duration_ms" DOUBLE PRECISION,
    "status_code" INTEGER NOT NULL DEFAULT 0,
    "status_message" TEXT,
    "trace_state" TEXT,
    "flags" INTEGER,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_id" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "organization_id" TEXT,
    "surface" TEXT,
    "tool_name" TEXT,
    "tool_use_id" TEXT,
    "decision" TEXT,
    "decision_source" TEXT,
    "read_write" TEXT,
    "success" BOOLEAN,
    "model" TEXT,
    "input_tokens" BIGINT,
    "output_tokens" BIGINT,
    "error_type" TEXT,
    "redacted_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "truncated_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "fields" JSONB NOT NULL DEFAULT '{}',
    "attributes" JSONB NOT NULL,
    "events" JSONB NOT NULL DEFAULT '[]',
    "links" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "spans_pkey" PRIMARY KEY ("tenant_id","trace_id","span_id")
);

-- CreateTable
CREATE TABLE "metric_points" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "environment_id" TEXT NOT NULL,
    "ingest_token_id" TEXT,
    "resource_id" UUID,
    "source" TEXT NOT NULL,
    "service_name" TEXT,
    "scope_name" TEXT,
    "scope_version" TEXT,
    "metric_name" TEXT NOT NULL,
    "description" TEXT,
    "unit" TEXT,
    "metric_type" TEXT NOT NULL,
    "temporality" INTEGER,
    "is_monotonic" BOOLEAN,
    "start_time" TIMESTAMPTZ(6),
    "time" TIMESTAMPTZ(6) NOT NULL,
    "start_ns" BIGINT,
    "time_ns" BIGINT,
    "value" DOUBLE PRECISION,
    "count" BIGINT,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_id" TEXT,
    "user_id" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "organization_id" TEXT,
    "model" TEXT,
    "point_type" TEXT,
    "attributes" JSONB NOT NULL,
    "distribution" JSONB,

    CONSTRAINT "metric_points_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "identity_observations" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "ingest_token_id" TEXT,
    "user_id" TEXT,
    "user_email" TEXT,
    "account_uuid" TEXT,
    "account_id" TEXT,
    "organization_id" TEXT,
    "enduser_id" TEXT,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "identity_observations_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "environments_tenant_id_name_key" ON "environments"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "ingest_tokens_token_hash_key" ON "ingest_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "ingest_tokens_tenant_id_idx" ON "ingest_tokens"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_tenant_id_idx" ON "api_tokens"("tenant_id");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_at_idx" ON "audit_log"("tenant_id", "at");

-- CreateIndex
CREATE INDEX "events_tenant_id_prompt_id_sequence_idx" ON "events"("tenant_id", "prompt_id", "sequence");

-- CreateIndex
CREATE INDEX "events_tenant_id_session_id_time_idx" ON "events"("tenant_id", "session_id", "time");

-- CreateIndex
CREATE INDEX "events_tenant_id_time_idx" ON "events"("tenant_id", "time" DESC);

-- CreateIndex
CREATE INDEX "events_tenant_id_tool_use_id_idx" ON "events"("tenant_id", "tool_use_id");

-- CreateIndex
CREATE INDEX "spans_tenant_id_session_id_start_time_idx" ON "spans"("tenant_id", "session_id", "start_time");

-- CreateIndex
CREATE INDEX "spans_tenant_id_start_time_idx" ON "spans"("tenant_id", "start_time" DESC);

-- CreateIndex
CREATE INDEX "spans_tenant_id_tool_use_id_idx" ON "spans"("tenant_id", "tool_use_id");

-- CreateIndex
CREATE INDEX "metric_points_tenant_id_metric_name_time_idx" ON "metric_points"("tenant_id", "metric_name", "time");

-- CreateIndex
CREATE INDEX "identity_observations_tenant_id_user_email_idx" ON "identity_observations"("tenant_id", "user_email");

-- CreateIndex
CREATE INDEX "identity_observations_tenant_id_account_uuid_idx" ON "identity_observations"("tenant_id", "account_uuid");

-- AddForeignKey
ALTER TABLE "environments" ADD CONSTRAINT "environments_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_tokens" ADD CONSTRAINT "ingest_tokens_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_tokens" ADD CONSTRAINT "ingest_tokens_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
