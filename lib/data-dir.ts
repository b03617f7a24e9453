import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

// The data directory holds the embedded database (PGlite has no authentication: whoever reads
// its files reads all telemetry), the session signing key and first-start secrets. mkdir's mode
// applies only when it creates the directory, and writeFile's only when it creates the file, so
// a directory made earlier by hand, by an older version or by a restored backup keeps whatever
// mode it had: every start sets the modes again.

/** Files of the data directory that hold secrets (written by scripts/start.ts and lib/bootstrap.ts). */
export const DATA_DIR_SECRET_FILES = ["session-secret", "initial-admin-password", "initial-ingest-token"] as const;

/** Subdirectories of the data directory: the embedded database's files and its socket. */
const PRIVATE_SUBDIRS = ["pglite", "run"] as const;

function setMode(target: string, mode: number): void {
  try {
    chmodSync(target, mode);
  } catch (err) {
    throw new Error(
      `cannot restrict ${target} to mode ${mode.toString(8)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        "run Blindspot as the owner of BLINDSPOT_DATA_DIR",
    );
  }
}

/**
 * Creates the data directory if needed and makes it and its database directories 0700 and its
 * secret files 0600, whatever their modes were.
 */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  setMode(dataDir, 0o700);
  for (const sub of PRIVATE_SUBDIRS) {
    const dir = path.join(dataDir, sub);
    if (existsSync(dir)) setMode(dir, 0o700);
  }
  for (const name of DATA_DIR_SECRET_FILES) {
    const file = path.join(dataDir, name);
    if (existsSync(file)) setMode(file, 0o600);
  }
}

/** Writes a secret into the (secured) data directory, readable by the owner only. */
export function writeDataDirSecret(dataDir: string, name: (typeof DATA_DIR_SECRET_FILES)[number], value: string): string {
  secureDataDir(dataDir);
  const file = path.join(dataDir, name);
  writeFileSync(file, value, { mode: 0o600 });
  // An existing file keeps its mode through writeFile.
  setMode(file, 0o600);
  return file;
}
