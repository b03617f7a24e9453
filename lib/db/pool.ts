import pg from "pg";
import { config } from "@/lib/config";
import { processSingleton } from "@/lib/process-singleton";

// One pg.Pool per process, shared by raw SQL (ingest, read models) and Prisma (via its pg adapter).
// The embedded database is reached through the same driver: the launcher serves PGlite on a local
// socket and hands this process a DATABASE_URL, so there is one code path for both engines.

// int8 (bigint) arrives as a string by default; counts and sequences fit in a double, and the
// read API formats nanosecond timestamps itself (they are selected as text).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

type PoolHolder = { pool?: pg.Pool; url?: string };
const holder = processSingleton<PoolHolder>("pool", () => ({}));

export class DatabaseNotConfiguredError extends Error {
  constructor() {
    super(
      "DATABASE_URL is not set. Start Blindspot with `npm start` (it runs the embedded database) " +
        "or set DATABASE_URL to a Postgres server.",
    );
  }
}

export function getPool(): pg.Pool {
  const h = holder;
  const url = process.env.DATABASE_URL;
  if (!url) throw new DatabaseNotConfiguredError();
  if (h.pool && h.url === url) return h.pool;
  if (h.pool) void h.pool.end();
  h.pool = new pg.Pool({
    connectionString: url,
    max: config().DB_POOL_SIZE,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process.
  h.pool.on("error", (err) => console.error(`[db] idle client error: ${err.message}`));
  h.url = url;
  return h.pool;
}

export async function closePool(): Promise<void> {
  const h = holder;
  if (h.pool) {
    const p = h.pool;
    h.pool = undefined;
    h.url = undefined;
    await p.end();
  }
}

/** Runs fn inside one transaction on one connection; commits only if fn resolves. */
export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await getPool().connect();
  // pg-pool listens for a client's errors only while it is idle: a connection that dies while
  // checked out (the server restarted, pg_terminate_backend) would otherwise emit an unhandled
  // 'error' and crash the process. The failed query rejects on its own; this only records it.
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost = err);
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackErr: Error) => void (lost ??= rollbackErr));
    throw err;
  } finally {
    client.removeListener("error", onError);
    // A connection that failed or could not roll back is closed, not handed to the next request.
    client.release(lost);
  }
}
