-- Privacy (lib/privacy/): erasures of a person's content and per-tenant retention settings.

-- CreateTable
CREATE TABLE "person_erasures" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "pseudonym" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "identifiers" JSONB,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "finished_at" TIMESTAMPTZ(6),
    "last_error" TEXT,

    CONSTRAINT "person_erasures_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "retention_settings" (
    "tenant_id" TEXT NOT NULL,
    "content_days" INTEGER,
    "metadata_days" INTEGER,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "retention_settings_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateIndex
CREATE INDEX "person_erasures_tenant_id_status_idx" ON "person_erasures"("tenant_id", "status");
