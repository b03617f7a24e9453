-- Instance owners (admins who may act in every tenant and change instance settings) and a
-- per-user session version (a password change ends the user's other console sessions).

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "is_owner" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "session_version" INTEGER NOT NULL DEFAULT 0;

-- An existing installation keeps one owner: its earliest-created active admin (the first-start admin).
UPDATE "users" SET "is_owner" = true
WHERE "id" = (
    SELECT "id" FROM "users"
    WHERE "role" = 'admin' AND "deactivated_at" IS NULL
    ORDER BY "created_at" ASC, "id" ASC
    LIMIT 1
);
