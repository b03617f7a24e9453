// The Postgres server bench:console measures against: BENCH_DATABASE_URL or a throwaway one.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort, onCleanup, root, scratchDatabase, tempDir } from "../bench-support";

interface Database {
  description: string;
  url: string;
  serverLog: string | null;
}

export async function setupDatabase(): Promise<Database> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let description = "Postgres server (BENCH_DATABASE_URL)";
  let serverLog: string | null = null;
  if (!adminUrl) {
    const dir = tempDir("bsconpg-");
    const port = await freePort();
    const script = path.join(root, "scripts", "pg-throwaway.sh");
    // Registered before starting: a start that fails half-way still leaves a server to stop.
    onCleanup("stop throwaway Postgres", () => {
      const stopped = spawnSync("bash", [script, "stop", dir], { encoding: "utf8" });
      if (stopped.status !== 0) throw new Error(stopped.stderr);
    });
    const started = spawnSync("bash", [script, "start", dir, String(port)], { encoding: "utf8" });
    if (started.status !== 0) throw new Error(`pg-throwaway.sh start failed: ${started.stderr || started.stdout}`);
    adminUrl = started.stdout.trim().split("\n").pop()!;
    description = "throwaway Postgres server (scripts/pg-throwaway.sh)";
    serverLog = path.join(dir, "server.log");
  }

  const db = await scratchDatabase(adminUrl, `blindspot_console_${randomBytes(4).toString("hex")}`);
  description += `, PostgreSQL ${db.serverVersion}`;
  return { description, url: db.url, serverLog };
}
