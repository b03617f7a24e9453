import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { createApiToken } from "@/lib/auth/api-tokens";
import { createIngestToken } from "@/lib/auth/ingest-tokens";
import { passwordChecks } from "@/lib/auth/password-checks";
import { hashPassword } from "@/lib/auth/passwords";
import type { Config } from "@/lib/config";
import { writeDataDirSecret } from "@/lib/data-dir";
import { prisma } from "@/lib/db/prisma";
import { ensureDefaultScope } from "@/lib/tenants";

// First start. Only when the database holds no tenant yet: create the default tenant and
// environment, the first admin (the instance owner), and (from BLINDSPOT_INIT_* or freshly generated) an ingest token
// and an API token. Generated secrets are written once to files in the data directory (0600)
// so the operator can read them after the banner scrolls away.

export interface FirstStartResult {
  created: boolean;
  adminEmail: string | null;
  /** Where a generated admin password was written (null when it came from the environment). */
  adminPasswordFile: string | null;
  /** The first admin's password, on the start that created the admin only. */
  adminPassword: string | null;
  ingestTokenFile: string | null;
  ingestToken: string | null;
}

const SECRET_FILES = {
  adminPassword: "initial-admin-password",
  ingestToken: "initial-ingest-token",
} as const;

function writeSecretFile(dataDir: string, name: (typeof SECRET_FILES)[keyof typeof SECRET_FILES], value: string): string {
  return writeDataDirSecret(dataDir, name, `${value}\n`);
}

/** The generated first-admin password's file, while it is still there. */
export function initialAdminPasswordFile(dataDir: string): string | null {
  const file = path.join(dataDir, SECRET_FILES.adminPassword);
  return existsSync(file) ? file : null;
}

/**
 * Deletes the generated first-start password file once that password stops working: called with
 * the hash a password change replaced, it removes the file only if the file held that password.
 */
export async function discardInitialAdminPassword(dataDir: string, replacedHash: string): Promise<boolean> {
  const file = path.join(dataDir, SECRET_FILES.adminPassword);
  if (!existsSync(file) || !(await passwordChecks().verify(readFileSync(file, "utf8").trim(), replacedHash))) return false;
  rmSync(file, { force: true });
  return true;
}

export async function databaseIsEmpty(client: Pick<pg.ClientBase, "query">): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants`);
  return (rows[0]?.n ?? 0) === 0;
}

export async function firstStart(cfg: Config, empty: boolean): Promise<FirstStartResult> {
  const result: FirstStartResult = { created: false, adminEmail: null, adminPasswordFile: null, adminPassword: null, ingestTokenFile: null, ingestToken: null };
  if (!empty) {
    const admin = await prisma().user.findFirst({ where: { role: "admin", deactivatedAt: null }, orderBy: { createdAt: "asc" } });
    result.adminEmail = admin?.email ?? null;
    // The ingest token is shown by the start that created it only: it may have been revoked
    // since, and a secret printed on every start ends up in every log of the service.
    return result;
  }
  result.created = true;
  const scope = await ensureDefaultScope();

  const email = (cfg.BLINDSPOT_INIT_ADMIN_EMAIL ?? "admin@blindspot.local").trim().toLowerCase();
  let password = cfg.BLINDSPOT_INIT_ADMIN_PASSWORD;
  if (!password) {
    password = randomBytes(18).toString("base64url");
    result.adminPasswordFile = writeSecretFile(cfg.dataDir, SECRET_FILES.adminPassword, password);
  }
  await prisma().user.create({
    data: { id: randomUUID(), tenantId: scope.tenantId, email, name: "Administrator", role: "admin", isOwner: true, passwordHash: await hashPassword(password) },
  });
  result.adminEmail = email;
  result.adminPassword = password;

  const ingest = await createIngestToken({
    ...scope,
    name: "default",
    secret: cfg.BLINDSPOT_INIT_INGEST_TOKEN,
    createdBy: "first-start",
  });
  result.ingestToken = ingest.secret;
  if (!cfg.BLINDSPOT_INIT_INGEST_TOKEN) {
    result.ingestTokenFile = writeSecretFile(cfg.dataDir, SECRET_FILES.ingestToken, ingest.secret);
  }
  if (cfg.BLINDSPOT_INIT_API_TOKEN) {
    await createApiToken({ tenantId: scope.tenantId, name: "init", role: "admin", secret: cfg.BLINDSPOT_INIT_API_TOKEN, createdBy: "first-start" });
  }
  return result;
}
