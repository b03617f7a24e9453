import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { firstStart, type FirstStartResult } from "@/lib/bootstrap";
import { config, resetConfigForTests } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { startAppServer } from "./app-routes";
import { installNextHeaders, signedInBrowser, type CookieJar } from "./console-request";
import { startTestDatabase, type TestDatabase } from "./database";
import type { RouteServer } from "./route-server";

// A console installation for tests that sign in: a fresh database and data directory, the first
// start (owner root@example.com), the app's routes on a real HTTP server, next-auth configured,
// and the owner's browser. The test file still declares
//   vi.mock("next/headers", () => import("@/lib/testing/console-request"));
//   vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
// (vi.mock is hoisted per file).

export const OWNER_EMAIL = "root@example.com";

export interface ConsoleInstance {
  db: TestDatabase;
  app: RouteServer;
  dataDir: string;
  setup: FirstStartResult;
  ownerId: string;
  /** The owner's home tenant, created by the first start. */
  tenantId: string;
  owner: CookieJar;
  stop(): Promise<void>;
}

/** `adminPassword` unset: the first start generates one and writes it to the data directory. */
export async function startConsoleInstance(opts: { name: string; adminPassword?: string }): Promise<ConsoleInstance> {
  process.env.NEXTAUTH_SECRET = `${opts.name}-test-secret-0123456789`;
  process.env.NEXTAUTH_URL = "http://127.0.0.1";
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `bs-${opts.name}-`));
  process.env.BLINDSPOT_DATA_DIR = dataDir;
  delete process.env.BLINDSPOT_INIT_ADMIN_PASSWORD;
  const db = await startTestDatabase();
  installNextHeaders();
  const app = await startAppServer();
  const setup = await firstStart({ ...config(), BLINDSPOT_INIT_ADMIN_EMAIL: OWNER_EMAIL, BLINDSPOT_INIT_ADMIN_PASSWORD: opts.adminPassword }, true);
  if (!setup.created) throw new Error("the first start created nothing in a fresh database");
  const root = await prisma().user.findUniqueOrThrow({ where: { email: OWNER_EMAIL } });
  return {
    db,
    app,
    dataDir,
    setup,
    ownerId: root.id,
    tenantId: root.tenantId,
    owner: await signedInBrowser(root),
    async stop() {
      await app.close();
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
      delete process.env.BLINDSPOT_DATA_DIR;
      resetConfigForTests();
    },
  };
}
