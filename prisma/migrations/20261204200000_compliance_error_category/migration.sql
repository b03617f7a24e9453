-- The kind of a stream's last error (network, auth, …), shown to people who may not read its text.
ALTER TABLE "compliance_sync_state" ADD COLUMN "last_error_category" TEXT;
