import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase } from "./embedded";
import { migrate, readMigrations } from "./migrate";

// The migration runner (Prisma-compatible bookkeeping) and the embedded engine's sharing rule:
// one process owns PGlite, others (the CLI) reach it through that process's socket.

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "bs-db-"));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe("migration runner", () => {
  it("applies every migration once, records it as Prisma does, and refuses edited ones", async () => {
    const db = await openEmbeddedDatabase(tempDir());
    try {
      await withClient(db.url, async (c) => {
        const first = await migrate(c);
        expect(first.applied).toEqual(readMigrations().map((m) => m.name));
        const again = await migrate(c);
        expect(again.applied).toEqual([]);
        const { rows } = await c.query(`SELECT migration_name, checksum, finished_at, applied_steps_count, logs, rolled_back_at FROM _prisma_migrations`);
        expect(rows).toHaveLength(readMigrations().length);
        expect(rows[0]).toMatchObject({ migration_name: readMigrations()[0].name, checksum: readMigrations()[0].checksum, applied_steps_count: 1, logs: null, rolled_back_at: null });
        expect(rows[0].finished_at).toBeInstanceOf(Date);

        // A folder with an edited copy of an applied migration.
        const folder = tempDir();
        for (const m of readMigrations()) {
          mkdirSync(path.join(folder, m.name));
          writeFileSync(path.join(folder, m.name, "migration.sql"), `${m.sql}\n-- edited`);
        }
        await expect(migrate(c, folder)).rejects.toThrow(/edited after it was applied/);

        // A failing new migration is recorded with its error and blocks later runs.
        const bad = path.join(folder, "29991231000000_broken");
        for (const m of readMigrations()) writeFileSync(path.join(folder, m.name, "migration.sql"), m.sql);
        mkdirSync(bad);
        writeFileSync(path.join(bad, "migration.sql"), "CREATE TABLE nope (id int); SELECT * FROM missing_table;");
        await expect(migrate(c, folder)).rejects.toThrow(/29991231000000_broken failed/);
        const failed = await c.query(`SELECT logs FROM _prisma_migrations WHERE migration_name = '29991231000000_broken'`);
        expect(failed.rows[0].logs).toContain("missing_table");
        // The failed migration's statements were rolled back.
        expect((await c.query(`SELECT to_regclass('nope') AS t`)).rows[0].t).toBeNull();
        await expect(migrate(c, folder)).rejects.toThrow(/failed earlier/);
      });
    } finally {
      await db.stop();
    }
  });
});

