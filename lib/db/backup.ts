import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./pglite-extensions";
import { openEmbeddedDatabase } from "./embedded";

// `npm run blindspot -- backup | restore` for the embedded engine. A backup is one gzip'd tar:
//   manifest.json   what it is, when, from which PGlite
//   pglite.tar      PGlite's own copy of its data directory, taken between transactions by the
//                   process that owns the database (lib/db/embedded.ts), after a CHECKPOINT
//   session-secret  the generated NEXTAUTH_SECRET when the data dir holds one: the Compliance API
//                   key is stored encrypted under a key derived from it
// It holds every stored prompt and that secret: it is written 0600; keep it like the data dir.
// On a Postgres server (DATABASE_URL) backups are the server's business: pg_dump, or base backups
// with WAL archiving for point-in-time recovery (README "Backup and restore").

const FORMAT = "blindspot-embedded-backup";
const SESSION_SECRET = "session-secret";

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  pglite: string;
  files: string[];
}

// ---- A minimal ustar writer/reader for a few regular files (no dependency needed) -------------

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, "utf8");
  const octal = (n: number, offset: number, length: number) => field(`${n.toString(8).padStart(length - 1, "0")}\0`, offset, length);
  field(name, 0, 100);
  octal(0o600, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(Date.now() / 1000), 136, 12);
  field("        ", 148, 8); // checksum placeholder: spaces
  field("0", 156, 1);
  field("ustar\u000000", 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  field(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

function packTar(files: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(tarHeader(f.name, f.data.length), f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function unpackTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    if (!Number.isFinite(size) || at + 512 + size > tar.length) throw new Error("the backup file is truncated or not a Blindspot backup");
    files.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + size + ((512 - (size % 512)) % 512);
  }
  return files;
}

// ---- Backup ---------------------------------------------------------------------------------

function defaultFileName(extension: string): string {
  return `blindspot-backup-${new Date().toISOString().replace(/[:.]/g, "-")}.${extension}`;
}

/** `--out` may name a file or a directory (the file gets a dated name there: .tar.gz, or .dump for pg_dump). */
export function backupPath(out: string | undefined, extension: "tar.gz" | "dump"): string {
  if (!out) return path.resolve(defaultFileName(extension));
  const resolved = path.resolve(out);
  if (existsSync(resolved) && statSync(resolved).isDirectory()) return path.join(resolved, defaultFileName(extension));
  if (out.endsWith("/")) {
    mkdirSync(resolved, { recursive: true });
    return path.join(resolved, defaultFileName(extension));
  }
  return resolved;
}

/**
 * Writes a backup of the embedded database in dataDir to file: through the running server when
 * one serves it, otherwise by opening the database here.
 */
export async function backupEmbedded(dataDir: string, file: string): Promise<{ file: string; bytes: number; throughServer: boolean }> {
  if (!existsSync(path.join(dataDir, "pglite", "PG_VERSION"))) throw new Error(`no embedded database in ${dataDir} (BLINDSPOT_DATA_DIR)`);
  const db = await openEmbeddedDatabase(dataDir);
  let data: Buffer;
  try {
    data = await db.dumpDataDir();
  } finally {
    await db.stop();
  }
  const files = [{ name: "pglite.tar", data }];
  const secretFile = path.join(dataDir, SESSION_SECRET);
  if (existsSync(secretFile)) files.push({ name: SESSION_SECRET, data: readFileSync(secretFile) });
  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    pglite: await pgliteVersion(),
    files: files.map((f) => f.name),
  };
  const archive = gzipSync(packTar([{ name: "manifest.json", data: Buffer.from(JSON.stringify(manifest, null, 2)) }, ...files]));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, archive, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, bytes: archive.length, throughServer: !db.owned };
}

async function pgliteVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(readFileSync(path.join(process.cwd(), "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

// ---- Restore --------------------------------------------------------------------------------

/**
 * Restores a backup into dataDir, which must not hold a database yet (a live one is never
 * overwritten), and opens the result once to check it.
 */
export async function restoreEmbedded(file: string, dataDir: string): Promise<{ tenants: number; events: number }> {
  let files: Map<string, Buffer>;
  try {
    files = unpackTar(gunzipSync(readFileSync(file)));
  } catch (err) {
    throw new Error(`${file} is not a Blindspot backup (${err instanceof Error ? err.message : String(err)})`);
  }
  const manifest = JSON.parse(files.get("manifest.json")?.toString("utf8") ?? "{}") as Partial<Manifest>;
  const pgdata = files.get("pglite.tar");
  if (manifest.format !== FORMAT || !pgdata) throw new Error(`${file} is not a Blindspot backup of the embedded database`);

  const pgDir = path.join(dataDir, "pglite");
  if (existsSync(pgDir) && readdirSync(pgDir).length > 0) {
    throw new Error(`${pgDir} already holds a database: restore into a new, empty BLINDSPOT_DATA_DIR (a live database is never overwritten)`);
  }
  const secret = files.get(SESSION_SECRET);
  const secretFile = path.join(dataDir, SESSION_SECRET);
  if (secret && existsSync(secretFile) && !readFileSync(secretFile).equals(secret)) {
    throw new Error(`${secretFile} differs from the backup's: restore into a new, empty BLINDSPOT_DATA_DIR`);
  }

  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const db = await PGlite.create(pgDir, { extensions: PGLITE_EXTENSIONS, loadDataDir: new Blob([new Uint8Array(pgdata)]) });
  try {
    const tenants = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants`);
    const events = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
    if (secret) writeFileSync(secretFile, secret, { mode: 0o600 });
    return { tenants: tenants.rows[0].n, events: events.rows[0].n };
  } finally {
    await db.close();
  }
}

// ---- Postgres server ------------------------------------------------------------------------

/** With DATABASE_URL: runs pg_dump (custom format) when it is on PATH; otherwise says how. */
export function backupServer(url: string, file: string): { ran: boolean; message: string } {
  const probe = spawnSync("pg_dump", ["--version"], { encoding: "utf8" });
  const how =
    `Back up a Postgres server with its own tools: pg_dump --format=custom --file=<file> "$DATABASE_URL" ` +
    `(restore: pg_restore --dbname=<new database> <file>), or base backups with WAL archiving for point-in-time recovery.`;
  if (probe.error || probe.status !== 0) return { ran: false, message: `pg_dump is not on PATH. ${how}` };
  const r = spawnSync("pg_dump", ["--format=custom", `--file=${file}`, url], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) return { ran: false, message: `pg_dump failed (exit ${r.status}). ${how}` };
  chmodSync(file, 0o600);
  return { ran: true, message: `${probe.stdout.trim()}: wrote ${file} (restore with pg_restore --dbname=<new database> ${file})` };
}
