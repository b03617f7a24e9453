// Which database failures are worth a retry (connection lost, server starting or shutting
// down, lock conflicts), and a description of any error that is safe to log: Postgres messages
// can quote the offending value, which may be telemetry content.

const RETRYABLE_SQLSTATE_CLASSES = ["08", "53", "57", "40"]; // connection, resources, operator, txn rollback
// Prisma's own codes for "cannot reach / timed out / connection closed / pool exhausted".
const RETRYABLE_PRISMA_CODES = ["P1001", "P1002", "P1008", "P1017", "P2024"];
const RETRYABLE_NODE_CODES = ["ECONNREFUSED", "ECONNRESET", "ENOENT", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isRetryableDatabaseError(err: unknown): boolean {
  const code = codeOf(err);
  if (code && (RETRYABLE_NODE_CODES.includes(code) || RETRYABLE_PRISMA_CODES.includes(code))) return true;
  if (code && /^[0-9A-Z]{5}$/.test(code) && RETRYABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  const message = err instanceof Error ? err.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|DATABASE_URL is not set/i.test(message);
}

export function describeError(err: unknown): string {
  const code = codeOf(err);
  const name = err instanceof Error ? err.name : typeof err;
  // A SQLSTATE error's message may quote data; our own errors' messages do not.
  if (code && /^[0-9A-Z]{5}$/.test(code)) return `${name} (code ${code})`;
  const message = err instanceof Error ? err.message.slice(0, 200) : "";
  return code ? `${name} (${code}): ${message}` : `${name}: ${message}`;
}

/** A statement cut by statement_timeout (SQLSTATE 57014, query_canceled; also a cancel request). */
export function isStatementTimeout(err: unknown): boolean {
  return codeOf(err) === "57014";
}

/** A unique-key violation (SQLSTATE 23505): with COPY, another batch inserted the same record first. */
export function isUniqueViolation(err: unknown): boolean {
  return codeOf(err) === "23505";
}
