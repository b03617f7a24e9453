import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { getPool } from "./pool";
import { toPostgresJson, toPostgresJsonText, toPostgresParams, toPostgresText } from "./postgres-values";

// Values Postgres accepts: the characters it refuses (NUL; lone surrogates in JSON) become U+FFFD,
// and nothing else changes. Checked against the test engine (PGlite, or the server in CI's second pass).

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

const CASES: { name: string; value: string; stored: string }[] = [
  { name: "NUL", value: "a\u0000b", stored: "a\uFFFDb" },
  { name: "NULs in a row", value: "\u0000\u0000\u0000", stored: "\uFFFD\uFFFD\uFFFD" },
  { name: "lone high surrogate", value: "x\ud800", stored: "x\uFFFD" },
  { name: "lone low surrogate", value: "\udfffy", stored: "\uFFFDy" },
  { name: "lone surrogates in a row", value: "\udbff\udbff\udc00", stored: "\uFFFD\udbff\udc00" },
  { name: "pair in the wrong order", value: "\udc00\ud800", stored: "\uFFFD\uFFFD" },
  { name: "a real pair stays", value: "😀 \ud83d\ude00", stored: "😀 😀" },
  { name: "escaped backslash before u0000 text", value: "\\u0000 \\ud800", stored: "\\u0000 \\ud800" },
  { name: "escaped backslash before a real NUL", value: "\\\u0000\\\\\ud800", stored: "\\\uFFFD\\\\\uFFFD" },
  { name: "other escapes stay", value: "\u0001\u001f\t\n\"é", stored: "\u0001\u001f\t\n\"é" },
];

describe("toPostgresJson", () => {
  it("replaces only the escapes Postgres refuses, in values and keys", () => {
    expect(toPostgresJson({ "k\u0000\ud800": ["\u0000\u0000", "ok"] })).toBe('{"k\\ufffd\\ufffd":["\\ufffd\\ufffd","ok"]}');
    expect(toPostgresJson("\\u0000")).toBe(JSON.stringify("\\u0000"));
    expect(toPostgresJson({ plain: 1 })).toBe('{"plain":1}');
    expect(() => toPostgresJson(undefined)).toThrow(TypeError);
  });

  for (const c of CASES) {
    it(`Postgres takes it as jsonb and as text: ${c.name}`, async () => {
      const doc = toPostgresJson([{ t: c.value, j: { [c.value]: c.value } }]);
      const { rows } = await getPool().query(`SELECT r.t, r.j FROM jsonb_to_recordset($1::jsonb) AS r(t text, j jsonb)`, [doc]);
      expect(rows).toEqual([{ t: c.stored, j: { [c.stored]: c.stored } }]);
    });
  }
});

describe("toPostgresParams", () => {
  it("replaces NUL in string parameters, leaves everything else, and Postgres takes them", async () => {
    const params = toPostgresParams(["a\u0000\u0000b \ud800", 7, null, "plain"]);
    expect(params).toEqual(["a\uFFFD\uFFFDb \ud800", 7, null, "plain"]);
    const { rows } = await getPool().query(`SELECT $1::text AS t, $2::int AS n, $3::text AS z, $4::text AS p`, params);
    expect(rows[0]).toEqual({ t: "a\uFFFD\uFFFDb \uFFFD", n: 7, z: null, p: "plain" });
  });
});

describe("as the decoders read", () => {
  it("toPostgresText gives each case's stored form", () => {
    for (const c of CASES) expect(toPostgresText(c.value)).toBe(c.stored);
  });

  it("toPostgresJsonText: senders' escapes (either case) of NUL and lone surrogates, escaped pairs kept", () => {
    const parse = (text: string) => JSON.parse(toPostgresJsonText(text));
    expect(parse('"a\\u0000\\u0000b"')).toBe("a\uFFFD\uFFFDb");
    expect(parse('"\\uD800 \\uDFFF \\udc00\\ud800"')).toBe("\uFFFD \uFFFD \uFFFD\uFFFD");
    expect(parse('"\\uD83D\\uDE00 \\ud83d\\ude00"')).toBe("😀 😀");
    expect(parse('"\\\\u0000 \\\\uD800"')).toBe("\\u0000 \\uD800");
    expect(parse('{"k\\u0000":"\\u0041"}')).toEqual({ "k\uFFFD": "A" });
    for (const c of CASES) expect(parse(JSON.stringify(c.value))).toBe(c.stored);
  });
});
