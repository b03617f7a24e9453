import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { cursorCodec, cursorField, InvalidCursorError } from "./cursor";

// The keyset-cursor codec: what it encodes it decodes unchanged, and whatever else a client sends
// is InvalidCursorError or a position whose values Postgres takes for the casts the queries use
// (checked on the real database), never any other error.

const codec = cursorCodec("test", { t: cursorField.time, s: cursorField.int, id: cursorField.uuid, v: z.union([cursorField.float, cursorField.text, z.null()]) });
type Position = ReturnType<typeof codec.decode>;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** A hand-made cursor of this codec's kind holding `p`. */
const forged = (p: unknown) => base64url({ k: "test", p });

const position: fc.Arbitrary<Position> = fc.record({
  t: fc
    .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
    .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().replace(/Z$/, "123Z"), d.toISOString().replace(/\.\d+Z$/, "Z"))),
  s: fc.maxSafeInteger(),
  id: fc.uuid(),
  v: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)) /* JSON has no -0 */, fc.string({ unit: "binary" }).filter((s) => !s.includes("\u0000")), fc.constant(null)),
});

/** Decodes, or returns the error (which must be InvalidCursorError). */
function attempt(raw: string): Position | InvalidCursorError {
  try {
    return codec.decode(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidCursorError);
    return err as InvalidCursorError;
  }
}

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

/** The casts the keyset queries apply to a position's values. */
async function postgresAccepts(p: Position): Promise<void> {
  await getPool().query(`SELECT $1::timestamptz, $2::bigint, $3::uuid, $4::text, $5::float8`, [
    p.t, p.s, p.id, typeof p.v === "string" ? p.v : null, typeof p.v === "number" ? p.v : null,
  ]);
}

describe("cursorCodec", () => {
  it("round-trips every position, and Postgres accepts its values", async () => {
    await fc.assert(
      fc.asyncProperty(position, async (p) => {
        const raw = codec.encode(p);
        expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(codec.decode(raw)).toEqual(p);
        await postgresAccepts(p);
      }),
      { numRuns: 300 },
    );
  });

  it("any text is InvalidCursorError or a position Postgres accepts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: "binary" }), fc.base64String().map((s) => s.replace(/=+$/, ""))), async (raw) => {
        const out = attempt(raw);
        if (!(out instanceof InvalidCursorError)) await postgresAccepts(out);
      }),
      { numRuns: 300 },
    );
  });

  it("any JSON, and a real cursor with any one character changed, is InvalidCursorError or a position Postgres accepts", async () => {
    const tampered = fc.tuple(position, fc.nat(), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.%")).map(([p, i, c]) => {
      const raw = codec.encode(p);
      const at = i % raw.length;
      return raw.slice(0, at) + c + raw.slice(at + 1);
    });
    const anyJson = fc.jsonValue().map(base64url);
    // Right keys, wrong values: the shape a hand-edited cursor has.
    const edited = fc
      .record({ t: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), s: fc.oneof(fc.double(), fc.string()), id: fc.oneof(fc.uuid(), fc.string()), v: fc.jsonValue() })
      .map(forged);
    await fc.assert(
      fc.asyncProperty(fc.oneof(tampered, anyJson, edited), async (raw) => {
        const out = attempt(raw);
        if (!(out instanceof InvalidCursorError)) await postgresAccepts(out);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses what Postgres would refuse or what no query made", () => {
    const good = { t: "2026-11-22T10:15:03.123456Z", s: 4, id: "0b6c5f7e-2f1a-4b8e-9a55-3d1c2b7a9e01", v: "Bash" };
    expect(codec.decode(codec.encode(good))).toEqual(good);
    const bad: Array<[string, string]> = [
      ["empty", ""],
      ["not base64url", "a+b/c=="],
      ["not JSON", Buffer.from("{t:").toString("base64url")],
      ["JSON null", base64url(null)],
      ["an array", forged([good.t, good.s, good.id])],
      ["the position without its kind", base64url(good)],
      ["another kind", base64url({ k: "events", p: good })],
      ["an extra field", forged({ ...good, x: 1 })],
      ["30 February", forged({ ...good, t: "2026-02-30T00:00:00Z" })],
      ["hour 24", forged({ ...good, t: "2026-11-22T24:00:00Z" })],
      ["year 0", forged({ ...good, t: "0000-01-01T00:00:00Z" })],
      ["a time with an offset", forged({ ...good, t: "2026-11-22T10:15:03+02:00" })],
      ["seven fractional digits", forged({ ...good, t: "2026-11-22T10:15:03.1234567Z" })],
      ["epoch milliseconds", forged({ ...good, t: 1_790_000_000_000 })],
      ["a sequence beyond 2^53", forged({ ...good, s: 2 ** 60 })],
      ["a fractional sequence", forged({ ...good, s: 1.5 })],
      ["an id that is no UUID", forged({ ...good, id: "x'; DROP TABLE events; --" })],
      ["NUL in text", forged({ ...good, v: "a\u0000b" })],
      ["a missing field", forged({ t: good.t, id: good.id, v: null })],
    ];
    for (const [what, raw] of bad) expect(() => codec.decode(raw), what).toThrow(InvalidCursorError);
  });
});
