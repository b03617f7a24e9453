import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";

// The schema stays distributable by tenant_id for Citus: on the migrated database (pg_catalog,
// not the migration text), every tenant table has a NOT NULL tenant_id, its primary key and every
// unique index start with tenant_id, and foreign keys between tenant tables carry tenant_id, so
// no row ever points into another tenant (Citus co-locates each tenant's rows on one node).
// Instance-level tables are the exceptions below: small, read by every tenant's requests, they
// become Citus reference tables (copied to every node). Tenant tables may reference them; they
// may not reference tenant tables. A new table must follow the rules or be added here with a reason.

const INSTANCE_TABLES: Record<string, string> = {
  _prisma_migrations: "the migration history of the whole database",
  tenants: "the tenant list itself",
  environments: "referenced by ingest_tokens, which are looked up before the tenant is known",
  users: "a sign-in finds the user by email before the tenant is known (email is unique instance-wide)",
  ingest_tokens: "an OTLP request is authenticated by the token's hash before the tenant is known",
  api_tokens: "a read-API request is authenticated by the token's hash before the tenant is known",
  audit_log: "holds instance-level actions too (tenant_id NULL: settings, sign-ins)",
  jobs: "one queue for all tenants, claimed with FOR UPDATE SKIP LOCKED by every app instance; tenant_id NULL for instance jobs",
  instance_settings: "instance-wide settings (CORS origins), read before any tenant is known",
  signin_limits: "failed sign-ins per account and per address, counted before the user (and so the tenant) is known",
};

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await startTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
});

async function tables(): Promise<{ name: string; tenantId: "not null" | "nullable" | null }[]> {
  const { rows } = await client.query<{ name: string; notnull: boolean | null }>(
    `SELECT c.relname AS name, a.attnotnull AS notnull
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 1`,
  );
  return rows.map((r) => ({ name: r.name, tenantId: r.notnull === null ? null : r.notnull ? "not null" : "nullable" }));
}

describe("the schema is distributable by tenant_id (Citus)", () => {
  it("every tenant table has tenant_id NOT NULL; every exception exists and has a reason", async () => {
    const all = await tables();
    const names = all.map((t) => t.name);
    expect(Object.keys(INSTANCE_TABLES).filter((t) => !names.includes(t)), "listed exceptions that no longer exist").toEqual([]);
    const tenantTables = all.filter((t) => !(t.name in INSTANCE_TABLES));
    expect(tenantTables.length).toBeGreaterThan(10);
    expect(tenantTables.filter((t) => t.tenantId !== "not null").map((t) => t.name), "tenant tables without tenant_id NOT NULL").toEqual([]);
  });

  it("every primary key and unique index of a tenant table starts with tenant_id", async () => {
    const { rows } = await client.query<{ table: string; index: string; first: string | null }>(
      `SELECT t.relname AS table, ic.relname AS index, a.attname AS first
         FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
         JOIN pg_class ic ON ic.oid = i.indexrelid
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
        WHERE i.indisunique
        ORDER BY 1, 2`,
    );
    const { rows: withoutKey } = await client.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)`,
    );
    const tenantIndexes = rows.filter((r) => !(r.table in INSTANCE_TABLES));
    expect(tenantIndexes.length).toBeGreaterThan(10);
    expect(tenantIndexes.filter((r) => r.first !== "tenant_id").map((r) => `${r.table}.${r.index} starts with ${r.first ?? "an expression"}`)).toEqual([]);
    expect(withoutKey.map((r) => r.table).filter((t) => !(t in INSTANCE_TABLES)), "tenant tables without a primary key").toEqual([]);
  });

  it("no foreign key crosses tenants: tenant → tenant keys pair tenant_id with tenant_id; instance tables never point at tenant tables", async () => {
    const { rows } = await client.query<{ name: string; from: string; to: string; pairs: string[] }>(
      `SELECT con.conname AS name, src.relname AS from, dst.relname AS to,
              array(SELECT sa.attname || '=' || da.attname
                      FROM unnest(con.conkey, con.confkey) AS k(s, d)
                      JOIN pg_attribute sa ON sa.attrelid = con.conrelid AND sa.attnum = k.s
                      JOIN pg_attribute da ON da.attrelid = con.confrelid AND da.attnum = k.d) AS pairs
         FROM pg_constraint con
         JOIN pg_class src ON src.oid = con.conrelid
         JOIN pg_class dst ON dst.oid = con.confrelid
         JOIN pg_namespace n ON n.oid = src.relnamespace AND n.nspname = current_schema()
        WHERE con.contype = 'f'
        ORDER BY 1`,
    );
    const isTenant = (t: string) => !(t in INSTANCE_TABLES);
    const crossing = rows.filter((r) => isTenant(r.from) && isTenant(r.to) && !r.pairs.includes("tenant_id=tenant_id"));
    expect(crossing.map((r) => `${r.name}: ${r.from} → ${r.to} (${r.pairs.join(", ")})`)).toEqual([]);
    const intoTenantTables = rows.filter((r) => !isTenant(r.from) && isTenant(r.to));
    expect(intoTenantTables.map((r) => `${r.name}: ${r.from} → ${r.to}`)).toEqual([]);
  });
});
