-- Single sign-on binds a user to the provider's issuer and subject (`sub`) at the first SSO
-- sign-in; later sign-ins match on them instead of the email claim alone.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "oidc_issuer" TEXT,
ADD COLUMN     "oidc_subject" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "users_oidc_issuer_oidc_subject_key" ON "users"("oidc_issuer", "oidc_subject");
