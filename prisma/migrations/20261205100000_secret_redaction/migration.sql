-- AlterTable
ALTER TABLE "compliance_chat_messages" ADD COLUMN     "redaction" JSONB,
ADD COLUMN     "secret_fingerprints" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "compliance_session_messages" ADD COLUMN     "redaction" JSONB,
ADD COLUMN     "secret_fingerprints" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "redaction" JSONB,
ADD COLUMN     "secret_fingerprints" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "spans" ADD COLUMN     "redaction" JSONB,
ADD COLUMN     "secret_fingerprints" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "compliance_chat_messages_secret_fingerprints_idx" ON "compliance_chat_messages" USING GIN ("secret_fingerprints");

-- CreateIndex
CREATE INDEX "compliance_session_messages_secret_fingerprints_idx" ON "compliance_session_messages" USING GIN ("secret_fingerprints");

-- CreateIndex
CREATE INDEX "events_secret_fingerprints_idx" ON "events" USING GIN ("secret_fingerprints");

-- CreateIndex
CREATE INDEX "spans_secret_fingerprints_idx" ON "spans" USING GIN ("secret_fingerprints");
