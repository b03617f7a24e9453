-- The Explorer's saved searches (name + query + time range, private or shared with the tenant) and
-- each person's query history (last 50 distinct queries, lib/explore/saved-searches.ts).
-- CreateTable
CREATE TABLE "saved_searches" (
    "tenant_id" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "owner_id" TEXT NOT NULL,
    "owner_email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "q" TEXT NOT NULL,
    "range" TEXT,
    "from_time" TIMESTAMPTZ(6),
    "to_time" TIMESTAMPTZ(6),
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_searches_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "query_history" (
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "q" TEXT NOT NULL,
    "last_used_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "query_history_pkey" PRIMARY KEY ("tenant_id","user_id","q")
);

-- CreateIndex
CREATE INDEX "saved_searches_tenant_id_shared_idx" ON "saved_searches"("tenant_id", "shared");

-- CreateIndex
CREATE UNIQUE INDEX "saved_searches_tenant_id_owner_id_name_key" ON "saved_searches"("tenant_id", "owner_id", "name");

-- CreateIndex
CREATE INDEX "query_history_tenant_id_user_id_last_used_at_idx" ON "query_history"("tenant_id", "user_id", "last_used_at");
