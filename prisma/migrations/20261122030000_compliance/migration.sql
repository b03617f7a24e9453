-- Compliance API: connector configuration and state, a Postgres job queue, and the records
-- pulled or imported (activities, chats, session transcripts, directory).

-- CreateTable
CREATE TABLE "compliance_connectors" (
    "tenant_id" TEXT NOT NULL,
    "base_url" TEXT NOT NULL DEFAULT 'https://api.anthropic.com',
    "api_key_encrypted" TEXT,
    "api_key_hint" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "poll_seconds" INTEGER NOT NULL DEFAULT 60,
    "overlap_seconds" INTEGER NOT NULL DEFAULT 300,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_connectors_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "compliance_sync_state" (
    "tenant_id" TEXT NOT NULL,
    "stream" TEXT NOT NULL,
    "cursor" JSONB NOT NULL DEFAULT '{}',
    "last_run_at" TIMESTAMPTZ(6),
    "last_success_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(6),
    "records_pulled" BIGINT NOT NULL DEFAULT 0,
    "newest_record_at" TIMESTAMPTZ(6),

    CONSTRAINT "compliance_sync_state_pkey" PRIMARY KEY ("tenant_id","stream")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" TEXT,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "run_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_by" TEXT,
    "locked_until" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "progress" JSONB NOT NULL DEFAULT '{}',
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance_activities" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "type" TEXT NOT NULL,
    "organization_id" TEXT,
    "organization_uuid" TEXT,
    "actor_type" TEXT,
    "actor_email" TEXT,
    "actor_user_id" TEXT,
    "actor_account_uuid" TEXT,
    "actor_ip" TEXT,
    "actor_user_agent" TEXT,
    "raw" JSONB NOT NULL,
    "origin" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_activities_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "compliance_chats" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "updated_at" TIMESTAMPTZ(6),
    "deleted_at" TIMESTAMPTZ(6),
    "user_id" TEXT,
    "user_email" TEXT,
    "organization_uuid" TEXT,
    "project_id" TEXT,
    "model" TEXT,
    "raw" JSONB NOT NULL,
    "origin" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_chats_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "compliance_chat_messages" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "text" TEXT,
    "raw" JSONB NOT NULL,

    CONSTRAINT "compliance_chat_messages_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "compliance_sessions" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "product_surface" TEXT,
    "user_id" TEXT,
    "user_email" TEXT,
    "organization_uuid" TEXT,
    "workspace_id" TEXT,
    "status" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "updated_at" TIMESTAMPTZ(6),
    "raw" JSONB NOT NULL,
    "origin" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_sessions_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "compliance_session_messages" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "model" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "text" TEXT,
    "raw" JSONB NOT NULL,

    CONSTRAINT "compliance_session_messages_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "compliance_tool_blocks" (
    "tenant_id" TEXT NOT NULL,
    "tool_use_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "name" TEXT,
    "input" TEXT,
    "content" JSONB,
    "is_error" BOOLEAN,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "compliance_tool_blocks_pkey" PRIMARY KEY ("tenant_id","tool_use_id","kind","message_id")
);

-- CreateTable
CREATE TABLE "compliance_users" (
    "tenant_id" TEXT NOT NULL,
    "organization_uuid" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "account_uuid" TEXT,
    "email" TEXT,
    "full_name" TEXT,
    "organization_role" TEXT,
    "created_at" TIMESTAMPTZ(6),
    "raw" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_users_pkey" PRIMARY KEY ("tenant_id","organization_uuid","id")
);

-- CreateTable
CREATE TABLE "compliance_organizations" (
    "tenant_id" TEXT NOT NULL,
    "uuid" TEXT NOT NULL,
    "tagged_id" TEXT NOT NULL,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(6),
    "raw" JSONB NOT NULL,

    CONSTRAINT "compliance_organizations_pkey" PRIMARY KEY ("tenant_id","uuid")
);

-- CreateTable
CREATE TABLE "compliance_imports" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "bytes_total" BIGINT,
    "bytes_read" BIGINT NOT NULL DEFAULT 0,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "compliance_imports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "jobs_status_run_at_idx" ON "jobs"("status", "run_at");

-- CreateIndex
CREATE INDEX "jobs_tenant_id_kind_status_idx" ON "jobs"("tenant_id", "kind", "status");

-- CreateIndex
CREATE INDEX "compliance_activities_tenant_id_created_at_idx" ON "compliance_activities"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "compliance_activities_tenant_id_actor_email_idx" ON "compliance_activities"("tenant_id", "actor_email");

-- CreateIndex
CREATE INDEX "compliance_activities_tenant_id_actor_user_id_idx" ON "compliance_activities"("tenant_id", "actor_user_id");

-- CreateIndex
CREATE INDEX "compliance_activities_tenant_id_type_created_at_idx" ON "compliance_activities"("tenant_id", "type", "created_at");

-- CreateIndex
CREATE INDEX "compliance_chats_tenant_id_user_id_created_at_idx" ON "compliance_chats"("tenant_id", "user_id", "created_at");

-- CreateIndex
CREATE INDEX "compliance_chat_messages_tenant_id_chat_id_ordinal_idx" ON "compliance_chat_messages"("tenant_id", "chat_id", "ordinal");

-- CreateIndex
CREATE INDEX "compliance_sessions_tenant_id_user_id_created_at_idx" ON "compliance_sessions"("tenant_id", "user_id", "created_at");

-- CreateIndex
CREATE INDEX "compliance_session_messages_tenant_id_session_id_ordinal_idx" ON "compliance_session_messages"("tenant_id", "session_id", "ordinal");

-- CreateIndex
CREATE INDEX "compliance_session_messages_tenant_id_created_at_idx" ON "compliance_session_messages"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "compliance_users_tenant_id_email_idx" ON "compliance_users"("tenant_id", "email");

-- CreateIndex
CREATE INDEX "compliance_users_tenant_id_account_uuid_idx" ON "compliance_users"("tenant_id", "account_uuid");

-- AddForeignKey
ALTER TABLE "compliance_connectors" ADD CONSTRAINT "compliance_connectors_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
