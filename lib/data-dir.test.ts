import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { secureDataDir, writeDataDirSecret } from "./data-dir";

// The data directory's modes are set on every start, not only when it is created
// (the embedded database's case is in lib/db/db.test.ts).

const root = mkdtempSync(path.join(os.tmpdir(), "bs-datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe("data directory modes", () => {
  it("a secret written over an existing world-readable file ends up 0600, in a 0700 directory", () => {
    const dir = path.join(root, "overwrite");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, "initial-ingest-token"), "old", { mode: 0o644 });
    const file = writeDataDirSecret(dir, "initial-ingest-token", "new\n");
    expect(readFileSync(file, "utf8")).toBe("new\n");
    expect(mode(file)).toBe("600");
    expect(mode(dir)).toBe("700");
  });

  it("leaves other files alone and does not create the database directories", () => {
    const dir = path.join(root, "other");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "notes.txt"), "x", { mode: 0o644 });
    secureDataDir(dir);
    expect(mode(path.join(dir, "notes.txt"))).toBe("644");
    expect(() => statSync(path.join(dir, "pglite"))).toThrow();
  });
});
