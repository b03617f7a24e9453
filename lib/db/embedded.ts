import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, chmodSync } from "node:fs";
import { secureDataDir } from "@/lib/data-dir";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./pglite-extensions";
import { PgliteSocketServer } from "./pglite-socket";

// The embedded database: PGlite (a real Postgres compiled to WASM) keeping its files under
// <data dir>/pglite. Only one process may open those files, so the process that owns them
// (the `npm start` launcher, or the CLI when no server runs) serves them on a Unix socket inside
// the data directory, and every client, the Next.js server included, connects with the ordinary
// `pg` driver. That keeps one database code path for the embedded engine and a Postgres server.
// The socket sits in a 0700 directory: PGlite has no authentication of its own.

export interface EmbeddedDatabase {
  /** postgresql:// URL reaching the socket; hand it to pg / DATABASE_URL. */
  url: string;
  /** true when this process owns PGlite; false when another live process already serves it. */
  owned: boolean;
  /**
   * A consistent copy of the PGlite data directory (an uncompressed tar), taken between
   * transactions by the process that owns the database: in-process when this one does, through
   * the owner's admin socket (inside the 0700 run directory) when a server runs.
   */
  dumpDataDir(): Promise<Buffer>;
  stop(): Promise<void>;
}

const LOCK_FILE = "pglite.lock";
const SOCKET_PORT = 5432;

interface LockInfo {
  pid: number;
  socketDir: string;
}

function socketDirFor(dataDir: string): string {
  return path.join(dataDir, "run");
}

export function urlForSocketDir(socketDir: string): string {
  return `postgresql://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDir)}`;
}

const ADMIN_SOCKET = "admin.sock";

/** Asks the process that owns the database for a copy of its data directory. */
function dumpThroughAdminSocket(socketDir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.createConnection(path.join(socketDir, ADMIN_SOCKET));
    s.on("connect", () => s.write("dump-data-dir\n"));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", (err) => reject(new Error(`the running Blindspot did not answer on its admin socket: ${err.message}`)));
    s.on("end", () => {
      const all = Buffer.concat(chunks);
      const nl = all.indexOf(10);
      const head = all.subarray(0, nl < 0 ? all.length : nl).toString("utf8");
      const body = all.subarray(nl + 1);
      const ok = /^ok (\d+)$/.exec(head);
      if (ok && Number(ok[1]) === body.length) resolve(body);
      else reject(new Error(ok ? "the copy of the data directory arrived incomplete" : `the running Blindspot could not copy its data directory: ${head.replace(/^error /, "")}`));
    });
  });
}

/** Serves dump requests from other processes (the CLI's `backup`) on the admin socket. */
function serveAdminSocket(socketDir: string, dump: () => Promise<Buffer>): Promise<net.Server> {
  const socketPath = path.join(socketDir, ADMIN_SOCKET);
  if (existsSync(socketPath)) rmSync(socketPath);
  const server = net.createServer((conn) => {
    let request = "";
    conn.on("error", () => undefined);
    conn.on("data", (c: Buffer) => {
      request += c.toString("utf8");
      if (!request.includes("\n")) return;
      if (request.trim() !== "dump-data-dir") {
        conn.end("error unknown request\n");
        return;
      }
      dump().then(
        (bytes) => conn.end(Buffer.concat([Buffer.from(`ok ${bytes.length}\n`), bytes])),
        (err: unknown) => conn.end(`error ${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve(server));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // A process killed (kill -9) but not yet reaped is a zombie: it answers signal 0 yet holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): trust signal 0
  }
}

function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), "utf8")) as LockInfo;
    return typeof info.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Opens the embedded database under dataDir and serves it, or, when a live process already
 * serves it, returns that process's URL (so the CLI works while the server runs).
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  secureDataDir(dataDir);
  const socketDir = socketDirFor(dataDir);
  const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  // Unix socket paths are limited to ~107 bytes.
  if (Buffer.byteLength(socketPath) > 100) {
    throw new Error(
      `BLINDSPOT_DATA_DIR is too long for a local socket (${socketPath}); choose a shorter path`,
    );
  }

  const lock = readLock(dataDir);
  if (lock && lock.pid !== process.pid && processAlive(lock.pid)) {
    if (await canConnect(socketPath)) {
      return { url: urlForSocketDir(socketDir), owned: false, dumpDataDir: () => dumpThroughAdminSocket(socketDir), stop: async () => undefined };
    }
    throw new Error(
      `the embedded database in ${dataDir} is held by process ${lock.pid}, which does not answer on ${socketPath}`,
    );
  }

  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  chmodSync(socketDir, 0o700);
  if (existsSync(socketPath)) rmSync(socketPath);
  writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, socketDir } satisfies LockInfo));

  const pgDir = path.join(dataDir, "pglite");
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(pgDir, { extensions: PGLITE_EXTENSIONS });
  // Many pooled connections share the single PGlite session; the server keeps each statement's
  // messages and each transaction together and queues the rest.
  const server = new PgliteSocketServer(db, socketPath);
  await server.start();
  // CHECKPOINT first so the copy needs little WAL replay when it is opened.
  const dumpDataDir = () =>
    server.runBetweenTransactions(async () => {
      await db.exec("CHECKPOINT");
      return Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer());
    });
  const admin = await serveAdminSocket(socketDir, dumpDataDir);

  let stopped = false;
  return {
    url: urlForSocketDir(socketDir),
    owned: true,
    dumpDataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => admin.close(() => resolve()));
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      rmSync(socketPath, { force: true });
      rmSync(path.join(socketDir, ADMIN_SOCKET), { force: true });
      const current = readLock(dataDir);
      if (current?.pid === process.pid) rmSync(path.join(dataDir, LOCK_FILE), { force: true });
    },
  };
}
