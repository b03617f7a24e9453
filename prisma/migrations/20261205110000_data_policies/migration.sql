-- Per-tenant data policy: append-only versions (current = highest), and the re-scan runs that
-- apply a stricter version to stored content (their cursor commits with each batch, so a run
-- resumes where it stopped).
-- CreateTable
CREATE TABLE "data_policies" (
    "tenant_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "policy" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "data_policies_pkey" PRIMARY KEY ("tenant_id","version")
);

-- CreateTable
CREATE TABLE "data_policy_rescans" (
    "id" SERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "policy_version" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "table_name" TEXT NOT NULL DEFAULT 'events',
    "cursor" TEXT,
    "scanned" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "started_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "data_policy_rescans_pkey" PRIMARY KEY ("tenant_id", "id")
);

