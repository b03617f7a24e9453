-- compliance_imports keyed by (tenant_id, id) like every tenant table: distributable by tenant_id (Citus).
-- AlterTable
ALTER TABLE "compliance_imports" DROP CONSTRAINT "compliance_imports_pkey",
ADD CONSTRAINT "compliance_imports_pkey" PRIMARY KEY ("tenant_id", "id");
