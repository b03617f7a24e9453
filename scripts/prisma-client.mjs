// Generates the Prisma client into lib/generated/prisma (generated code, not in git).
//
//   node scripts/prisma-client.mjs             always generate (`npm run db:generate`, `postinstall`)
//   node scripts/prisma-client.mjs --if-needed generate only when the client is missing or older than
//                                              prisma/schema.prisma (`npm start`, `npm run blindspot`)
//
// Plain Node, no dependency but the prisma CLI, so it runs before anything else is built: the
// launcher and the CLI import modules that need the client, and Node resolves every static import
// before running a line, so the client must exist before they start (a fresh clone has none).
// `prisma generate` needs no schema engine, but the CLI insists on finding one and would download it;
// PRISMA_SCHEMA_ENGINE_BINARY pointing at any executable (this Node binary) keeps it offline.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schema = path.join(root, "prisma", "schema.prisma");
const client = path.join(root, "lib", "generated", "prisma", "client.ts");

function clientIsCurrent() {
  return existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs;
}

function generate() {
  const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const r = spawnSync(process.execPath, [prismaCli, "generate"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? "");
    console.error("[blindspot] prisma generate failed");
    process.exit(r.status ?? 1);
  }
  console.log("[blindspot] generated the Prisma client (lib/generated/prisma)");
}

if (!(process.argv.includes("--if-needed") && clientIsCurrent())) generate();
