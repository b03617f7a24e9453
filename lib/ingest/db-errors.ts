// Which failures mean "the database cannot take this now, send it again later" (→ 503 +
// Retry-After on the OTLP routes, so the exporter keeps the batch) and which are deterministic
// (the same request would fail the same way: a bug of ours → 500), plus a description of any
// error that is safe to log: Postgres messages can quote the offending value, which may be
// telemetry content.
//
// The rule: every failure raised by the database layer is retryable unless its SQLSTATE says the
// statement itself is wrong (data exceptions, constraint violations, syntax): a server restarting,
// a failover to a read-only replica, a full disk, a timeout, a lock, a serialization conflict, a
// migration half applied, a lost socket, an exhausted pool all heal without the sender changing
// anything. Per-record data problems (classes 22, 23) are handled by the writer record by record;
// one that still escapes is our bug, and so is any non-database exception.

/**
 * SQLSTATE classes whose errors repeat on every retry of the same statement: the request (or our
 * SQL) is wrong, not the database's state. Everything else Postgres raises is worth a retry.
 */
const DETERMINISTIC_SQLSTATE_CLASSES = new Set([
  "0A", // feature not supported
  "21", // cardinality violation
  "22", // data exception (per record: the writer cleans or rejects it)
  "23", // integrity constraint violation
  "24", // invalid cursor state
  "26", // invalid SQL statement name
  "27", // triggered data change violation
  "2B", // dependent privilege descriptors still exist
  "2D", // invalid transaction termination
  "2F", // SQL routine exception
  "34", // invalid cursor name
  "38", // external routine exception
  "39", // external routine invocation exception
  "3B", // savepoint exception
  "42", // syntax error or access rule violation (but see SCHEMA_NOT_READY)
  "44", // WITH CHECK OPTION violation
  "54", // program limit exceeded (statement too complex)
  "P0", // PL/pgSQL RAISE
]);

/**
 * Class-42 codes that mean the schema is not (yet) what the code expects: a migration running or
 * half applied during a deploy, or privileges being changed. They heal once the operator finishes.
 */
const SCHEMA_NOT_READY = new Set(["42P01", "42703", "42883", "42704", "42501"]);

// Socket-level errors from Node (the PGlite socket gone is ENOENT/ECONNREFUSED).
const RETRYABLE_NODE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ENOENT", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND",
  "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "ERR_SOCKET_CLOSED", "ERR_STREAM_DESTROYED", "ERR_STREAM_PREMATURE_CLOSE",
]);

// Prisma's P1xxx (the server or the connection) and these P2xxx: table or column missing, pool
// exhausted, write conflict, too many connections. Its P2010/P2039 wrap a SQLSTATE, read from the chain.
const RETRYABLE_PRISMA_CODES = new Set(["P2021", "P2022", "P2024", "P2034", "P2037"]);
// Prisma's driver-adapter error kinds without a SQLSTATE of their own.
const RETRYABLE_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "TransactionWriteConflict",
  "TableDoesNotExist", "ColumnNotFound", "TransactionAlreadyClosed", "DatabaseDoesNotExist", "DatabaseAccessDenied",
  "AuthenticationFailed", "TlsConnectionError",
]);
const PRISMA_ERROR_NAMES = new Set(["PrismaClientInitializationError", "PrismaClientRustPanicError"]);

// What node-postgres and pg-pool throw without a code when the connection or the pool fails.
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|Query read timeout|DATABASE_URL is not set|the database system is (starting up|shutting down|in recovery mode)/i;

const SQLSTATE = /^[0-9A-Z]{5}$/;
// Prisma's own codes look like SQLSTATEs; PL/pgSQL's SQLSTATEs are P0xxx, Prisma's P1000 and up.
const PRISMA_CODE = /^P[1-9]\d{3}$/;

interface Facts {
  sqlstates: string[];
  codes: string[];
  kinds: string[];
  names: string[];
  messages: string[];
}

/** Everything the error and the errors it wraps say: pg errors, Prisma's `cause`/`meta`, AggregateError. */
function factsOf(err: unknown): Facts {
  const facts: Facts = { sqlstates: [], codes: [], kinds: [], names: [], messages: [] };
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (e === null || typeof e !== "object" || seen.has(e) || depth > 8) return;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["code", "originalCode"]) {
      const code = o[key];
      if (typeof code !== "string") continue;
      if (SQLSTATE.test(code) && !PRISMA_CODE.test(code)) facts.sqlstates.push(code);
      else facts.codes.push(code);
    }
    if (typeof o.kind === "string") facts.kinds.push(o.kind);
    if (e instanceof Error) {
      facts.names.push(e.name, e.constructor?.name ?? "");
      facts.messages.push(e.message);
    }
    visit(o.cause, depth + 1);
    const meta = o.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === "object") visit(meta.driverAdapterError, depth + 1);
    if (Array.isArray(o.errors)) for (const inner of o.errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return facts;
}

function sqlstateIsRetryable(code: string): boolean {
  if (SCHEMA_NOT_READY.has(code)) return true;
  return !DETERMINISTIC_SQLSTATE_CLASSES.has(code.slice(0, 2));
}

/** The innermost SQLSTATE in the chain (the server's own report), if any. */
export function sqlstateOf(err: unknown): string | undefined {
  return factsOf(err).sqlstates.at(-1);
}

/**
 * True when the failure is the database's state, not the request: sending the same batch again
 * later can succeed, so the receiver answers 503 + Retry-After and the exporter keeps the batch.
 */
export function isRetryableDatabaseError(err: unknown): boolean {
  const f = factsOf(err);
  // A SQLSTATE is the server's verdict on this statement: it decides.
  if (f.sqlstates.length > 0) return sqlstateIsRetryable(f.sqlstates.at(-1)!);
  if (f.codes.some((c) => RETRYABLE_NODE_CODES.has(c) || RETRYABLE_PRISMA_CODES.has(c) || /^P1\d{3}$/.test(c))) return true;
  if (f.kinds.some((k) => RETRYABLE_ADAPTER_KINDS.has(k))) return true;
  if (f.names.some((n) => PRISMA_ERROR_NAMES.has(n))) return true;
  return f.messages.some((m) => PG_CONNECTION_MESSAGES.test(m));
}

export function describeError(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  // A SQLSTATE error's message (and Prisma's, which quotes it) may quote data; our own do not.
  const sqlstate = sqlstateOf(err);
  if (sqlstate) return `${name} (code ${sqlstate})`;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && PRISMA_CODE.test(code)) return `${name} (code ${code})`;
  const message = err instanceof Error ? err.message.slice(0, 200) : "";
  return typeof code === "string" ? `${name} (${code}): ${message}` : `${name}: ${message}`;
}

/** A statement cut by statement_timeout (SQLSTATE 57014, query_canceled; also a cancel request). */
export function isStatementTimeout(err: unknown): boolean {
  return sqlstateOf(err) === "57014";
}

/** A unique-key violation (SQLSTATE 23505): with COPY, another batch inserted the same record first. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "23505";
}
