import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "@/lib/otlp/values";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { copyRows } from "./copy-insert";
import { getPool } from "./pool";

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

/** Rejects if `work` takes longer than ms: a connection stuck in COPY mode never answers. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}

describe("copyRows", () => {
  it("a value that cannot be encoded fails before the COPY starts: the connection stays usable", async () => {
    // Deeper than JSON.stringify's stack: any encoding error must not leave the server waiting for data.
    let deep: JsonValue = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const client = await getPool().connect();
    try {
      await client.query("CREATE TEMP TABLE copy_probe (a text, j jsonb)");
      await client.query("BEGIN");
      const columns = [
        { name: "a", type: "text" as const, get: (r: { a: string; j: JsonValue }) => r.a },
        { name: "j", type: "jsonb" as const, get: (r: { a: string; j: JsonValue }) => r.j },
      ];
      await expect(copyRows(client, "copy_probe", {}, columns, [{ a: "x", j: deep }])).rejects.toThrow(RangeError);
      const { rows } = await within(5_000, client.query("SELECT count(*)::int AS n FROM copy_probe"));
      expect(rows[0].n).toBe(0);
      expect(await copyRows(client, "copy_probe", {}, columns, [{ a: "tab\there", j: { ok: true } }])).toBe(1);
      await client.query("COMMIT");
      const { rows: stored } = await client.query("SELECT a, j FROM copy_probe");
      expect(stored).toEqual([{ a: "tab\there", j: { ok: true } }]);
    } finally {
      client.release();
    }
  });
});
