import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { openEmbeddedDatabase } from "./embedded";

// After kill -9 the process that held the embedded database can linger as a zombie until its
// parent reaps it (in a container without an init, forever). It holds nothing: a restart must
// take the database over instead of reporting it held.

const dir = mkdtempSync(path.join(os.tmpdir(), "bs-lock-"));
const holders: (() => void)[] = [];
afterAll(() => {
  holders.forEach((stop) => stop());
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(process.platform !== "linux")("a zombie holding the lock file does not keep the database from opening", async () => {
  // `sleep 0` exits and is never reaped: its parent exec'd into `sleep 30`, which does not wait.
  const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  holders.push(() => parent.kill("SIGKILL"));
  const zombie = Number((await new Promise<Buffer>((resolve) => parent.stdout.once("data", resolve))).toString().trim());
  let state = "";
  while (state !== "Z") {
    state = readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1][0];
    if (state !== "Z") await new Promise((resolve) => setTimeout(resolve, 20));
  }
  writeFileSync(path.join(dir, "pglite.lock"), JSON.stringify({ pid: zombie, socketDir: path.join(dir, "run") }));
  const db = await openEmbeddedDatabase(dir);
  try {
    expect(db.owned).toBe(true);
  } finally {
    await db.stop();
  }
});
