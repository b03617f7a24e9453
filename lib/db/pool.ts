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
  const statementTimeout = config().BLINDSPOT_STATEMENT_TIMEOUT_MS;
  h.pool = new pg.Pool({
    connectionString: url,
    max: config().DB_POOL_SIZE,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    // Sent at connection start: every statement of the pool is cut after this (SQLSTATE 57014),
    // unless its transaction sets another (ingest, below). PGlite accepts the setting but cannot
    // enforce it (it runs each statement to the end on the event loop).
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    // No JIT: the planner's cost of a read over the daily partitions (it adds every partition
    // up) trips jit_above_cost even for an index lookup of a few rows, and compiling hundreds of
    // functions per partition then took seconds (a prompt page: 9 s of JIT for 1 ms of work).
    // No parallel query: the pages read rollups, whose groups the planner underestimates (200 for
    // 4,002 people), and on a small server the workers' start and gather cost more than they save
    // (bench:read at 10 M events, 2 cores: approvals p95 323 → 200 ms, alert queue 139 → 95 ms).
    // (An `options` parameter in DATABASE_URL takes precedence over this one.)
    options: "-c jit=off -c max_parallel_workers_per_gather=0",
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

export interface TransactionOptions {
  /**
   * statement_timeout for this transaction only, in ms (0: none). Ingest passes 0: a batch is
   * bounded by BLINDSPOT_MAX_BODY_BYTES, and a COPY cut off by the console's timeout would fail
   * the request, which the exporter re-sends forever.
   */
  statementTimeoutMs?: number;
}

/** For writes that must not be cut by the pool's statement timeout (ingest batches). */
export const WITHOUT_STATEMENT_TIMEOUT: TransactionOptions = { statementTimeoutMs: 0 };

/** Runs fn inside one transaction on one connection; commits only if fn resolves. */
export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await getPool().connect();
  // pg-pool listens for a client's errors only while it is idle: a connection that dies while
  // checked out (the server restarted, pg_terminate_backend) would otherwise emit an unhandled
  // 'error' and crash the process. The failed query rejects on its own; this only records it.
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost = err);
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    if (options.statementTimeoutMs !== undefined) {
      // SET LOCAL ends with the transaction; the value is an integer we produce, never input.
      await client.query(`SET LOCAL statement_timeout = ${Math.max(0, Math.trunc(options.statementTimeoutMs))}`);
    }
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
