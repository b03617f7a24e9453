import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { EVENT_TABLE, METRIC_POINT_TABLE, PG_TYPE, SPAN_TABLE, type TableDef } from "./index";

// The registry, the migrations and prisma/schema.prisma describe the same columns: same names,
// same types, same nullability, in both directions (a column the registry lacks fails as much as
// a registry entry without a column).

const TABLES: TableDef[] = [EVENT_TABLE, SPAN_TABLE, METRIC_POINT_TABLE];

/** information_schema's udt_name for each Postgres type the registry uses. */
const UDT: Record<string, string> = {
  text: "text", uuid: "uuid", int4: "int4", int8: "int8", float8: "float8", bool: "bool", timestamptz: "timestamptz", "text[]": "_text", jsonb: "jsonb",
};
/** Prisma scalar type → the registry's Postgres types it may stand for. */
const PRISMA: Record<string, string[]> = {
  String: ["text", "uuid"], Int: ["int4"], BigInt: ["int8"], Float: ["float8"], Boolean: ["bool"], DateTime: ["timestamptz"], Json: ["jsonb"], "String[]": ["text[]"],
};

type Column = { type: string; nullable: boolean };
const registryColumns = (t: TableDef): Record<string, Column> =>
  Object.fromEntries(t.fields.map((f) => [f.column, { type: PG_TYPE[f.type], nullable: !f.required }]));

/** The columns of a model in schema.prisma, found by its @@map. */
function prismaColumns(schema: string, table: string): Record<string, { prismaType: string; nullable: boolean }> {
  const model = schema.split(/\nmodel /).find((m) => m.includes(`@@map("${table}")`));
  if (!model) throw new Error(`no model maps to ${table}`);
  const out: Record<string, { prismaType: string; nullable: boolean }> = {};
  for (const line of model.split("\n").slice(1)) {
    const m = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
    if (!m || line.trim().startsWith("//") || line.trim().startsWith("@@")) continue;
    const column = /@map\("([^"]+)"\)/.exec(m[5])?.[1] ?? m[1];
    out[column] = { prismaType: m[2] + (m[3] ?? ""), nullable: m[4] === "?" };
  }
  return out;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => db?.stop());

describe("field registry", () => {
  for (const t of TABLES) {
    it(`${t.table}: the registry and the migrated database agree`, async () => {
      const { rows } = await getPool().query<{ column_name: string; udt_name: string; is_nullable: string }>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()`,
        [t.table],
      );
      const database = Object.fromEntries(rows.map((r) => [r.column_name, { type: r.udt_name, nullable: r.is_nullable === "YES" }]));
      const registry = Object.fromEntries(Object.entries(registryColumns(t)).map(([c, v]) => [c, { type: UDT[v.type], nullable: v.nullable }]));
      expect(registry).toEqual(database);
    });

    it(`${t.table}: the registry and schema.prisma agree`, () => {
      const schema = readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");
      const prisma = prismaColumns(schema, t.table);
      const registry = registryColumns(t);
      expect(Object.keys(registry).sort()).toEqual(Object.keys(prisma).sort());
      for (const [column, r] of Object.entries(registry)) {
        const p = prisma[column];
        expect({ column, types: PRISMA[p.prismaType] ?? [], nullable: p.nullable || p.prismaType.endsWith("[]") })
          .toEqual({ column, types: expect.arrayContaining([r.type]), nullable: r.nullable });
      }
    });
  }

  it("every Explorer sort column has its keyset index ((tenant_id, column, time, id); time: (tenant_id, time))", async () => {
    const { rows } = await getPool().query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'events'`);
    const keyColumns = rows.map((r) => /\((.*)\)/.exec(r.indexdef)![1].replace(/"/g, "").replace(/ (ASC|DESC)/g, ""));
    for (const f of EVENT_TABLE.fields.filter((f) => "sort" in f)) {
      const want = f.column === "time" ? "tenant_id, time" : `tenant_id, ${f.column}, time, id`;
      expect({ column: f.column, indexed: keyColumns.some((k) => k.startsWith(want)) }).toEqual({ column: f.column, indexed: true });
    }
  });

  it("declares each column once, with a label, and API paths that do not collide", () => {
    for (const t of TABLES) {
      const columns = t.fields.map((f) => f.column);
      expect(new Set(columns).size).toBe(columns.length);
      const apis = t.fields.flatMap((f) => (f.api ? [f.api] : []));
      expect(new Set(apis).size).toBe(apis.length);
      // A path may not be both a value and an object (`user` and `user.email`).
      for (const a of apis) expect(apis.filter((b) => b.startsWith(`${a}.`))).toEqual([]);
      for (const f of t.fields) expect(f.label.length).toBeGreaterThan(0);
    }
  });
});
