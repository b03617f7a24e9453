import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearIngestTokenCache } from "@/lib/auth/ingest-tokens";
import { closePool, getPool } from "@/lib/db/pool";
import { startAppServer } from "@/lib/testing/app-routes";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { fixturesOf } from "@/lib/testing/fixtures";
import type { RouteServer } from "@/lib/testing/route-server";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { describeError, isRetryableDatabaseError } from "./db-errors";

// Every failure of the database answers 503 + Retry-After on the OTLP routes (the exporter keeps
// the batch and sends it again), never 500: each case makes the real route handler run into a real
// failure of the real database, then heals it and checks the re-sent batch is stored exactly once.

const engine = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
const onServer = it.skipIf(!process.env.TEST_DATABASE_URL);

let db: TestDatabase;
let app: RouteServer;
const heal: (() => Promise<void>)[] = [];

const fixture = fixturesOf("a-bash-allowed", "http-json").find((f) => f.signal === "logs")!;
const fixtureRecords = (fixture.decoded() as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }).resourceLogs
  .flatMap((r) => r.scopeLogs)
  .reduce((n, s) => n + s.logRecords.length, 0);

beforeAll(async () => {
  db = await startTestDatabase();
  app = await startAppServer();
});

afterEach(async () => {
  while (heal.length) await heal.pop()!();
  await closePool();
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

function post(tenant: TestTenant): Promise<Response> {
  return fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` },
    body: new Uint8Array(fixture.body()),
  });
}

async function expectRetryLater(res: Response): Promise<void> {
  expect({ status: res.status, retryAfter: res.headers.get("retry-after") }).toEqual({ status: 503, retryAfter: "5" });
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(await res.json()).toEqual({ code: 14, message: "storage temporarily unavailable, retry later" });
}

async function storedEvents(tenant: TestTenant): Promise<number> {
  const { rows } = await getPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenant.tenantId]);
  return rows[0].n;
}

/** After the fault heals, the exporter's re-sent batch is stored, exactly once. */
async function expectStoredOnceAfterHealing(tenant: TestTenant): Promise<void> {
  while (heal.length) await heal.pop()!();
  await closePool();
  expect(await storedEvents(tenant)).toBe(0);
  expect((await post(tenant)).status).toBe(200);
  expect((await post(tenant)).status).toBe(200);
  expect(await storedEvents(tenant)).toBe(fixtureRecords);
}

/** A session of its own on the test database (the app's pool never sees it). */
async function session(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  heal.push(() => c.end().catch(() => undefined));
  return c;
}

async function sql(text: string, url = db.url): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** The server raises `sqlstate` inside the route's own write transaction (a row trigger on events). */
async function serverRaises(sqlstate: string): Promise<void> {
  await sql(`CREATE FUNCTION fault_inject() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '${sqlstate}'; END $$;
    CREATE TRIGGER fault_inject BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fault_inject();`);
  heal.push(() => sql(`DROP TRIGGER fault_inject ON events; DROP FUNCTION fault_inject();`));
}

/** A database-wide setting for new sessions; the app's pool reconnects to pick it up. */
async function databaseSetting(setting: string, value: string): Promise<void> {
  // From the server's maintenance database: a read-only setting must not stop its own reset.
  const name = new URL(db.url).pathname.slice(1);
  const admin = process.env.TEST_DATABASE_URL!;
  await sql(`ALTER DATABASE ${name} SET ${setting} = ${value}`, admin);
  heal.push(() => sql(`ALTER DATABASE ${name} RESET ${setting}`, admin));
  await closePool();
}

/** Another session holds an exclusive lock on `table` until the test heals. */
async function lockHeld(table: string): Promise<pg.Client> {
  const holder = await session();
  await holder.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  heal.push(() => holder.query("ROLLBACK").then(() => undefined));
  return holder;
}

describe(`database faults on the OTLP routes answer 503 + Retry-After (${engine})`, () => {
  for (const [sqlstate, what] of [
    ["53100", "disk full"],
    ["53200", "out of memory"],
    ["58030", "I/O error"],
    ["XX000", "internal error"],
    ["40001", "serialization failure"],
    ["40P01", "deadlock"],
    ["55P03", "lock not available"],
    ["55006", "object in use"],
    ["25006", "read-only transaction (failover to a replica)"],
    ["57P01", "admin shutdown"],
    ["57014", "statement timeout"],
  ] as const) {
    it(`${sqlstate} ${what}, raised by the server inside the write`, async () => {
      const tenant = await createTestTenant(`f${sqlstate.toLowerCase()}`);
      await serverRaises(sqlstate);
      await expectRetryLater(await post(tenant));
      await expectStoredOnceAfterHealing(tenant);
    });
  }

  it("42P01 undefined table (a migration half applied) on the write path", async () => {
    const tenant = await createTestTenant("fmigrate");
    await sql(`ALTER TABLE events RENAME TO events_migrating`);
    heal.push(() => sql(`ALTER TABLE events_migrating RENAME TO events`));
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  it("a Prisma error (token lookup, table missing mid-migration) is classified by the driver error it wraps", async () => {
    const tenant = await createTestTenant("fprisma");
    clearIngestTokenCache();
    await sql(`ALTER TABLE ingest_tokens RENAME TO ingest_tokens_migrating`);
    heal.push(() => sql(`ALTER TABLE ingest_tokens_migrating RENAME TO ingest_tokens`));
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  it("connection refused (the database is down) on the write path and on the token lookup", async () => {
    const tenant = await createTestTenant("frefused");
    expect((await post(tenant)).status).toBe(200); // the token is now cached: the write meets the fault
    await sql(`DELETE FROM events WHERE tenant_id = '${tenant.tenantId}'`);
    const url = process.env.DATABASE_URL!;
    process.env.DATABASE_URL = "postgresql://postgres@127.0.0.1:9/postgres"; // nothing listens on port 9
    heal.push(async () => void (process.env.DATABASE_URL = url));
    await expectRetryLater(await post(tenant));
    clearIngestTokenCache();
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  it("a deterministic failure (our SQL is wrong: feature not supported) stays a 500, without internals", async () => {
    const tenant = await createTestTenant("fbug");
    await serverRaises("0A000");
    const res = await post(tenant);
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(await res.json()).toEqual({ code: 13, message: "internal error while storing telemetry" });
  });

  onServer("25006 for real: the database turned read-only (a failover to a replica)", async () => {
    const tenant = await createTestTenant("freadonly");
    await databaseSetting("default_transaction_read_only", "on");
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  onServer("55P03 for real: another session holds a lock beyond lock_timeout", async () => {
    const tenant = await createTestTenant("flock");
    await databaseSetting("lock_timeout", "'200ms'");
    await lockHeld("events");
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  // Ingest transactions run without statement_timeout (a batch is never cut by a read budget), so
  // 57014 reaches a write when an operator cancels it (pg_cancel_backend), the same SQLSTATE.
  onServer("57014 for real: the write is cancelled (pg_cancel_backend) while it waits", async () => {
    const tenant = await createTestTenant("fcancel");
    await lockHeld("events");
    const pending = post(tenant);
    const pid = await blockedBackend();
    const observer = await session();
    await observer.query(`SELECT pg_cancel_backend($1)`, [pid]);
    await expectRetryLater(await pending);
    await expectStoredOnceAfterHealing(tenant);
  });

  onServer("55P03 for real through Prisma: the token lookup cannot get its lock", async () => {
    const tenant = await createTestTenant("fprismalock");
    clearIngestTokenCache();
    await databaseSetting("lock_timeout", "'200ms'");
    await lockHeld("ingest_tokens");
    await expectRetryLater(await post(tenant));
    await expectStoredOnceAfterHealing(tenant);
  });

  onServer("57P01 for real: the app's connection is terminated (pg_terminate_backend) mid-request", async () => {
    const tenant = await createTestTenant("fterminate");
    await lockHeld("events");
    const pending = post(tenant);
    const pid = await blockedBackend();
    const observer = await session();
    await observer.query(`SELECT pg_terminate_backend($1)`, [pid]);
    await expectRetryLater(await pending);
    await expectStoredOnceAfterHealing(tenant);
  });
});

/**
 * The backend of the route's write once it waits on a lock. (Polled from a session outside any
 * transaction: pg_stat_activity is a snapshot per transaction.)
 */
async function blockedBackend(): Promise<number> {
  const observer = await session();
  for (;;) {
    const { rows } = await observer.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An error as node-postgres produces it from the server's ErrorResponse. */
function pgError(code: string, message = "some value 'secret prompt text'"): pg.DatabaseError {
  const err = new pg.DatabaseError(message, message.length, "error");
  err.code = code;
  err.severity = "ERROR";
  return err;
}

describe("the classifier", () => {
  it("retries what the database's state causes", () => {
    for (const code of ["53100", "53200", "53300", "58030", "58P01", "XX000", "XX001", "40001", "40P01", "55P03", "55006", "25006", "25P03", "57014", "57P01", "57P03", "08006", "08001", "42P01", "42703", "42501", "3D000", "28P01", "F0000"]) {
      expect([code, isRetryableDatabaseError(pgError(code))]).toEqual([code, true]);
    }
  });

  it("does not retry what the request or our SQL causes", () => {
    for (const code of ["22P02", "22021", "23505", "23502", "42601", "42804", "0A000", "54001", "P0001", "21000"]) {
      expect([code, isRetryableDatabaseError(pgError(code))]).toEqual([code, false]);
    }
    expect(isRetryableDatabaseError(new TypeError("Cannot read properties of undefined"))).toBe(false);
  });

  it("retries what node-postgres and pg-pool throw without a SQLSTATE when the connection fails", () => {
    for (const message of ["Connection terminated unexpectedly", "Connection terminated", "timeout exceeded when trying to connect", "Client was closed and is not queryable", "Client has encountered a connection error and is not queryable"]) {
      expect([message, isRetryableDatabaseError(new Error(message))]).toEqual([message, true]);
    }
    for (const code of ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOENT", "ETIMEDOUT"]) {
      expect(isRetryableDatabaseError(Object.assign(new Error(`connect ${code}`), { code }))).toBe(true);
    }
  });

  it("walks cause chains (Error.cause, Prisma's meta.driverAdapterError, AggregateError)", () => {
    const adapter = Object.assign(new Error("DriverAdapterError"), { cause: { kind: "postgres", code: "25006", originalCode: "25006" } });
    const prisma = Object.assign(new Error("Database error. Code: `25006`"), { name: "PrismaClientKnownRequestError", code: "P2039", meta: { driverAdapterError: adapter } });
    expect(isRetryableDatabaseError(prisma)).toBe(true);
    expect(isRetryableDatabaseError(new Error("write failed", { cause: pgError("53100") }))).toBe(true);
    expect(isRetryableDatabaseError(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]))).toBe(true);
    const prismaOwn = (code: string) => Object.assign(new Error(code), { name: "PrismaClientKnownRequestError", code });
    expect([prismaOwn("P1001"), prismaOwn("P1017"), prismaOwn("P2024"), prismaOwn("P2034")].map(isRetryableDatabaseError)).toEqual([true, true, true, true]);
    expect([prismaOwn("P2025"), prismaOwn("P2002")].map(isRetryableDatabaseError)).toEqual([false, false]);
    const unique = Object.assign(new Error("Unique constraint failed"), { code: "P2002", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode: "23505" } } } });
    expect(isRetryableDatabaseError(unique)).toBe(false);
  });

  it("describes a database error by its SQLSTATE, never by its message (which may quote telemetry)", () => {
    expect(describeError(pgError("53100"))).toBe("error (code 53100)");
    const wrapped = Object.assign(new Error("Database error. Code: `22P02`. Message: `secret prompt text`"), { code: "P2039", meta: { driverAdapterError: { cause: { kind: "postgres", code: "22P02" } } } });
    expect(describeError(wrapped)).not.toContain("secret");
  });
});
