import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

// Whether a checkout's production build (.next/BUILD_ID) is older than its sources: the launcher
// (scripts/start.ts) rebuilds then, and the console benchmark decides the same way whether its
// snapshot of the app needs a build.

const BUILD_SOURCES = ["app", "components", "lib", "prisma", "public", "next.config.js", "package.json", "postcss.config.mjs"];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) {
    if (entry === "node_modules" || entry === "generated" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** True when `dir` has a build and no source is newer than it. */
export function buildIsFresh(dir: string): boolean {
  const buildId = path.join(dir, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return false;
  const built = statSync(buildId).mtimeMs;
  return BUILD_SOURCES.every((s) => newestMtime(path.join(dir, s)) <= built);
}
