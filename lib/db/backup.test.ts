import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./pglite-extensions";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { clearApiTokenCache } from "@/lib/auth/api-tokens";
import { clearIngestTokenCache } from "@/lib/auth/ingest-tokens";
import { resetConfigForTests } from "@/lib/config";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { fixturesOf } from "@/lib/testing/fixtures";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { attributesToJson } from "@/lib/otlp/values";
import { postFixture } from "@/lib/testing/otlp";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant } from "@/lib/testing/tenants";

// `npm run blindspot -- backup` copies the embedded database while the server runs (this test
// process owns it, as the launcher does; the CLI is a separate process reaching it through the
// admin socket), `restore` puts the copy into a new data directory and refuses a live one, and the
// restored database answers the read API with the prompt that was ingested before the backup.

const run = promisify(execFile);
const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
const logs = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!;
const PROMPT = (logs.decoded() as ExportLogsServiceRequest).resourceLogs!
  .flatMap((rl) => rl.scopeLogs ?? [])
  .flatMap((sl) => sl.logRecords ?? [])
  .map((r) => attributesToJson(r.attributes)["prompt.id"])
  .find(Boolean) as string;

const dirs: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix)); // short: the socket path must stay < 100 bytes
  dirs.push(d);
  return d;
};
const open: (EmbeddedDatabase | RouteServer)[] = [];

afterAll(async () => {
  for (const o of open.reverse()) await ("stop" in o ? o.stop() : o.close()).catch(() => undefined);
  await closePool();
  delete process.env.DATABASE_URL;
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function cli(dataDir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BLINDSPOT_DATA_DIR: dataDir, DATABASE_URL: undefined };
  return run(tsx, [path.join(process.cwd(), "scripts", "blindspot.ts"), ...args], { env, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` }),
  );
}

async function serve(dataDir: string): Promise<RouteServer> {
  const db = await openEmbeddedDatabase(dataDir);
  open.push(db);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await migrate(client);
  await client.end();
  await closePool();
  resetConfigForTests();
  clearIngestTokenCache();
  clearApiTokenCache();
  process.env.DATABASE_URL = db.url;
  const app = await startAppServer();
  open.push(app);
  return app;
}

async function readPrompt(app: RouteServer, apiToken: string) {
  const res = await fetch(`${app.url}/api/v1/prompts/${PROMPT}`, { headers: { authorization: `Bearer ${apiToken}` } });
  return { status: res.status, body: (await res.json()) as { events: { name: string; sequence: number | null }[] } };
}

describe("backup and restore of the embedded database", () => {
  it("backs up while the server runs, restores into a new data dir, and the prompt reads back", async () => {
    const live = tmp("bs-live-");
    writeFileSync(path.join(live, "session-secret"), "the-generated-session-secret", { mode: 0o600 });
    const app = await serve(live);
    const tenant = await createTestTenant("backup");
    expect((await postFixture(app.url, tenant.ingestToken, logs)).status).toBe(200);
    const before = await readPrompt(app, tenant.apiToken);
    expect(before.status).toBe(200);
    expect(before.body.events.length).toBeGreaterThan(3);

    const out = tmp("bs-out-");
    const backup = await cli(live, "backup", "--out", out);
    expect(backup, backup.out).toMatchObject({ code: 0, out: expect.stringContaining("through the running server") });
    const [file] = readdirSync(out);
    expect(file).toMatch(/^blindspot-backup-.*\.tar\.gz$/);
    expect(statSync(path.join(out, file)).mode & 0o777).toBe(0o600);

    // A live data directory is never overwritten.
    const refused = await cli(live, "restore", path.join(out, file));
    expect(refused, refused.out).toMatchObject({ code: 1, out: expect.stringContaining("already holds a database") });

    const restored = tmp("bs-new-");
    const restore = await cli(restored, "restore", path.join(out, file));
    expect(restore, restore.out).toMatchObject({ code: 0, out: expect.stringContaining("1 tenant(s)") });
    expect(readFileSync(path.join(restored, "session-secret"), "utf8")).toBe("the-generated-session-secret");
    const again = await cli(restored, "restore", path.join(out, file));
    expect(again.code).toBe(1);

    // The restored copy, opened on its own, answers the read API exactly as the original did.
    const restoredApp = await serve(restored);
    const after = await readPrompt(restoredApp, tenant.apiToken);
    expect(after.status).toBe(200);
    expect(after.body.events.map((e) => [e.name, e.sequence])).toEqual(before.body.events.map((e) => [e.name, e.sequence]));
    expect(after.body).toEqual(before.body);
  }, 180_000); // three CLI processes (tsx start-up each) and two database opens

  it("a copy is taken between transactions: one open when the backup is asked for is in it once committed", async () => {
    const dir = tmp("bs-txn-");
    const db = await openEmbeddedDatabase(dir);
    open.push(db);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    await writer.query(`CREATE TABLE t (v text)`);
    await writer.query(`BEGIN`);
    await writer.query(`INSERT INTO t VALUES ('committed after the backup was asked for')`);
    const copy = db.dumpDataDir(); // waits: the transaction is open
    await writer.query(`COMMIT`);
    await writer.end();
    const file = path.join(tmp("bs-txn-out-"), "b.tar.gz");
    writeFileSync(file, gzipSync(await copy)); // not the CLI's format: read back with PGlite directly
    const restored = await PGlite.create(path.join(tmp("bs-txn-new-"), "pglite"), { extensions: PGLITE_EXTENSIONS, loadDataDir: new Blob([new Uint8Array(gunzipSync(readFileSync(file)))]) });
    const { rows } = await restored.query<{ v: string }>(`SELECT v FROM t`);
    await restored.close();
    expect(rows).toEqual([{ v: "committed after the backup was asked for" }]);
  });

  it("refuses a file that is not a backup", async () => {
    const junk = path.join(tmp("bs-junk-"), "x.tar.gz");
    writeFileSync(junk, "not a backup");
    const r = await cli(tmp("bs-empty-"), "restore", junk);
    expect(r, r.out).toMatchObject({ code: 1, out: expect.stringContaining("is not a Blindspot backup") });
  });
});
