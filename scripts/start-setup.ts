// The launcher's one-off start-up work (scripts/start.ts runs it and waits, DATABASE_URL set):
// migrate, first-start setup, the data policy file, then the banner with how to sign in. In a
// process of its own so that what it loads does not stay in the long-lived launcher (measured
// with `npm run bench:soak`). Exits 0 when the server may start.
import { parseArgs } from "node:util";
import pg from "pg";
import { databaseIsEmpty, firstStart, initialAdminPasswordFile } from "@/lib/bootstrap";
import { loadConfig } from "@/lib/config";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { applyEnvironmentPolicyFile } from "@/lib/secrets/policy-file";
import { startBanner } from "@/lib/setup/start-banner";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dev: { type: "boolean", default: false }, database: { type: "string" } }, strict: true });
  const cfg = loadConfig();
  const url = cfg.DATABASE_URL;
  if (!url) throw new Error("start-setup runs from the launcher, with DATABASE_URL set");

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const migration = await migrate(client);
  if (migration.applied.length > 0) console.log(`[blindspot] applied migrations: ${migration.applied.join(", ")}`);
  const empty = await databaseIsEmpty(client);
  await client.end();
  const setup = await firstStart(cfg, empty);
  // Before the server accepts data: an invalid policy file stops the start (main's catch).
  const policy = await applyEnvironmentPolicyFile();
  if (policy) {
    console.log(
      policy.result.changed
        ? `[blindspot] data policy of the default tenant: version ${policy.result.version} from ${policy.file}`
        : `[blindspot] data policy of the default tenant: ${policy.file} matches version ${policy.result.version}`,
    );
  }
  await closePool();

  const baseUrl = cfg.BLINDSPOT_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`;
  console.log(
    startBanner({
      baseUrl,
      dev: values.dev,
      database: values.database ?? "database (DATABASE_URL)",
      setup,
      passwordFromEnv: Boolean(cfg.BLINDSPOT_INIT_ADMIN_PASSWORD),
      initialPasswordFile: initialAdminPasswordFile(cfg.dataDir),
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[blindspot] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
