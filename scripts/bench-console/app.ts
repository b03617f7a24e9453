// The app under test: a private snapshot of the checkout and its production build, started with
// the launcher exactly as `npm start` runs it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { buildIsFresh } from "../build-freshness";
import { launchApp, log, root, sleep, tempDir, throwIfAborted, type LaunchedApp } from "../bench-support";

/** Whether some process on the machine is running `next build` (others share this checkout). */
function nextBuildRunning(): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      // A running build renames its process "next-build (vX.Y.Z)"; before that it is `next build`.
      if (argv[0].startsWith("next-build")) return true;
      if (argv.some((a) => /(^|\/)next$/.test(a)) && argv.includes("build")) return true;
    } catch {
      // the process is gone
    }
  }
  return false;
}

async function waitForOtherBuilds(): Promise<void> {
  // .next is shared with everyone working in this checkout: a build already under way is waited
  // for (Next refuses to run two at once), not raced.
  const deadline = Date.now() + 15 * 60_000;
  if (nextBuildRunning()) log("another next build is running; waiting for it…");
  // Quiet means no build seen on two looks 3 s apart (npm runs prisma generate before next build).
  for (let quietLooks = 0; quietLooks < 2; ) {
    throwIfAborted();
    if (Date.now() > deadline) throw new Error("other next builds have kept running for 15 minutes");
    quietLooks = nextBuildRunning() ? 0 : quietLooks + 1;
    if (quietLooks < 2) await sleep(3000);
  }
}

function buildStamp(dir: string): string {
  const buildId = path.join(dir, ".next", "BUILD_ID");
  return existsSync(buildId) ? `${readFileSync(buildId, "utf8")}@${statSync(buildId).mtimeMs}` : "none";
}

/** `npm run build` in the checkout, waiting out (and retrying after) other people's builds. */
async function buildCheckout(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await waitForOtherBuilds();
    log("building the checkout: npm run build (not timed)…");
    const r = spawnSync("npm", ["run", "build"], { encoding: "utf8", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (r.status === 0) return;
    const output = `${r.stdout}\n${r.stderr}`;
    if (attempt < 5 && output.includes("Another next build process is already running")) {
      log(`  collided with another next build (attempt ${attempt}); retrying…`);
      continue;
    }
    throw new Error(`npm run build failed:\n${output.split("\n").slice(-30).join("\n")}`);
  }
}

// Top-level entries of the checkout the app snapshot leaves out (data, caches, VCS, tests).
const SNAPSHOT_SKIP = new Set(["node_modules", ".next", ".git", ".cache", "test", "test-results", "e2e", "bench-results", "playwright-report"]);

/** `cp -a`: unlike fs.cpSync it keeps directory mtimes, which the launcher's staleness check reads. */
function copyPreserving(src: string, dst: string): void {
  const r = spawnSync("cp", ["-a", "--", src, dst], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -a ${src} ${dst} failed: ${r.stderr}`);
}

/**
 * A private copy of the app to run: sources (timestamps kept, so the launcher's staleness check
 * agrees with the checkout's), the production build, and node_modules by symlink. Everyone in
 * this checkout shares .next and rebuilds it whenever they like; a server running from it serves
 * 500s the moment someone else's build replaces it under it (seen while writing this script).
 * Only a build that is fresh for its sources is copied, so the launcher in the copy does not
 * rebuild (Turbopack refuses to build with node_modules symlinked from outside the project).
 */
export async function appSnapshot(): Promise<{ dir: string; buildId: string }> {
  for (let round = 1; ; round++) {
    await waitForOtherBuilds();
    if (!buildIsFresh(root)) await buildCheckout();
    const stamp = buildStamp(root);
    const dir = tempDir("bsconapp-");
    for (const entry of readdirSync(root)) {
      if (SNAPSHOT_SKIP.has(entry) || entry.startsWith(".data")) continue;
      copyPreserving(path.join(root, entry), path.join(dir, entry));
    }
    mkdirSync(path.join(dir, ".next"));
    for (const entry of readdirSync(path.join(root, ".next"))) {
      if (entry === "cache") continue; // the build cache, not needed to serve
      copyPreserving(path.join(root, ".next", entry), path.join(dir, ".next", entry));
    }
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    // A build that started while copying, or a source edited after the build, spoils the copy.
    if (buildStamp(root) === stamp && buildStamp(dir) === stamp && buildIsFresh(dir)) {
      return { dir, buildId: readFileSync(path.join(dir, ".next", "BUILD_ID"), "utf8").trim() };
    }
    if (round >= 5) throw new Error("could not take a consistent copy of the app: the checkout keeps changing");
    log(`  the checkout changed while copying it (round ${round}); again…`);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function startApp(appDir: string, databaseUrl: string, dataDir: string, logFile: string): Promise<LaunchedApp> {
  return launchApp({
    appDir,
    env: (port) => ({
      DATABASE_URL: databaseUrl,
      BLINDSPOT_DATA_DIR: dataDir,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      BLINDSPOT_PUBLIC_URL: undefined,
      NEXTAUTH_SECRET: undefined, // the launcher makes one in the data directory
    }),
    logFile,
    healthyWithinMs: 3 * 60_000,
  });
}