describe("embedded database", () => {
  it("a second process reaches the owner's database through its socket", async () => {
    const dir = tempDir();
    const owner = await openEmbeddedDatabase(dir);
    try {
      expect(owner.owned).toBe(true);
      await withClient(owner.url, async (c) => {
        await c.query(`CREATE TABLE shared_check (v text)`);
        await c.query(`INSERT INTO shared_check VALUES ('from the owner')`);
      });
      // Another process (like the CLI while the server runs) opens the same data directory.
      const script = `
        import { openEmbeddedDatabase } from ${JSON.stringify(path.join(process.cwd(), "lib/db/embedded.ts"))};
        import pg from ${JSON.stringify(path.join(process.cwd(), "node_modules/pg/lib/index.js"))};
        const db = await openEmbeddedDatabase(${JSON.stringify(dir)});
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        const { rows } = await c.query("SELECT v FROM shared_check");
        await c.query("INSERT INTO shared_check VALUES ('from the guest')");
        await c.end();
        await db.stop();
        console.log(JSON.stringify({ owned: db.owned, rows }));
      `;
      const scriptFile = path.join(tempDir(), "guest.mts");
      writeFileSync(scriptFile, script);
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(path.join(process.cwd(), "node_modules/.bin/tsx"), [scriptFile], { cwd: process.cwd() });
        let text = "";
        child.stdout.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr.on("data", (d: Buffer) => (text += d.toString()));
        child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(text))));
      });
      const result = JSON.parse(out.trim().split("\n").pop()!);
      expect(result).toEqual({ owned: false, rows: [{ v: "from the owner" }] });
      await withClient(owner.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM shared_check`)).rows[0].n).toBe(2);
      });
    } finally {
      await owner.stop();
    }
  });

  it("statements of concurrent connections never mix, even with large parameters", async () => {
    const db = await openEmbeddedDatabase(tempDir());
    const pool = new pg.Pool({ connectionString: db.url, max: 8 });
    try {
      const big = "x".repeat(400_000); // arrives in several socket reads
      const work = Array.from({ length: 400 }, (_, i) =>
        i % 4 === 0
          ? pool.query<{ n: number; tag: number }>("SELECT length($1::text) AS n, $2::int AS tag", [big, i]).then((r) => {
              expect(r.rows[0]).toEqual({ n: big.length, tag: i });
            })
          : pool.query<{ tag: number; s: string }>("SELECT $1::int AS tag, $2::text AS s", [i, `small-${i}`]).then((r) => {
              expect(r.rows[0]).toEqual({ tag: i, s: `small-${i}` });
            }),
      );
      // Transactions from several connections keep their own statements too.
      work.push(
        ...Array.from({ length: 8 }, async (_, i) => {
          const c = await pool.connect();
          try {
            await c.query("BEGIN");
            const r = await c.query("SELECT $1::int AS tag", [1000 + i]);
            expect(r.rows[0].tag).toBe(1000 + i);
            await c.query("COMMIT");
          } finally {
            c.release();
          }
        }),
      );
      await Promise.all(work);
    } finally {
      await pool.end();
      await db.stop();
    }
  });

  it("carries COPY FROM STDIN: rows in the client's transaction, errors with their SQLSTATE", async () => {
    const db = await openEmbeddedDatabase(tempDir());
    const copy = (c: pg.ClientBase, sql: string, text: string) =>
      new Promise<number>((resolve, reject) => {
        const stream = c.query(copyFrom(sql));
        stream.once("error", reject);
        stream.once("finish", () => resolve(stream.rowCount));
        stream.end(Buffer.from(text, "utf8"));
      });
    try {
      await withClient(db.url, async (c) => {
        await c.query(`CREATE TABLE copied (id int PRIMARY KEY, note text, doc jsonb)`);
        expect(await copy(c, `COPY copied (id, note, doc) FROM STDIN`, `1\ttab\\there\t{"a": 1}\n2\t\\N\t[]\n`)).toBe(2);
        expect((await c.query(`SELECT id, note, doc FROM copied ORDER BY id`)).rows).toEqual([
          { id: 1, note: "tab\there", doc: { a: 1 } },
          { id: 2, note: null, doc: [] },
        ]);

        // Inside a transaction: rolled back with it.
        await c.query("BEGIN");
        expect(await copy(c, `COPY copied (id) FROM STDIN`, "3\n4\n")).toBe(2);
        expect((await c.query(`SELECT count(*)::int AS n FROM copied`)).rows[0].n).toBe(4);
        await c.query("ROLLBACK");
        expect((await c.query(`SELECT count(*)::int AS n FROM copied`)).rows[0].n).toBe(2);

        // A duplicate key fails the COPY with 23505 and aborts the transaction, as on a server.
        await c.query("BEGIN");
        await expect(copy(c, `COPY copied (id) FROM STDIN`, "5\n1\n")).rejects.toMatchObject({ code: "23505" });
        await expect(c.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
        await c.query("ROLLBACK");
        expect((await c.query(`SELECT array_agg(id ORDER BY id) AS ids FROM copied`)).rows[0].ids).toEqual([1, 2]);

        // The client abandons the COPY (CopyFail): 57014, transaction aborted, nothing stored.
        await c.query("BEGIN");
        const abandoned = c.query(copyFrom(`COPY copied (id) FROM STDIN`));
        const failure = new Promise((resolve) => abandoned.once("error", resolve));
        abandoned.write("7\n");
        abandoned.destroy(new Error("sender stopped"));
        expect(await failure).toMatchObject({ code: "57014" });
        await expect(c.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
        await c.query("ROLLBACK");
        expect((await c.query(`SELECT count(*)::int AS n FROM copied`)).rows[0].n).toBe(2);
      });
      // Other connections go on meanwhile and afterwards.
      await withClient(db.url, async (c) => expect((await c.query(`SELECT count(*)::int AS n FROM copied`)).rows[0].n).toBe(2));
    } finally {
      await db.stop();
    }
  });

  it("data survives a restart", async () => {
    const dir = tempDir();
    const a = await openEmbeddedDatabase(dir);
    await withClient(a.url, (c) => c.query(`CREATE TABLE durable (v int); INSERT INTO durable VALUES (42)`));
    await a.stop();
    const b = await openEmbeddedDatabase(dir);
    try {
      await withClient(b.url, async (c) => expect((await c.query(`SELECT v FROM durable`)).rows).toEqual([{ v: 42 }]));
    } finally {
      await b.stop();
    }
  });

  it("makes a pre-existing permissive data directory and pglite directory 0700, secret files 0600", async () => {
    const dir = path.join(tempDir(), "data");
    mkdirSync(path.join(dir, "pglite"), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, "pglite"), 0o755);
    writeFileSync(path.join(dir, "session-secret"), "s", { mode: 0o644 });
    writeFileSync(path.join(dir, "initial-admin-password"), "p", { mode: 0o666 });
    chmodSync(path.join(dir, "initial-admin-password"), 0o666);
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    const db = await openEmbeddedDatabase(dir);
    try {
      expect(mode(dir)).toBe("700");
      expect(mode(path.join(dir, "pglite"))).toBe("700");
      expect(mode(path.join(dir, "run"))).toBe("700");
      expect(mode(path.join(dir, "session-secret"))).toBe("600");
      expect(mode(path.join(dir, "initial-admin-password"))).toBe("600");
    } finally {
      await db.stop();
    }
  });

  it("creates a new data directory and pglite directory 0700", async () => {
    const dir = path.join(tempDir(), "fresh", "data");
    const db = await openEmbeddedDatabase(dir);
    try {
      expect((statSync(dir).mode & 0o777).toString(8)).toBe("700");
      expect((statSync(path.join(dir, "pglite")).mode & 0o777).toString(8)).toBe("700");
    } finally {
      await db.stop();
    }
  });
});
