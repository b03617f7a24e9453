-- Instance-wide settings that are not per tenant (a CORS preflight carries no token, so the
-- allowed browser origins for the receivers apply to the whole instance).

-- CreateTable
CREATE TABLE "instance_settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT,

    CONSTRAINT "instance_settings_pkey" PRIMARY KEY ("key")
);
